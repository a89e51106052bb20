"""Logistic regression with the L2 strength chosen by grid search (paper section 4.2)."""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from .base import BaselineMixin, check_inputs, check_selection, cv_splitter

# The paper does not give its grid.  Up to 1e2 only, source CV chose the top
# value on 81 of the 144 Corel tasks ([0, 1]-scaled features): the grid reaches 1e4.
C_GRID = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e4)
DEFAULT_C = 1.0  # scikit-learn's default, used when too few labels for CV (recorded)


class LR(BaselineMixin):
    """Source-trained logistic regression.

    ``select="source_cv"`` (default, honest): C by 3-fold cross-validation on
    the source domain (fewer folds when a class has fewer labelled samples;
    C = 1 with a single one per class).  ``select="oracle"``: C by accuracy on the labelled
    target domain (``yt`` needed), what papers of the time often did.
    """

    def __init__(self, Cs=C_GRID, select: str = "source_cv", cv: int = 3, seed: int = 0):
        self.Cs, self.select, self.cv, self.seed = tuple(Cs), select, cv, seed

    def fit(self, Xs, ys, Xt=None, yt=None):
        check_selection(self.select, yt)
        Xs, ys, _ = check_inputs(Xs, ys, Xs if Xt is None else Xt)
        how = self.select
        if self.select == "source_cv":
            cv, how = cv_splitter(ys, self.cv, self.seed)
            if cv is None:
                C = DEFAULT_C
            else:
                scores = [cross_val_score(LogisticRegression(C=c, max_iter=2000), Xs, ys,
                                          cv=cv).mean() for c in self.Cs]
                C = float(self.Cs[int(np.argmax(scores))])
        else:
            accs = [LogisticRegression(C=c, max_iter=2000).fit(Xs, ys).score(Xt, yt)
                    for c in self.Cs]
            C = float(self.Cs[int(np.argmax(accs))])
        self.model_ = LogisticRegression(C=C, max_iter=2000).fit(Xs, ys)
        self.selected_ = {"C": C, "select": how}
        return self

    def predict(self, X):
        return self.model_.predict(np.asarray(X, np.float64))
