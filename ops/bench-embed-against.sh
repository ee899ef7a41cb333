#!/usr/bin/env bash
# Time this checkout's MiniLM encoder against an earlier commit's, in one script: builds REV in
# release (in a git worktree, .build/against/REV), then alternates ROUNDS (default 3) runs of
#   bench embed --batches 32   REV's build (float), then this build's (--precision both)
# and prints per round and on average REV's float texts/s, this build's float and int8 texts/s
# and each over REV's. Both read the model of this checkout (models/ or $ROUTELEDGER_MODEL_DIR).
# Run it with nothing else running.
#
#   ops/bench-embed-against.sh REV [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") echo "bench-embed-against.sh: name the earlier commit REV to time against (see --help)" >&2; exit 2 ;;
esac
case "${2:-3}" in
  *[!0-9]*|0) echo "bench-embed-against.sh: ROUNDS is a positive whole number, not '$2' (see --help)" >&2; exit 2 ;;
esac
rounds=${2:-3}
cd "$here"
rev=$(git rev-parse --short "$1^{commit}" 2>/dev/null) \
  || { echo "bench-embed-against.sh: '$1' is not a commit of this repository" >&2; exit 2; }
shared=$("$here/ops/shared-dir.sh" reference/minilm)
export ROUTELEDGER_MODEL_DIR=${ROUTELEDGER_MODEL_DIR:-$here/models/all-MiniLM-L6-v2}
[ -f "$ROUTELEDGER_MODEL_DIR/model.safetensors" ] \
  || { echo "bench-embed-against.sh: no model in $ROUTELEDGER_MODEL_DIR (run ops/setup.sh or set ROUTELEDGER_MODEL_DIR)" >&2; exit 1; }

tree=$here/.build/against/$rev
if [ ! -d "$tree" ]; then
  echo "bench-embed-against.sh: checking out $rev in $tree" >&2
  git worktree add --detach "$tree" "$rev" >&2
fi
echo "bench-embed-against.sh: building (release) this checkout and $rev" >&2
swift build -c release --product routeledger >&2
(cd "$tree" && swift build -c release --product routeledger >&2)

results=$(mktemp)
trap 'rm -f "$results"' EXIT
# One run of `bench embed` by BUILD (earlier or this) of BINARY, its JSON appended to the results;
# a failed run stops the script with its own error output.
embed() {
  local build=$1 binary=$2 figures errors
  shift 2
  echo "bench-embed-against.sh: round $round, $build" >&2
  errors=$(mktemp)
  figures=$("$binary" bench embed --reference "$shared/reference/minilm" --batches 32 --seconds 3 --json "$@" 2>"$errors") \
    || { echo "bench-embed-against.sh: bench embed of the $build build failed:" >&2; cat "$errors" >&2; rm -f "$errors"; exit 1; }
  rm -f "$errors"
  printf '%s\t%s\t%s\n' "$round" "$build" "$figures" >>"$results"
}
for round in $(seq "$rounds"); do
  embed earlier "$tree/.build/release/routeledger"
  embed this .build/release/routeledger --precision both
done
python3 - "$results" "$rev" <<'PY'
import json, sys
earlier, float_, int8 = [], [], []
for line in open(sys.argv[1]):
    _, build, figures = line.rstrip("\n").split("\t", 2)
    figures = json.loads(figures)
    if build == "earlier":
        earlier.append(figures["texts_per_second_batch_32"])
    else:
        float_.append(figures["texts_per_second_batch_32"])
        int8.append(figures["int8_texts_per_second_batch_32"])
print(f"texts/s at batch 32 per round: {sys.argv[2]} float / this float / this int8")
for e, f, i in zip(earlier, float_, int8):
    print(f"  {e:7.1f} / {f:7.1f} / {i:7.1f}   this float {f / e:.2f}×, this int8 {i / e:.2f}×")
mean = lambda values: sum(values) / len(values)
print(f"mean    {mean(earlier):7.1f} / {mean(float_):7.1f} / {mean(int8):7.1f}   "
      f"this float {mean(float_) / mean(earlier):.2f}×, this int8 {mean(int8) / mean(earlier):.2f}×")
PY
