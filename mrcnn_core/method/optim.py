"""Adam on dicts of stacked arrays, in ``keras.ops`` (one state per array element).

Same update as ``tf.train.AdamOptimizer`` and ``keras.optimizers.Adam``:
``p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``.  Because it
is element-wise, a leading task axis gives every task its own Adam.
"""
from __future__ import annotations

from keras import ops

ADAM = dict(beta_1=0.9, beta_2=0.999, epsilon=1e-8)  # tf.train.AdamOptimizer defaults


def adam_init(params):
    return ({k: ops.zeros_like(v) for k, v in params.items()},
            {k: ops.zeros_like(v) for k, v in params.items()})


def adam_update(params, grads, m, v, it, rates):
    """One Adam step; ``rates[k]`` is a scalar or an array broadcastable to ``params[k]``.

    ``it`` is the step count *after* this update (1 on the first step).
    """
    b1, b2, eps = ADAM["beta_1"], ADAM["beta_2"], ADAM["epsilon"]
    corr = ops.sqrt(1.0 - b2 ** it) / (1.0 - b1 ** it)
    new_p, new_m, new_v = {}, {}, {}
    for k in params:
        g = grads[k]
        new_m[k] = b1 * m[k] + (1.0 - b1) * g
        new_v[k] = b2 * v[k] + (1.0 - b2) * ops.square(g)
        new_p[k] = params[k] - rates[k] * corr * new_m[k] / (ops.sqrt(new_v[k]) + eps)
    return new_p, new_m, new_v
