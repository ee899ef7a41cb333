#!/usr/bin/env bash
# Compare the two BLAS builds on this machine: builds routeledger in release against OpenBLAS
# (.build) and against BLIS (.build/blis), then alternates their runs for N rounds (default 3) of
#   bench sw --dim 384, bench sw --dim 1536   (the router's shape: 256 queries × 110,000 prompts)
#   bench embed --batches 32                  (MiniLM's dense shapes)
# and prints per round and on average each build's router queries/s, SGEMM GFLOP/s and share of
# the FMA peak, and the encoder's texts/s and SGEMM GFLOP/s. Run it with nothing else running.
#
#   ops/bench-blas.sh [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-3}" in
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *[!0-9]*|0) echo "bench-blas.sh: ROUNDS is a positive whole number, not '$1' (see --help)" >&2; exit 2 ;;
esac
rounds=${1:-3}
shared=$("$here/ops/shared-dir.sh" reference/minilm)

cd "$here"
echo "bench-blas.sh: building (release) against OpenBLAS and against BLIS" >&2
swift build -c release --product routeledger >&2
ROUTELEDGER_BLAS=blis swift build -c release --product routeledger --scratch-path .build/blis >&2
declare -A binary=([openblas]=.build/release/routeledger [blis]=.build/blis/release/routeledger)
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for round in $(seq "$rounds"); do
  for blas in openblas blis; do
    for dim in 384 1536; do
      echo "bench-blas.sh: round $round, $blas, bench sw --dim $dim" >&2
      printf '%s\t%s\tsw%s\t%s\n' "$round" "$blas" "$dim" "$("${binary[$blas]}" bench sw --dim "$dim" --seconds 3 --json 2>/dev/null)" >>"$results"
    done
    echo "bench-blas.sh: round $round, $blas, bench embed" >&2
    printf '%s\t%s\tembed\t%s\n' "$round" "$blas" \
      "$("${binary[$blas]}" bench embed --reference "$shared/reference/minilm" --batches 32 --seconds 3 --json 2>/dev/null)" >>"$results"
  done
done
python3 - "$results" <<'PY'
import json, sys
from collections import defaultdict
rows = defaultdict(list)
for line in open(sys.argv[1]):
    round_, blas, kind, figures = line.rstrip("\n").split("\t", 3)
    rows[(blas, kind)].append(json.loads(figures))
columns = {
    "sw384": [("queries_per_second", "router q/s d=384"), ("sgemm_gflops", "SGEMM GFLOP/s"), ("sgemm_share_of_fma_peak", "of peak")],
    "sw1536": [("queries_per_second", "router q/s d=1536"), ("sgemm_gflops", "SGEMM GFLOP/s"), ("sgemm_share_of_fma_peak", "of peak")],
    "embed": [("texts_per_second_batch_32", "MiniLM texts/s b=32"), ("sgemm_gflops", "SGEMM GFLOP/s"), ("sgemm_share_of_fma_peak", "of peak")],
}
peak = rows[("openblas", "sw384")][0]
print(f"FMA peak: {peak['fma_peak_gflops']:.1f} GFLOP/s ({peak['fma_peak_basis']})")
for kind, fields in columns.items():
    for key, label in fields:
        values = {blas: [r[key] for r in rows[(blas, kind)]] for blas in ("openblas", "blis")}
        means = {blas: sum(v) / len(v) for blas, v in values.items()}
        per_round = "  ".join(f"{o:.3g}/{b:.3g}" for o, b in zip(values["openblas"], values["blis"]))
        print(f"{label:22} OpenBLAS {means['openblas']:8.3g}  BLIS {means['blis']:8.3g}  BLIS/OpenBLAS {means['blis'] / means['openblas']:.2f}   rounds (OpenBLAS/BLIS): {per_round}")
PY
