#!/usr/bin/env bash
# Memory soak of the local runtime: MiniLM behind a batched endpoint (4 callers, one-row requests
# of sequence length 16, 32, 64 or 128), RSS (VmRSS) and thread counts every 30 s into a CSV, then
# the RSS trend after warm-up (least-squares MB/min, whole window and each half).
#
#   benchmarks/soak/soak.sh [OUT_DIR]                 # 60 minutes, arena on; OUT_DIR default benchmarks/soak/results
#   SOAK_MINUTES=25 SOAK_ARENA=false benchmarks/soak/soak.sh /tmp/soak   # ONNX Runtime's CPU arena off
#   SKIP_BUILD=1 ...                                  # reuse benchmarks/target/benchmarks.jar
#   SOAK_JAR=/tmp/soak.jar SKIP_BUILD=1 ...           # run a copy of the jar (so rebuilds do not disturb a long run)
#   SOAK_OPTS="-Dsoak.threads=8 -Dsoak.buckets=16,128" ...   # other settings: see io.serve4j.benchmarks.Soak
#   java -cp "${SOAK_JAR:-benchmarks/target/benchmarks.jar}" io.serve4j.benchmarks.Soak summarize FILE.csv [warmupMinutes]
#
# Writes OUT_DIR/soak-arena-<on|off>-<date>.csv and .log.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-benchmarks/soak/results}"
MINUTES="${SOAK_MINUTES:-60}"
ARENA="${SOAK_ARENA:-true}"
mkdir -p "$OUT"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  ./mvnw -q install -pl core,testkit,runtime-onnx -DskipTests
  ./mvnw -q -pl benchmarks package -DskipTests
fi
NAME="soak-arena-$([[ "$ARENA" == true ]] && echo on || echo off)-$(date -u +%Y%m%dT%H%M%SZ)"
# shellcheck disable=SC2086
java -Xmx512m -Dsoak.minutes="$MINUTES" -Dsoak.arena="$ARENA" -Dserve4j.bench.models="${TMPDIR:-/tmp}/serve4j-bench-models" \
  ${SOAK_OPTS:-} -cp "${SOAK_JAR:-benchmarks/target/benchmarks.jar}" io.serve4j.benchmarks.Soak "$OUT/$NAME.csv" \
  2>&1 | tee "$OUT/$NAME.log"
