#!/usr/bin/env bash
# Exercises `serve4j batch` end to end on a small file with the shaded jar (for .ci/run).
# Usage: cli/src/test/resources/ci/batch-smoke.sh   (after ./mvnw -pl cli -am package)
# Checks: 7 records scored in input order, the malformed one in the dead-letter file with its
# line number, exit code 3 (done with dead-lettered records), and that a second run resumes
# from the checkpoint and changes nothing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"   # the cli module
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() {
  set +e
  "$root/serve4j" batch --model "$here/mlp.onnx" --map x=features --id-field id \
    --batch-size 4 --progress plain --output "$work/scores.jsonl" "$here/records.jsonl"
  code=$?
  set -e
}

run
[[ $code -eq 3 ]] || { echo "expected exit 3 (one bad record), got $code" >&2; exit 1; }
[[ $(wc -l < "$work/scores.jsonl") -eq 7 ]] || { echo "expected 7 scored records" >&2; exit 1; }
ids=$(sed -E 's/^\{"id":"([^"]+)".*/\1/' "$work/scores.jsonl" | tr '\n' ' ')
[[ "$ids" == "a1 a2 a3 a4 a5 a7 a8 " ]] || { echo "wrong order: $ids" >&2; exit 1; }
grep -q '"line":6' "$work/scores.jsonl.errors.jsonl" || { echo "dead letter lacks line 6" >&2; exit 1; }
before=$(md5sum < "$work/scores.jsonl")
run
[[ "$before" == "$(md5sum < "$work/scores.jsonl")" ]] || { echo "rerun changed the output" >&2; exit 1; }
echo "serve4j batch smoke test passed"
