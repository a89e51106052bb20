"""A scikit-learn-like surface over the head (in the spirit of ADAPT).

>>> clf = MRCNN(alpha=1e-5, k=3, steps=200).fit(Xs, ys, Xt)   # doctest: +SKIP
>>> clf.predict(Xt), clf.score(Xt, yt)                        # doctest: +SKIP

``X`` is pool4 maps (n, 2, 2, 512) with ``conv5`` weights given, or feature
vectors (n, d) for the fc-only head (the Corel substitute).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .graph import knn_graph, laplacian
from .model import init_params
from .train import CONV5_LR_FACTOR, TrainResult, predict_proba, train_head


class MRCNN:
    """Manifold-regularised head: eq. (7) with the kNN-graph Laplacian of ``Xt``."""

    def __init__(self, alpha: float = 1e-5, beta: float = 1e-2, lr: float = 10 ** -2.5,
                 k: int = 3, steps: int = 200, seed: int = 0, widths: Sequence[int] = (512, 512),
                 conv5: list | None = None, conv5_lr_factor: float = CONV5_LR_FACTOR,
                 conv5_impl: str | None = None, graph_weighted: bool = False):
        self.alpha, self.beta, self.lr, self.k, self.steps = alpha, beta, lr, k, steps
        self.seed, self.widths, self.conv5 = seed, tuple(widths), conv5
        self.conv5_lr_factor, self.conv5_impl = conv5_lr_factor, conv5_impl
        self.graph_weighted = graph_weighted

    def _graph(self, Xt):
        return laplacian(knn_graph(Xt.reshape(len(Xt), -1), self.k, weighted=self.graph_weighted))

    def fit(self, Xs: np.ndarray, ys: np.ndarray, Xt: np.ndarray, yt: np.ndarray | None = None):
        """Train on labelled ``Xs, ys`` and unlabelled ``Xt`` (``yt`` only for the curves)."""
        Xs, Xt = np.asarray(Xs, np.float32), np.asarray(Xt, np.float32)
        ys = np.asarray(ys)
        if set(np.unique(ys)) - {0, 1}:
            raise ValueError(f"ys must be in {{0, 1}}, got values {np.unique(ys)[:5]}")
        lap = None if self.alpha == 0 else self._graph(Xt)[None]
        params = init_params([self.seed], conv5=self.conv5,
                             in_dim=None if self.conv5 else Xs.shape[-1], widths=self.widths)
        self.result_: TrainResult = train_head(
            params, Xs[None], ys[None], Xt[None], None if yt is None else np.asarray(yt)[None],
            lap, lr=self.lr, alpha=self.alpha, beta=self.beta, steps=self.steps,
            conv5_lr_factor=self.conv5_lr_factor, conv5_impl=self.conv5_impl)
        self.params_ = self.result_.params
        self.history_ = {k: v[0] for k, v in self.result_.curves.items()}
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return predict_proba(self.params_, np.asarray(X, np.float32)[None], self.conv5_impl)[0]

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_proba(X).argmax(-1)

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))


class VGG(MRCNN):
    """The VGG baseline: the same head and training, alpha = 0 (no graph)."""

    def __init__(self, beta: float = 1e-2, lr: float = 10 ** -2.5, steps: int = 200, seed: int = 0,
                 **kw):
        super().__init__(alpha=0.0, beta=beta, lr=lr, steps=steps, seed=seed, **kw)
