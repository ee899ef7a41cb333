#!/usr/bin/env bash
# Print the shared data and reference fixtures' directory that holds SUBPATH, looked for as the
# tests look for it: $ROUTELEDGER_SHARED_DIR, ../shared beside the repository, /work/shared.
# Fails with a message naming the variable when none holds it.
#
#   ops/shared-dir.sh SUBPATH      e.g. ops/shared-dir.sh reference/sw/small
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") echo "shared-dir.sh: name the SUBPATH the fixtures must hold (see --help)" >&2; exit 2 ;;
esac
for candidate in "${ROUTELEDGER_SHARED_DIR:-}" "$here/../shared" /work/shared; do
  if [ -n "$candidate" ] && [ -e "$candidate/$1" ]; then echo "$candidate"; exit 0; fi
done
echo "shared fixtures with $1 not found (looked in \$ROUTELEDGER_SHARED_DIR, $here/../shared, /work/shared); set ROUTELEDGER_SHARED_DIR" >&2
exit 1
