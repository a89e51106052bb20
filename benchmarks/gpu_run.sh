#!/usr/bin/env bash
# The one device script (earlier versions and what each session ran: RESULTS.md;
# git history holds their text).  It runs a profile's CNN sweeps from one clean
# commit into ONE store ($R: every experiment, so a study's paper point is the
# main grid's run), JAX backend, full float32 matmuls, deterministic XLA.  Most
# important parts first; every sweep resumes and has its own time limit, so a
# time-out leaves a smaller but valid store; the store is packed into one
# archive after every part (the device returns at most 8 files).
# Needs (carried): .whl/ (keras, namex, optree wheels for Python 3.12) and the archives
# in BUNDLES (default .gpudata/bundle.tgz: data/cifar-100-python, data/corel,
# weights/<VGG16 file>; or .gpudata/paper.tar.xz from benchmarks/pack_paper.py, the pool4 cache
# in place of the weights; for the cross-pair study .gpudata/pairs.tar.xz from
# benchmarks/pack_pairs.py: data-pairs/ and cache/ (the whole pool4 cache or a row subset), no weights).
#   PROFILE=pairs-vgg16 PARTS=pairs0 BUNDLES=.gpudata/pairs.tar.xz [PAIRS=a/b,c/d] bash benchmarks/gpu_run.sh
#   MRCNN_GIT_COMMIT=<sha> bash benchmarks/gpu_run.sh            # on the device
#   PY=.venv/bin/python SKIP_WHEELS=1 PROFILE=tiny.yaml SCALE=0.1 bash benchmarks/gpu_run.sh  # a CPU rehearsal
# PARTS (default: all, in this order) picks parts: detcheck, sens0, abl0, sens1, abl1,
# main0, main1, sens2, abl2, main2, corel; pairs0..pairs2 (the cross-pair study's CNN runs
# at that seed, of the pairs in PAIRS or of every pair) only when named; campaign (the
# committed plan mrcnn_core/experiments/campaigns/remaining.yaml: CAMPAIGN_PARTS in that order,
# default heldout-cnn,vgg19-main-seeds12 (seed 0 is complete); CAMPAIGN_CHUNK tasks per sweep, default 50; the stores
# in CAMPAIGN_OUT, default the tree's results/, packed into $OUT/campaign.tgz) only when named:
#   MRCNN_GIT_COMMIT=<sha> PARTS=campaign BUNDLES="<heldout and vgg19 bundles>" bash benchmarks/gpu_run.sh
# SCALE multiplies every time limit.
set -u
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
PY=${PY:-python3}; PROFILE=${PROFILE:-imagenet-vgg16}; SCALE=${SCALE:-1}
PARTS=${PARTS:-detcheck sens0 abl0 sens1 abl1 main0 main1 sens2 abl2 main2 corel}
LOG=$OUT/gpu_log.txt; R=${RESULTS_DIR:-/tmp/res/deterministic}; G=/tmp/g
# each call packs only its own store: a second call on a warm machine names another RESULTS_DIR
if [ -z "${SKIP_WHEELS:-}" ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target /tmp/site .whl/*.whl || exit 1
fi
mkdir -p "$G" "$R" || exit 1
for b in ${BUNDLES:-.gpudata/bundle.tgz}; do tar xf "$b" -C "$G" || exit 1; done  # gz or xz
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=${KERAS_BACKEND:-jax} PYTHONUNBUFFERED=1
export JAX_DEFAULT_MATMUL_PRECISION=highest TF_CPP_MIN_LOG_LEVEL=2
export MRCNN_DATA_DIR=$G/data MRCNN_WEIGHTS_DIR=$G/weights MRCNN_CACHE_DIR=$G/cache
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null
  $PY -c "import mrcnn_core, os, jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__, 'XLA_FLAGS', os.environ.get('XLA_FLAGS'))"
  echo "commit ${MRCNN_GIT_COMMIT:-?} profile $PROFILE parts $PARTS"; } >> "$LOG" 2>&1
# the archive is written beside and renamed, so a kill mid-pack keeps the last whole one
pack() { tar czf "$OUT/stores.tmp.tgz" --exclude=.lock --exclude=.lock.pid -C "$(dirname "$R")" "$(basename "$R")" && mv "$OUT/stores.tmp.tgz" "$OUT/stores.tgz"; }
# a part's limit: its own (times SCALE), cut to what is left before DEADLINE (s after start)
T0=$(date +%s); DEADLINE=${DEADLINE:-570}
lim() { $PY -c "print(max(1, min(int($1 * $SCALE), $DEADLINE - ($(date +%s) - $T0) - 8)))"; }
sw() { local t; t=$(lim "$1"); shift; echo "== $(date +%T) sweep $* (limit $t s)" >> "$LOG"
       timeout "$t" $PY -m mrcnn_core sweep --profile "$PROFILE" "$@" --results "$R" \
           --no-progress >> "$LOG" 2>&1
       local rc=$?; echo "== $(date +%T) exit $rc" >> "$LOG"; pack; }
for part in $PARTS; do
  [ "$(lim 100000)" -le 10 ] && { echo "== deadline: stopped before $part" >> "$LOG"; break; }
  case $part in
    detcheck)  # bitwise re-run of one batch of DET_TASKS tasks, deterministic or not
      for off in "" 1; do
        echo "== $(date +%T) determinism check MRCNN_NONDETERMINISTIC=$off" >> "$LOG"
        MRCNN_NONDETERMINISTIC=$off timeout "$(lim 80)" $PY benchmarks/determinism_check.py \
            --profile "$PROFILE" --tasks "${DET_TASKS:-32}" --steps "${DET_STEPS:-30}" >> "$OUT/determinism.jsonl" 2>> "$LOG"
        rc=$?; echo "== $(date +%T) exit $rc" >> "$LOG"
      done ;;
    sens[012]) sw 110 --dataset cifar100 --experiment sensitivity --seeds "${part#sens}" ;;
    abl[012])  sw 45 --dataset cifar100 --experiment ablation --seeds "${part#abl}" ;;
    main[012]) sw 140 --dataset cifar100 --seeds "${part#main}" ;;
    corel)     sw 60 --dataset corel --batch-size 8 ;;
    pairs[012]) sw 560 --dataset cifar100 --experiment pairs --methods vgg,mrcnn \
                   ${PAIRS:+--variants "$PAIRS"} --seeds "${part#pairs}" ;;  # PAIRS unset: every pair
    campaign)  # the committed plan's parts, most valuable first, into results/<profile>/campaign-<commit>-gpu
      t=$(lim 100000); CO=${CAMPAIGN_OUT:-results}
      echo "== $(date +%T) campaign ${CAMPAIGN_PARTS:-heldout-cnn,vgg19-main-seeds12} (limit $t s)" >> "$LOG"
      timeout "$t" $PY -m mrcnn_core campaign run --out "$CO" ${CAMPAIGN_PLAN:+--plan "$CAMPAIGN_PLAN"} \
          --parts "${CAMPAIGN_PARTS:-heldout-cnn,vgg19-main-seeds12}" --chunk "${CAMPAIGN_CHUNK:-50}" >> "$LOG" 2>&1
      echo "== $(date +%T) exit $?" >> "$LOG"
      # every store the campaign made (one per profile), packed as one archive, written beside first
      (cd "$CO" && ls -d */campaign-*-gpu */campaign-*-cpu 2>/dev/null > "$OUT/campaign_stores.txt")
      tar czf "$OUT/campaign.tmp.tgz" --exclude=.lock --exclude=.lock.pid -C "$CO" \
          $(cat "$OUT/campaign_stores.txt") && mv "$OUT/campaign.tmp.tgz" "$OUT/campaign.tgz" ;;
    *) echo "unknown part $part" >> "$LOG" ;;
  esac
done
ls -la "$R" >> "$LOG"
