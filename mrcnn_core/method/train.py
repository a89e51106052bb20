"""Full-batch training of the MRCNN head, one task or many at once.

The step follows the authors' code (github.com/LayneH/MRCNN; book: Method): every step sees all source
and all target samples; Adam with a constant rate ``lr`` for fc6..fc8 and
``lr / 100`` for conv5.  Adam is element-wise, so a per-variable rate equals
running a second Adam at ``lr / 100`` on the conv5 variables
(tests/test_train.py checks this against two stock Keras optimisers), and
stacking T tasks along a leading axis with one Adam state each makes every
task follow the trajectory it would follow alone (tests/test_train.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from keras import ops

from . import backend as B
from .losses import cross_entropy, l2_penalty, manifold_term
from .model import forward
from .optim import adam_init, adam_update

CONV5_LR_FACTOR = 0.01
CURVE_KEYS = ("loss", "ce", "omega", "l2", "target_acc")


@dataclass
class TrainResult:
    """Per-task outcome of :func:`train_head` (arrays have a leading task axis)."""

    params: dict[str, np.ndarray]
    accuracy: np.ndarray  # (T,) final accuracy on the whole target domain (nan without labels)
    curves: dict[str, np.ndarray] = field(default_factory=dict)  # key -> (T, steps)
    wall_time: float = 0.0
    step_time: float = 0.0  # seconds per step after compilation


def _loss_fn(conv5_impl: str, target: bool = True):
    def loss(params, xs, ys1h, xt, lap, alpha, beta):
        if lap is None and not target:
            # VGG without curves: training never reads the target domain, and its forward
            # pass only fed the target_acc curve, so it is not made at all (about a fifth
            # of a VGG step's work); tests/test_train.py checks the parameters are bit-equal.
            logits_s = forward(params, xs, conv5_impl)
            logits_t = None
        elif lap is None:
            # VGG: the target pass only reports accuracy, so no gradient flows through it.
            logits_s = forward(params, xs, conv5_impl)
            logits_t = forward(params, xt, conv5_impl)
        else:
            # MRCNN: one forward pass over source and target together.  With two
            # passes every shared weight's gradient is the sum of two branches,
            # and under TensorFlow that sum (in the Grappler-optimised step
            # graph) depended on the order in which the inter-op threads ran:
            # the same run gave different curves.  One pass has one gradient
            # per weight; tests/test_determinism.py checks bitwise re-runs.
            ns = xs.shape[1]
            logits = forward(params, ops.concatenate([xs, xt], axis=1), conv5_impl)
            logits_s, logits_t = logits[:, :ns], logits[:, ns:]
        ce = cross_entropy(logits_s, ys1h)
        l2 = l2_penalty(params)
        # the VGG baseline (lap None) has no manifold term at all
        omega = (ops.zeros_like(ce) if lap is None
                 else manifold_term(ops.softmax(logits_t, axis=-1), lap))
        per_task = ce + alpha * omega + beta * l2  # eq. (7)
        # Summing per-task losses keeps task gradients separate: d(sum)/d(theta_t) = dL_t/d(theta_t).
        return ops.sum(per_task), (per_task, ce, omega, l2, logits_t)

    return loss


def _make_step(conv5_impl: str, lr_factors: dict[str, float], target: bool = True):
    vg = B.value_and_grad(_loss_fn(conv5_impl, target))

    def step(params, m, v, it, xs, ys1h, xt, yt, lap, lr, alpha, beta):
        (_, (per_task, ce, omega, l2, logits_t)), grads = vg(params, xs, ys1h, xt, lap, alpha, beta)
        it = it + 1.0
        rates = {k: ops.reshape(lr * lr_factors[k], (-1,) + (1,) * (len(g.shape) - 1))
                 for k, g in grads.items()}
        new_p, new_m, new_v = adam_update(params, grads, m, v, it, rates)
        acc = (ops.full_like(ce, float("nan")) if logits_t is None else
               ops.mean(ops.cast(ops.equal(ops.cast(ops.argmax(logits_t, axis=-1), "int32"), yt),
                                 "float32"), axis=-1))
        metrics = ops.stack([per_task, ce, omega, l2, acc])  # (5, T), before the update
        return new_p, new_m, new_v, it, metrics

    return B.jit(step, donate=(0, 1, 2))


def _make_eval(conv5_impl: str):
    def ev(params, xt):
        return ops.softmax(forward(params, xt, conv5_impl), axis=-1)

    return B.jit(ev)


_CACHE: dict = {}


def _compiled(kind: str, conv5_impl: str, lr_factors: tuple = ()):
    key = (B.name(), kind, conv5_impl, lr_factors)
    if key not in _CACHE:
        # "step": the training step with the target pass (curves); "step_source": VGG's
        # step without it (a run that stores no curves); "eval": the softmax outputs
        _CACHE[key] = (_make_step(conv5_impl, dict(lr_factors)) if kind == "step"
                       else _make_step(conv5_impl, dict(lr_factors), target=False)
                       if kind == "step_source" else _make_eval(conv5_impl))
    return _CACHE[key]


# The conv5 form used unless a caller asks for another: the exact dense-matrix
# form was the fastest on the 2-core CPU (TensorFlow) and on the H100/H200
# (JAX) alike (benchmarks/RESULTS.md), so it is one constant, not a per-backend choice.
DEFAULT_CONV5_IMPL = "dense"


def _as_task_array(v, T: int, name: str) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32).reshape(-1)
    if a.size == 1:
        a = np.repeat(a, T)
    if a.size != T:
        raise ValueError(f"{name} has {a.size} values for {T} tasks")
    if not np.all(np.isfinite(a)) or np.any(a < 0):
        raise ValueError(f"{name} must be finite and >= 0, got {a.tolist()}")
    return a


def train_head(params: dict[str, np.ndarray], xs: np.ndarray, ys: np.ndarray, xt: np.ndarray,
               yt: np.ndarray | None = None, lap: np.ndarray | None = None, *,
               lr=10 ** -2.5, alpha=0.0, beta=1e-2, steps: int = 200,
               conv5_lr_factor: float = CONV5_LR_FACTOR, conv5_impl: str | None = None,
               record_curves: bool = True, lap_fn=None, lap_every: int = 0) -> TrainResult:
    """Train T stacked heads for ``steps`` full-batch Adam steps (eq. 7).

    ``xs`` (T, n_s, ...) with labels ``ys`` (T, n_s) in {0, 1}; ``xt``
    (T, n_t, ...) with optional labels ``yt`` (only for reporting); ``lap``
    (T, n_t, n_t) Laplacians, or None for the VGG baseline.  ``lr``,
    ``alpha`` and ``beta`` are scalars or one value per task.

    ``lap_fn(step, params) -> (T, n_t, n_t)`` replaces the Laplacian every
    ``lap_every`` steps (ablations: a graph rebuilt on the current fc7
    features, or the manifold term on a random mini-batch of target nodes).
    """
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    T = xs.shape[0]
    conv5_impl = conv5_impl or DEFAULT_CONV5_IMPL
    lr, alpha, beta = (_as_task_array(lr, T, "lr"), _as_task_array(alpha, T, "alpha"),
                       _as_task_array(beta, T, "beta"))
    if lap is None and np.any(alpha != 0):
        raise ValueError("alpha > 0 needs target Laplacians (lap)")
    n_classes = params[[k for k in params if k.endswith("_w")][-1]].shape[-1]
    ys1h = np.eye(n_classes, dtype=np.float32)[np.asarray(ys)]
    yt_arr = np.full(xt.shape[:2], -1, np.int32) if yt is None else np.asarray(yt, np.int32)
    factors = tuple(sorted((k, conv5_lr_factor if k.startswith("conv5") else 1.0) for k in params))
    # VGG with no curve to record skips the per-step target forward (its only use)
    step = _compiled("step_source" if lap is None and not record_curves else "step",
                     conv5_impl, factors)
    ev = _compiled("eval", conv5_impl)

    t0 = time.perf_counter()
    p = {k: ops.convert_to_tensor(np.asarray(v, np.float32)) for k, v in params.items()}
    m, v_ = adam_init(p)
    it = ops.convert_to_tensor(np.float32(0.0))
    args = [ops.convert_to_tensor(a) for a in (np.asarray(xs, np.float32), ys1h,
                                                np.asarray(xt, np.float32), yt_arr)]
    lap_t = None if lap is None else ops.convert_to_tensor(np.asarray(lap, np.float32))
    hp = [ops.convert_to_tensor(a) for a in (lr, alpha, beta)]
    history = []
    t1 = None
    for s in range(steps):
        # step 0 keeps the given graph unless the graph changes every step
        if (lap_fn is not None and lap_every > 0 and s % lap_every == 0
                and (s > 0 or lap is None or lap_every == 1)):
            lap_t = ops.convert_to_tensor(np.asarray(lap_fn(s, p), np.float32))
        p, m, v_, it, metrics = step(p, m, v_, it, *args, lap_t, *hp)
        if record_curves:
            history.append(metrics)
        if s == 0:
            ops.convert_to_numpy(metrics)  # wait for compilation before timing steps
            t1 = time.perf_counter()
    ops.convert_to_numpy(metrics)  # the last step has finished
    t2 = time.perf_counter()
    # The final evaluation is not part of the step time: for a new batch shape
    # it compiles, which once made the H100's MRCNN step look 10x too slow.
    probs = ops.convert_to_numpy(ev(p, args[2]))
    pred = probs.argmax(-1)
    acc = (pred == yt_arr).mean(-1) if yt is not None else np.full(T, np.nan)
    curves = {}
    if record_curves:
        h = np.stack([ops.convert_to_numpy(x) for x in history], axis=-1)  # (5, T, steps)
        curves = {k: h[i] for i, k in enumerate(CURVE_KEYS)}
        if yt is None:
            curves["target_acc"][:] = np.nan
    out = {k: ops.convert_to_numpy(x) for k, x in p.items()}
    return TrainResult(params=out, accuracy=acc.astype(np.float64), curves=curves,
                       wall_time=time.perf_counter() - t0,
                       step_time=(t2 - t1) / max(steps - 1, 1) if steps > 1 else t2 - t0)


def fc7_features(params, x, conv5_impl: str | None = None) -> np.ndarray:
    """fc7 activations (T, n, width) of stacked heads (for graphs on the current model)."""
    key = (B.name(), "fc7", conv5_impl or DEFAULT_CONV5_IMPL)
    if key not in _CACHE:
        impl = conv5_impl or DEFAULT_CONV5_IMPL
        _CACHE[key] = B.jit(lambda p, x_: forward(p, x_, impl, penultimate=True))
    p = {k: ops.convert_to_tensor(v) for k, v in params.items()}
    return ops.convert_to_numpy(_CACHE[key](p, ops.convert_to_tensor(np.asarray(x, np.float32))))


def predict_proba(params: dict[str, np.ndarray], x: np.ndarray, conv5_impl: str | None = None):
    """Softmax outputs (T, n, c) of stacked heads on (T, n, ...) inputs."""
    ev = _compiled("eval", conv5_impl or DEFAULT_CONV5_IMPL)
    return ops.convert_to_numpy(ev({k: ops.convert_to_tensor(v) for k, v in params.items()},
                                   ops.convert_to_tensor(np.asarray(x, np.float32))))
