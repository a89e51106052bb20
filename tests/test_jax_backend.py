"""The same code runs under JAX and gives the same numbers as TensorFlow."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("jax")

SCRIPT = textwrap.dedent("""
    import json, numpy as np
    from mrcnn_core import MRCNN
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(30, 5)).astype('float32'); ys = (xs[:, 0] > 0).astype(int)
    xt = (rng.normal(size=(30, 5)) + 0.5).astype('float32')
    m = MRCNN(alpha=0.05, k=3, steps=10, lr=1e-2, widths=(8, 8)).fit(xs, ys, xt)
    import keras
    print(json.dumps({"backend": keras.backend.backend(), "loss": m.history_["loss"].tolist(),
                      "pred": m.predict(xt).tolist()}))
""")


def run(backend):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3",
               JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_jax_matches_tensorflow():
    j, t = run("jax"), run("tensorflow")
    assert j["backend"] == "jax" and t["backend"] == "tensorflow"
    np.testing.assert_allclose(j["loss"], t["loss"], rtol=1e-4)
    assert np.mean(np.array(j["pred"]) == np.array(t["pred"])) > 0.95
