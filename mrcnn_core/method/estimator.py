"""A scikit-learn-like surface over the head (in the spirit of ADAPT).

>>> clf = MRCNN(alpha=1e-5, k=3, steps=200).fit(Xs, ys, Xt)   # doctest: +SKIP
>>> clf.predict(Xt), clf.score(Xt, yt)                        # doctest: +SKIP

``X`` is pool4 maps (n, 2, 2, 512) with ``conv5`` weights given, or feature
vectors (n, d) for the fc-only head (the Corel substitute).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from sklearn.base import BaseEstimator

from .graph import GraphSpec
from .model import init_params
from .train import CONV5_LR_FACTOR, TrainResult, predict_proba, train_head


class MRCNN(BaseEstimator):
    """Manifold-regularised head: eq. (7) with the kNN-graph Laplacian of ``Xt``.

    ``graph`` (a :class:`GraphSpec`; default the paper's) says how the graph is
    made; ``k`` overrides its number of neighbours.  ``get_params`` /
    ``set_params`` and ``sklearn.base.clone`` work as for any scikit-learn
    estimator.
    """

    def __init__(self, alpha: float = 1e-5, beta: float = 1e-2, lr: float = 10 ** -2.5,
                 k: int | None = None, graph: GraphSpec | None = None, steps: int = 200,
                 seed: int = 0, widths: Sequence[int] = (512, 512), conv5: list | None = None,
                 conv5_lr_factor: float = CONV5_LR_FACTOR, conv5_impl: str | None = None):
        self.alpha, self.beta, self.lr, self.k, self.graph, self.steps = alpha, beta, lr, k, graph, steps
        self.seed, self.widths, self.conv5 = seed, widths, conv5
        self.conv5_lr_factor, self.conv5_impl = conv5_lr_factor, conv5_impl

    def graph_spec(self) -> GraphSpec:
        """The graph actually used: ``graph`` (or the paper's) with ``k`` applied."""
        g = self.graph if self.graph is not None else GraphSpec()
        if not isinstance(g, GraphSpec):
            raise TypeError(f"graph must be a GraphSpec, got {type(g).__name__}")
        return g if self.k is None else g.with_k(self.k)

    def fit(self, Xs: np.ndarray, ys: np.ndarray, Xt: np.ndarray, yt: np.ndarray | None = None):
        """Train on labelled ``Xs, ys`` and unlabelled ``Xt`` (``yt`` only for the curves)."""
        Xs, Xt = np.asarray(Xs, np.float32), np.asarray(Xt, np.float32)
        ys = np.asarray(ys)
        if set(np.unique(ys)) - {0, 1}:
            raise ValueError(f"ys must be in {{0, 1}}, got values {np.unique(ys)[:5]}")
        lap, lap_fn, lap_every = None, None, 0
        if self.alpha != 0:
            from .fit import graph_schedule

            spec = self.graph_spec()
            if spec.space == "pixels":
                raise ValueError("graph space 'pixels' needs the raw images; the estimator sees "
                                 "only X (use fit_task, or build the graph yourself)")
            lap, lap_fn, lap_every = graph_schedule(spec, [spec.build(Xt)], Xt[None], [self.seed],
                                                    [spec.k], self.conv5_impl)
        params = init_params([self.seed], conv5=self.conv5,
                             in_dim=None if self.conv5 else Xs.shape[-1], widths=tuple(self.widths))
        self.result_: TrainResult = train_head(
            params, Xs[None], ys[None], Xt[None], None if yt is None else np.asarray(yt)[None],
            lap, lr=self.lr, alpha=self.alpha, beta=self.beta, steps=self.steps,
            conv5_lr_factor=self.conv5_lr_factor, conv5_impl=self.conv5_impl,
            lap_fn=lap_fn, lap_every=lap_every)
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
                 widths: Sequence[int] = (512, 512), conv5: list | None = None,
                 conv5_lr_factor: float = CONV5_LR_FACTOR, conv5_impl: str | None = None):
        super().__init__(alpha=0.0, beta=beta, lr=lr, steps=steps, seed=seed, widths=widths,
                         conv5=conv5, conv5_lr_factor=conv5_lr_factor, conv5_impl=conv5_impl)
