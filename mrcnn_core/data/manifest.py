"""Data manifests: the exact images behind the committed numbers, rebuilt from the official set.

The committed stores use three *reduced* CIFAR-100 folders (the paper's pair, the five
exploratory pairs, the three held-out pairs; 100 test images per class).  A reader online
has only the official tarball, whose test split holds every one of those images, in
another order.  A manifest is the ordered list of (fine label, digest of the image's 3,072
bytes) that defines a folder; :func:`build_folder` selects and orders the official test
images by it and writes a folder whose arrays are byte-equal to the shared one, so the
data hash every stored row records (``content_hash(x, fine)``) is the same.

The digest is the first ``DIGEST_CHARS`` hex characters of the sha256 of the image's
channel-major bytes (80 bits: no two of the 10,000 official test images share one).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
from pathlib import Path

import numpy as np

from .tasks import DataError

MANIFEST_DIR = Path(__file__).with_name("manifests")
#: the reduced folders, by the name they have beside the data folder (../shared/<name>)
FOLDERS = ("data", "data-pairs", "data-heldout")
DIGEST_CHARS = 20
HEADER = "fine_label,sha256_20"


def image_digests(data: np.ndarray) -> list[str]:
    """The digest of each row of an (N, 3072) uint8 array (channel-major, as the pickles)."""
    a = np.ascontiguousarray(np.asarray(data, dtype=np.uint8))
    return [hashlib.sha256(r.tobytes()).hexdigest()[:DIGEST_CHARS] for r in a]


def _unpickle(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            d = pickle.load(f, encoding="bytes")
    except Exception as e:
        raise DataError(f"cannot read {path}: {type(e).__name__}: {e}") from e
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in d.items()}


def _test_split(folder: Path) -> dict:
    d = _unpickle(folder / "test")
    for key in ("data", "fine_labels", "coarse_labels"):
        if key not in d:
            raise DataError(f"{folder / 'test'} lacks key {key!r}")
    return d


def make_manifest(folder: str | os.PathLike) -> str:
    """The manifest text of a reduced ``cifar-100-python`` folder (its test split, in order)."""
    d = _test_split(Path(folder))
    lines = [HEADER] + [f"{int(lab)},{dig}" for lab, dig in
                        zip(d["fine_labels"], image_digests(d["data"]))]
    return "\n".join(lines) + "\n"


def manifest_path(name: str) -> Path:
    if name not in FOLDERS:
        raise DataError(f"unknown reduced folder {name!r}; known: {', '.join(FOLDERS)}")
    return MANIFEST_DIR / f"{name}.csv.gz"


def write_manifest(folder: str | os.PathLike, name: str) -> Path:
    p = manifest_path(name)
    p.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same folder gives the same bytes (a diff shows a real change only)
    p.write_bytes(gzip.compress(make_manifest(folder).encode(), mtime=0))
    return p


def read_manifest(name: str) -> list[tuple[int, str]]:
    p = manifest_path(name)
    if not p.is_file():
        raise DataError(f"manifest {p} is missing (the package is incomplete)")
    lines = gzip.decompress(p.read_bytes()).decode().splitlines()
    if not lines or lines[0] != HEADER:
        raise DataError(f"manifest {p} has no '{HEADER}' header: it is damaged")
    out = []
    for i, ln in enumerate(lines[1:], start=2):
        lab, _, dig = ln.partition(",")
        if not (lab.isdigit() and len(dig) == DIGEST_CHARS):
            raise DataError(f"manifest {p}, line {i}: {ln!r} is not 'label,digest'")
        out.append((int(lab), dig))
    return out


def check_folder(folder: str | os.PathLike, name: str) -> tuple[int, list[int]]:
    """(images, indices that differ from the manifest) for a reduced folder."""
    d = _test_split(Path(folder))
    want = read_manifest(name)
    have = list(zip((int(x) for x in d["fine_labels"]), image_digests(d["data"])))
    bad = [i for i, (a, b) in enumerate(zip(have, want)) if a != b]
    if len(have) != len(want):
        bad += list(range(min(len(have), len(want)), max(len(have), len(want))))
    return len(want), bad


def build_folder(official: str | os.PathLike, name: str, out: str | os.PathLike) -> Path:
    """Write ``out/cifar-100-python`` (meta, an empty train, test) holding the manifest's
    images from the official folder ``official`` (``cifar-100-python`` with meta and test),
    in the manifest's order.  Missing or differing images: one error with their count and
    the first few labels; nothing is written then."""
    official = Path(official)
    want = read_manifest(name)
    d = _test_split(official)
    meta = _unpickle(official / "meta")
    fine_names = [x.decode() if isinstance(x, bytes) else str(x)
                  for x in meta.get("fine_label_names", [])]
    index: dict[tuple[int, str], int] = {}
    for i, key in enumerate(zip((int(x) for x in d["fine_labels"]), image_digests(d["data"]))):
        index.setdefault(key, i)
    rows = [index.get(k) for k in want]
    missing = [k for k, r in zip(want, rows) if r is None]
    if missing:
        labels = sorted({fine_names[lab] if lab < len(fine_names) else str(lab)
                         for lab, _ in missing[:20]})
        raise DataError(f"{len(missing)} of {len(want)} images of manifest {name!r} are not in "
                        f"{official / 'test'} (first labels: {', '.join(labels[:5])}): it is "
                        "not the official CIFAR-100 test split, or it was changed")
    idx = np.asarray(rows)
    data = np.asarray(d["data"], dtype=np.uint8)[idx]
    fine = [int(d["fine_labels"][i]) for i in idx]
    coarse = [int(d["coarse_labels"][i]) for i in idx]
    names = [f"{fine_names[f] if f < len(fine_names) else f}_s_test_{i:05d}.png".encode()
             for i, f in enumerate(fine)]
    target = Path(out) / "cifar-100-python"
    target.mkdir(parents=True, exist_ok=True)
    _dump(target / "meta", (official / "meta").read_bytes())
    _dump(target / "train", _pickled({b"filenames": [], b"batch_label": b"training batch (empty)",
                                      b"fine_labels": [], b"coarse_labels": [],
                                      b"data": np.zeros((0, 3072), np.uint8)}))
    _dump(target / "test", _pickled({b"filenames": names,
                                     b"batch_label": f"test images of manifest {name}".encode(),
                                     b"fine_labels": fine, b"coarse_labels": coarse,
                                     b"data": data}))
    return target


def _pickled(obj) -> bytes:
    buf = io.BytesIO()
    pickle.dump(obj, buf, protocol=4)
    return buf.getvalue()


def _dump(path: Path, data: bytes) -> None:
    """Write through a temporary name, so an interrupted build leaves no half file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
