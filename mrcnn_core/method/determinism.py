"""Deterministic training: the same run twice gives bitwise-equal curves and accuracy.

What makes a run deterministic, per backend and device (the book's "How much
one run tells" page and benchmarks/RESULTS.md give the evidence):

* the training step itself: MRCNN computes source and target in one forward
  pass (train.py), so every weight has one gradient and no sum of two
  branches whose order TensorFlow's inter-op threads could change;
* JAX on a GPU: XLA's ``--xla_gpu_deterministic_ops=true`` (no atomics;
  autotuning fixed), added to ``XLA_FLAGS`` when the package is imported,
  before JAX starts, and the conv5 matrix assembled without a scatter in its
  gradient (:func:`conv5_assembly`);
* TensorFlow: one inter-op thread (:func:`configure_tensorflow`), and on a
  GPU ``tf.config.experimental.enable_op_determinism()``;
* JAX on a CPU: nothing else (tests/test_determinism.py, both backends).

``MRCNN_NONDETERMINISTIC=1`` turns these settings off (to measure their
cost); every provenance record and stored row then says ``deterministic: no``.
"""
from __future__ import annotations

import os

XLA_FLAG = "--xla_gpu_deterministic_ops=true"
OFF_ENV = "MRCNN_NONDETERMINISTIC"


def requested() -> bool:
    return os.environ.get(OFF_ENV, "").strip().lower() not in ("1", "true", "yes")


def set_xla_flags() -> None:
    """Add XLA's deterministic-ops flag to ``XLA_FLAGS`` (must run before JAX starts)."""
    if requested() and XLA_FLAG.split("=")[0] not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + XLA_FLAG).strip()


def configure_tensorflow() -> None:
    """Before TensorFlow's runtime starts: one inter-op thread, and op determinism on a GPU.

    With several inter-op threads, independent ops of the step graph run in a
    varying order, and a run of the paper's MRCNN on a real task parted from
    its re-run after some steps even with the one-pass forward (the step's
    results depended on that order); with one inter-op thread it re-runs bit
    for bit.  Each op still uses every core (intra-op threads), and the step is
    a chain of large matrix products, so little is lost (benchmarks/RESULTS.md).
    """
    if not requested():
        return
    import tensorflow as tf

    try:
        tf.config.threading.set_inter_op_parallelism_threads(1)
        if tf.config.list_physical_devices("GPU"):
            tf.config.experimental.enable_op_determinism()
    except RuntimeError:  # the runtime started before this package was imported
        pass  # status() then reports the run as not deterministic


def _on_gpu() -> bool:
    from . import backend as B

    return B.device().startswith(("gpu", "cuda"))


def conv5_assembly() -> str:
    """How the dense conv5 matrix is gathered (model.dense_conv5_matrix).

    ``take`` everywhere, except a deterministic GPU run: there XLA makes the
    gradient of ``take`` (a scatter-add) deterministic by serialising it, which
    made a 64-task VGG step 12x slower on an H200 (0.51 s against 0.042 s;
    benchmarks/RESULTS.md); the ``concat`` form has no scatter in its gradient.
    """
    return "concat" if requested() and _on_gpu() else "take"


def status() -> dict:
    """``{"deterministic": "yes"|"no", "determinism": how}`` for the current backend and device."""
    from . import backend as B

    if B.name() == "tensorflow":
        import tensorflow as tf

        inter = tf.config.threading.get_inter_op_parallelism_threads()
        ok = requested() and inter == 1 and (
            not _on_gpu() or tf.config.experimental.is_op_determinism_enabled())
        return {"deterministic": "yes" if ok else "no",
                "determinism": f"tensorflow, one forward pass (MRCNN), inter-op threads {inter}"
                               + (", op determinism" if _on_gpu() and ok else "")}
    if not _on_gpu():
        return {"deterministic": "yes" if requested() else "no",
                "determinism": "jax on the CPU: one forward pass (MRCNN)"}
    ok = requested() and XLA_FLAG in os.environ.get("XLA_FLAGS", "")
    how = f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}, conv5 assembly {conv5_assembly()!r}"
    return {"deterministic": "yes" if ok else "no", "determinism": how}
