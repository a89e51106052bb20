"""The two things Keras 3 leaves to each backend: gradients and compilation.

Model and loss code is written with ``keras.ops`` and runs unchanged under
TensorFlow (the default) and JAX; only taking a gradient and compiling a
step differ, exactly as inside Keras's own trainers.
"""
from __future__ import annotations

from typing import Any, Callable

import keras


def name() -> str:
    return keras.backend.backend()


def value_and_grad(f: Callable[..., tuple[Any, Any]]) -> Callable[..., tuple[tuple[Any, Any], Any]]:
    """``f(params, *args) -> (loss, aux)`` becomes ``g(params, *args) -> ((loss, aux), grads)``."""
    b = name()
    if b == "jax":
        import jax

        return jax.value_and_grad(f, has_aux=True)
    if b == "tensorflow":
        import tensorflow as tf

        def g(params, *args):
            with tf.GradientTape() as tape:
                tape.watch(params)
                loss, aux = f(params, *args)
            return (loss, aux), tape.gradient(loss, params)

        return g
    raise NotImplementedError(f"Keras backend {b!r} is not supported (use tensorflow or jax)")


def jit(f: Callable, donate: tuple[int, ...] = ()) -> Callable:
    """Compile ``f``: ``jax.jit`` under JAX, ``tf.function`` under TensorFlow.

    TensorFlow compiles without XLA (``jit_compile`` was not faster on the CPU
    here; benchmarks/RESULTS.md).  ``donate`` lists arguments whose buffers
    JAX may reuse for the outputs (the old parameters and Adam state), which
    halves their memory on a GPU.
    """
    b = name()
    if b == "jax":
        import jax

        return jax.jit(f, donate_argnums=donate)
    if b == "tensorflow":
        import tensorflow as tf

        return tf.function(f)
    raise NotImplementedError(f"Keras backend {b!r} is not supported (use tensorflow or jax)")


def device() -> str:
    """A short human-readable name of the device computations run on."""
    b = name()
    try:
        if b == "jax":
            import jax

            d = jax.devices()[0]
            return f"{d.platform}:{getattr(d, 'device_kind', d)}"
        if b == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            return f"gpu:{gpus[0].name}" if gpus else "cpu"
    except Exception:  # pragma: no cover - purely informational
        pass
    return "cpu"
