#!/usr/bin/env bash
# Dask sweep scaling on this machine: the same sweep (a Corel grid: LR, VGG and
# MRCNN heads on 24 tasks, 200 steps) in one process, on 1 and on 2 local
# workers, each into a fresh store; prints wall time and runs/h, and checks the
# stores hold the same runs.  Usage: MRCNN_DATA_DIR=../shared/data bash benchmarks/dask_scaling.sh
set -euo pipefail
PY=${PY:-.venv/bin/python}
T=$(mktemp -d)
cat > "$T/p.yaml" <<YAML
name: scaling
experiments:
  main:
    corel: {tasks: 24, methods: [lr, vgg, mrcnn], seeds: [0], steps: 200}
YAML
for mode in "" "--workers 1" "--workers 2"; do
  name=${mode:-single}; name=${name// /}
  s=$(date +%s.%N)
  $PY -m mrcnn_core sweep --profile "$T/p.yaml" --dataset corel --results "$T/$name" --no-progress $mode 2>/dev/null | tail -1
  e=$(date +%s.%N)
  n=$(($(wc -l < "$T/$name/runs.csv") - 1))
  python3 -c "import sys; w=$e-$s; print(f'{sys.argv[1]}: {int(sys.argv[2])} runs, {w:.1f} s wall, {int(sys.argv[2])/w*3600:.0f} runs/h')" "$name" "$n"
done
$PY - "$T" <<'PYEOF'
import sys
import pandas as pd
from mrcnn_core.experiments import ResultsStore
t = sys.argv[1]
a, b, c = (ResultsStore(f"{t}/{n}").load().set_index("run_key").sort_index() for n in ("single", "--workers1", "--workers2"))
print("same runs:", list(a.index) == list(b.index) == list(c.index),
      "max |accuracy difference|:", float(max((a.accuracy - b.accuracy).abs().max(), (a.accuracy - c.accuracy).abs().max())))
PYEOF
rm -rf "$T"
