#!/usr/bin/env bash
# Fourth device session (issue "Numbers a reviewer can trust"): the whole
# imagenet-vgg16 profile (CNN methods) from one clean commit into fresh stores,
# JAX backend, full float32 matmuls (JAX_DEFAULT_MATMUL_PRECISION=highest, no
# TF32).  Most important runs first; every sweep resumes, so a time-out leaves
# a smaller but valid store, and the stores are packed after every step.
# Needs (carried): .whl/ (keras, namex, optree wheels) and .gpudata/bundle.tgz
# (data/cifar-100-python, data/corel, weights/vgg16_imagenet_notop.weights.h5,
# gzipped to fit the 64 MiB working-tree limit).
# Usage on the device machine: MRCNN_GIT_COMMIT=<sha> bash benchmarks/gpu_run4.sh [resume]
# With "resume" (second call; .gpudata/res/ holds the first call's stores),
# only the CIFAR-100 main grid goes on, MRCNN seed 0 first.
set -u
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
LOG=$OUT/gpu_log.txt; R=/tmp/res; G=/tmp/g
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
mkdir -p "$G" "$R" && tar xzf .gpudata/bundle.tgz -C "$G" || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
export JAX_DEFAULT_MATMUL_PRECISION=highest
export MRCNN_DATA_DIR=$G/data MRCNN_WEIGHTS_DIR=$G/weights MRCNN_CACHE_DIR=/tmp/mrcnn-cache
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)"
  echo "commit $MRCNN_GIT_COMMIT"; } >> "$LOG" 2>&1
pack() { tar czf "$OUT/stores.tgz" --exclude='.lock*' -C "$R" . ; }
sw() { local t=$1 part=$2; shift 2; echo "== $(date +%T) sweep $part $* (limit $t s)" >> "$LOG"
       timeout "$t" python3 -m mrcnn_core sweep --profile imagenet-vgg16 "$@" --results "$R/$part" \
           --no-progress >> "$LOG" 2>&1
       local rc=$?; echo "== $(date +%T) exit $rc" >> "$LOG"; pack; }
if [ "${1:-}" = resume ]; then
  cp -r .gpudata/res/. "$R/"
  sw 170 main --dataset cifar100 --methods mrcnn --seeds 0
  sw 45 main --dataset cifar100 --methods vgg --seeds 0
  sw 150 main --dataset cifar100 --seeds 1
  exit 0
fi
# 1. Table 1 and Fig. 2: CIFAR-100, all 400 tasks x {VGG, MRCNN} x seeds 0, 1, 2.
sw 215 main --dataset cifar100
# 2. Table 1's Corel column (the fc-head substitute on the scaled features; cheap).
sw 40 main --dataset corel
# 3. Fig. 3 (10 tasks x 3 seeds, one-at-a-time and the alpha x k grid), then the ablations.
sw 100 sensitivity --dataset cifar100 --experiment sensitivity
sw 50 ablation --dataset cifar100 --experiment ablation
ls -laR "$R" >> "$LOG"
