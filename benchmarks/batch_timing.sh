#!/usr/bin/env bash
# Times the same 8-point papermill grid with 1 and with 2 local Dask workers.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
for w in 1 2; do
  rm -rf "/tmp/batch-timing-$w"
  /usr/bin/time -f "workers=$w wall=%e s" $PY -m mrcnn_core batch notebooks/00_quickstart.ipynb \
      --grid examples/quickstart_grid.yaml --out "/tmp/batch-timing-$w" --workers $w 2>&1 \
      | grep -E "^points|^workers="
done
