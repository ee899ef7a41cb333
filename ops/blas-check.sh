#!/usr/bin/env bash
# Build routeledger against the other BLAS (ROUTELEDGER_BLAS=blis, debug, in .build/blis) and check
# its router on the small SW reference set: largest win-rate difference ≤ 1e-6 and the same tiers,
# with BLIS's kernel in the log. Keeps the build setting that selects BLIS from falling out of use.
# First, a setting that names neither BLAS must be refused by the manifest, naming what it got.
# Expects ops/setup.sh to have run (it installs libblis-pthread-dev). Shared fixtures are found by
# ops/shared-dir.sh, as the tests find them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "blas-check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
shared=$("$here/ops/shared-dir.sh" reference/sw/small)

if refusal=$(cd "$here" && ROUTELEDGER_BLAS=mkl swift package dump-package 2>&1 >/dev/null); then
  echo "blas-check.sh: the manifest accepted ROUTELEDGER_BLAS=mkl" >&2; exit 1
fi
grep -q "ROUTELEDGER_BLAS is 'mkl'; it names the BLAS to link: openblas (default) or blis" <<<"$refusal" \
  || { echo "blas-check.sh: ROUTELEDGER_BLAS=mkl was refused without saying why:" >&2; echo "$refusal" >&2; exit 1; }
echo "blas-check.sh: ROUTELEDGER_BLAS=mkl refused by the manifest, as it should be"

echo "blas-check.sh: building against BLIS"
(cd "$here" && ROUTELEDGER_BLAS=blis swift build --product routeledger --scratch-path "$here/.build/blis")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
figures=$("$here/.build/blis/debug/routeledger" bench sw --reference "$shared/reference/sw/small" --seconds 0.2 --json 2>"$log")
grep -q "^BLIS kernel" "$log" || { echo "blas-check.sh: the BLIS build did not report BLIS's kernel:" >&2; cat "$log" >&2; exit 1; }
python3 - "$figures" <<'PY'
import json, sys
figures = json.loads(sys.argv[1])
difference, tiers = figures["max_abs_win_rate_diff"], figures["tiers_match"]
print(f"blas-check.sh: BLIS router: largest win-rate difference {difference:.3g}, tiers match: {tiers}")
sys.exit(0 if difference <= 1e-6 and tiers else 1)
PY
