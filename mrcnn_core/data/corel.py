"""The Corel transfer-learning sets: the 256-d feature file, and image folders.

``corel.mat`` (TLDA, IJCAI 2015) holds ``data`` (256 x 751, one column per
image) and ``offset`` (cumulative end index of 8 subcategories: flower1..4,
traffic1..4).  Readers who own the Corel images can use
:func:`load_image_folder` (``root/<top>/<sub>/*.jpg``) to run the CNN methods.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .cifar100 import DataError, content_hash
from .tasks import Dataset, Task, make_tasks
from .where import data_dir

TOPS = ("flower", "traffic")
COREL_FEATURES = 256  # the public feature set: 256-d per image



SCALINGS = ("minmax", "none")


class CorelMissing(DataError):
    """``corel.mat`` is not where it was looked for.  It has no public download, so a
    reader's machine may well lack it: pages then say so (:func:`corel_or_none`), while a
    file that is there but damaged stays an error."""


def minmax_columns(x: np.ndarray) -> np.ndarray:
    """Each feature mapped to [0, 1] by its minimum and maximum over all samples.

    The paper scales features to [0, 1] for the shallow methods (section 4.1).
    The scaling reads no label and is fitted on the whole unlabelled pool (all
    eight subcategories), so every task sees the same inputs.  A constant
    feature becomes 0.
    """
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return ((x - lo) / span).astype(x.dtype)


def load_corel(path: str | os.PathLike | None = None, scale: str = "minmax") -> Dataset:
    """Load ``corel.mat``; ``path`` is the file or a folder holding ``corel/corel.mat``.

    ``scale="minmax"`` (default, as the paper) maps each of the 256 features to
    [0, 1] over all 751 images; ``"none"`` keeps the row-normalised histograms
    (values near 1/256, on which the fc head and TCA sit near chance).
    """
    if scale not in SCALINGS:
        raise ValueError(f"unknown Corel scaling {scale!r}; choose from {SCALINGS}")
    if path is None:
        base = data_dir()  # $MRCNN_DATA_DIR, ../shared/data, fetch's folder
        if base is None:
            raise CorelMissing("load_corel needs a path (or MRCNN_DATA_DIR set to a folder "
                               "holding corel/corel.mat)")
        path = base
    p = Path(path)
    if p.is_dir():
        p = p / "corel" / "corel.mat" if (p / "corel" / "corel.mat").exists() else p / "corel.mat"
    if not p.is_file():
        raise CorelMissing(f"Corel feature file not found: {p}")
    import scipy.io
    try:
        m = scipy.io.loadmat(p)
        data = np.asarray(m["data"], dtype=np.float64)
        offset = np.asarray(m["offset"]).ravel().astype(int)
    except Exception as e:
        raise DataError(f"cannot read Corel file {p}: {type(e).__name__}: {e}") from e
    if data.ndim != 2 or len(offset) != 8 or offset[-1] != data.shape[1]:
        raise DataError(f"{p}: data {data.shape} and offset {offset.tolist()} do not match "
                        "(expected 8 subcategories whose last offset equals the column count)")
    if data.shape[0] != COREL_FEATURES:
        raise DataError(f"{p}: data has {data.shape[0]} features per image (shape {data.shape}); "
                        f"the Corel set has {COREL_FEATURES} (a {COREL_FEATURES} x n_images matrix)")
    bad = ~np.isfinite(data)
    if bad.any():
        f, i = (int(v[0]) for v in np.nonzero(bad))
        raise DataError(f"{p}: {int(bad.sum())} value(s) are NaN or infinite (first: feature "
                        f"{f + 1} of image {i + 1}); the file is damaged")
    sizes = np.diff(np.concatenate([[0], offset]))
    if (sizes < 1).any():
        i = int(np.argmax(sizes < 1))
        raise DataError(f"{p}: offset {offset.tolist()} leaves subcategory {i + 1} "
                        f"({TOPS[i // 4]}{i % 4 + 1}) with {int(sizes[i])} images: offsets must "
                        "increase strictly from above 0 to the column count")
    x = np.ascontiguousarray(data.T.astype(np.float32))
    prep = "none"
    if scale == "minmax":
        x = minmax_columns(x)
        prep = "minmax: each feature to [0, 1] over all 751 images (no labels)"
    starts = np.concatenate([[0], offset[:-1]])
    classes = np.concatenate([np.full(e - s, i) for i, (s, e) in enumerate(zip(starts, offset))])
    names = tuple(f"{top}{i}" for top in TOPS for i in range(1, 5))
    groups = {top: tuple(n for n in names if n.startswith(top)) for top in TOPS}
    return Dataset(name="corel", x=x, classes=classes.astype(np.int64), class_names=names,
                   groups=groups, kind="features", content_hash=content_hash(x), source=str(p),
                   preprocessing=prep)


def corel_tasks(data: Dataset, positive: str = "flower", negative: str = "traffic") -> list[Task]:
    """The P(4,2) x P(4,2) = 144 Corel tasks (flower = positive)."""
    return make_tasks(data, positive, negative)


def load_image_folder(root: str | os.PathLike, size: int = 32, name: str = "images") -> Dataset:
    """Load ``root/<top>/<sub>/*.{jpg,jpeg,png}`` as a 32 x 32 image dataset.

    ``<top>`` folders become superclasses (e.g. ``flower``, ``traffic``) and
    ``<sub>`` folders their classes, named ``<sub>`` (so they must be unique).
    """
    from PIL import Image

    root = Path(root)
    if not root.is_dir():
        raise DataError(f"image folder not found: {root}")
    images, classes, names, groups = [], [], [], {}
    for top in sorted(p for p in root.iterdir() if p.is_dir()):
        subs = sorted(p for p in top.iterdir() if p.is_dir())
        groups[top.name] = tuple(s.name for s in subs)
        for sub in subs:
            if sub.name in names:
                raise DataError(f"class folder name {sub.name!r} appears twice under {root}")
            names.append(sub.name)
            files = sorted(f for f in sub.iterdir()
                           if f.suffix.lower() in (".jpg", ".jpeg", ".png"))
            for f in files:
                try:
                    with Image.open(f) as im:
                        im = im.convert("RGB").resize((size, size), Image.BILINEAR)
                        images.append(np.asarray(im, dtype=np.uint8))
                except Exception as e:
                    raise DataError(f"cannot read image {f}: {e}") from e
                classes.append(len(names) - 1)
    if not images:
        raise DataError(f"no images found under {root}/<top>/<sub>/*.jpg")
    x = np.stack(images)
    classes = np.asarray(classes, dtype=np.int64)
    return Dataset(name=name, x=x, classes=classes, class_names=tuple(names), groups=groups,
                   kind="images", content_hash=content_hash(x, classes), source=str(root))


def corel_or_none(path: str | os.PathLike | None = None, scale: str = "minmax") -> Dataset | None:
    """:func:`load_corel`, or ``None`` where ``corel.mat`` is absent (it has no public
    download: ``fetch`` cannot get it).  A damaged file still raises its ``DataError``."""
    try:
        return load_corel(path, scale)
    except CorelMissing:
        return None
