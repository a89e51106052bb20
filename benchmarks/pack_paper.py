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

from pack_pairs import report_carry


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
    return report_carry(out, f"profile {a.profile}, {len(ctx.features.x)} images, "
                             f"features {ctx.features.key[:12]}")


if __name__ == "__main__":
    raise SystemExit(main())
