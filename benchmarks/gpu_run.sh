#!/usr/bin/env bash
# One prepared device session (JAX backend; the GPU machine has no TensorFlow):
# exactness tests on the GPU, the benchmark, then the shared-data CNN grid.
# Usage on the device machine, from the repo root, with the keras wheels in
# .whl/ and the shared data copied to .gpudata/:  bash benchmarks/gpu_run.sh
set -u
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
export MRCNN_DATA_DIR=$PWD/.gpudata MRCNN_WEIGHTS=none MRCNN_CACHE_DIR=/tmp/mrcnn-cache
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/device.txt"
python3 -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)" | tee -a "$OUT/device.txt"
# 1. exactness of the conv5 forms and the batched trainer on the GPU
timeout 100 python3 -m pytest -q -p no:cacheprovider tests/test_conv5.py tests/test_train.py -k "not jax" 2>&1 | tail -15 | tee "$OUT/gpu_tests.txt"
# 2. the benchmark (stock vs fast vs batched; paper and shared shapes; 32+ task projection)
timeout 200 python3 -m mrcnn_core bench --shapes shared,paper --steps 5 --subset 32 2>&1 | grep '^{' | tee "$OUT/bench_gpu.jsonl"
# 3. the CNN grid on the shared data (400 tasks x vgg, mrcnn x 3 seeds), Corel head, Fig. 3 study
sw() { timeout "$1" python3 -m mrcnn_core sweep --profile paper "${@:2}" --results "$OUT/paper-gpu" --no-progress 2>&1 | tail -3; }
sw 150 --dataset cifar100 --methods vgg,mrcnn
sw 60 --dataset corel --methods vgg,mrcnn
sw 90 --dataset cifar100 --experiment sensitivity
ls -la "$OUT" "$OUT/paper-gpu"
