#!/usr/bin/env bash
# The issue 20 / 22 re-run (BENCHMARKS.md "Summary: re-run after the third round"), in sequence, on
# a machine with nothing else running (about 40 minutes on 2 cores); each part logs to $OUT.
# REMOTE_DEADLINE=1 adds the remote-path runs with the raw call given a deadline too.
# OLD: the other build benchmarks.jar, run beside this one (Interleaved, ServerOverhead, batch scorer);
# OLD_COLD: that build's core and runtime-onnx jars, colon-separated (ColdStart).
#   OLD=/tmp/old/benchmarks/target/benchmarks.jar OLD_COLD=/tmp/old/core/target/serve4j-core-0.1.0-SNAPSHOT.jar:/tmp/old/runtime-onnx/target/serve4j-runtime-onnx-0.1.0-SNAPSHOT.jar benchmarks/rerun.sh
set -uo pipefail
cd "$(dirname "$0")/.."
Q=${OUT:-benchmarks/target/rerun}
mkdir -p "$Q"
OLD=${OLD:?OLD: the other build benchmarks.jar}
OLDCOLD=${OLD_COLD:?OLD_COLD: the other build core and runtime-onnx jars}
log() { echo "== $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) :: $*" | tee -a $Q/progress.txt; }
log build
./mvnw -B -o -q -pl core,testkit,runtime-onnx,server,batch,benchmarks,provider-aws,provider-gcp,provider-azure -am install -DskipTests -Dspotless.check.skip=true > $Q/build.log 2>&1 || { log BUILD FAILED; exit 1; }
# no -Dserve4j.bench.batchStats here: its listener builds a report per call and slows the batched engine
J="java -Xms1g -Xmx1g -Doffline=true -Dserve4j.bench.models=/tmp/serve4j-bench-models -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.Interleaved"
log concurrency
for m in mlp cnn minilm16 minilm128; do
  for t in 1 8 32; do
    if [[ "$m" == minilm128 ]]; then w=6; ms=1500; else w=10; ms=500; fi
    # MiniLM: every engine warmed up to 3,000 calls, C2 thresholds at a tenth (see concurrency.sh)
    # (MiniLM-128: 1,000 calls, each ~10x dearer; at a tenth of the thresholds C2 has compiled the path by then)
    if [[ "$m" == minilm16 ]]; then jit="-XX:CompileThresholdScaling=0.1 -Dserve4j.bench.warmUpCalls=3000";
    elif [[ "$m" == minilm128 ]]; then jit="-XX:CompileThresholdScaling=0.1 -Dserve4j.bench.warmUpCalls=1000";
    # MLP/CNN at 8 and 32 threads: the JIT's compiler threads get a small share of the 2 cores among
    # the callers, and without a warm-up by calls serve4j's path was measured in C1 code (percall4)
    elif [[ "$m" == mlp && "$t" != 1 ]]; then jit="-Dserve4j.bench.warmUpCalls=400000";
    elif [[ "$m" == cnn && "$t" != 1 ]]; then jit="-Dserve4j.bench.warmUpCalls=150000"; else jit=""; fi
    # one caller: also the never-written raw engine; 32: also the other build's batcher
    if [[ "$t" == 1 ]]; then eng="ort,serve4j,serve4j_batched,serve4j@$OLD,ort_static";
    elif [[ "$t" == 32 ]]; then eng="ort,serve4j,serve4j_batched,serve4j@$OLD,serve4j_batched@$OLD";
    else eng="ort,serve4j,serve4j_batched,serve4j@$OLD"; fi
    echo "### $m $t" >> $Q/concurrency.txt
    java $jit ${J#java } $m "$eng" $w $ms $t >> $Q/concurrency.txt 2>&1
    log "$m $t"
  done
done
log batching-analysis
java -Xms1g -Xmx1g -Doffline=true -Dserve4j.bench.models=/tmp/serve4j-bench-models -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.BatchingAnalysis scaling minilm16 > $Q/batching-scaling.txt 2>&1
log server
java -Dserve4j.bench.models=/tmp/serve4j-bench-models -Doffline=true -Dbench.server.rounds=3 -Dbench.server.calls=3000 -Dbench.server.seconds=4 -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.ServerOverhead > $Q/server.txt 2>&1
log server-old
java -Dserve4j.bench.models=/tmp/serve4j-bench-models -Doffline=true -Dbench.server.rounds=3 -Dbench.server.calls=3000 -Dbench.server.seconds=4 -cp benchmarks/target/classes:$OLD io.serve4j.benchmarks.ServerOverhead > $Q/server-old.txt 2>&1
log batch-scorer
java -Xms1g -Xmx1g -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.BatchScorerThroughput 100000 64 1,2 7 > $Q/batch-scorer.txt 2>&1
log batch-scorer-floor
java -Xms1g -Xmx1g -Dserve4j.bench.model=linear -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.BatchScorerThroughput 100000 64 1 5 > $Q/batch-scorer-floor.txt 2>&1
log batch-scorer-old
java -Xms1g -Xmx1g -cp $OLD io.serve4j.benchmarks.BatchScorerThroughput 100000 64 1,2 7 > $Q/batch-scorer-old.txt 2>&1
log remote
for p in provider-gcp provider-azure provider-aws; do
  ./mvnw -B -o -pl $p test -Dtest=RemotePathHarness -Dsurefire.failIfNoSpecifiedTests=false -Dserve4j.harness=true -Dharness.iterations=3000 -Dharness.windows=8 -Dspotless.check.skip=true > $Q/remote-$p.log 2>&1
  log "remote $p rc=$?"
  [[ "${REMOTE_DEADLINE:-0}" == 1 ]] || continue
  ./mvnw -B -o -pl $p test -Dtest=RemotePathHarness -Dsurefire.failIfNoSpecifiedTests=false -Dserve4j.harness=true -Dharness.iterations=3000 -Dharness.windows=8 -Dharness.rawDeadline=true -Dspotless.check.skip=true > $Q/remote-deadline-$p.log 2>&1
  log "remote-deadline $p rc=$?"
done
log cold
java -DDJL_CACHE_DIR=benchmarks/target/djl-cache -Dcold.rounds=10 -Dcold.models=mlp,cnn,minilm16 -Dcold.runtimes="ort,djl,serve4j,serve4j@$OLDCOLD" -cp benchmarks/target/benchmarks.jar io.serve4j.benchmarks.ColdStart > $Q/cold.txt 2>&1
log done
