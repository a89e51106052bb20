"""The common surface of the shallow baselines: fit(Xs, ys, Xt), predict, score."""
from __future__ import annotations

import numpy as np

SELECTIONS = ("source_cv", "oracle")


def check_inputs(Xs, ys, Xt):
    Xs, Xt = np.asarray(Xs, np.float64), np.asarray(Xt, np.float64)
    ys = np.asarray(ys).astype(int)
    if Xs.ndim != 2 or Xt.ndim != 2 or Xs.shape[1] != Xt.shape[1]:
        raise ValueError(f"Xs {Xs.shape} and Xt {Xt.shape} must be 2-d with equal widths")
    if len(ys) != len(Xs):
        raise ValueError(f"{len(ys)} labels for {len(Xs)} source samples")
    if set(np.unique(ys)) - {0, 1}:
        raise ValueError(f"ys must be in {{0, 1}}, got {sorted(set(np.unique(ys)))[:5]}")
    return Xs, ys, Xt


def check_selection(select: str, yt) -> None:
    if select not in SELECTIONS:
        raise ValueError(f"unknown selection {select!r}; choose from {SELECTIONS}")
    if select == "oracle" and yt is None:
        raise ValueError("select='oracle' picks hyper-parameters on target labels: pass yt")


def cv_splitter(ys, cv: int, seed: int):
    """Stratified k-fold on the source labels with k <= the smallest class count.

    Returns ``(splitter, how)``; with fewer than 2 labelled samples in a class
    no cross-validation is possible: ``(None, "default")``, and the caller uses
    its documented default.  ``how`` ("source_cv:<k> folds") is recorded in
    ``selected_`` so a reader sees what was done.
    """
    from sklearn.model_selection import StratifiedKFold

    counts = np.bincount(np.asarray(ys).astype(int), minlength=2)
    k = int(min(cv, counts.min()))
    if k < 2:
        return None, "default"
    return StratifiedKFold(k, shuffle=True, random_state=seed), f"source_cv:{k} folds"


class BaselineMixin:
    """``score`` from ``predict``; ``selected_`` holds the chosen hyper-parameters."""

    selected_: dict

    def score(self, X, y) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))


def select_by_grid(make, grid, Xs, ys, Xt, yt, select: str, cv: int, seed: int, default):
    """The hyper-parameter of ``make(value)`` chosen from ``grid``: by ``cv``-fold source CV
    (``default`` when a class has a single labelled sample), or on target labels (oracle).
    Returns (value, how it was chosen)."""
    from sklearn.model_selection import cross_val_score

    if select == "source_cv":
        splitter, how = cv_splitter(ys, cv, seed)
        if splitter is None:
            return default, how
        scores = [cross_val_score(make(v), Xs, ys, cv=splitter).mean() for v in grid]
    else:
        how = select
        scores = [make(v).fit(Xs, ys).score(Xt, yt) for v in grid]
    return type(grid[0])(grid[int(np.argmax(scores))]), how


class GridSelected(BaselineMixin):
    """A source-trained classifier whose strength C is chosen from a grid (LR, SVM):
    subclasses give ``_model(C)``, the grid and the default for one-sample classes."""

    grid: tuple = ()
    default: float = 1.0

    def __init__(self, Cs=None, select: str = "source_cv", cv: int = 3, seed: int = 0):
        self.Cs = tuple(self.grid if Cs is None else Cs)
        self.select, self.cv, self.seed = select, cv, seed

    def _model(self, C: float):
        raise NotImplementedError

    def fit(self, Xs, ys, Xt=None, yt=None):
        check_selection(self.select, yt)
        Xs, ys, _ = check_inputs(Xs, ys, Xs if Xt is None else Xt)
        C, how = select_by_grid(self._model, self.Cs, Xs, ys, Xt, yt, self.select, self.cv,
                                self.seed, self.default)
        self.model_ = self._model(C).fit(Xs, ys)
        self.selected_ = {"C": float(C), "select": how}
        return self

    def predict(self, X):
        return self.model_.predict(np.asarray(X, np.float64))
