import pickle
import time
import urllib.request

import numpy as np
import pytest
from PIL import Image

from mrcnn_core import (DataError, cifar100_tasks, corel_tasks, load_cifar100, load_corel,
                        load_image_folder, select_tasks)
from mrcnn_core.data import cifar100 as cifar_mod
from mrcnn_core.data import where

from conftest import write_cifar

PAPER_POS = ("apple", "mushroom", "orange", "pear", "sweet_pepper")


def test_shared_cifar_subset(real_cifar_root):
    ds = load_cifar100(real_cifar_root, download=False)
    assert ds.x.shape == (1000, 32, 32, 3) and ds.x.dtype == np.uint8
    assert len(np.unique(ds.classes)) == 10
    assert ds.groups["fruit_and_vegetables"] == PAPER_POS
    tasks = cifar100_tasks(ds)
    assert len(tasks) == 400
    assert len({t.id for t in tasks}) == 400
    for t in tasks[:: 37]:
        assert (t.n_source, t.n_target) == (200, 200)
        assert t.ys.sum() == 100 and t.yt.sum() == 100
        # source and target classes never overlap
        assert not set(t.source_classes) & set(t.target_classes)
        assert not set(t.source_idx) & set(t.target_idx)
    assert [t.id for t in tasks] == sorted(t.id for t in tasks)


def test_task_id_and_labels(tiny_cifar):
    ds = load_cifar100(tiny_cifar, download=False)
    t = {t.id: t for t in cifar100_tasks(ds)}["apple+clock->pear+lamp"]
    names = np.array(ds.class_names)[ds.classes]
    assert set(names[t.source_idx]) == {"apple", "clock"}
    assert set(names[t.target_idx]) == {"pear", "lamp"}
    # positive superclass -> label 1
    np.testing.assert_array_equal(t.yt, (names[t.target_idx] == "pear").astype(int))


@pytest.mark.parametrize("str_keys", [False, True])
def test_official_format_merges_train_and_test(tmp_path, str_keys):
    write_cifar(tmp_path, n_per_class=3, str_keys=str_keys)
    ds = load_cifar100(tmp_path, download=False)
    assert ds.x.shape == (60, 32, 32, 3)  # 10 classes x (3 train + 3 test)
    assert np.bincount(ds.classes)[:10].tolist() == [6] * 10
    # channel-major rows are turned into HWC images
    with open(tmp_path / "cifar-100-python" / "train", "rb") as f:
        raw = pickle.load(f, encoding="bytes")
    row = raw[b"data" if not str_keys else "data"][0]
    np.testing.assert_array_equal(ds.x[0, :, :, 0].ravel(), row[:1024])
    np.testing.assert_array_equal(ds.x[0, :, :, 2].ravel(), row[2048:])


def test_env_var_root(tiny_cifar, monkeypatch):
    monkeypatch.setenv("MRCNN_DATA_DIR", str(tiny_cifar))
    assert load_cifar100(download=False).x.shape[0] == 120


def test_any_superclass_pair(tiny_cifar):
    ds = load_cifar100(tiny_cifar, download=False)
    rev = cifar100_tasks(ds, "household_electrical_devices", "fruit_and_vegetables")
    assert len(rev) == 400 and rev[0].id.startswith("clock+apple->")


def test_bad_superclasses(tiny_cifar):
    ds = load_cifar100(tiny_cifar, download=False)
    with pytest.raises(ValueError, match="unknown superclass 'fruits'"):
        cifar100_tasks(ds, positive="fruits")
    with pytest.raises(ValueError, match="both 'fruit_and_vegetables'"):
        cifar100_tasks(ds, "fruit_and_vegetables", "fruit_and_vegetables")


def test_corrupt_file_is_named(tiny_cifar):
    test = tiny_cifar / "cifar-100-python" / "test"
    test.write_bytes(test.read_bytes()[:100])  # truncated
    with pytest.raises(DataError, match=r"cifar-100-python/test"):
        load_cifar100(tiny_cifar, download=False)


def test_missing_without_download(tmp_path, monkeypatch):
    monkeypatch.delenv("MRCNN_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(DataError, match="download=False"):
        load_cifar100(tmp_path / "nowhere", download=False)


def test_offline_download_fails_fast_with_advice(tmp_path, monkeypatch):
    monkeypatch.delenv("MRCNN_DATA_DIR", raising=False)
    monkeypatch.setattr(where, "fallback_dirs", lambda: [])  # a fresh machine: no data anywhere
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    def offline(*a, **k):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    t0 = time.perf_counter()
    with pytest.raises(DataError, match="MRCNN_DATA_DIR"):
        load_cifar100()
    assert time.perf_counter() - t0 < 5


def test_download_md5_checked(tmp_path, monkeypatch):
    import io

    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda *a, **k: io.BytesIO(b"not the tarball"))
    with pytest.raises(DataError, match="md5"):
        cifar_mod.download_cifar100(tmp_path)
    assert not (tmp_path / "cifar-100-python").exists()


def test_corel(real_corel_path):
    raw = load_corel(real_corel_path, scale="none")
    assert raw.x.shape == (751, 256) and raw.preprocessing == "none"
    np.testing.assert_allclose(raw.x.sum(1), 1.0, rtol=1e-4)
    ds = load_corel(real_corel_path)  # the paper's [0, 1] scaling is the default
    assert ds.x.shape == (751, 256) and ds.preprocessing.startswith("minmax")
    # each feature spans exactly [0, 1], and the map is affine per feature
    np.testing.assert_allclose(ds.x.min(0), 0.0, atol=1e-7)
    varying = raw.x.max(0) > raw.x.min(0)
    np.testing.assert_allclose(ds.x.max(0)[varying], 1.0, rtol=1e-6)
    j = int(np.argmax(varying))
    lo, hi = raw.x[:, j].min(), raw.x[:, j].max()
    np.testing.assert_allclose(ds.x[:, j], (raw.x[:, j] - lo) / (hi - lo), rtol=1e-5, atol=1e-6)
    assert ds.content_hash != raw.content_hash
    with pytest.raises(ValueError, match="'zscore'"):
        load_corel(real_corel_path, scale="zscore")
    assert np.bincount(ds.classes).tolist() == [66, 100, 85, 100, 100, 100, 100, 100]
    tasks = corel_tasks(ds)
    assert len(tasks) == 144
    t = {t.id: t for t in tasks}["flower1+traffic1->flower3+traffic4"]
    assert (t.n_source, t.n_target) == (166, 185)
    assert t.yt.sum() == 85


def test_corel_bad_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_corel(tmp_path / "missing.mat")
    bad = tmp_path / "corel.mat"
    bad.write_bytes(b"garbage")
    with pytest.raises(DataError, match="corel.mat"):
        load_corel(bad)


def test_an_absent_corel_file_is_none_a_damaged_one_an_error(tmp_path, monkeypatch):
    """corel.mat has no public download, so a reader's machine may lack it: pages then say
    so; a file that is there but damaged is still an error naming it."""
    from mrcnn_core import corel_or_none
    from mrcnn_core.analysis.collapse import known_class_shares
    from mrcnn_core.data import CorelMissing

    with pytest.raises(CorelMissing, match="missing.mat"):
        load_corel(tmp_path / "missing.mat")
    assert corel_or_none(tmp_path / "missing.mat") is None
    monkeypatch.setenv("MRCNN_DATA_DIR", str(tmp_path))  # a data folder without corel/
    assert corel_or_none() is None and known_class_shares() == {}
    monkeypatch.delenv("MRCNN_DATA_DIR")
    monkeypatch.setattr(where, "fallback_dirs", lambda: [tmp_path])  # no corel/ there either
    assert corel_or_none() is None
    (tmp_path / "corel").mkdir()
    (tmp_path / "corel" / "corel.mat").write_bytes(b"garbage")
    monkeypatch.setenv("MRCNN_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="cannot read Corel file"):
        corel_or_none()
    with pytest.raises(DataError, match="cannot read Corel file"):
        known_class_shares()  # before: a damaged file read as "no Corel data here"


def test_the_data_folder_is_found_without_settings(tmp_path, monkeypatch):
    """$MRCNN_DATA_DIR first; else ../shared/data beside the checkout, then fetch's default
    folder (mrcnn-data/data): `make book` on a fresh clone, or after `fetch`, needs no
    setting.  Every loader uses the one rule (CIFAR-100, Corel, the pairs' folders)."""
    from mrcnn_core.experiments.context import pairs_data_dir

    shared, fetched = tmp_path / "shared" / "data", tmp_path / "mrcnn-data" / "data"
    monkeypatch.setattr(where, "fallback_dirs", lambda: [shared, fetched])
    monkeypatch.delenv("MRCNN_DATA_DIR", raising=False)
    assert where.data_dir() is None
    (fetched / "cifar-100-python").mkdir(parents=True)
    assert where.data_dir() == fetched
    assert pairs_data_dir({"data": "data-heldout"}) == str(tmp_path / "mrcnn-data" / "data-heldout")
    (shared / "cifar-100-python").mkdir(parents=True)
    assert where.data_dir() == shared  # the shared folder first
    monkeypatch.setenv("MRCNN_DATA_DIR", str(tmp_path / "mine"))
    with pytest.raises(DataError, match="mine is not a folder"):  # said, not "set it" (#42)
        where.data_dir()
    (tmp_path / "mine").mkdir()
    assert where.data_dir() == tmp_path / "mine"  # the setting wins, even where it is empty


def test_image_folder(tmp_path):
    rng = np.random.default_rng(0)
    for top, subs in (("flower", ("rose", "tulip")), ("traffic", ("bus", "car"))):
        for s in subs:
            (tmp_path / top / s).mkdir(parents=True)
            for i in range(3):
                Image.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(
                    tmp_path / top / s / f"{i}.jpg")
    ds = load_image_folder(tmp_path)
    assert ds.x.shape == (12, 32, 32, 3) and ds.kind == "images"
    tasks = corel_tasks(ds)
    assert len(tasks) == 4 and tasks[0].n_source == 6


def test_select_tasks(tiny_cifar):
    tasks = cifar100_tasks(load_cifar100(tiny_cifar, download=False))
    assert select_tasks(tasks, 3) == tasks[:3]
    r1, r2 = select_tasks(tasks, random=10, seed=1), select_tasks(tasks, random=10, seed=1)
    assert [t.id for t in r1] == [t.id for t in r2] and len(r1) == 10
    with pytest.raises(ValueError, match="unknown task id"):
        select_tasks(tasks, ids=["nope"])
