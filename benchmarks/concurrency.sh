#!/usr/bin/env bash
# Unbatched serve4j against raw ONNX Runtime at its limit, interleaved (the engines take turns in
# one JVM, so load from elsewhere hits both alike), at 1, 8 and 32 threads on the four models;
# prints each run's load average, medians and ratios (issue 22, BENCHMARKS.md "Concurrency against
# the raw limit"). About 6 minutes on 2 cores. Build first (or SKIP_BUILD=1 to reuse the jar).
#
#   benchmarks/concurrency.sh                       # all models, 1 8 32 threads
#   MODELS="mlp cnn" THREADS="8 32" benchmarks/concurrency.sh
#   ENGINES=ort,serve4j,ort_copy benchmarks/concurrency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${SKIP_BUILD:-}" ]]; then
  ./mvnw -q -pl core,testkit,runtime-onnx,benchmarks -am package -DskipTests
fi
J="java -Xms1g -Xmx1g -Doffline=true -Dserve4j.bench.models=${TMPDIR:-/tmp}/serve4j-bench-models \
  -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.Interleaved"
for m in ${MODELS:-mlp cnn minilm16 minilm128}; do
  for t in ${THREADS:-1 8 32}; do
    if [[ "$m" == minilm128 ]]; then windows=6; ms=1500; else windows=10; ms=500; fi
    # MiniLM makes too few calls for C2 to compile serve4j's call path within the windows:
    # warm every engine up to 3,000 calls with the JIT's thresholds at a tenth (BENCHMARKS.md)
    if [[ "$m" == minilm* ]]; then jit="-XX:CompileThresholdScaling=0.1 -Dserve4j.bench.warmUpCalls=3000";
    # MLP/CNN with 8 or 32 callers on 2 cores: the compiler threads get a small share of the CPU and
    # C2 had not compiled serve4j's path when the windows began; warm up by calls (BENCHMARKS.md percall4)
    elif [[ "$m" == mlp && "$t" != 1 ]]; then jit="-Dserve4j.bench.warmUpCalls=400000";
    elif [[ "$m" == cnn && "$t" != 1 ]]; then jit="-Dserve4j.bench.warmUpCalls=150000"; else jit=""; fi
    # shellcheck disable=SC2086
    java $jit ${J#java } "$m" "${ENGINES:-ort,serve4j}" "$windows" "$ms" "$t" 2>&1 | grep -v '^WARNING'
  done
done
