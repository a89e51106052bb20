"""mrcnn_core: a reproduction of "Transfer Learning with Manifold Regularized
Convolutional Neural Network" (Zhuang et al., KSEM 2017).

One import contract: notebooks and scripts do ``from mrcnn_core import ...``.
"""
import os as _os
import sys as _sys


def _quiet_tensorflow() -> None:
    """Import TensorFlow with the C-level stderr muted.

    TensorFlow's C++ start-up lines (absl's "All log messages before
    absl::InitializeLog()", oneDNN, CPU features) are written before any
    logging setting applies, so ``TF_CPP_MIN_LOG_LEVEL`` cannot stop them;
    they would reach every user of the command line.  Python errors still
    propagate.  ``MRCNN_TF_LOGS=1`` keeps them.
    """
    if _os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow":
        return
    if "tensorflow" in _sys.modules or _os.environ.get("MRCNN_TF_LOGS"):
        try:  # still before the runtime starts, unless the caller already ran an op
            _determinism.configure_tensorflow()
        except ImportError:
            pass
        return
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _sys.stderr.flush()
    saved, devnull = _os.dup(2), _os.open(_os.devnull, _os.O_WRONLY)
    _os.dup2(devnull, 2)
    interrupted = False
    try:
        import tensorflow as tf

        _determinism.configure_tensorflow()  # before the first op starts the runtime
        tf.constant(0.0) + 0.0  # the device set-up logs its lines on the first op
    except ImportError:  # the jax extra alone: Keras will say what is missing
        pass
    except KeyboardInterrupt:
        interrupted = True
    finally:
        _os.dup2(saved, 2)
        _os.close(saved)
        _os.close(devnull)
    if interrupted:  # Ctrl-C while TensorFlow starts: one line on the command line (#42)
        if _sys.argv[:1] == ["-m"] or _os.path.basename(_sys.argv[0] if _sys.argv else "") == "mrcnn":
            print("interrupted (while TensorFlow was starting; nothing was done)",
                  file=_sys.stderr)
            raise SystemExit(130)
        raise KeyboardInterrupt


from .method import determinism as _determinism  # noqa: E402
from ._compat import install as _install_old_paths  # noqa: E402

_install_old_paths()  # old module paths (mrcnn_core.graph, ...) for one release


def _cli_default_backend() -> None:
    """``python -m mrcnn_core sweep|verify`` use JAX where the user chose no backend.

    Both backends train deterministically on a CPU; JAX was the faster one for a
    whole 200-step VGG16 run on the 2-core CPU (62 s against 86 s,
    benchmarks/RESULTS.md) and is the backend of the GPU stores.  It has to be
    decided here, while ``python -m`` imports this package (``sys.argv[0]`` is
    then "-m") and before Keras reads ``KERAS_BACKEND``; importing the package
    as a library keeps Keras's own default.
    """
    import importlib.util

    argv = _sys.argv
    if (len(argv) > 1 and argv[0] == "-m" and argv[1] in ("sweep", "verify")
            and "KERAS_BACKEND" not in _os.environ and importlib.util.find_spec("jax")):
        _os.environ["KERAS_BACKEND"] = "jax"


_cli_default_backend()

_determinism.set_xla_flags()  # before JAX starts (it reads XLA_FLAGS once)
_quiet_tensorflow()  # before any module below imports Keras (hence E402 below)
from .data import (DataError, Dataset, Task, cifar100_tasks, corel_or_none, corel_tasks, load_cifar100,
                   load_corel, load_image_folder, select_tasks)
from .method.features import FeatureSet, WeightsUnavailable, extract_features
from .method.fit import TaskResult, fit_task, fit_tasks, resolve_hparams
from .method.graph import GraphSpec, knn_graph, laplacian, neighbour_confusion
from .method.hparams import paper_hparams
from .method.estimator import MRCNN, VGG
from .method.losses import cross_entropy, l2_penalty, manifold_term
from .book.slices import compute_slice

__version__ = "0.1.0"
__all__ = ["MRCNN", "VGG", "GraphSpec", "DataError", "Dataset", "FeatureSet", "Task", "TaskResult", "WeightsUnavailable",
           "cifar100_tasks", "compute_slice", "corel_or_none", "corel_tasks", "cross_entropy", "extract_features", "fit_task",
           "fit_tasks", "knn_graph", "l2_penalty", "laplacian", "load_cifar100", "load_corel",
           "load_image_folder", "manifold_term", "neighbour_confusion", "paper_hparams",
           "resolve_hparams", "select_tasks"]
