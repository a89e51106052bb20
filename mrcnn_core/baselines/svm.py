"""A linear SVM trained on the source only, C chosen as LR chooses it (not in the paper).

The seventh method of Table 1, added through the method registry
(``mrcnn_core/methods.py``): TSVM without its transductive part, so TSVM - SVM
isolates what the unlabelled target adds to the same hinge-loss classifier.
"""
from __future__ import annotations

from sklearn.svm import LinearSVC

from .base import GridSelected
from .lr import C_GRID, DEFAULT_C


class SVM(GridSelected):
    """Source-trained linear SVM (scikit-learn's ``LinearSVC``, squared hinge, L2).

    ``select="source_cv"``: C from LR's grid by 3-fold CV on the source;
    ``select="oracle"``: C by accuracy on the labelled target (``yt`` needed).
    """

    grid, default = C_GRID, DEFAULT_C

    def _model(self, C: float):
        return LinearSVC(C=C, random_state=self.seed)  # liblinear's default 1,000 iterations
