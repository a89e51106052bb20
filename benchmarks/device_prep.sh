#!/usr/bin/env bash
# Prepare, on the CPU machine, everything the next device session carries, so that a
# session that is lent a GPU spends its minutes on runs, not on set-up:
#   1. the wheels the device lacks (keras, namex, optree for Python 3.12; the device has
#      JAX, numpy, pandas, scipy, scikit-learn, h5py, rich, ml-dtypes), the same versions
#      as this environment's, into .whl/ (ignored);
#   2. the archives of the next calls, in RESULTS.md's order (.gpudata/, ignored):
#      .gpudata/vgg19.tar.xz   VGG19 main grid (paper pair's images + the VGG19 pool4 cache)
#      .gpudata/heldout.tar.xz held-out pairs (data-heldout images + the VGG16 pool4 cache)
#      each with its carry estimate against the 64 MiB a call may carry;
#   3. with REHEARSE=1, each call's benchmarks/gpu_run.sh on this CPU with no weights file
#      anywhere (the archive must be enough), cut short by its time limit: the archive
#      unpacks, the features load from the cache, provenance is written, the sweep starts;
#   4. the device commands to paste, with this commit's id.
#
#   bash benchmarks/device_prep.sh              # 1, 2, 4 (packing computes a pool4 cache
#                                               # if none: a few minutes of CPU each)
#   REHEARSE=1 bash benchmarks/device_prep.sh   # 1-4 (about 5 more minutes)
# Needs: the project's .venv (make install), ../shared/data, ../shared/data-heldout,
# ../shared/weights; pip must reach the package registry for step 1.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
SHARED=${SHARED:-$(cd .. && pwd)/shared}
export MRCNN_DATA_DIR=${MRCNN_DATA_DIR:-$SHARED/data} MRCNN_WEIGHTS_DIR=${MRCNN_WEIGHTS_DIR:-$SHARED/weights}
export MRCNN_CACHE_DIR=${MRCNN_CACHE_DIR:-$PWD/.cache/mrcnn} KERAS_BACKEND=${KERAS_BACKEND:-jax}
[ -z "$(git status --porcelain --untracked-files=no)" ] \
  || { echo "device_prep: commit first: the device runs must come from one clean commit" >&2; exit 1; }
COMMIT=$(git rev-parse HEAD)

echo "== 1. wheels (Python 3.12, manylinux) -> .whl/"
mkdir -p .whl .gpudata
pins=$($PY - <<'EOF'
from importlib.metadata import version
print(" ".join(f"{n}=={version(n)}" for n in ("keras", "namex", "optree")))
EOF
)
rm -f .whl/*.whl  # one version of each: two stop the install on the device
$PY -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl $pins
ls -la .whl

echo "== 2. archives"
$PY benchmarks/pack_paper.py --profile imagenet-vgg19 --out .gpudata/vgg19.tar.xz
MRCNN_DATA_DIR=$SHARED/data $PY benchmarks/pack_pairs.py --profile heldout-vgg16 --out .gpudata/heldout.tar.xz

if [ -n "${REHEARSE:-}" ]; then
  echo "== 3. rehearsal on the CPU (no weights: each archive must be enough)"
  for call in "imagenet-vgg19 main0 .gpudata/vgg19.tar.xz" "heldout-vgg16 pairs0 .gpudata/heldout.tar.xz"; do
    set -- $call
    rm -rf /tmp/g /tmp/rehearse; mkdir -p /tmp/rehearse/out
    OUT=/tmp/rehearse/out PY=$PY SKIP_WHEELS=1 PROFILE=$1 PARTS=$2 BUNDLES=$3 \
      RESULTS_DIR=/tmp/rehearse/store MRCNN_GIT_COMMIT=$COMMIT DEADLINE=${REHEARSE_S:-120} \
      bash benchmarks/gpu_run.sh || true
    echo "-- $1 $2: log"; sed 's/^/   /' /tmp/rehearse/out/gpu_log.txt
    [ -s /tmp/rehearse/store/provenance.jsonl ] && echo "   provenance written: $($PY -c \
      "import json;d=json.loads(open('/tmp/rehearse/store/provenance.jsonl').readline());print(d['profile'],d['weights'][:60])")" \
      || { echo "   REHEARSAL FAILED: no provenance written for $1" >&2; exit 1; }
    [ -s /tmp/rehearse/out/stores.tgz ] || { echo "   REHEARSAL FAILED: no stores.tgz for $1" >&2; exit 1; }
  done
fi

echo "== 4. the device calls (gpu_run.sh installs .whl; each call its own RESULTS_DIR)"
cat <<EOF
call 1, the most valuable (the pre-registered test's CNN runs; carry [".whl", ".gpudata/heldout.tar.xz"], timeout_s 600):
  MRCNN_GIT_COMMIT=$COMMIT PROFILE=heldout-vgg16 PARTS="pairs0 pairs1 pairs2" BUNDLES=.gpudata/heldout.tar.xz RESULTS_DIR=/tmp/res/cnn-h100 bash benchmarks/gpu_run.sh
call 2 (VGG19 seeds 1-2; seed 0 is complete on the CPU; carry [".whl", ".gpudata/vgg19.tar.xz"], timeout_s 600):
  MRCNN_GIT_COMMIT=$COMMIT PROFILE=imagenet-vgg19 PARTS="main1 main2" SCALE=2.5 BUNDLES=.gpudata/vgg19.tar.xz RESULTS_DIR=/tmp/res/deterministic-h100 bash benchmarks/gpu_run.sh
Rename RESULTS_DIR's last part after the device the reply names (h100 or h200).
EOF
