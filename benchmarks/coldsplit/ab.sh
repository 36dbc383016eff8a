#!/bin/bash
# Critical-path CPU of a cold start, A/B: per round ColdStartSplit for raw ORT, the harness jar's
# serve4j (old) and NEW's core + runtime-onnx jars in front of it (new); prints one line per run.
# usage: JAR=benchmarks/target/benchmarks.jar NEW=core.jar:runtime-onnx.jar \
#        benchmarks/coldsplit/ab.sh ROUNDS MODEL > runs.txt; python3 benchmarks/coldsplit/summary.py runs.txt
# The loader thread is the first thread named serve4j-local-l (ONNX Runtime's intra-op pool, made
# by it later, inherits the name); main + loader is the path a caller waits for.
J=${JAR:?JAR: the shaded harness jar}
NEW=${NEW:?NEW: core and runtime-onnx jars, colon separated}
MODELS=${MODELS_DIR:-/tmp/serve4j-bench-models}
for i in $(seq "$1"); do
  for v in ort old new; do
    if [ $v = new ]; then CP=$NEW:$J; else CP=$J; fi
    r=serve4j; [ $v = ort ] && r=ort
    out=$(java -Xms1g -Xmx1g -Doffline=true -Dserve4j.bench.models="$MODELS" -cp "$CP" io.serve4j.benchmarks.ColdStartSplit $r "$2" 2>&1)
    first=$(echo "$out" | grep -o 'first=[0-9.]*/[0-9.]*' | sed 's/first=//; s/\// /')
    th=$(echo "$out" | sed -n 2p)
    tot=$(echo "$th" | grep -o '=[0-9.]*' | tr -d = | paste -sd+ | bc)
    loader=$(echo "$th" | grep -o 'serve4j-local-l=[0-9.]*' | head -1 | cut -d= -f2); loader=${loader:-0}
    jit=$(echo "$th" | grep -o 'C[12]_CompilerThre=[0-9.]*' | cut -d= -f2 | paste -sd+ | bc)
    echo "$i $v elapsed,mainCPU: $first loader $loader preload 0 jit $jit total $tot load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
