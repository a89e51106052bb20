"""Deterministic training: the same MRCNN run twice is bitwise equal (TensorFlow and JAX).

Before the one-pass forward (train.py) the TensorFlow step summed each conv5 and
fc weight's gradient over a source and a target branch, and that sum depended on
the order of TensorFlow's inter-op threads: two runs of one configuration parted
at step 1 and ended 8 points apart.  These tests failed on that code.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SCRIPT = textwrap.dedent("""
    import hashlib, json, sys, numpy as np
    from mrcnn_core.method.model import init_params
    from mrcnn_core.method.train import train_head
    from mrcnn_core.method.graph import knn_graph, laplacian
    from mrcnn_core.method import backend as B, determinism
    rng = np.random.default_rng(0)
    T, n, C = int(sys.argv[1]), 200, 512  # the real head's shapes: smaller ones hid the race
    xs = (3 * rng.normal(size=(T, n, 2, 2, C))).astype(np.float32)
    xt = (3 * rng.normal(size=(T, n, 2, 2, C))).astype(np.float32)
    ys = rng.integers(0, 2, (T, n)); yt = rng.integers(0, 2, (T, n))
    lap = np.stack([laplacian(knn_graph(x.reshape(n, -1), 3)) for x in xt])
    conv5 = [((0.02 * rng.normal(size=(3, 3, C, C))).astype(np.float32), np.zeros(C, np.float32))
             for _ in range(3)]
    p = init_params(list(range(T)), conv5=conv5)
    out = []
    for _ in range(2):
        r = train_head(p, xs, ys, xt, yt, lap, alpha=1e-2, steps=int(sys.argv[2]))
        out.append({"omega": r.curves["omega"].tolist(), "loss": r.curves["loss"].tolist(),
                    "acc": r.accuracy.tolist(),
                    "params": {k: hashlib.sha1(v.tobytes()).hexdigest() for k, v in r.params.items()}})
    print(json.dumps({"backend": B.name(), "runs": out, **determinism.status()}))
""")


def run(backend: str, tasks: int = 1, steps: int = 20) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tasks), str(steps)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_mrcnn_reruns_bitwise(backend):
    if backend == "jax":
        pytest.importorskip("jax")
    r = run(backend)
    assert r["backend"] == backend and r["deterministic"] == "yes"
    a, b = r["runs"]
    assert len(a["omega"][0]) == 20
    assert a["omega"] == b["omega"] and a["loss"] == b["loss"]  # every step, bit for bit
    assert a["params"] == b["params"] and a["acc"] == b["acc"]


def test_task_alone_equals_task_in_a_batch():
    """A task trained alone follows, to float tolerance, its trajectory inside a batch of 3."""
    from mrcnn_core.method.graph import knn_graph, laplacian
    from mrcnn_core.method.model import init_params
    from mrcnn_core.method.train import train_head

    rng = np.random.default_rng(1)
    T, n, C = 3, 40, 32
    xs = rng.normal(size=(T, n, 2, 2, C)).astype(np.float32)
    xt = rng.normal(size=(T, n, 2, 2, C)).astype(np.float32)
    ys, yt = rng.integers(0, 2, (T, n)), rng.integers(0, 2, (T, n))
    lap = np.stack([laplacian(knn_graph(x.reshape(n, -1), 3)) for x in xt])
    conv5 = [((0.1 * rng.normal(size=(3, 3, C, C))).astype(np.float32),
              np.zeros(C, np.float32)) for _ in range(3)]
    p = init_params([5, 6, 7], conv5=conv5, widths=(16, 16))
    kw = dict(lr=[1e-2, 3e-3, 1e-2], alpha=[0.1, 0.0, 1.0], steps=8)
    batch = train_head(p, xs, ys, xt, yt, lap, **kw)
    for t in range(T):
        alone = train_head({k: v[t:t + 1] for k, v in p.items()}, xs[t:t + 1], ys[t:t + 1],
                           xt[t:t + 1], yt[t:t + 1], lap[t:t + 1],
                           lr=kw["lr"][t], alpha=kw["alpha"][t], steps=8)
        for key in ("loss", "omega", "ce"):
            np.testing.assert_allclose(alone.curves[key][0], batch.curves[key][t], rtol=1e-5,
                                       atol=1e-7, err_msg=f"task {t}, {key}")


def test_tensorflow_runs_one_inter_op_thread():
    """The 20-step check above passed with the one-pass forward alone, yet a 200-step run on
    a real task still parted from its re-run until TensorFlow ran one inter-op thread
    (benchmarks/RESULTS.md): the setting must be in place, and recorded as such."""
    from mrcnn_core.method import backend as B, determinism

    if B.name() != "tensorflow":
        pytest.skip("TensorFlow setting")
    import tensorflow as tf

    assert tf.config.threading.get_inter_op_parallelism_threads() == 1
    assert determinism.status()["deterministic"] == "yes"
    assert "inter-op threads 1" in determinism.status()["determinism"]


def test_nondeterministic_switch_is_recorded():
    code = ("from mrcnn_core.method import determinism as d; import os; "
            "print(d.status()['deterministic'], 'xla' in os.environ.get('XLA_FLAGS', ''))")
    for be in ("tensorflow", "jax"):
        env = dict(os.environ, KERAS_BACKEND=be, MRCNN_NONDETERMINISTIC="1", JAX_PLATFORMS="cpu")
        env.pop("XLA_FLAGS", None)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=300)
        assert out.stdout.split() == ["no", "False"], (be, out.stdout, out.stderr[-500:])


def test_tensorflow_started_before_the_package_is_recorded_as_not_deterministic():
    """If the caller ran a TensorFlow op before importing the package, one inter-op thread can
    no longer be set: the runs must say 'no', not claim a determinism they lack."""
    code = ("import tensorflow as tf; tf.constant(1.0) + 1; import mrcnn_core; "
            "from mrcnn_core.method import determinism as d; print(d.status()['deterministic'])")
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    env.pop(  # the switch must not be what makes it "no"
        "MRCNN_NONDETERMINISTIC", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.stdout.split()[-1:] == ["no"], out.stderr[-500:]
