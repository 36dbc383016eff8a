#!/usr/bin/env bash
# Builds the benchmarks jar and runs the whole suite: raw ONNX Runtime, DJL, serve4j unbatched and
# batched, on MiniLM (sequence 16 and 128), the MLP and the CNN; latency at 1 thread, throughput at
# 1, 8 and 32, allocation per prediction, cold start. Writes benchmarks/results/*.json (JMH),
# benchmarks/results/table.txt (figures and ratios) and benchmarks/results/machine.txt, and prints
# the table. About 27 minutes on 2 cores with the defaults (2 rounds, 3 x 1 s warm-up and
# 4 x 1 s measurement per fork: short iterations, chosen to keep the run short).
#
#   benchmarks/run.sh                                   # everything
#   BENCH_OPTS="-Dbench.rounds=1 -Dbench.models=mlp" benchmarks/run.sh
#   BENCH_OPTS="-Dbench.prof=stack -Dbench.threads=1" benchmarks/run.sh   # with a profile
#   SKIP_BUILD=1 benchmarks/run.sh                       # reuse benchmarks/target/benchmarks.jar
#   SKIP_COLD=1 benchmarks/run.sh                        # without the interleaved cold-start run
#
# Other settings (system properties in BENCH_OPTS): bench.runtimes, bench.threads, bench.cold,
# bench.warmup, bench.measure, bench.seconds, bench.coldForks, serve4j.bench.maxBatch (16), serve4j.bench.instances (2),
# serve4j.bench.maxQueueDelayMicros (1000), serve4j.bench.intraOpThreads (0: ONNX Runtime's
# choice). See io.serve4j.benchmarks.BenchmarkMain.
set -euo pipefail
cd "$(dirname "$0")/.."
RESULTS="${RESULTS:-benchmarks/results}"
mkdir -p "$RESULTS"

if [[ -z "${SKIP_BUILD:-}" ]]; then
  # core, testkit and runtime-onnx as they are in this tree, then this module (tests skipped), in
  # one reactor: the jar gets this tree's modules even if ~/.m2 holds other builds of them.
  ./mvnw -q -pl core,testkit,runtime-onnx,benchmarks -am package -DskipTests
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2 " GB"}')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  java -version 2>&1 | sed 's/^/java: /'
  echo "options: ${BENCH_OPTS:-}"
} > "$RESULTS/machine.txt"
cat "$RESULTS/machine.txt"

DJL_CACHE="benchmarks/target/djl-cache"
# shellcheck disable=SC2086
java -Doffline=true -DDJL_CACHE_DIR="$DJL_CACHE" -Dserve4j.bench.models="${TMPDIR:-/tmp}/serve4j-bench-models" \
  ${BENCH_OPTS:-} -jar benchmarks/target/benchmarks.jar "$RESULTS" | tee "$RESULTS/jmh.log"

# Cold start, interleaved: a fresh JVM per measurement, ORT / DJL / serve4j taking turns
# (io.serve4j.benchmarks.ColdStart; COLD_OPTS e.g. "-Dcold.rounds=15 -Dcold.cds=/tmp/cds").
if [[ -z "${SKIP_COLD:-}" ]]; then
  # shellcheck disable=SC2086
  java -Doffline=true -DDJL_CACHE_DIR="$DJL_CACHE" -Dserve4j.bench.models="${TMPDIR:-/tmp}/serve4j-bench-models" \
    ${COLD_OPTS:-} -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.ColdStart | tee "$RESULTS/coldstart.txt"
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"
if [[ -d "$DJL_CACHE" ]] && [[ -n "$(find "$DJL_CACHE" -type f)" ]]; then
  echo "WARNING: DJL wrote files to $DJL_CACHE:"; find "$DJL_CACHE" -type f
else
  echo "DJL downloaded nothing (no files in $DJL_CACHE)."
fi
(cd "$RESULTS" && tar czf raw.tar.gz ./*.json jmh.log)
echo "Results: $RESULTS/table.txt, $RESULTS/*.json, $RESULTS/jmh.log (packed in $RESULTS/raw.tar.gz)"
