#!/usr/bin/env bash
# Render SVG figures to PNG to look at them (the PNGs are not part of the repository).
# Installs Debian's librsvg2-bin for rsvg-convert when it is missing (needs root then).
#
#   ops/render-plots.sh [OUT_DIR] [SVG...]    default: /tmp/routeledger-plots, docs/*.svg
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-/tmp/routeledger-plots}
shift || true
if ! command -v rsvg-convert >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "render-plots.sh: rsvg-convert is missing; run as root to install librsvg2-bin" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends librsvg2-bin
fi
mkdir -p "$out"
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/docs/*.svg)
for svg in "${files[@]}"; do
  png="$out/$(basename "${svg%.svg}").png"
  rsvg-convert --background-color=white -o "$png" "$svg"
  echo "$png"
done
