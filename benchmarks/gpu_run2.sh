#!/usr/bin/env bash
# (Historical: the MRCNN_CONV5_ASSEMBLY probe below chose "take"; the variable is gone since.)
# Second device session: fp32 exactness on the GPU, the conv5-assembly probe
# (take vs concat) and the shared-data CNN grid.  See benchmarks/RESULTS.md.
set -u
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"; R=/tmp/paper-gpu
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
export MRCNN_DATA_DIR=$PWD/.gpudata MRCNN_WEIGHTS=none MRCNN_CACHE_DIR=/tmp/mrcnn-cache MRCNN_GIT_COMMIT=af27121b7fbf94c087eeea08e99c2059015dfa5d
JAX_DEFAULT_MATMUL_PRECISION=highest timeout 60 python3 -m pytest -q -p no:cacheprovider tests/test_conv5.py tests/test_train.py -k "not jax" 2>&1 | tail -4 > "$OUT/gpu_tests_fp32.txt"
for asm in take concat; do
  MRCNN_CONV5_ASSEMBLY=$asm timeout 60 python3 -m mrcnn_core bench --shapes paper --arms batched --steps 3 --subset 28 --batch 28 2>&1 | grep '"summary"' >> "$OUT/bench_probe.jsonl"
done
timeout 120 python3 -m mrcnn_core sweep --profile paper --dataset cifar100 --methods vgg,mrcnn --seeds 0 --results $R --no-progress 2>&1 | tail -2
timeout 40 python3 -m mrcnn_core sweep --profile paper --dataset cifar100 --experiment sensitivity --results $R --no-progress 2>&1 | tail -2
cp $R/runs.csv $R/curves.csv $R/provenance.jsonl "$OUT/"
