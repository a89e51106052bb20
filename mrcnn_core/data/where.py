"""Where the data folder is: one rule for every loader (CIFAR-100, Corel, the pairs' folders,
the weights beside them).

The data folder holds ``cifar-100-python/`` (and ``corel/corel.mat``); the cross-pair
folders (``data-pairs``, ``data-heldout``) and ``weights/`` sit beside it.  It is, in order:

1. ``$MRCNN_DATA_DIR``, when set;
2. ``../shared/data`` beside the checkout (this project's own machines);
3. ``mrcnn-data/data``, what ``python -m mrcnn_core fetch`` writes by default, in the
   checkout or in the working directory;
4. none: the CIFAR-100 loader then downloads the full official set (both splits, a
   different experiment from the committed one; ``fetch`` rebuilds the exact one).
"""
from __future__ import annotations

import os
from pathlib import Path

ENV = "MRCNN_DATA_DIR"
FETCH_DEST = "mrcnn-data"  # fetch's default --dest
CHECKOUT = Path(__file__).resolve().parents[2]


def fallback_dirs() -> list[Path]:
    """The places looked at when ``$MRCNN_DATA_DIR`` is not set, in order."""
    return [CHECKOUT.parent / "shared" / "data", CHECKOUT / FETCH_DEST / "data",
            Path.cwd() / FETCH_DEST / "data"]


def data_dir() -> Path | None:
    """The data folder by the module's rule, or ``None`` where there is none."""
    if os.environ.get(ENV):
        d = Path(os.environ[ENV])
        if not d.is_dir():  # said as itself, not as "set MRCNN_DATA_DIR" (#42)
            from .tasks import DataError

            raise DataError(f"MRCNN_DATA_DIR={d} is not a folder: point it at the folder that "
                            "holds cifar-100-python/ (and corel/), or unset it")
        return d
    for d in fallback_dirs():
        if (d / "cifar-100-python").is_dir():
            return d
    return None
