"""Pack what a device call needs for the cross-pair study's CNN runs, within 64 MiB.

A device call carries at most 64 MiB (working tree, wheels and archives together).
The data-pairs images and the VGG16 weights file (58 MB, which hardly compresses) do
not fit together.  The pool4 features of the images do, packed with xz: the whole
cache file (every pair; 69 MB, about 43 MiB in xz) or, for fewer pairs, a
*row-subset* cache (`features.save_rows`: the chosen pairs' images only, every
conv5 weight, the same key).  Either serves on the device in place of the weights
(`features.extract_features`: a pinned weights file that is absent), so the device
trains on exactly the features a CPU run here would use.

    python benchmarks/pack_pairs.py                       # every pair of the profile
    python benchmarks/pack_pairs.py --pairs aquatic_mammals/fish,insects/non-insect_invertebrates
    # -> .gpudata/pairs.tar.xz  (data-pairs/cifar-100-python + cache/pool4-...npz)

On the device: `PROFILE=pairs-vgg16 PARTS=pairs0 PAIRS=<the same list>
BUNDLES=.gpudata/pairs.tar.xz bash benchmarks/gpu_run.sh` (carry `.whl` and
`.gpudata/pairs.tar.xz`).  A run of a pair outside a row subset is refused there.
It prints the archive's size and the whole carry's estimate against the 64 MiB.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

import numpy as np

LIMIT_MIB = 64


def _mib(n: float) -> float:
    return n / 2**20


def working_tree_bytes(root: Path) -> int:
    """What travels besides carried paths: tracked and untracked-not-ignored files."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=root, capture_output=True, check=True).stdout
    return sum((root / f).stat().st_size for f in out.decode().split("\0")
               if f and (root / f).is_file())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="pairs-vgg16")
    ap.add_argument("--pairs", default="all",
                    help="comma-separated positive/negative names as the profile lists them, "
                         "or 'all' (default)")
    ap.add_argument("--out", default=".gpudata/pairs.tar.xz")
    a = ap.parse_args(argv)

    from mrcnn_core.experiments import load_profile, plan, profile_context
    from mrcnn_core.experiments.sweep_status import pairs_data_dir
    from mrcnn_core.method.features import rows_path, save_rows

    prof = load_profile(a.profile)
    spec = prof.data["experiments"]["pairs"]
    every = ["/".join(p) for p in spec["pairs"]]
    pairs = every if a.pairs == "all" else [p.strip() for p in a.pairs.split(",") if p.strip()]
    ctx = profile_context(prof, "cifar100", experiment="pairs")  # features: cached or computed
    specs = plan(prof, "pairs", "cifar100", ctx, variants=pairs)  # unknown pairs fail here
    rows = np.unique(np.concatenate([np.concatenate([s.task.source_idx, s.task.target_idx])
                                     for s in specs]))
    data = Path(pairs_data_dir(spec))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if len(rows) == len(ctx.features.x):
            cache = Path(ctx.features.path)  # every image: the cache file itself
        else:
            cache = save_rows(ctx.features, rows, Path(tmp) / rows_path(ctx.features.path).name,
                              compress=False)
        part = out.with_name(out.name + ".tmp")
        with tarfile.open(part, "w:xz", preset=9) as tar:
            # the folder keeps its name (data-pairs, data-heldout): the profile's data: finds it
            tar.add(data / "cifar-100-python", arcname=f"{data.name}/cifar-100-python")
            tar.add(cache, arcname=f"cache/{cache.name}")
        os.replace(part, out)
    return report_carry(out, f"{len(pairs)} pair(s), {len(rows)} of {len(ctx.features.x)} "
                             f"images, {len(specs)} planned runs", "pack fewer pairs")


def report_carry(out: Path, what: str, advice: str = "") -> int:
    """Print the archive's size and the whole call's carry (archive, wheels, working tree)
    against the limit; 1 when over."""
    root = Path(__file__).resolve().parents[1]
    wheels = sum(f.stat().st_size for f in (root / ".whl").glob("*.whl"))
    tree = working_tree_bytes(root)
    total = out.stat().st_size + wheels + tree
    print(f"{out}: {_mib(out.stat().st_size):.1f} MiB ({what})")
    over = _mib(total) >= LIMIT_MIB
    print(f"carry estimate: archive + .whl {_mib(wheels):.1f} + working tree {_mib(tree):.1f} = "
          f"{_mib(total):.1f} MiB of {LIMIT_MIB}" + (f"  -- OVER: {advice}" if over else ""))
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
