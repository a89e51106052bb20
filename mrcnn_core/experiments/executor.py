"""Running planned runs: the CNN methods batched on stacked heads, the baselines one by one;
each finished run becomes a stored row with its provenance."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..data.tasks import Task
from ..method.fit import GraphCache, Job, run_jobs
from ..method.graph import EPSILON_K, GraphSpec, neighbour_confusion
from ..methods import CNN, SHALLOW
from ..methods import method as registered
from .profile import Profile
from ..method.determinism import status as determinism_status
from .provenance import provenance
from .context import Context
from .planner import RunSpec


def matmul_precision() -> str:
    """JAX's default matmul precision (TF32 on NVIDIA GPUs unless 'highest'); recorded."""
    from ..method import backend as B

    if B.name() == "jax":
        import jax

        return str(jax.config.jax_default_matmul_precision or "default")
    return "float32 (backend default)"


def run_provenance(prof: Profile, experiment: str, dataset: str, ctx: Context, **extra) -> dict:
    """The provenance record of the runs one process makes for an experiment."""
    return provenance(
        profile=prof.name, profile_digest=prof.digest, profile_path=prof.path,
        experiment=experiment, dataset=dataset, data_source=ctx.dataset.source,
        data_hash=ctx.dataset.content_hash,
        preprocessing=ctx.dataset.preprocessing, n_samples=int(len(ctx.dataset.x)),
        weights=ctx.weights, backbone=ctx.backbone, differences=prof.differences,
        matmul_precision=matmul_precision(), **determinism_status(), **extra)


def auto_batch_size(n_source: int, n_target: int, conv5_layers: int = 4) -> int:
    """Tasks per compiled step: 1 on CPU; on a GPU as many as fit in ~60% of memory."""
    from ..method import backend as B

    if not B.device().startswith(("gpu", "cuda")):
        return 1
    try:
        import jax

        stats = jax.devices()[0].memory_stats() or {}
        free = stats.get("bytes_limit", 0) - stats.get("bytes_in_use", 0)
    except Exception:
        free = 0
    # float32 values per task: conv5 kernels x 6 (params, grads, Adam m and v,
    # and the updated copies while they are written), the dense 2048^2 matrix
    # of each conv5 layer and its gradient, the fc layers x 6, and the
    # activations (2048 per sample and layer, forward and backward).
    L = conv5_layers
    per_task = 4 * (6 * L * 9 * 512 * 512 + 2 * L * 2048 ** 2 + 6 * 1.31e6
                    + (n_source + n_target) * 2048 * 2 * (L + 2))
    return int(max(1, min(64, 0.6 * free // per_task))) if free else 8


def result_row(spec: RunSpec, profile: Profile, weights: str, backbone: str, prov_id: str, accuracy,
         epsilon,
         status="ok", error="", wall=0.0, step_time=None, batch=1, chosen=None,
         trained_with: str = "") -> dict:
    from ..method.determinism import status as det_status

    hp = spec.hp
    return {"run_key": spec.key, "dataset": spec.dataset, "task_id": spec.task.id,
            "source": spec.task.source_domain, "target": spec.task.target_domain,
            "method": spec.method, "seed": spec.seed, "experiment": spec.experiment,
            "variant": spec.variant, "lr": hp.get("lr"), "alpha": hp.get("alpha"),
            "alpha_eff": hp.get("alpha_eff"), "alpha_scale": hp.get("alpha_scale"),
            "beta": hp.get("beta"), "k": hp.get("k"), "steps": hp.get("steps"),
            "select": hp.get("select"), "accuracy": accuracy, "epsilon": epsilon,
            "status": status, "error": error[:300].replace("\n", " "), "wall_time": wall,
            "step_time": step_time, "batch_size": batch, "n_source": spec.task.n_source,
            "n_target": spec.task.n_target,
            "chosen": chosen or GraphSpec.from_hp(hp).hp(),
            "profile": profile.name, "backbone": backbone,
            "weights": weights, "prov_id": prov_id,
            # the shallow methods run on the CPU in numpy / scikit-learn with fixed seeds
            "deterministic": det_status()["deterministic"] if spec.method in CNN else "yes",
            # a VGG row whose model another run trained (same source, seed, settings)
            "trained_with": "" if trained_with == spec.key else trained_with}


def execute(todo: Sequence[RunSpec], prof: Profile, ctx: Context, prov_id: str, emit,
            batch_size: int | str = "auto", share_vgg: bool = True,
            trained: dict | None = None) -> None:
    """Run planned specs: ``emit(spec, row, curves)`` as soon as each run has finished.

    The shallow baselines run one by one, the CNN methods in task batches
    (``batch_size`` tasks per compiled step, ``"auto"``: from free GPU memory).
    A baseline that raises is emitted as a failed row and the rest goes on; an
    error in the CNN trainer stops the call (the caller reports what is stored).

    ``share_vgg``: VGG runs that keep no curves are trained once per source domain, seed
    and settings (at batch size 1, where that is bit-equal: fit.run_jobs); ``trained``
    keeps those trainings across calls (a campaign).
    """
    from ..baselines import run_baseline

    if ctx.features is not None and ctx.features.rows is not None:
        # a row-subset feature cache (a device call that carries no weights): refuse, before
        # any run, a task whose images it does not hold (their rows are NaN)
        for spec in todo:
            ctx.features.check_rows(np.concatenate([spec.task.source_idx, spec.task.target_idx]),
                                    f"task {spec.task.id} ({spec.variant})")
    graphs = GraphCache()
    eps_cache: dict = {}

    def epsilon(task: Task) -> float:
        if ctx.graph_x.ndim < 2 or ctx.graph_x[0].size == 0:
            return float("nan")  # no backbone here (a baseline-only sweep): no pool4 graph
        if task.target_domain not in eps_cache:
            m = graphs.get(ctx.graph_x, task.target_idx, EPSILON_K)
            eps_cache[task.target_domain] = neighbour_confusion(m, task.yt)
        return eps_cache[task.target_domain]

    for spec in [s for s in todo if s.method in SHALLOW]:
        kw = {k: spec.hp[k] for k in registered(spec.method).options}
        try:
            r = run_baseline(spec.task, spec.method, select=spec.hp["select"], seed=spec.seed, **kw)
            row = result_row(spec, prof, ctx.weights, ctx.backbone, prov_id, r.accuracy,
                       epsilon(spec.task), wall=r.wall_time, chosen=r.hparams)
        except Exception as e:  # a failing run is stored with its reason; the sweep goes on
            row = result_row(spec, prof, ctx.weights, ctx.backbone, prov_id, float("nan"),
                       epsilon(spec.task), status="failed", error=f"{type(e).__name__}: {e}")
        emit(spec, row, None)

    cnn = [s for s in todo if s.method in CNN]
    if not cnn:
        return
    bs = batch_size
    if bs == "auto":
        bs = auto_batch_size(cnn[0].task.n_source, cnn[0].task.n_target,
                             len(ctx.features.conv5) if ctx.features else 0)
    by_key = {s.key: s for s in cnn}
    jobs = [Job(s.task, s.method, s.seed, s.hp, key=s.key, curves=s.keep_curves) for s in cnn]

    def on_result(res):
        spec = by_key[res.key]
        row = result_row(spec, prof, ctx.weights, ctx.backbone, prov_id, res.accuracy,
                   epsilon(spec.task), status=res.status, error=res.error, wall=res.wall_time,
                   step_time=res.step_time, batch=res.batch_size, trained_with=res.trained_with)
        emit(spec, row, res.curves)

    run_jobs(jobs, ctx.features, batch_size=int(bs), graphs=graphs, on_result=on_result,
             record_curves=True, share_vgg=share_vgg, trained=trained)
