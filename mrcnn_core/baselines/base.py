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
