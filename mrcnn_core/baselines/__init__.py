"""The shallow baselines of Table 1 behind one sklearn-like surface."""
from .lr import LR
from .runner import BASELINES, BaselineResult, make_baseline, run_baseline, task_matrices
from .svm import SVM
from .tca import TCA
from .tlda import TLDA
from .tsvm import TSVM

__all__ = ["BASELINES", "BaselineResult", "LR", "SVM", "TCA", "TLDA", "TSVM", "make_baseline",
           "run_baseline", "task_matrices"]
