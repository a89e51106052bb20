"""A linear transductive SVM (multi-switch TSVM of SVMlin).

Sindhwani, V. and Keerthi, S. S. "Large scale semi-supervised linear SVMs",
SIGIR 2006.  The objective (squared hinge, as in SVMlin's L2-SVM-MFN) is

    lam/2 |w|^2 + 1/l sum_labelled sqhinge(y_i o_i)
                + lam_u/u sum_unlabelled sqhinge(y'_j o_j),   o = w.x + b,

with the positive fraction of the unlabelled labels y' held at ``r``.  The
unlabelled labels start as the top-r outputs of the supervised SVM; then,
for lam_u' = lam_u / 2^K ... lam_u (annealing), the weights are refit and up
to ``max_switch`` pairs (a positive and a negative whose labels both incur a
loss that swapping would lower) are switched, until no pair is left.  Swapping
pairs keeps the class balance exactly.  No maintained Python package offers
this, hence the hand-written version (tests/test_baselines.py).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from sklearn.model_selection import StratifiedKFold

from .base import BaselineMixin, check_inputs, check_selection

LAMBDA_GRID = tuple(10.0 ** np.arange(-5, 2))  # "sampled in [1e-5, 1e1]" (paper 4.3)


def _sqhinge(z):
    return np.maximum(0.0, 1.0 - z) ** 2


def fit_weighted_l2svm(X, y, c, lam, fit_intercept=True, w0=None):
    """min lam/2 |w|^2 + sum_i c_i sqhinge(y_i (w.x_i + b)), labels y in {-1, +1}.

    The objective is convex and once differentiable: L-BFGS solves it to
    high precision.  The bias is not regularised.
    """
    n, d = X.shape
    Xb = np.hstack([X, np.ones((n, 1))]) if fit_intercept else X
    reg = np.ones(Xb.shape[1])
    if fit_intercept:
        reg[-1] = 0.0

    def f(w):
        z = y * (Xb @ w)
        slack = np.maximum(0.0, 1.0 - z)
        val = 0.5 * lam * np.sum(reg * w * w) + np.sum(c * slack ** 2)
        grad = lam * reg * w - Xb.T @ (2.0 * c * slack * y)
        return val, grad

    w0 = np.zeros(Xb.shape[1]) if w0 is None else w0
    res = minimize(f, w0, jac=True, method="L-BFGS-B",
                   options={"maxiter": 5000, "gtol": 1e-9, "ftol": 1e-13})
    return res.x


def row_space(Xs: np.ndarray, Xt: np.ndarray, tol: float = 1e-10):
    """Coordinates of all samples in the span of the data, and the basis V.

    The optimal w of an L2-regularised linear model lies in the span of the
    training inputs (representer theorem; the unregularised bias does not
    change that), so with n < d solving in the n-dimensional coordinates
    ``Z = X V`` and mapping back with ``w = V w_z`` is exact and much faster.
    """
    X = np.vstack([Xs, Xt])
    _, s, vt = np.linalg.svd(X, full_matrices=False)
    v = vt[s > tol * s.max()].T
    return Xs @ v, Xt @ v, v


class TSVM(BaselineMixin):
    """Linear multi-switch TSVM; ``fit(Xs, ys, Xt)`` labels ``Xt`` transductively."""

    def __init__(self, lam: float | None = None, lam_u: float = 1.0, r: float | None = None,
                 max_switch: int | None = None, anneal_steps: int = 6, select: str = "source_cv",
                 lambdas=LAMBDA_GRID, fit_intercept: bool = True, seed: int = 0):
        self.lam, self.lam_u, self.r, self.max_switch = lam, lam_u, r, max_switch
        self.anneal_steps, self.select, self.lambdas = anneal_steps, select, tuple(lambdas)
        self.fit_intercept, self.seed = fit_intercept, seed

    # -- the algorithm for fixed hyper-parameters ------------------------------------------
    def _decision(self, w, X):
        return X @ w[:-1] + w[-1] if self.fit_intercept else X @ w

    def _fit_fixed(self, Xs, ys, Xt, lam, lam_u):
        l, u = len(Xs), len(Xt)
        y_l = np.where(ys == 1, 1.0, -1.0)
        w = fit_weighted_l2svm(Xs, y_l, np.full(l, 1.0 / l), lam, self.fit_intercept)
        r = float(np.mean(ys)) if self.r is None else float(self.r)
        if not 0.0 < r < 1.0:
            raise ValueError(f"positive fraction r={r} must lie strictly between 0 and 1")
        n_pos = int(round(r * u))
        o = self._decision(w, Xt)
        y_u = -np.ones(u)
        y_u[np.argsort(-o, kind="stable")[:n_pos]] = 1.0
        X = np.vstack([Xs, Xt])
        max_switch = self.max_switch or max(1, u // 10)
        switches = 0
        for step in range(self.anneal_steps, -1, -1):
            lu = lam_u / 2.0 ** step
            for _ in range(10 * u):  # safety bound; the loop ends when no pair helps
                c = np.r_[np.full(l, 1.0 / l), np.full(u, lu / u)]
                w = fit_weighted_l2svm(X, np.r_[y_l, y_u], c, lam, self.fit_intercept, w)
                o = self._decision(w, Xt)
                # Gain of flipping each label: loss(current) - loss(flipped).
                gain = _sqhinge(y_u * o) - _sqhinge(-y_u * o)
                pos = np.flatnonzero((y_u > 0) & (gain > 0))
                neg = np.flatnonzero((y_u < 0) & (gain > 0))
                pos, neg = pos[np.argsort(-gain[pos])], neg[np.argsort(-gain[neg])]
                k = min(len(pos), len(neg), max_switch)
                # a pair helps when the summed loss drops: gain_p + gain_n > 0 (both > 0 here)
                if k == 0:
                    break
                y_u[pos[:k]], y_u[neg[:k]] = -1.0, 1.0
                switches += k
        self.switches_ = switches
        return w, y_u

    # -- the sklearn surface ------------------------------------------------------------------
    def fit(self, Xs, ys, Xt, yt=None):
        Xs, ys, Xt = check_inputs(Xs, ys, Xt)
        Xs, Xt, self.basis_ = row_space(Xs, Xt)
        if self.lam is not None:
            lam, how = float(self.lam), "given"
        else:
            check_selection(self.select, yt)
            lam, how = self._select_lambda(Xs, ys, Xt, yt), self.select
        self.w_, self.transduced_ = self._fit_fixed(Xs, ys, Xt, lam, self.lam_u)
        self.selected_ = {"lam": lam, "lam_u": self.lam_u, "select": how,
                          "switches": int(self.switches_)}
        return self

    def _select_lambda(self, Xs, ys, Xt, yt):
        if self.select == "oracle":
            accs = [np.mean((self._decision(self._fit_fixed(Xs, ys, Xt, lam, self.lam_u)[0], Xt)
                             > 0) == yt) for lam in self.lambdas]
            return float(self.lambdas[int(np.argmax(accs))])
        # Honest: lambda of the supervised part by 3-fold CV on the source domain.
        cv = StratifiedKFold(3, shuffle=True, random_state=self.seed)
        scores = []
        for lam in self.lambdas:
            acc = []
            for tr, te in cv.split(Xs, ys):
                y = np.where(ys[tr] == 1, 1.0, -1.0)
                w = fit_weighted_l2svm(Xs[tr], y, np.full(len(tr), 1.0 / len(tr)), lam,
                                       self.fit_intercept)
                acc.append(np.mean((self._decision(w, Xs[te]) > 0) == ys[te]))
            scores.append(np.mean(acc))
        return float(self.lambdas[int(np.argmax(scores))])

    def decision_function(self, X):
        return self._decision(self.w_, np.asarray(X, np.float64) @ self.basis_)

    @property
    def coef_(self) -> np.ndarray:
        """w in the original feature space."""
        return self.basis_ @ (self.w_[:-1] if self.fit_intercept else self.w_)

    def predict(self, X):
        return (self.decision_function(X) > 0).astype(int)
