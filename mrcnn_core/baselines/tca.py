"""Transfer Component Analysis (Pan et al. 2011) through skada.

Pipeline: StandardScaler -> skada's ``TransferComponentAnalysisAdapter`` ->
StandardScaler -> LogisticRegression trained on the source.  Scaling first
matters: unscaled Corel histograms give chance accuracy.  The latent
dimension is tuned over 10..100 step 10 as in the paper.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.model_selection import StratifiedKFold

from .base import BaselineMixin, check_inputs, check_selection

# POT (a skada dependency) would otherwise import TensorFlow (6 s) just to probe it.
os.environ.setdefault("POT_BACKEND_DISABLE_TENSORFLOW", "1")

DIM_GRID = tuple(range(10, 101, 10))


def _pipeline(n_components: int, kernel: str, mu: float):
    from skada import TransferComponentAnalysisAdapter, make_da_pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    return make_da_pipeline(StandardScaler(),
                            TransferComponentAnalysisAdapter(kernel=kernel,
                                                             n_components=n_components, mu=mu),
                            StandardScaler(), LogisticRegression(max_iter=2000))


class TCA(BaselineMixin):
    """TCA + logistic regression; ``select`` picks the latent dimension."""

    def __init__(self, n_components: int | None = None, dims=DIM_GRID, kernel: str = "linear",
                 mu: float = 0.1, select: str = "source_cv", seed: int = 0):
        self.n_components, self.dims, self.kernel, self.mu = n_components, tuple(dims), kernel, mu
        self.select, self.seed = select, seed

    def _fit_pipe(self, Xs, ys, Xt, dim):
        dim = int(min(dim, len(Xs) + len(Xt) - 1))
        X = np.vstack([Xs, Xt])
        y = np.r_[ys, -np.ones(len(Xt), int)]  # -1 = unlabelled target
        sd = np.r_[np.ones(len(Xs), int), -np.ones(len(Xt), int)]
        return _pipeline(dim, self.kernel, self.mu).fit(X, y, sample_domain=sd)

    def fit(self, Xs, ys, Xt, yt=None):
        Xs, ys, Xt = check_inputs(Xs, ys, Xt)
        if self.n_components is not None:
            dim, how = int(self.n_components), "given"
        else:
            check_selection(self.select, yt)
            how = self.select
            if self.select == "oracle":
                accs = [self._fit_pipe(Xs, ys, Xt, d).score(
                    Xt, yt, sample_domain=-np.ones(len(Xt), int)) for d in self.dims]
            else:
                # Honest: hold out a third of the source.  TCA's map is the same
                # for every input, so held-out source samples go through it as
                # "unlabelled" samples (skada only maps target-marked ones).
                tr, te = next(StratifiedKFold(3, shuffle=True, random_state=self.seed)
                              .split(Xs, ys))
                accs = [self._fit_pipe(Xs[tr], ys[tr], Xt, d).score(
                    Xs[te], ys[te], sample_domain=-np.ones(len(te), int)) for d in self.dims]
            dim = int(self.dims[int(np.argmax(accs))])
        self.pipe_ = self._fit_pipe(Xs, ys, Xt, dim)
        self.selected_ = {"n_components": dim, "kernel": self.kernel, "mu": self.mu,
                          "select": how}
        return self

    def predict(self, X):
        X = np.asarray(X, np.float64)
        return self.pipe_.predict(X, sample_domain=-np.ones(len(X), int))
