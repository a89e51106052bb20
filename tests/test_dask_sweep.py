"""Sweeps on Dask workers: same rows as one process, faults, loopback and TLS."""
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from mrcnn_core.experiments import ResultsStore, sweep
from mrcnn_core.experiments.distributed import FAULT_ENV, local_cluster

ROOT = Path(__file__).resolve().parents[1]


def profile(tmp_path, tasks=3, steps=5, methods=("lr", "vgg", "mrcnn")):
    p = tmp_path / "d.yaml"
    p.write_text(yaml.safe_dump({"name": "d", "experiments": {"main": {"corel": {
        "tasks": tasks, "methods": list(methods), "seeds": [0], "steps": steps}}},
        "options": {"curves_tasks": 1}}))
    return str(p)


def test_local_cluster_listens_on_loopback_only():
    with local_cluster(1) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        workers = cluster.scheduler_info["workers"]
        assert workers and all(w.startswith("tcp://127.0.0.1:") for w in workers)


def test_two_workers_store_the_same_rows_as_one_process(tmp_path, corel_env):
    prof = profile(tmp_path)
    one = sweep(prof, dataset="corel", results=tmp_path / "one", progress=False)
    two = sweep(prof, dataset="corel", results=tmp_path / "two", workers=2, chunk=2,
                progress=False)
    assert (one.done, two.done, two.failed) == (9, 9, 0)
    a = ResultsStore(tmp_path / "one").load().set_index("run_key").sort_index()
    b = ResultsStore(tmp_path / "two").load().set_index("run_key").sort_index()
    assert list(a.index) == list(b.index)
    np.testing.assert_allclose(b["accuracy"], a["accuracy"], atol=1e-6)
    np.testing.assert_allclose(b["epsilon"], a["epsilon"], atol=1e-12)
    prov = {p["prov_id"]: p for p in ResultsStore(tmp_path / "two").load_provenance()}
    assert all(prov[i]["executor"] == "dask worker" for i in b["prov_id"])
    # curves of the first task come back from the workers too
    assert len(ResultsStore(tmp_path / "two").load_curves()) == 2 * 5
    again = sweep(prof, dataset="corel", results=tmp_path / "two", workers=2, progress=False)
    assert (again.skipped, again.done) == (9, 0)


def test_worker_killed_mid_chunk_every_run_stored_once(tmp_path, corel_env, monkeypatch):
    flag = tmp_path / "killed"
    monkeypatch.setenv(FAULT_ENV, str(flag))
    s = sweep(profile(tmp_path, methods=("lr", "vgg")), dataset="corel", results=tmp_path / "r",
              workers=2, chunk=1, progress=False)
    assert flag.exists(), "the fault was not injected"
    df = ResultsStore(tmp_path / "r").load()
    assert (s.done, s.failed) == (6, 0) and len(df) == 6 and df["run_key"].is_unique


def test_driver_killed_then_restarted_stores_every_run_once(tmp_path, corel_env):
    prof = profile(tmp_path, tasks=6, steps=60, methods=("vgg", "mrcnn"))
    res = tmp_path / "res"
    cmd = [sys.executable, "-m", "mrcnn_core", "sweep", "--profile", prof, "--dataset", "corel",
           "--results", str(res), "--no-progress", "--workers", "2", "--chunk", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    runs = res / "runs.csv"
    t0 = time.time()
    while time.time() - t0 < 240 and not (runs.exists() and runs.read_text().count("\n") >= 2):
        time.sleep(0.05)
    import os
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its cluster
    proc.wait()
    n_before = len(ResultsStore(res).load())
    assert 1 <= n_before < 12, "the kill should land in the middle of the sweep"
    (res / ".lock.pid").unlink(missing_ok=True)
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    df = ResultsStore(res).load()
    assert len(df) == 12 and df["run_key"].is_unique and f"skipped {n_before}" in out.stdout


def test_tls_cluster(tmp_path, corel_env):
    pytest.importorskip("cryptography")
    from dask.distributed import Security

    sec = Security.temporary()
    with local_cluster(1, security=sec) as cluster:
        assert cluster.scheduler_address.startswith("tls://127.0.0.1:")
    s = sweep(profile(tmp_path, tasks=1, methods=("lr",)), dataset="corel",
              results=tmp_path / "r", workers=1, security=sec, progress=False)
    assert (s.done, s.failed) == (1, 0)


def test_cli_rejects_half_a_tls_setup(tmp_path, corel_env):
    out = subprocess.run([sys.executable, "-m", "mrcnn_core", "sweep", "--profile",
                          profile(tmp_path), "--dataset", "corel", "--workers", "1",
                          "--tls-cert", str(tmp_path / "c.pem"), "--results", str(tmp_path / "r")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "TLS needs --tls-ca-file, --tls-cert and --tls-key" in out.stderr


def test_imports_go_one_way():
    """driver -> sweep_status and driver -> distributed -> sweep_status: sweep_status imports neither."""
    import ast
    from pathlib import Path

    import mrcnn_core.experiments as E

    def imported(module: str) -> set[str]:
        tree = ast.parse((Path(E.__file__).parent / f"{module}.py").read_text())
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}

    assert not {"distributed", "driver"} & imported("sweep_status")
    assert "driver" not in imported("distributed") and "sweep_status" in imported("distributed")
    assert {"sweep_status", "distributed"} <= imported("driver")
