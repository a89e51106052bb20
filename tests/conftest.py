"""Shared fixtures.  No test touches the network: sockets are blocked."""
from __future__ import annotations

import os
import pickle
import socket
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("POT_BACKEND_DISABLE_TENSORFLOW", "1")

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


LOCAL = ("127.0.0.1", "localhost", "::1", "0.0.0.0")


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # unix socket path
        return True
    return str(address[0]) in LOCAL


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Connections off this machine fail at once (like the offline machines);
    loopback stays open for the Dask cluster and Jupyter kernels."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create = socket.create_connection

    def connect(self, address):
        if not _is_local(address):
            raise OSError(f"network disabled in tests (tried {address})")
        return real_connect(self, address)

    def connect_ex(self, address):
        if not _is_local(address):
            raise OSError(f"network disabled in tests (tried {address})")
        return real_connect_ex(self, address)

    def create(address, *a, **k):
        if not _is_local(address):
            raise OSError(f"network disabled in tests (tried {address})")
        return real_create(address, *a, **k)

    monkeypatch.setattr(socket, "create_connection", create)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MRCNN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(autouse=True)
def _downloads_dir(tmp_path_factory, monkeypatch):
    """A page run in-process writes its CSV download to the working folder (a reader's
    notebook folder); in tests that is the checkout, so send it to a temporary folder
    (a stray 31_demo-smoke.csv was once committed from the repository root)."""
    monkeypatch.setenv("MRCNN_DOWNLOADS", str(tmp_path_factory.getbasetemp() / "downloads"))


def write_cifar(root: Path, n_per_class: int = 6, str_keys: bool = False,
                with_train: bool = True, seed: int = 0) -> Path:
    """Write a tiny CIFAR-100 in the official pickle format (Python-2 style bytes keys)."""
    rng = np.random.default_rng(seed)
    d = root / "cifar-100-python"
    d.mkdir(parents=True, exist_ok=True)
    fine = [f"class{i:02d}" for i in range(100)]
    fine[0:5] = ["apple", "mushroom", "orange", "pear", "sweet_pepper"]
    fine[5:10] = ["clock", "keyboard", "lamp", "telephone", "television"]
    coarse = [f"super{i:02d}" for i in range(20)]
    coarse[0], coarse[1] = "fruit_and_vegetables", "household_electrical_devices"
    enc = (lambda s: s) if str_keys else (lambda s: s.encode())

    def dump(name, obj):
        with open(d / name, "wb") as f:
            pickle.dump({enc(k): v for k, v in obj.items()}, f, protocol=2)

    dump("meta", {"fine_label_names": [enc(n) for n in fine],
                  "coarse_label_names": [enc(n) for n in coarse]})
    for split, n in (("train", n_per_class if with_train else 0), ("test", n_per_class)):
        fl = [c for c in range(10) for _ in range(n)]
        cl = [0 if c < 5 else 1 for c in fl]
        data = rng.integers(0, 256, size=(len(fl), 3072), dtype=np.uint8)
        dump(split, {"data": data, "fine_labels": fl, "coarse_labels": cl,
                     "filenames": [enc(f"img{i}.png") for i in range(len(fl))],
                     "batch_label": enc(split)})
    return d


@pytest.fixture
def tiny_cifar(tmp_path):
    write_cifar(tmp_path)
    return tmp_path


def data_dir() -> Path:
    """Where the real data are, found as the package finds them (``mrcnn_core.data.where``);
    where there are none, the known place beside the checkout, which the skip message names."""
    from mrcnn_core.data.where import data_dir as package_data_dir

    return package_data_dir() or SHARED


REAL_DATA = "needs real data"  # the skip reason's prefix; .ci/run fails on such a skip


@pytest.fixture(scope="session")
def real_cifar_root():
    """The real (reduced) CIFAR-100; skipped, saying so, where it is missing."""
    root = data_dir()
    if not (root / "cifar-100-python" / "test").is_file():
        pytest.skip(f"{REAL_DATA}: no CIFAR-100 under {root} (set MRCNN_DATA_DIR)")
    return root


@pytest.fixture(scope="session")
def real_corel_path():
    """The real corel.mat; skipped, saying so, where it is missing."""
    p = data_dir() / "corel" / "corel.mat"
    if not p.is_file():
        pytest.skip(f"{REAL_DATA}: no corel/corel.mat under {data_dir()} (set MRCNN_DATA_DIR)")
    return p


@pytest.fixture(scope="session")
def synthetic_corel_path(tmp_path_factory):
    """A stand-in corel.mat (random histograms, the real layout): for tests of mechanics."""
    return write_corel(tmp_path_factory.mktemp("synthetic") / "corel" / "corel.mat")


@pytest.fixture
def corel_env(monkeypatch, synthetic_corel_path):
    """Mechanics of sweeps: a stand-in Corel file (random features, the real layout)."""
    monkeypatch.setenv("MRCNN_DATA_DIR", str(Path(synthetic_corel_path).parent.parent))


def pytest_sessionfinish(session, exitstatus):
    """With MRCNN_REQUIRE_REAL_DATA=1 (.ci/run), a test skipped for want of real data fails
    the run: the suite must not pass without touching the real loaders."""
    if os.environ.get("MRCNN_REQUIRE_REAL_DATA") != "1":
        return
    rep = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = rep.stats.get("skipped", []) if rep else []
    missing = [r.nodeid for r in skipped
               if REAL_DATA in str(getattr(r, "longrepr", ""))]
    if missing:
        rep.write_line(f"FAILED: {len(missing)} test(s) skipped for want of real data "
                       f"(MRCNN_REQUIRE_REAL_DATA=1): {missing[:5]}", red=True)
        session.exitstatus = 1


def write_corel(out: Path) -> Path:
    """A stand-in corel.mat with the real file's layout (8 subcategories, 751 columns)."""
    import scipy.io
    rng = np.random.default_rng(0)
    sizes = [66, 100, 85, 100, 100, 100, 100, 100]
    data = rng.random((256, sum(sizes)))
    data /= data.sum(0, keepdims=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    scipy.io.savemat(out, {"data": data, "offset": np.cumsum(sizes)[None]})
    return out


def pytest_collection_modifyitems(config, items):
    """The book test (the longest) first: with two workers it runs on one while the rest of
    the suite runs on the other (CI time)."""
    items.sort(key=lambda it: 0 if it.get_closest_marker("xdist_group") else 1)  # stable
