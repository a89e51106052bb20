"""The MRCNN head: conv5 (+ pool5), fc6, fc7, fc8 (paper section 3; eq. 7 trains it).

conv5 has as many layers as the backbone: 4 for VGG19 (the paper), 3 for
VGG16 (features.py); the head takes its depth from the weights it is given.

Parameters are plain arrays with a leading *task axis* T, so T independent
tasks train together in one compiled step (``T = 1`` is the ordinary case):
every op is a batched matmul over that axis and no value crosses tasks.

conv5 on 2 x 2 maps.  A 3 x 3 SAME convolution on a 2 x 2 map touches, for
each of the 4 outputs, exactly the 4 input positions (the other 5 taps hit
zero padding).  The layer is therefore one (N, 2048) x (2048, 2048) matrix
product whose matrix is gathered from the kernel:
``W_big[(a, b, c_in), (i, j, c_out)] = K[a - i + 1, b - j + 1, c_in, c_out]``.
``conv5_impl`` chooses between that ("dense"), the im2col form ("im2col":
slices of the padded map plus one matmul, 2.25x the FLOPs) and the stock
convolution ("stock": ``keras.ops.conv``, what ``keras.layers.Conv2D`` runs).
All three are exact (tests/test_conv5.py).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from keras import ops
from scipy import special

CONV5_IMPLS = ("dense", "im2col", "stock")

# Index of the kernel tap linking input position p_in to output position
# p_out on a 2 x 2 map (positions in row-major order).
_TAP = np.array([[(a - i + 1) * 3 + (b - j + 1) for (i, j) in np.ndindex(2, 2)]
                 for (a, b) in np.ndindex(2, 2)], dtype=np.int32)  # [p_in, p_out]


def truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], std: float) -> np.ndarray:
    """TensorFlow's ``truncated_normal``: N(0, std) restricted to +-2 std.

    Inverse-CDF sampling from one uniform draw per value, the method of
    ``scipy.stats.truncnorm.rvs`` (the same values for the same generator,
    tested), written with ``ndtr``/``ndtri`` directly: scipy's generic path
    took 0.13 s per 512 x 512 matrix, which made drawing the heads of a
    64-task batch slower than training it on a GPU.
    """
    lo, hi = special.ndtr(-2.0), special.ndtr(2.0)
    u = rng.uniform(size=shape)
    return (std * special.ndtri(lo + u * (hi - lo))).astype(np.float32)


def init_params(seeds: Sequence[int], *, conv5: list | None = None, in_dim: int | None = None,
                widths: Sequence[int] = (512, 512), n_classes: int = 2,
                std: float = 0.01) -> dict[str, np.ndarray]:
    """Stacked initial parameters for ``len(seeds)`` tasks.

    conv5 (if given: one (kernel, bias) pair per conv5 layer of the backbone,
    4 for VGG19, 3 for VGG16) is copied to
    every task; fc6..fc8 are drawn per task from ``seeds`` with truncated
    normal(std) weights *and* biases, as in the authors' code.  Without
    ``conv5`` the head starts at fc6 on ``in_dim``-d feature vectors.
    """
    T = len(seeds)
    p: dict[str, np.ndarray] = {}
    if conv5 is not None:
        if not 1 <= len(conv5) <= 4:
            raise ValueError(f"conv5 needs 1 to 4 (kernel, bias) pairs (VGG16: 3, VGG19: 4), "
                             f"got {len(conv5)}")
        for l, (k, b) in enumerate(conv5, 1):
            p[f"conv5_{l}_w"] = np.repeat(np.asarray(k, np.float32)[None], T, axis=0)
            p[f"conv5_{l}_b"] = np.repeat(np.asarray(b, np.float32)[None], T, axis=0)
        in_dim = conv5[-1][0].shape[-1]
    elif in_dim is None:
        raise ValueError("give conv5 weights or in_dim")
    dims = [int(in_dim), *map(int, widths), int(n_classes)]
    rngs = [np.random.default_rng(s) for s in seeds]
    for l, (a, b) in enumerate(zip(dims[:-1], dims[1:]), 6):
        p[f"fc{l}_w"] = np.stack([truncated_normal(r, (a, b), std) for r in rngs])
        p[f"fc{l}_b"] = np.stack([truncated_normal(r, (b,), std) for r in rngs])
    return p


def has_conv5(params) -> bool:
    return "conv5_1_w" in params


def n_conv5(params) -> int:
    """Number of conv5 layers of a head (0 for the fc-only head)."""
    return sum(1 for k in params if k.startswith("conv5_") and k.endswith("_w"))


def dense_conv5_matrix(kernel, assembly: str | None = None):
    """(T, 3, 3, C, O) kernel -> (T, 4C, 4O) matrix of the conv on a 2 x 2 map.

    ``assembly="take"`` gathers the taps with one ``take`` (its gradient is a
    scatter-add); ``"concat"`` builds it from 16 slices (no scatter).  "take"
    was faster on both the 2-core CPU (TF, 2.3x) and an H200 (JAX, 1.9x for
    MRCNN); but with XLA's deterministic ops a GPU scatter-add is 12x slower
    (benchmarks/RESULTS.md), so a deterministic GPU run uses "concat"
    (``determinism.conv5_assembly``).
    """
    T, _, _, C, O = kernel.shape
    if assembly is None:
        from .determinism import conv5_assembly

        assembly = conv5_assembly()
    if assembly == "concat":
        rows = [ops.concatenate([kernel[:, a - i + 1, b - j + 1] for (i, j) in np.ndindex(2, 2)],
                                axis=-1)  # (T, C, 4O) for input position (a, b)
                for (a, b) in np.ndindex(2, 2)]
        return ops.concatenate(rows, axis=1)
    if assembly != "take":
        raise ValueError(f"unknown conv5 assembly {assembly!r}; use 'concat' or 'take'")
    k9 = ops.reshape(kernel, (T, 9, C, O))
    blocks = ops.take(k9, _TAP.reshape(-1), axis=1)  # (T, 16, C, O), [p_in, p_out]
    blocks = ops.reshape(blocks, (T, 4, 4, C, O))
    return ops.reshape(ops.transpose(blocks, (0, 1, 3, 2, 4)), (T, 4 * C, 4 * O))


def conv5_layer(x, kernel, bias, impl: str = "dense"):
    """One 3 x 3 SAME conv + ReLU on (T, N, 2, 2, C) maps."""
    T, N = x.shape[0], x.shape[1]
    C, O = kernel.shape[-2], kernel.shape[-1]
    if impl == "dense":
        y = ops.matmul(ops.reshape(x, (T, N, 4 * C)), dense_conv5_matrix(kernel))
        y = ops.reshape(y, (T, N, 2, 2, O))
    elif impl == "im2col":
        xp = ops.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1), (0, 0)))
        cols = ops.stack([ops.reshape(xp[:, :, i:i + 3, j:j + 3, :], (T, N, 9 * C))
                          for i, j in np.ndindex(2, 2)], axis=2)  # (T, N, 4, 9C)
        y = ops.matmul(ops.reshape(cols, (T, N * 4, 9 * C)), ops.reshape(kernel, (T, 9 * C, O)))
        y = ops.reshape(y, (T, N, 2, 2, O))
    elif impl == "stock":
        y = ops.stack([ops.conv(x[t], kernel[t], strides=1, padding="same") for t in range(T)])
    else:
        raise ValueError(f"unknown conv5_impl {impl!r}; choose from {CONV5_IMPLS}")
    return ops.relu(y + bias[:, None, None, None, :])


def forward(params, x, conv5_impl: str = "dense", penultimate: bool = False):
    """Logits (T, N, n_classes) of the head on pool4 maps or feature vectors.

    ``x`` is (T, N, 2, 2, 512) when the head has conv5, else (T, N, d).
    ``penultimate=True`` returns the fc7 activations instead (for graphs
    built on the current model, an ablation).
    """
    h = x
    if has_conv5(params):
        for l in range(1, n_conv5(params) + 1):
            h = conv5_layer(h, params[f"conv5_{l}_w"], params[f"conv5_{l}_b"], conv5_impl)
        h = ops.max(h, axis=(2, 3))  # pool5: 2 x 2 -> 1 x 1
    n_fc = sum(1 for k in params if k.startswith("fc") and k.endswith("_w"))
    for i, l in enumerate(range(6, 6 + n_fc)):
        if penultimate and i == n_fc - 1:
            return h
        h = ops.matmul(h, params[f"fc{l}_w"]) + params[f"fc{l}_b"][:, None, :]
        if i < n_fc - 1:
            h = ops.relu(h)
    return h


def flops_per_sample(params_or_shapes: dict) -> int:
    """Forward multiply-add FLOPs per sample (2 per MAC) with the dense conv5."""
    total = 0
    for k, v in params_or_shapes.items():
        shape = v.shape if hasattr(v, "shape") else v
        if k.startswith("conv5") and k.endswith("_w"):
            total += 2 * (4 * shape[-2]) * (4 * shape[-1])
        elif k.startswith("fc") and k.endswith("_w"):
            total += 2 * shape[-2] * shape[-1]
    return int(total)
