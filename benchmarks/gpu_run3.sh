#!/usr/bin/env bash
# Third device session (issue "The real backbone" + the GPU part of "Sweeps past
# one machine"): the imagenet-vgg16 profile on one GPU, JAX backend, then the
# precision check and the re-timed MRCNN step.  Most important runs first;
# every sweep resumes, so a time-out leaves a smaller but valid store.
# Needs (carried): .whl/ (keras, namex, optree wheels) and .gpudata/ (data/
# cifar-100-python and weights/vgg16_imagenet_notop.weights.h5).
# Usage on the device machine: MRCNN_GIT_COMMIT=<sha> bash benchmarks/gpu_run3.sh
set -u
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
export MRCNN_DATA_DIR=$PWD/.gpudata/data MRCNN_CACHE_DIR=/tmp/mrcnn-cache
R=$OUT/imagenet-vgg16; LOG=$OUT/gpu_log.txt
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)"; } >> "$LOG" 2>&1
sw() { local t=$1; shift; echo "== $(date +%T) sweep $* (limit $t s)" >> "$LOG"
       timeout "$t" python3 -m mrcnn_core sweep --profile imagenet-vgg16 "$@" --no-progress >> "$LOG" 2>&1
       echo "== $(date +%T) exit $?" >> "$LOG"; }
# 1. Table 1's CNN columns: seed 0 for both methods first, then seeds 1 and 2.
sw 100 --dataset cifar100 --seeds 0 --results "$R"
sw 150 --dataset cifar100 --results "$R"
# 2. Fig. 3 (10 tasks x 3 seeds) and the ablations.
sw 110 --dataset cifar100 --experiment sensitivity --results "$R"
sw 60 --dataset cifar100 --experiment ablation --results "$R"
# 3. TF32 (JAX's default on this GPU) against full float32, 10 tasks, seed 0, MRCNN.
JAX_DEFAULT_MATMUL_PRECISION=highest sw 30 --dataset cifar100 --tasks 10 --seeds 0 --methods mrcnn --results "$OUT/fp32-check"
# 4. The MRCNN step re-timed (the H100 riddle): one batch of 28 paper-shape tasks, 20 timed steps.
timeout 60 python3 -m mrcnn_core bench --backbone vgg19 --shapes paper --arms batched --steps 20 --batch 28 --subset 28 2>&1 | grep '^{' >> "$OUT/bench_retime.jsonl"
# 5. Corel (the fc-head substitute; cheap) last.
sw 40 --dataset corel --results "$R"
ls -la "$OUT" "$R" >> "$LOG"
