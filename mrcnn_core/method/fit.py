"""Train and evaluate the CNN methods (VGG, MRCNN) on transfer tasks.

:func:`fit_task` is the one entry point for a task; :func:`fit_tasks` runs
many, batching tasks of the same shape into one compiled step (model.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..data.tasks import Task
from .features import FeatureSet
from .graph import EPSILON_K, HP_KEYS, GraphSpec, knn_graph, laplacian, neighbour_confusion
from ..methods import CNN
from .hparams import PAPER_STEPS, paper_hparams, paper_n_target
from .model import init_params
from .train import train_head

# The graph fields a job's hp may carry (GraphSpec.hp(); absent = the paper's choice).
ABLATION_KEYS = tuple(HP_KEYS.values())
ALPHA_SCALES = ("none", "n_target")


@dataclass
class TaskResult:
    """What one run of a CNN method on one task produced."""

    task_id: str
    method: str
    seed: int
    accuracy: float
    epsilon: float
    hparams: dict
    n_source: int
    n_target: int
    wall_time: float
    step_time: float
    batch_size: int = 1
    curves: dict = field(default_factory=dict, repr=False)
    params: dict | None = field(default=None, repr=False)  # kept only for a shared training
    status: str = "ok"
    error: str = ""
    key: str = ""
    trained_with: str = ""  # the key of the job whose training this run's model is (shared VGG)


class GraphCache:
    """kNN graphs of target domains, built once per (domain, k, weighting)."""

    def __init__(self) -> None:
        self._g: dict = {}

    def get(self, x: np.ndarray, idx: np.ndarray, k: int, weighted: bool = False) -> np.ndarray:
        key = (idx.tobytes(), int(k), bool(weighted), id(x))
        if key not in self._g:
            self._g[key] = knn_graph(x[idx].reshape(len(idx), -1), int(k), weighted=weighted)
        return self._g[key]


def inputs_for(task: Task, features: FeatureSet | None) -> np.ndarray:
    """The array the head reads: pool4 features for images, the data for feature sets."""
    if task.dataset.kind == "images":
        if features is None:
            raise ValueError(f"task {task.id} holds images: pass features=extract_features(...)")
        if len(features.x) != len(task.dataset.x):
            raise ValueError("features do not belong to this dataset "
                             f"({len(features.x)} rows vs {len(task.dataset.x)} images)")
        return features.x
    return task.dataset.x


def resolve_hparams(method: str, dataset: str, *, lr=None, alpha=None, beta=None, k=None,
                    steps=None, alpha_scale: str = "none", n_target: int | None = None) -> dict:
    """Paper defaults overridden by the given values; validated."""
    if method not in CNN:
        raise ValueError(f"unknown method {method!r}; choose from {CNN}")
    if alpha_scale not in ALPHA_SCALES:
        raise ValueError(f"unknown alpha_scale {alpha_scale!r}; choose from {ALPHA_SCALES}")
    hp = paper_hparams(method, dataset)
    hp.setdefault("k", 3)
    for name, v in (("lr", lr), ("alpha", alpha), ("beta", beta), ("k", k)):
        if v is not None:
            hp[name] = v
    if method == "vgg":
        if alpha not in (None, 0, 0.0):
            raise ValueError(f"the VGG baseline has no manifold term; got alpha={alpha}")
        hp["alpha"] = 0.0
    hp["steps"] = PAPER_STEPS if steps is None else steps
    for name in ("lr", "beta", "alpha"):
        if not np.isfinite(hp[name]) or hp[name] < 0:
            raise ValueError(f"{name} must be finite and >= 0, got {hp[name]}")
    if hp["lr"] == 0:
        raise ValueError("lr must be > 0, got 0")
    if not isinstance(hp["k"], (int, np.integer)) or hp["k"] < 1:
        raise ValueError(f"k must be an integer >= 1, got {hp['k']!r}")
    if not isinstance(hp["steps"], (int, np.integer)) or hp["steps"] < 1:
        raise ValueError(f"steps must be an integer >= 1, got {hp['steps']!r}")
    hp["alpha_scale"] = alpha_scale
    # Omega is a sum over edges while the cross-entropy is a mean: on a
    # smaller target domain the same alpha weighs the manifold term less.
    # "n_target" rescales alpha by (the paper's n_t) / n_t to keep the paper's
    # balance: 1200 / 200 on the reduced CIFAR-100, 1 on Corel (the paper's data).
    hp["alpha_eff"] = float(hp["alpha"]) * (paper_n_target(dataset, n_target) / n_target
                                           if alpha_scale == "n_target" and n_target else 1.0)
    return hp


@dataclass
class Job:
    task: Task
    method: str
    seed: int
    hp: dict
    key: str = ""  # the caller's id of this job, copied to its TaskResult
    curves: bool = True  # record per-step curves (VGG without curves skips the target pass)


def training_key(job: Job) -> tuple:
    """What a VGG training reads: the data, the source domain's samples and labels, the seed
    and the hyper-parameters; never the target domain (alpha = 0: no manifold term), so
    tasks that share a source share one training."""
    return (job.task.dataset.name, id(job.task.dataset), job.task.source_idx.tobytes(),
            np.asarray(job.task.ys).tobytes(), job.seed,
            json.dumps(job.hp, sort_keys=True, default=str))


def run_jobs(jobs: Sequence[Job], features: FeatureSet | None = None, *, batch_size: int = 1,
             graphs: GraphCache | None = None, conv5_impl: str | None = None,
             widths: Sequence[int] = (512, 512), record_curves: bool = True,
             share_vgg: bool = False, trained: dict | None = None,
             on_result=None) -> list[TaskResult]:
    """Run jobs, ``batch_size`` compatible ones (same shapes and steps) at a time.

    ``on_result(result)`` is called as soon as each result exists (the sweep
    stores it at once, so an interruption loses at most one batch).

    ``share_vgg``: VGG jobs that record no curves are trained once per
    :func:`training_key` and the one model is evaluated on each job's target
    (bit-equal to training each alone: tests/test_train.py); ``trained`` keeps the
    trainings for later calls (a campaign's chunks).  Only with
    ``batch_size == 1``: in a batch a task's numbers may depend on its neighbours
    (a GPU's kernels), so there the per-task form is kept.
    """
    graphs = graphs or GraphCache()
    results: dict[int, TaskResult] = {}

    def done(i: int, r: TaskResult) -> None:
        results[i] = r
        if on_result is not None:
            on_result(r)

    shared: dict[tuple, list[int]] = {}
    if share_vgg and max(1, batch_size) == 1:
        for i, j in enumerate(jobs):
            if j.method == "vgg" and not (record_curves and j.curves):
                shared.setdefault(training_key(j), []).append(i)
    in_shared = {i for idxs in shared.values() for i in idxs}
    groups: dict[tuple, list[int]] = {}
    for i, j in enumerate(jobs):
        if i in in_shared:
            continue
        key = (j.task.n_source, j.task.n_target, j.hp["steps"], j.method == "vgg",
               j.task.dataset.name, *(str(j.hp.get(a)) for a in ABLATION_KEYS))
        groups.setdefault(key, []).append(i)
    bs = max(1, batch_size)
    for key, idxs in groups.items():
        for b in range(0, len(idxs), bs):
            chunk = [jobs[i] for i in idxs[b:b + bs]]
            # A short last batch is padded with copies of its last job (results
            # dropped): a new batch shape would cost a fresh compilation, which
            # on a GPU takes longer than the padded tasks' compute.
            pad = bs - len(chunk) if len(idxs) > bs else 0
            curves = record_curves and any(j.curves for j in chunk)
            out = _run_batch(chunk + [chunk[-1]] * pad, features, graphs, conv5_impl, widths,
                             curves)[:len(chunk)]
            for i, r in zip(idxs[b:b + len(chunk)], out):
                done(i, r)
    trained = {} if trained is None else trained
    for idxs in shared.values():
        for i, r in zip(idxs, _run_shared([jobs[i] for i in idxs], features, graphs,
                                          conv5_impl, widths, trained)):
            done(i, r)
    return [results[i] for i in range(len(jobs))]


@dataclass
class SharedTraining:
    """A VGG training kept for the jobs that share its :func:`training_key`."""

    key: str  # the job that trained it (its row carries the training's wall time)
    params: dict
    status: str
    error: str
    step_time: float


def _run_shared(members: list[Job], features, graphs, conv5_impl, widths,
                trained: dict) -> list[TaskResult]:
    """Jobs of one :func:`training_key`: trained once (or found in ``trained``, a cache that
    lives as long as its caller wants: a campaign keeps one for all its chunks), then the
    one model is evaluated on each job's target."""
    from .train import predict_proba

    tkey = training_key(members[0])
    out = []
    if tkey not in trained:
        first = _run_batch([members[0]], features, graphs, conv5_impl, widths, False,
                           keep_params=True)[0]
        trained[tkey] = SharedTraining(members[0].key, first.params, first.status, first.error,
                                       first.step_time)
        first.params = None
        first.trained_with = members[0].key
        out.append(first)
        members = members[1:]
    tr = trained[tkey]
    for j in members:
        t0 = time.perf_counter()
        x = inputs_for(j.task, features)
        acc = float("nan")
        if tr.status == "ok":
            probs = predict_proba(tr.params, x[j.task.target_idx][None], conv5_impl)
            acc = float((probs.argmax(-1)[0] == np.asarray(j.task.yt)).mean())
        eps = neighbour_confusion(graphs.get(x, j.task.target_idx, EPSILON_K), j.task.yt)
        # the row's wall time is its evaluation; the training's is on the row that made it
        out.append(TaskResult(task_id=j.task.id, method=j.method, seed=j.seed, accuracy=acc,
                              epsilon=eps, hparams=dict(j.hp), n_source=j.task.n_source,
                              n_target=j.task.n_target, wall_time=time.perf_counter() - t0,
                              step_time=tr.step_time, batch_size=1, status=tr.status,
                              error=tr.error, key=j.key, trained_with=tr.key))
    return out


def graph_schedule(spec: GraphSpec, graphs: Sequence[np.ndarray], xt: np.ndarray,
                   seeds: Sequence[int], ks: Sequence[int], conv5_impl: str | None = None):
    """(Laplacians, lap_fn, lap_every) for ``train_head`` from a graph spec.

    ``graphs`` are the tasks' graphs in the spec's space (built once).  An fc7
    spec rebuilds each task's graph on the current model's fc7 output every
    ``rebuild_every`` steps; a ``node_batch`` spec puts Omega on the subgraph of
    a random node batch each step (drawn from a per-seed generator).
    """
    lap = np.stack([laplacian(m) for m in graphs])
    if spec.space == "fc7":
        from .train import fc7_features

        def rebuild(step, p):  # each task's graph on its current fc7 features
            f7 = fc7_features(dict(p), xt, conv5_impl)
            return np.stack([laplacian(knn_graph(f, k, weighted=spec.weighted))
                             for f, k in zip(f7, ks)])
        return lap, rebuild, spec.rebuild_every
    if spec.node_batch > 0:
        rngs = [np.random.default_rng(1000 + s) for s in seeds]

        def subgraph(step, p):  # Laplacian of the subgraph induced by a random node batch
            out = []
            for m, r in zip(graphs, rngs):
                sel = np.zeros(len(m), bool)
                sel[r.choice(len(m), size=min(spec.node_batch, len(m)), replace=False)] = True
                out.append(laplacian(m * np.outer(sel, sel)))
            return np.stack(out)
        return lap, subgraph, 1
    return lap, None, 0


def _run_batch(chunk: list[Job], features, graphs, conv5_impl, widths,
               record_curves, keep_params: bool = False) -> list[TaskResult]:
    t0 = time.perf_counter()
    x = inputs_for(chunk[0].task, features)
    xs = np.stack([x[j.task.source_idx] for j in chunk])
    xt = np.stack([x[j.task.target_idx] for j in chunk])
    ys = np.stack([j.task.ys for j in chunk])
    yt = np.stack([j.task.yt for j in chunk])
    hp0 = chunk[0].hp
    spec = GraphSpec.from_hp(hp0)  # validated: an unknown space or weighting fails here
    # epsilon is always measured on the paper's graph (pool4 / features, binary, k = 3)
    eps = [neighbour_confusion(graphs.get(x, j.task.target_idx, EPSILON_K), j.task.yt)
           for j in chunk]
    graph_x = chunk[0].task.dataset.x if spec.space == "pixels" else x
    ms = [graphs.get(graph_x, j.task.target_idx, j.hp["k"], spec.weighted) for j in chunk]
    if chunk[0].method == "vgg":
        lap, lap_fn, lap_every = None, None, 0
    else:
        lap, lap_fn, lap_every = graph_schedule(spec, ms, xt, [j.seed for j in chunk],
                                                [j.hp["k"] for j in chunk], conv5_impl)
    conv5 = features.conv5 if chunk[0].task.dataset.kind == "images" else None
    params = init_params([j.seed for j in chunk], conv5=conv5,
                         in_dim=None if conv5 else x.shape[-1], widths=widths)
    res = train_head(params, xs, ys, xt, yt, lap,
                     lr=[j.hp["lr"] for j in chunk], alpha=[j.hp["alpha_eff"] for j in chunk],
                     beta=[j.hp["beta"] for j in chunk], steps=int(chunk[0].hp["steps"]),
                     conv5_impl=conv5_impl, record_curves=record_curves,
                     lap_fn=lap_fn, lap_every=lap_every)
    wall = time.perf_counter() - t0
    out = []
    for t, j in enumerate(chunk):
        curves = {k: v[t] for k, v in res.curves.items()}
        acc = float(res.accuracy[t])
        status, err = "ok", ""
        if curves and not np.all(np.isfinite(curves["loss"])):
            status, err = "failed", "loss became NaN/inf (diverged)"
            acc = float("nan")
        elif not np.all(np.isfinite(res.params["fc8_w"][t])):
            status, err, acc = "failed", "parameters became NaN/inf (diverged)", float("nan")
        out.append(TaskResult(task_id=j.task.id, method=j.method, seed=j.seed, accuracy=acc,
                              epsilon=eps[t], hparams=dict(j.hp), n_source=j.task.n_source,
                              n_target=j.task.n_target, wall_time=wall / len(chunk),
                              step_time=res.step_time, batch_size=len(chunk), curves=curves,
                              status=status, error=err, key=j.key))
        if keep_params:
            out[-1].params = {k: v[t:t + 1] for k, v in res.params.items()}
    return out


def fit_tasks(tasks: Sequence[Task], method: str = "mrcnn", features: FeatureSet | None = None, *,
              seed: int = 0, lr=None, alpha=None, beta=None, k=None, steps=None,
              alpha_scale: str = "none", graph: GraphSpec | None = None, batch_size: int = 1,
              **kw) -> list[TaskResult]:
    """Train ``method`` on each task (paper hyper-parameters unless given).

    ``graph`` (a :class:`GraphSpec`) sets how the manifold term's graph is made;
    its ``k`` is used unless ``k`` is given.
    """
    if graph is not None and k is None:
        k = graph.k
    jobs = []
    for t in tasks:
        hp = resolve_hparams(method, t.dataset.name, lr=lr, alpha=alpha, beta=beta, k=k,
                             steps=steps, alpha_scale=alpha_scale, n_target=t.n_target)
        if graph is not None:
            hp.update(graph.with_k(hp["k"]).hp())
        jobs.append(Job(t, method, seed, hp))
    return run_jobs(jobs, features, batch_size=batch_size, **kw)


def fit_task(task: Task, method: str = "mrcnn", features: FeatureSet | None = None,
             **kw) -> TaskResult:
    """Train and evaluate one task; returns accuracy, epsilon, curves and wall time.

    >>> r = fit_task(task, "mrcnn", feats, steps=5)   # doctest: +SKIP
    """
    return fit_tasks([task], method, features, **kw)[0]
