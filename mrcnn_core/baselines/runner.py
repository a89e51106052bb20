"""Apply a shallow baseline to a task and return a result record."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..data.tasks import Task
from ..methods import SHALLOW, method as registered


# name -> estimator class of every shallow method, from the registry
BASELINES = {m: registered(m).estimator_class() for m in SHALLOW}


@dataclass
class BaselineResult:
    task_id: str
    method: str
    seed: int
    accuracy: float
    wall_time: float
    hparams: dict = field(default_factory=dict)
    n_source: int = 0
    n_target: int = 0
    status: str = "ok"
    error: str = ""


def task_matrices(task: Task) -> tuple[np.ndarray, np.ndarray]:
    """Inputs of the shallow methods: pixels / 255 flattened, or the (loader-scaled) features."""
    if task.dataset.kind == "images":
        f = lambda x: x.reshape(len(x), -1).astype(np.float32) / 255.0  # noqa: E731
        return f(task.xs), f(task.xt)
    return task.xs.astype(np.float64), task.xt.astype(np.float64)


def make_baseline(method: str, select: str = "source_cv", seed: int = 0, **kw):
    if method not in SHALLOW:
        raise ValueError(f"unknown baseline {method!r}; choose from {list(SHALLOW)}")
    return registered(method).make(select, seed, **kw)


def run_baseline(task: Task, method: str, select: str = "source_cv", seed: int = 0,
                 **kw) -> BaselineResult:
    """Fit ``method`` on the task's source + unlabelled target; accuracy on the whole target."""
    xs, xt = task_matrices(task)
    model = make_baseline(method, select, seed, **kw)
    t0 = time.perf_counter()
    model.fit(xs, task.ys, xt, task.yt if select == "oracle" else None)
    acc = model.score(xt, task.yt)
    return BaselineResult(task_id=task.id, method=method, seed=seed, accuracy=float(acc),
                          wall_time=time.perf_counter() - t0, hparams=dict(model.selected_),
                          n_source=task.n_source, n_target=task.n_target)
