"""Pack what a device call needs for the paper pair's CNN sweeps (imagenet-vgg16), within 64 MiB.

The VGG16 weights file (58 MB) with the working tree and the wheels no longer fits one
device call (64 MiB).  The pool4 cache of the paper's 1,000 CIFAR-100 images carries
the conv5 weights too, and serves on the device in place of the pinned weights file
(`features.extract_features`), so the device trains on exactly the features a CPU run
here would use.  The archive holds `data/cifar-100-python`, `data/corel` and `cache/`.

    MRCNN_DATA_DIR=../shared/data python benchmarks/pack_paper.py   # -> .gpudata/paper.tar.xz
    # device: BUNDLES=.gpudata/paper.tar.xz PARTS="sens1 abl0 ..." bash benchmarks/gpu_run.sh

It prints the archive's size and the whole carry's estimate against the 64 MiB.
"""
from __future__ import annotations

import argparse
import os
import tarfile
from pathlib import Path

from pack_pairs import LIMIT_MIB, _mib, working_tree_bytes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="imagenet-vgg16")
    ap.add_argument("--out", default=".gpudata/paper.tar.xz")
    a = ap.parse_args(argv)

    from mrcnn_core.experiments import load_profile, profile_context

    prof = load_profile(a.profile)
    ctx = profile_context(prof, "cifar100")  # features: cached or computed with the pinned weights
    data = Path(os.environ.get("MRCNN_DATA_DIR", "../shared/data"))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".tmp")
    with tarfile.open(part, "w:xz", preset=9) as tar:
        tar.add(data / "cifar-100-python", arcname="data/cifar-100-python")
        if (data / "corel").is_dir():
            tar.add(data / "corel", arcname="data/corel")
        tar.add(ctx.features.path, arcname=f"cache/{Path(ctx.features.path).name}")
    os.replace(part, out)
    root = Path(__file__).resolve().parents[1]
    wheels = sum(f.stat().st_size for f in (root / ".whl").glob("*.whl"))
    tree = working_tree_bytes(root)
    total = out.stat().st_size + wheels + tree
    print(f"{out}: {_mib(out.stat().st_size):.1f} MiB (profile {a.profile}, "
          f"{len(ctx.features.x)} images, features {ctx.features.key[:12]})")
    print(f"carry estimate: archive + .whl {_mib(wheels):.1f} + working tree {_mib(tree):.1f} = "
          f"{_mib(total):.1f} MiB of {LIMIT_MIB}" + ("" if _mib(total) < LIMIT_MIB else "  -- OVER"))
    return 0 if _mib(total) < LIMIT_MIB else 1


if __name__ == "__main__":
    raise SystemExit(main())
