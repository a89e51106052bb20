"""The shallow baselines of Table 1 behind one sklearn-like surface.

Every registered shallow method's class is importable from here by its class name
(``from mrcnn_core.baselines import TSVM``): the five below directly, a method added to the
registry (``mrcnn_core/methods.py``) through ``__getattr__``, with no line to add here.
"""
from ..methods import all_methods
from .lr import LR
from .runner import BASELINES, BaselineResult, make_baseline, run_baseline, task_matrices
from .svm import SVM
from .tca import TCA
from .tlda import TLDA
from .tsvm import TSVM

_REGISTERED = {m.estimator.split(":")[1]: m for m in all_methods("shallow")}

__all__ = sorted({"BASELINES", "BaselineResult", "make_baseline", "run_baseline", "task_matrices",
                  *_REGISTERED})


def __getattr__(name: str):
    if name in _REGISTERED:
        return _REGISTERED[name].estimator_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
