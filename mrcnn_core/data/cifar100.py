"""CIFAR-100 in the official ``cifar-100-python`` pickle format.

The paper merges the train and test splits (600 images per class).  The
loader looks for the folder in ``root``, else the data folder (``where``: ``$MRCNN_DATA_DIR``,
``../shared/data``, fetch's ``mrcnn-data/data``), then the Keras cache (``~/.keras/datasets``), and downloads the official tarball
(md5-checked) only when none holds it.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from .tasks import Dataset, DataError, Task, make_tasks  # noqa: F401 (DataError: its home was here)
from .where import data_dir

CIFAR100_URL = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
CIFAR100_MD5 = "eb9058c3a382ffc7106e4002c42a8d85"
FOLDER = "cifar-100-python"



def _candidates(root: str | os.PathLike | None) -> list[Path]:
    out = []
    if root is not None:
        out.append(Path(root))
    elif (d := data_dir()) is not None:  # $MRCNN_DATA_DIR, ../shared/data, fetch's folder
        out.append(d)
    out.append(Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets")
    return out


def find_cifar100(root: str | os.PathLike | None = None) -> Path | None:
    """The first folder holding ``meta`` and ``test`` (``root`` may be the folder itself)."""
    for base in _candidates(root):
        for d in (base / FOLDER, base):
            if (d / "meta").is_file() and (d / "test").is_file():
                return d
    return None


def _unpickle(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")
    except Exception as e:  # truncated or not a pickle
        raise DataError(f"cannot read CIFAR-100 file {path}: {type(e).__name__}: {e}. "
                        "The file is corrupt or truncated; delete it and re-download, "
                        "or point MRCNN_DATA_DIR at a good copy.") from e
    if not isinstance(d, dict):
        raise DataError(f"CIFAR-100 file {path} does not hold a dict (got {type(d).__name__})")
    # Python-2 pickles have bytes keys, re-pickled ones str keys: accept both.
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in d.items()}


def _names(v) -> list[str]:
    return [n.decode() if isinstance(n, bytes) else str(n) for n in v]


def download_cifar100(dest: Path, timeout: float = 15.0) -> Path:
    """Download and unpack the official tarball into ``dest``; verify its md5."""
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest))
    tar = tmp / "cifar-100-python.tar.gz"
    try:
        try:
            with urllib.request.urlopen(CIFAR100_URL, timeout=timeout) as r, open(tar, "wb") as f:
                shutil.copyfileobj(r, f)
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            raise DataError(
                f"CIFAR-100 was not found locally and could not be downloaded from "
                f"{CIFAR100_URL} ({e}). If you are offline, put the official "
                f"'{FOLDER}' folder somewhere and pass root=... or set "
                f"MRCNN_DATA_DIR=/path/to/folder/containing/{FOLDER}.") from e
        return unpack_cifar100(tar, dest, what="downloaded")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def unpack_cifar100(tar: Path, dest: Path, what: str = "") -> Path:
    """Check the official tarball's md5 and unpack it into ``dest`` (a temporary folder
    first: an interrupted unpack leaves no half folder); a DataError names a partial or
    corrupt file."""
    md5 = hashlib.md5(Path(tar).read_bytes()).hexdigest()
    if md5 != CIFAR100_MD5:
        raise DataError(f"{(what + ' ') if what else ''}{tar} has md5 {md5}, expected "
                        f"{CIFAR100_MD5} (the official cifar-100-python.tar.gz): it is partial "
                        "or corrupt; delete it and download it again")
    tmp = Path(tempfile.mkdtemp(dir=dest))
    try:
        with tarfile.open(tar) as tf:
            tf.extractall(tmp, filter="data")
        final = dest / FOLDER
        if not final.exists():
            os.replace(tmp / FOLDER, final)
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def content_hash(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def load_cifar100(root: str | os.PathLike | None = None, download: bool = True) -> Dataset:
    """Load CIFAR-100 with train and test merged (as the paper does).

    Returns a :class:`Dataset` with ``x`` (N, 32, 32, 3) uint8, ``classes``
    (fine labels), ``coarse`` available through ``groups`` (superclass ->
    fine class names), and the name lists.
    """
    folder = find_cifar100(root)
    if folder is None:
        if not download:
            raise DataError(f"no '{FOLDER}' folder (with meta, test) found in "
                            f"{[str(p) for p in _candidates(root)]} and download=False")
        folder = download_cifar100(_candidates(None)[-1])
    meta = _unpickle(folder / "meta")
    try:
        fine_names = _names(meta["fine_label_names"])
        coarse_names = _names(meta["coarse_label_names"])
    except KeyError as e:
        raise DataError(f"{folder / 'meta'} lacks key {e}") from e
    xs, fine, coarse = [], [], []
    for split in ("train", "test"):
        p = folder / split
        if not p.is_file():
            continue  # the official set has both; a reduced copy may lack train
        d = _unpickle(p)
        try:
            data = np.asarray(d["data"], dtype=np.uint8)
            f_l, c_l = np.asarray(d["fine_labels"]), np.asarray(d["coarse_labels"])
        except KeyError as e:
            raise DataError(f"{p} lacks key {e}") from e
        if len(data) == 0:
            continue
        if data.ndim != 2 or data.shape[1] != 3072 or len(f_l) != len(data):
            raise DataError(f"{p}: data has shape {data.shape} and {len(f_l)} labels; "
                            "expected (N, 3072) with N labels")
        # Channel-major rows -> (N, 32, 32, 3) images.
        xs.append(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        fine.append(f_l)
        coarse.append(c_l)
    if not xs:
        raise DataError(f"{folder} holds no images")
    x = np.ascontiguousarray(np.concatenate(xs))
    fine = np.concatenate(fine).astype(np.int64)
    coarse = np.concatenate(coarse).astype(np.int64)
    for kind, labels, names in (("fine", fine, fine_names), ("coarse", coarse, coarse_names)):
        bad = labels[(labels < 0) | (labels >= len(names))]
        if len(bad):
            raise DataError(f"{folder}: {kind} label {int(bad[0])} is outside the "
                            f"{len(names)} {kind} label names in {folder / 'meta'}")
    groups: dict[str, list[str]] = {n: [] for n in coarse_names}
    pairs = sorted(set(zip(coarse.tolist(), fine.tolist())))
    for c, f in pairs:
        groups[coarse_names[c]].append(fine_names[f])
    return Dataset(name="cifar100", x=x, classes=fine, class_names=tuple(fine_names),
                   groups={k: tuple(sorted(v)) for k, v in groups.items()},
                   kind="images", content_hash=content_hash(x, fine), source=str(folder))


# The 20 CIFAR-100 superclasses (coarse labels), as the official meta file names them.
SUPERCLASSES = (
    "aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
    "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
    "large_man-made_outdoor_things", "large_natural_outdoor_scenes",
    "large_omnivores_and_herbivores", "medium_mammals", "non-insect_invertebrates", "people",
    "reptiles", "small_mammals", "trees", "vehicles_1", "vehicles_2")


def cifar100_tasks(data: Dataset, positive: str = "fruit_and_vegetables",
                   negative: str = "household_electrical_devices") -> list[Task]:
    """The P(n,2) x P(n,2) transfer tasks of ``positive`` vs ``negative`` (400 in the paper)."""
    return make_tasks(data, positive, negative)
