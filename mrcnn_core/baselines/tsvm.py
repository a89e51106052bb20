"""A linear transductive SVM: the multi-switch TSVM of SVMlin.

Sindhwani, V. and Keerthi, S. S. "Large scale semi-supervised linear SVMs",
SIGIR 2006.  With outputs o = w.x + b, the objective (SVMlin's, squared hinge) is

    F(w, y') = 1/2 [ lam |w|^2 + 1/l sum_labelled sqhinge(y_i o_i)
                               + lam_u/u sum_unlabelled sqhinge(y'_j o_j) ],

minimised over w and over unlabelled labels y' whose positive fraction is held
at ``r``.  The algorithm, as SVMlin runs it:

1. train the supervised L2-SVM; label the top r-fraction of unlabelled outputs
   positive, the rest negative;
2. start the unlabelled weight at lam_u' = 1e-5 (SVMlin's TSVM_LAMBDA_SMALL)
   and retrain;
3. switch pairs: a positive with o < 1 and a negative with o > -1, taken in
   order of the positive's lowest and the negative's highest output, are
   swapped while o_pos < o_neg -- exactly when swapping lowers the pair's
   *combined* loss -- then w is re-optimised; repeat until no pair is left;
4. multiply lam_u' by 1.5 (TSVM_ANNEALING_RATE), up to lam_u, and go to 3.

Every switch round lowers F, so each stage ends.  F is not convex and the
result depends on the start: :class:`TSVM` also starts from a 2-means
clustering of the unlabelled inputs (oriented by the supervised SVM; switching
at lam_u from the start, since annealing from a tiny weight would first pull w
back to the supervised SVM and undo the clustering) and keeps the start whose
solution has the lower F (recorded in ``selected_``).

The weighted L2-SVMs are solved exactly by the modified finite Newton method
(Keerthi and DeCoste, JMLR 2005): a regularised least-squares solve on the
active set, then an exact line search on the piecewise-quadratic objective.
No maintained Python package offers this TSVM, hence the hand-written version
(tests/test_tsvm.py).
"""
from __future__ import annotations

import numpy as np

from .base import BaselineMixin, check_inputs, check_selection, cv_splitter

LAMBDA_GRID = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)  # "sampled in [1e-5, 1e1]" (4.3)
LAMBDA_U_SMALL = 1e-5  # SVMlin: the unlabelled weight starts here ...
ANNEAL_RATE = 1.5      # ... and grows by this factor per stage
DEFAULT_LAMBDA = 1e-2  # used when too few labels for cross-validation (recorded)
STARTS = ("svm", "kmeans")


def _sqhinge(z):
    return np.maximum(0.0, 1.0 - z) ** 2


def _with_bias(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((len(X), 1))])


def l2svm_objective(w, X, y, c, lam, reg) -> float:
    """1/2 [lam w'Rw + sum_i c_i sqhinge(y_i x_i.w)] (R = diag(reg): the bias is free)."""
    return 0.5 * (lam * np.sum(reg * w * w) + np.sum(c * _sqhinge(y * (X @ w))))


def _line_search(w, delta, o, d, y, c, lam, reg) -> float:
    """Exact minimiser t >= 0 of the objective along w + t delta (outputs o + t d).

    The derivative is continuous, non-decreasing and linear between the points
    where a sample enters or leaves the active set {1 - y o > 0}; walk those
    points in order and solve the linear piece that crosses zero.
    """
    a, b = 1.0 - y * o, y * d                   # sample i is active while a_i - t b_i > 0
    g0 = lam * np.sum(reg * w * delta)          # derivative = g0 + t g1 + active sums
    g1 = lam * np.sum(reg * delta * delta)
    act = (a > 0) | ((a == 0) & (b < 0))
    s0 = g0 - np.sum(c[act] * a[act] * b[act])
    s1 = g1 + np.sum(c[act] * b[act] ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_ev = a / b
    leave = act & (b > 0)                       # active now, inactive after t_ev
    enter = ~act & (b < 0)                      # inactive now, active after t_ev
    ev = np.flatnonzero((leave | enter) & (t_ev > 0) & np.isfinite(t_ev))
    ev = ev[np.argsort(t_ev[ev], kind="stable")]
    sign = np.where(enter[ev], 1.0, -1.0)
    d0 = np.cumsum(sign * -c[ev] * a[ev] * b[ev])
    d1 = np.cumsum(sign * c[ev] * b[ev] ** 2)
    starts = np.r_[0.0, t_ev[ev]]
    ends = np.r_[t_ev[ev], np.inf]
    p0, p1 = s0 + np.r_[0.0, d0], s1 + np.r_[0.0, d1]
    # the derivative at each piece's end; the first piece where it is >= 0 holds the root
    with np.errstate(invalid="ignore"):
        at_end = np.where(np.isinf(ends), np.where(p1 > 0, np.inf, p0), p0 + ends * p1)
    k = int(np.argmax(at_end >= 0)) if np.any(at_end >= 0) else len(ends) - 1
    if p1[k] <= 0:
        return float(starts[k])
    return float(np.clip(-p0[k] / p1[k], starts[k], ends[k]))


def l2svm_mfn(X, y, c, lam, w0=None, reg=None, max_iter: int = 100, tol: float = 1e-9):
    """min_w 1/2 [lam w'Rw + sum_i c_i sqhinge(y_i x_i.w)] by modified finite Newton.

    ``X`` carries the bias column already (``reg`` = 0 there).  Each iteration
    solves the regularised least-squares problem of the current active set and
    moves to the exact minimiser on the segment towards it; it stops when the
    solution's own active set is the one it was computed on (then it is exact).
    """
    n, dim = X.shape
    reg = np.ones(dim) if reg is None else reg
    w = np.zeros(dim) if w0 is None else np.array(w0, float)
    o = X @ w
    # a vanishing ridge on the unregularised bias keeps the system solvable
    ridge = lam * reg + 1e-12 * (reg == 0)
    for _ in range(max_iter):
        act = y * o < 1.0
        Xa, ca = X[act], c[act]
        H = Xa.T @ (ca[:, None] * Xa)
        H[np.diag_indices(dim)] += ridge
        w_bar = np.linalg.solve(H, Xa.T @ (ca * y[act]))
        o_bar = X @ w_bar
        m = y * o_bar
        if np.all(m[act] <= 1.0 + tol) and np.all(m[~act] >= 1.0 - tol):
            return w_bar
        t = _line_search(w, w_bar - w, o, o_bar - o, y, c, lam, reg)
        w, o = w + t * (w_bar - w), o + t * (o_bar - o)
        if t == 0.0:
            break
    return w


def switch_labels(y_u: np.ndarray, o_u: np.ndarray, max_switch: int | None = None) -> int:
    """SVMlin's pair switch, in place; returns the number of pairs switched.

    Candidates: positives with o < 1 and negatives with o > -1 (those with a
    loss).  The positive with the lowest output is paired with the negative
    with the highest, and so on; a pair is switched while o_pos < o_neg, which
    is when the pair's summed squared-hinge loss drops by switching.
    """
    pos = np.flatnonzero((y_u > 0) & (o_u < 1.0))
    neg = np.flatnonzero((y_u < 0) & (o_u > -1.0))
    pos = pos[np.argsort(o_u[pos], kind="stable")]
    neg = neg[np.argsort(-o_u[neg], kind="stable")]
    k = min(len(pos), len(neg), len(y_u) if max_switch is None else max_switch)
    s = int(np.sum(np.cumprod(o_u[pos[:k]] < o_u[neg[:k]])))
    y_u[pos[:s]], y_u[neg[:s]] = -1.0, 1.0
    return s


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
    """Linear multi-switch TSVM; ``fit(Xs, ys, Xt)`` labels ``Xt`` transductively.

    ``lam`` (None: chosen by ``select``), ``lam_u`` (SVMlin's default 1),
    ``r`` the positive fraction of the unlabelled labels (None: the source's),
    ``starts`` the initial labellings tried (the lowest final objective wins),
    ``anneal=False`` jumps to lam_u at once (a weaker optimiser, for tests).
    """

    def __init__(self, lam: float | None = None, lam_u: float = 1.0, r: float | None = None,
                 max_switch: int | None = None, starts=STARTS, anneal: bool = True,
                 select: str = "source_cv", lambdas=LAMBDA_GRID, cv: int = 3,
                 fit_intercept: bool = True, seed: int = 0):
        self.lam, self.lam_u, self.r, self.max_switch = lam, lam_u, r, max_switch
        self.starts, self.anneal, self.select = tuple(starts), anneal, select
        self.lambdas, self.cv, self.fit_intercept, self.seed = tuple(lambdas), cv, fit_intercept, seed

    # -- the algorithm for fixed hyper-parameters ------------------------------------------
    def _design(self, X):
        return _with_bias(X) if self.fit_intercept else X

    def _reg(self, dim):
        reg = np.ones(dim)
        if self.fit_intercept:
            reg[-1] = 0.0
        return reg

    def objective(self, w, Xs, ys, Xt, y_u, lam, lam_u=None) -> float:
        """F(w, y') of the module docstring (inputs in the fitted coordinates)."""
        lam_u = self.lam_u if lam_u is None else lam_u
        l, u = len(Xs), len(Xt)
        X = self._design(np.vstack([Xs, Xt]))
        y = np.r_[np.where(ys == 1, 1.0, -1.0), y_u]
        c = np.r_[np.full(l, 1.0 / l), np.full(u, lam_u / u)]
        return l2svm_objective(w, X, y, c, lam, self._reg(X.shape[1]))

    def _initial_labels(self, start, w_sup, Xs, Xt, n_pos):
        score = self._design(Xt) @ w_sup
        if start == "kmeans":
            # two clusters of the unlabelled inputs; the one the supervised SVM
            # scores higher is positive; ranked by (distance to the negative
            # centre - distance to the positive one) to keep the fraction r
            from sklearn.cluster import KMeans

            km = KMeans(2, n_init=10, random_state=self.seed).fit(Xt)
            dist = km.transform(Xt)
            pos = int(np.mean(score[km.labels_ == 1]) > np.mean(score[km.labels_ == 0]))
            score = dist[:, 1 - pos] - dist[:, pos]
        y_u = -np.ones(len(Xt))
        y_u[np.argsort(-score, kind="stable")[:n_pos]] = 1.0
        return y_u

    def _multi_switch(self, X, y_l, y_u, lam, lam_u, w, anneal):
        """Steps 2-4 of the module docstring from labels ``y_u``; returns w, y_u, switches.

        Without ``anneal`` the unlabelled weight is lam_u from the start: used for
        the clustering start, whose labels a near-supervised w would undo.
        """
        l, u = len(y_l), len(y_u)
        reg = self._reg(X.shape[1])
        lam0 = min(LAMBDA_U_SMALL, lam_u) if anneal else lam_u
        switches = 0
        while True:
            c = np.r_[np.full(l, 1.0 / l), np.full(u, lam0 / u)]
            w = l2svm_mfn(X, np.r_[y_l, y_u], c, lam, w, reg)
            for _ in range(10 * u):  # safety bound; each round lowers F, so it ends
                s = switch_labels(y_u, X[l:] @ w, self.max_switch)
                if s == 0:
                    break
                switches += s
                w = l2svm_mfn(X, np.r_[y_l, y_u], c, lam, w, reg)
            if lam0 >= lam_u:
                return w, y_u, switches
            lam0 = min(lam0 * ANNEAL_RATE, lam_u)

    def _fit_fixed(self, Xs, ys, Xt, lam, lam_u):
        l, u = len(Xs), len(Xt)
        y_l = np.where(ys == 1, 1.0, -1.0)
        reg = self._reg(Xs.shape[1] + self.fit_intercept)
        w_sup = l2svm_mfn(self._design(Xs), y_l, np.full(l, 1.0 / l), lam, reg=reg)
        r = float(np.mean(ys)) if self.r is None else float(self.r)
        if not 0.0 < r < 1.0:
            raise ValueError(f"positive fraction r={r} must lie strictly between 0 and 1")
        if lam_u == 0:
            return w_sup, np.sign(self._design(Xt) @ w_sup), {"switches": 0, "start": "svm"}
        X = self._design(np.vstack([Xs, Xt]))
        n_pos = int(round(r * u))
        best = None
        for start in self.starts:
            if start not in STARTS:
                raise ValueError(f"unknown TSVM start {start!r}; choose from {STARTS}")
            y_u = self._initial_labels(start, w_sup, Xs, Xt, n_pos)
            w, y_u, sw = self._multi_switch(X, y_l, y_u, lam, lam_u, w_sup.copy(),
                                            self.anneal and start == "svm")
            f = self.objective(w, Xs, ys, Xt, y_u, lam, lam_u)
            if best is None or f < best[0] - 1e-12:
                best = (f, start, w, y_u, sw)
        f, start, w, y_u, sw = best
        return w, y_u, {"switches": int(sw), "start": start, "objective": float(f)}

    # -- the sklearn surface ------------------------------------------------------------------
    def fit(self, Xs, ys, Xt, yt=None):
        Xs, ys, Xt = check_inputs(Xs, ys, Xt)
        Xs, Xt, self.basis_ = row_space(Xs, Xt)
        if self.lam is not None:
            lam, how = float(self.lam), "given"
        else:
            check_selection(self.select, yt)
            lam, how = self._select_lambda(Xs, ys, Xt, yt)
        self.w_, self.transduced_, info = self._fit_fixed(Xs, ys, Xt, lam, self.lam_u)
        self.selected_ = {"lam": lam, "lam_u": self.lam_u, "select": how,
                          "r": float(np.mean(ys)) if self.r is None else float(self.r),
                          "starts": list(self.starts), "anneal": self.anneal, **info}
        return self

    def _select_lambda(self, Xs, ys, Xt, yt) -> tuple[float, str]:
        if self.select == "oracle":
            accs = [np.mean((self._decision(self._fit_fixed(Xs, ys, Xt, lam, self.lam_u)[0], Xt)
                             > 0) == yt) for lam in self.lambdas]
            return float(self.lambdas[int(np.argmax(accs))]), "oracle"
        # Honest: lambda of the supervised part by k-fold CV on the source domain.
        cv, how = cv_splitter(ys, self.cv, self.seed)
        if cv is None:
            return DEFAULT_LAMBDA, how
        scores = []
        for lam in self.lambdas:
            acc = []
            for tr, te in cv.split(Xs, ys):
                y = np.where(ys[tr] == 1, 1.0, -1.0)
                w = l2svm_mfn(self._design(Xs[tr]), y, np.full(len(tr), 1.0 / len(tr)), lam,
                              reg=self._reg(Xs.shape[1] + self.fit_intercept))
                acc.append(np.mean((self._decision(w, Xs[te]) > 0) == ys[te]))
            scores.append(np.mean(acc))
        return float(self.lambdas[int(np.argmax(scores))]), how

    def _decision(self, w, X):
        return self._design(X) @ w

    def decision_function(self, X):
        return self._decision(self.w_, np.asarray(X, np.float64) @ self.basis_)

    @property
    def coef_(self) -> np.ndarray:
        """w in the original feature space."""
        return self.basis_ @ (self.w_[:-1] if self.fit_intercept else self.w_)

    def predict(self, X):
        return (self.decision_function(X) > 0).astype(int)
