"""Transfer Component Analysis (Pan et al. 2011) through skada.

Pipeline: StandardScaler -> :class:`ExactTCAAdapter` (skada's
``TransferComponentAnalysisAdapter`` with its eigenproblem solved exactly) ->
StandardScaler -> LogisticRegression trained on the source.  Scaling first
matters: unscaled Corel histograms give chance accuracy.  The latent
dimension is tuned over 10..100 step 10 as in the paper.

TCA's components are the leading solutions of the generalised eigenproblem

    K H K w = lambda (I + mu K L K) w

(skada's form; Pan et al. write (K L K + mu I)^-1 K H K, the same problem with
mu replaced by 1/mu).  skada 0.6 forms (I + mu K L K)^-1 K H K, which is not
symmetric, and hands it to ``numpy.linalg.eigh``, which reads only one
triangle of a symmetric matrix; :class:`ExactTCAAdapter` keeps skada's kernel
and transform and solves the symmetric-definite problem with
``scipy.linalg.eigh(B, A)`` instead (how far apart the two are: the book's
reproduction notes).
"""
from __future__ import annotations

import os

import numpy as np
from .base import BaselineMixin, check_inputs, check_selection, cv_splitter

# POT (a skada dependency) would otherwise import TensorFlow (6 s) just to probe it.
os.environ.setdefault("POT_BACKEND_DISABLE_TENSORFLOW", "1")

DIM_GRID = tuple(range(10, 101, 10))
DEFAULT_DIM = 30  # used when too few labels for a held-out split (recorded)


def tca_matrices(K: np.ndarray, ns: int, mu: float) -> tuple[np.ndarray, np.ndarray]:
    """A = I + mu K L K and B = K H K of TCA for a kernel matrix with ns source rows first."""
    n = len(K)
    e = np.r_[np.full(ns, 1.0 / ns), np.full(n - ns, -1.0 / (n - ns))]
    KL = K @ e  # L = e e' (the MMD matrix), so K L K = (K e)(K e)'
    H = np.eye(n) - 1.0 / n
    return np.eye(n) + mu * np.outer(KL, KL), K @ H @ K


def tca_components(K: np.ndarray, ns: int, mu: float, n_components: int) -> np.ndarray:
    """The ``n_components`` leading generalised eigenvectors B v = lambda A v."""
    import scipy.linalg

    A, B = tca_matrices(K, ns, mu)
    vals, vecs = scipy.linalg.eigh(B, A)
    return vecs[:, np.argsort(vals)[::-1][:n_components]]


def _adapter_class():
    from skada import TransferComponentAnalysisAdapter

    class ExactTCAAdapter(TransferComponentAnalysisAdapter):
        """skada's TCA adapter whose components solve the symmetric-definite problem."""

        def fit(self, X, y=None, *, sample_domain=None):
            super().fit(X, y, sample_domain=sample_domain)  # kernel, domain split, checks
            k = self.n_components or min(np.shape(X))
            self.eigvects_ = tca_components(self.K_, len(self.X_source_), self.mu, k)
            return self

    return ExactTCAAdapter


def _pipeline(n_components: int, kernel: str, mu: float):
    from skada import make_da_pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    return make_da_pipeline(StandardScaler(),
                            _adapter_class()(kernel=kernel, n_components=n_components, mu=mu),
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
                # Honest: hold out a third of the source (one fold of 3; of 2 when a
                # class has only 2 labels).  TCA's map is the same for every input,
                # so held-out source samples go through it as "unlabelled" samples
                # (skada only maps target-marked ones).
                cv, how = cv_splitter(ys, 3, self.seed)
                if cv is None:
                    accs = None
                else:
                    tr, te = next(cv.split(Xs, ys))
                    how = "source_holdout:1 of " + how.split(":")[1]
                    accs = [self._fit_pipe(Xs[tr], ys[tr], Xt, d).score(
                        Xs[te], ys[te], sample_domain=-np.ones(len(te), int)) for d in self.dims]
            dim = DEFAULT_DIM if accs is None else int(self.dims[int(np.argmax(accs))])
        self.pipe_ = self._fit_pipe(Xs, ys, Xt, dim)
        self.selected_ = {"n_components": dim, "kernel": self.kernel, "mu": self.mu,
                          "select": how}
        return self

    def predict(self, X):
        X = np.asarray(X, np.float64)
        return self.pipe_.predict(X, sample_domain=-np.ones(len(X), int))
