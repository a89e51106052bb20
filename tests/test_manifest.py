"""Data manifests: the shared reduced folders rebuilt byte-equal from an 'official' folder."""
import pickle

import numpy as np
import pytest

from mrcnn_core.data import DataError, load_cifar100
from mrcnn_core.data import manifest as M


def _official_from(shared: "Path", out: "Path", tamper: bool = False,
                   also=()) -> "Path":
    """A stand-in for the official test split: the shared images (of ``shared`` and the
    folders ``also``) shuffled, renamed and mixed with distractors (random images)."""
    parts = []
    for folder in (shared, *also):
        with open(folder / "cifar-100-python" / "test", "rb") as f:
            parts.append(pickle.load(f, encoding="bytes"))
    rng = np.random.default_rng(0)
    data = np.concatenate([np.asarray(d[b"data"], np.uint8) for d in parts])
    if tamper:
        data[5, 100] ^= 1  # one bit of one of the folder's images
    fine = [x for d in parts for x in d[b"fine_labels"]]
    coarse = [x for d in parts for x in d[b"coarse_labels"]]
    extra = rng.integers(0, 256, size=(300, 3072), dtype=np.uint8)
    data = np.concatenate([data, extra])
    fine += fine[:300]
    coarse += coarse[:300]
    order = rng.permutation(len(data))
    data = data[order].copy()
    folder = out / "cifar-100-python"
    folder.mkdir(parents=True)
    (folder / "meta").write_bytes((shared / "cifar-100-python" / "meta").read_bytes())
    with open(folder / "test", "wb") as f:
        pickle.dump({b"data": data, b"fine_labels": [fine[i] for i in order],
                     b"coarse_labels": [coarse[i] for i in order],
                     b"filenames": [f"img{i}.png".encode() for i in range(len(data))],
                     b"batch_label": b"testing batch 1 of 1"}, f)
    return folder


def test_the_manifest_rebuilds_the_shared_folder_byte_equal(real_cifar_root, tmp_path):
    official = _official_from(real_cifar_root, tmp_path / "official")
    M.build_folder(official, "data", tmp_path / "built")
    a, b = load_cifar100(real_cifar_root, download=False), load_cifar100(tmp_path / "built",
                                                                         download=False)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.classes, b.classes)
    assert a.content_hash == b.content_hash  # the data hash every stored row records
    assert a.groups == b.groups
    assert M.check_folder(tmp_path / "built" / "cifar-100-python", "data") == (len(a.x), [])


def test_a_tampered_image_is_one_clear_error(real_cifar_root, tmp_path):
    official = _official_from(real_cifar_root, tmp_path / "official", tamper=True)
    with pytest.raises(DataError, match=r"1 of 1000 images of manifest 'data' are not in"):
        M.build_folder(official, "data", tmp_path / "built")
    assert not (tmp_path / "built").exists()


def test_the_shared_folders_match_their_manifests(real_cifar_root):
    """Every committed manifest describes its shared folder exactly (where it is here)."""
    for name in M.FOLDERS:
        folder = real_cifar_root.parent / name / "cifar-100-python"
        if folder.is_dir():
            n, bad = M.check_folder(folder, name)
            assert n > 0 and bad == [], name


def test_unknown_folder_and_damaged_manifest(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="unknown reduced folder 'x'"):
        M.read_manifest("x")
    import gzip

    monkeypatch.setattr(M, "MANIFEST_DIR", tmp_path)
    (tmp_path / "data.csv.gz").write_bytes(gzip.compress(b"no header\n"))
    with pytest.raises(DataError, match="header"):
        M.read_manifest("data")
