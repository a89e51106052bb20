"""mrcnn_core: a reproduction of "Transfer Learning with Manifold Regularized
Convolutional Neural Network" (Zhuang et al., KSEM 2017).

One import contract: notebooks and scripts do ``from mrcnn_core import ...``.
"""
from .data import (DataError, Dataset, Task, cifar100_tasks, corel_tasks, load_cifar100,
                   load_corel, load_image_folder, select_tasks)
from .features import FeatureSet, WeightsUnavailable, extract_features
from .fit import TaskResult, fit_task, fit_tasks, resolve_hparams
from .graph import GraphSpec, knn_graph, laplacian, neighbour_confusion
from .hparams import paper_hparams
from .estimator import MRCNN, VGG
from .losses import cross_entropy, l2_penalty, manifold_term

__version__ = "0.1.0"
__all__ = ["MRCNN", "VGG", "GraphSpec", "DataError", "Dataset", "FeatureSet", "Task", "TaskResult", "WeightsUnavailable",
           "cifar100_tasks", "corel_tasks", "cross_entropy", "extract_features", "fit_task",
           "fit_tasks", "knn_graph", "l2_penalty", "laplacian", "load_cifar100", "load_corel",
           "load_image_folder", "manifold_term", "neighbour_confusion", "paper_hparams",
           "resolve_hparams", "select_tasks"]
