"""TLDA: transfer learning with deep autoencoders (Zhuang et al., IJCAI 2015).

Encoder  xi = sigmoid(W1 x + b1)      (embedding, k = 10)
         z  = softmax(W2 xi + b2)     (label layer, 2 classes)
Decoder  xi' = sigmoid(W2' z + b2'),  x' = sigmoid(W1' xi' + b1')

J = MSE(x, x') on both domains  +  a * (KL(Ps||Pt) + KL(Pt||Ps))
    + g * CE(z_source, y_source)  +  l * sum |W|^2,

where Ps, Pt are the domains' mean embeddings normalised to sum 1 and MSE is
the mean over samples *and input dimensions*.  (With a per-sample sum over
the 3,072 pixels instead, reconstruction outweighs the label term by ~100x,
the 2-unit label layer serves the decoder, and CIFAR-100 target accuracy
fell to chance: 49.8% over the 400 tasks, 34% on a 4-task check vs 68% with
the mean; see the book's reproduction notes.)
Defaults (the authors' public TensorFlow re-implementation): 3072-10-2, a = 1e-3, g = 10, l = 1e-5, 200
reconstruction-only pre-training steps, then 1,000 full-batch Adam steps;
inputs in [0, 1].  Written with keras.ops, trained with the project's Adam.
"""
from __future__ import annotations

import numpy as np
from keras import ops

from ..method import backend as B
from ..method.optim import adam_init, adam_update
from .base import BaselineMixin, check_inputs


def mean_embedding_kl(es, et, eps: float = 1e-12):
    """Symmetric KL between the normalised mean embeddings of two domains."""
    ps = ops.mean(es, axis=0)
    pt = ops.mean(et, axis=0)
    ps, pt = ps / ops.sum(ps), pt / ops.sum(pt)
    return (ops.sum(ps * ops.log((ps + eps) / (pt + eps)))
            + ops.sum(pt * ops.log((pt + eps) / (ps + eps))))


def _encode(p, x):
    xi = ops.sigmoid(ops.matmul(x, p["W1"]) + p["b1"])
    return xi, ops.softmax(ops.matmul(xi, p["W2"]) + p["b2"], axis=-1)


def _decode(p, z):
    xi = ops.sigmoid(ops.matmul(z, p["W2d"]) + p["b2d"])
    return ops.sigmoid(ops.matmul(xi, p["W1d"]) + p["b1d"])


def tlda_terms(p, xs, ys1h, xt):
    """The four terms of J (reconstruction, KL, softmax CE, L2)."""
    es, zs = _encode(p, xs)
    et, zt = _encode(p, xt)
    rec = ops.mean(ops.square(xs - _decode(p, zs))) + ops.mean(ops.square(xt - _decode(p, zt)))
    kl = mean_embedding_kl(es, et)
    ce = -ops.mean(ops.sum(ys1h * ops.log(zs + 1e-12), axis=1))
    l2 = sum(ops.sum(ops.square(p[k])) for k in ("W1", "W2", "W2d", "W1d"))
    return rec, kl, ce, l2


_STEPS: dict = {}


def _make_step(full: bool, kl_w: float, ce_w: float, l2_w: float, lr: float):
    """One compiled Adam step on J (``full=False``: reconstruction + L2 only, pre-training)."""

    def loss(p, xs, ys1h, xt):
        rec, kl, ce, l2 = tlda_terms(p, xs, ys1h, xt)
        total = rec + l2_w * l2 + ((kl_w * kl + ce_w * ce) if full else 0.0)
        return total, ops.stack([total, rec, kl, ce, l2])

    vg = B.value_and_grad(loss)

    def step(p, m, v, it, xs, ys1h, xt):
        (_, terms), g = vg(p, xs, ys1h, xt)
        it = it + 1.0
        p, m, v = adam_update(p, g, m, v, it, {k: lr for k in p})
        return p, m, v, it, terms

    return B.jit(step)


class TLDA(BaselineMixin):
    def __init__(self, n_hidden: int = 10, kl_weight: float = 1e-3, ce_weight: float = 10.0,
                 l2_weight: float = 1e-5, pretrain_steps: int = 200, steps: int = 1000,
                 lr: float = 1e-2, seed: int = 0):
        self.n_hidden, self.kl_weight, self.ce_weight, self.l2_weight = (
            n_hidden, kl_weight, ce_weight, l2_weight)
        self.pretrain_steps, self.steps, self.lr, self.seed = pretrain_steps, steps, lr, seed
        for name, v, ok in (("n_hidden", n_hidden, n_hidden >= 1), ("steps", steps, steps >= 0),
                            ("pretrain_steps", pretrain_steps, pretrain_steps >= 0),
                            ("lr", lr, lr > 0)):
            if not ok:
                raise ValueError(f"TLDA: {name}={v!r} is out of range")

    def _init(self, d):
        rng = np.random.default_rng(self.seed)
        h = self.n_hidden

        def glorot(a, b):
            lim = np.sqrt(6.0 / (a + b))
            return rng.uniform(-lim, lim, (a, b)).astype(np.float32)

        return {"W1": glorot(d, h), "b1": np.zeros(h, np.float32),
                "W2": glorot(h, 2), "b2": np.zeros(2, np.float32),
                "W2d": glorot(2, h), "b2d": np.zeros(h, np.float32),
                "W1d": glorot(h, d), "b1d": np.zeros(d, np.float32)}

    def _step_fn(self, full: bool):
        # one compiled step per setting, shared by every fit (a new closure per
        # fit would be traced and compiled anew for each of the 544 tasks)
        key = (full, self.kl_weight, self.ce_weight, self.l2_weight, self.lr)
        if key not in _STEPS:
            _STEPS[key] = _make_step(*key)
        return _STEPS[key]

    def fit(self, Xs, ys, Xt, yt=None):
        Xs, ys, Xt = check_inputs(Xs, ys, Xt)
        p = {k: ops.convert_to_tensor(v) for k, v in self._init(Xs.shape[1]).items()}
        xs, xt = (ops.convert_to_tensor(a.astype(np.float32)) for a in (Xs, Xt))
        y1h = ops.convert_to_tensor(np.eye(2, dtype=np.float32)[ys])
        history = []
        for full, n in ((False, self.pretrain_steps), (True, self.steps)):
            # a fresh Adam for each phase, as when two optimisers are used
            m, v = adam_init(p)
            it = ops.convert_to_tensor(np.float32(0))
            step = self._step_fn(full)
            for _ in range(n):
                p, m, v, it, terms = step(p, m, v, it, xs, y1h, xt)
                history.append(terms)
        self.params_ = {k: ops.convert_to_numpy(x) for k, x in p.items()}
        h = np.stack([ops.convert_to_numpy(t) for t in history]) if history else np.zeros((0, 5))
        self.history_ = dict(zip(("loss", "reconstruction", "kl", "ce", "l2"), h.T))
        self.selected_ = {"n_hidden": self.n_hidden, "kl_weight": self.kl_weight,
                          "ce_weight": self.ce_weight, "l2_weight": self.l2_weight,
                          "pretrain_steps": self.pretrain_steps, "steps": self.steps,
                          "lr": self.lr, "seed": self.seed}
        return self

    def predict_proba(self, X):
        p = {k: ops.convert_to_tensor(v) for k, v in self.params_.items()}
        return ops.convert_to_numpy(_encode(p, ops.convert_to_tensor(
            np.asarray(X, np.float32)))[1])

    def predict(self, X):
        return self.predict_proba(X).argmax(-1)
