"""The MRCNN objective, eq. (7): source cross-entropy + alpha Omega + beta R.

All functions take a leading task axis T and return one value per task.
"""
from __future__ import annotations

from keras import ops


def manifold_term(probs, lap):
    """Omega = trace(F^T L F), eq. (6), per task.

    ``probs`` F is (T, n, c) (softmax outputs on the target domain), ``lap``
    L is (T, n, n).  Equals 1/2 sum_ij M_ij |F_i - F_j|^2 for L = D - M.
    Unbatched (n, c), (n, n) input is accepted too and gives a scalar.
    """
    # L 1 = 0, so centring F leaves the value unchanged but avoids the
    # cancellation of the large constant part (F starts near 1/c).
    f = probs - ops.mean(probs, axis=-2, keepdims=True)
    if len(probs.shape) == 2:
        return ops.sum(f * ops.matmul(lap, f))
    return ops.sum(f * ops.matmul(lap, f), axis=(1, 2))


def cross_entropy(logits, y_onehot):
    """Mean softmax cross-entropy per task (source domain), (T,)."""
    return -ops.mean(ops.sum(y_onehot * ops.log_softmax(logits, axis=-1), axis=-1), axis=-1)


def l2_penalty(params):
    """R of eq. (8), per task (T,): over all trainable weights and biases, sum(w^2) / 2.

    The paper writes R as the sum of the layers' squared norms; the authors'
    code uses ``tf.nn.l2_loss`` (the same with the factor 1/2).
    """
    total = 0.0
    for v in params.values():
        axes = tuple(range(1, len(v.shape)))
        total = total + 0.5 * ops.sum(ops.square(v), axis=axes)
    return total
