"""Pack what a device call needs for the cross-pair study's CNN runs, within 64 MiB.

A device call carries at most 64 MiB: the data-pairs images (14 MB) and the VGG16
weights file (58 MB) do not fit together, nor do the images and the whole pool4
cache (48 MB).  This writes a *row-subset* feature cache (`features.save_rows`: the
pool4 features of the chosen pairs' images only, with every conv5 weight, under the
same key) and packs it with the data-pairs folder into one archive:

    python benchmarks/pack_pairs.py --pairs aquatic_mammals/fish,insects/non-insect_invertebrates
    # -> .gpudata/pairs.tgz  (data-pairs/cifar-100-python + cache/pool4-...rows.npz)

On the device, `PARTS=pairs PAIRS=<the same list> bash benchmarks/gpu_run.sh` unpacks
it; a run of another pair is refused there (its rows are not in the cache).  The
features are computed here once (the full cache is kept in $MRCNN_CACHE_DIR), so the
device trains on exactly the features a CPU run here would use.
"""
from __future__ import annotations

import argparse
import os
import tarfile
import tempfile
from pathlib import Path

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="pairs-vgg16")
    ap.add_argument("--pairs", required=True,
                    help="comma-separated positive/negative names, as the profile lists them")
    ap.add_argument("--out", default=".gpudata/pairs.tgz")
    a = ap.parse_args(argv)

    from mrcnn_core.experiments import load_profile, plan, profile_context
    from mrcnn_core.experiments.runner import pairs_data_dir
    from mrcnn_core.features import rows_path, save_rows

    prof = load_profile(a.profile)
    pairs = [p.strip() for p in a.pairs.split(",") if p.strip()]
    ctx = profile_context(prof, "cifar100", experiment="pairs")
    specs = plan(prof, "pairs", "cifar100", ctx, variants=pairs)  # unknown pairs fail here
    rows = np.unique(np.concatenate([np.concatenate([s.task.source_idx, s.task.target_idx])
                                     for s in specs]))
    data = Path(pairs_data_dir(prof.data["experiments"]["pairs"]))
    with tempfile.TemporaryDirectory() as tmp:
        cache = save_rows(ctx.features, rows, Path(tmp) / rows_path(ctx.features.path).name)
        out = Path(a.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(out.with_suffix(".tmp"), "w:gz") as tar:
            tar.add(data / "cifar-100-python", arcname="data-pairs/cifar-100-python")
            tar.add(cache, arcname=f"cache/{cache.name}")
        os.replace(out.with_suffix(".tmp"), out)
    print(f"{out}: {out.stat().st_size / 2**20:.1f} MiB; pairs {pairs}; {len(rows)} of "
          f"{len(ctx.features.x)} images; {len(specs)} planned runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
