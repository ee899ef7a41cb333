#!/usr/bin/env bash
# Set up RouteLedger on a Debian bookworm machine: system packages, the MiniLM model, a release build.
# Idempotent: run it again at any time. Installing packages needs root: run it as root, or as a user
# with sudo (it asks sudo for apt-get only); nothing is installed when everything is present.
#
#   ops/setup.sh            packages + model + release build
#   ops/setup.sh --no-build packages + model only
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

packages=(
  pkg-config
  librdkafka-dev
  libpq-dev
  libopenblas-dev
  libblis-pthread-dev
  postgresql
  postgresql-contrib
)
# The model is fetched with pip; Debian's pip only when the machine has no pip of its own.
python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup.sh: missing Debian packages (${missing[*]}); run this script as root to install them" >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  echo "setup.sh: installing ${missing[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

"$here/ops/fetch-model.sh"
"$here/ops/tansu.sh" install

if [ "$build" -eq 1 ]; then
  echo "setup.sh: building (release)"
  (cd "$here" && swift build -c release --product routeledger)
fi
echo "setup.sh: done"
