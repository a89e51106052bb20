"""Plan and run a sweep of (dataset, task, method, hyper-parameters, seed).

Everything is validated and planned before the first run; runs already in
the results store are skipped; each finished run is stored at once, so an
interrupted sweep started again loses nothing and repeats nothing.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from ..data import cifar100_tasks, corel_tasks, load_cifar100, load_corel, select_tasks
from ..data.tasks import Dataset, Task, stratified_tasks
from ..fit import GraphCache, Job, resolve_hparams, run_jobs
from ..ablations import variant as ablation_variant
from ..graph import EPSILON_K, GraphSpec, neighbour_confusion
from ..hparams import BASELINE_METHODS, CNN_METHODS
from ..methods import method as registered
from .profile import (ABLATIONS, DATASETS, METHODS,
                      Profile, ProfileError, check_unique_seeds, load_profile)
from ..determinism import status as determinism_status
from .provenance import provenance
from .store import ResultsStore, run_key


@dataclass
class RunSpec:
    dataset: str
    task: Task
    method: str
    seed: int
    experiment: str
    variant: str
    hp: dict
    key: str = ""
    keep_curves: bool = False
    alias: str = ""  # a study's name for a point that is the main grid's run ("base", "paper")


@dataclass
class SweepSummary:
    planned: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    wall_time: float = 0.0
    results: str = ""
    errors: list = field(default_factory=list)


@dataclass
class Context:
    """Loaded data for one dataset: tasks, head inputs and identity."""

    dataset: Dataset
    tasks: list[Task]
    features: object | None
    weights: str
    graph_x: np.ndarray
    backbone: str = "n/a"


def load_context(name: str, weights: str | None = None, positive: str | None = None,
                 negative: str | None = None, backbone: str | None = None,
                 sha256: str | None = None, features: bool = True, cnn: bool = True,
                 root: str | None = None, pairs: Sequence[tuple[str, str]] | None = None) -> Context:
    """Load a dataset, build its tasks (superclass names checked first), then features.

    ``features=False`` gives the context's identity (data hash, weights id,
    backbone) without computing features: enough to plan runs and look them
    up in a store.  ``cnn=False`` (only shallow methods will run, on pixels):
    no backbone, no weights and no features at all.
    """
    if name == "cifar100":
        from ..features import check_backbone, extract_features

        backbone = check_backbone(backbone)  # an unknown name fails before any loading
        ds = load_cifar100(root)
        tasks = ([t for a, b in pairs for t in cifar100_tasks(ds, a, b)] if pairs else
                 cifar100_tasks(ds, positive or "fruit_and_vegetables",
                                negative or "household_electrical_devices"))
        if not cnn:
            return Context(ds, tasks, None, "n/a (pixels)", np.empty((len(ds.x), 0)),
                           "n/a (pixels)")
        if not features:  # identity only (for planning against a store): no extraction
            from ..features import WeightsUnavailable, pinned_id, resolve_weights, weights_id

            try:
                wid = weights_id(resolve_weights(weights, sha256), 0, backbone)
            except WeightsUnavailable:  # a pinned file not here: its id is known anyway
                wid = pinned_id(weights, sha256)
                if wid is None:
                    raise
            return Context(ds, tasks, None, wid, np.empty((len(ds.x), 0)), backbone)
        fs = extract_features(ds, weights, backbone=backbone, sha256=sha256)
        return Context(ds, tasks, fs, fs.weights, fs.x, fs.backbone)
    if name == "corel":
        ds = load_corel()
        return Context(ds, corel_tasks(ds, positive or "flower", negative or "traffic"), None,
                       "n/a (features)", ds.x, "n/a (features)")
    raise ProfileError(f"unknown dataset {name!r}; choose from {DATASETS}")


def profile_weights(prof: Profile, weights: str | None = None,
                    backbone: str | None = None) -> tuple[str | None, str | None, str | None]:
    """(weights, backbone, pinned sha256): the caller's values, else the profile's.

    A profile that names a weights file pins its sha256; weights given by the
    caller (or ``$MRCNN_WEIGHTS`` for a profile without weights) are not pinned.
    """
    sha = None
    if weights is None and prof.weights is not None:
        weights, sha = prof.weights, prof.options.get("weights_sha256")
    return weights, backbone or prof.backbone, sha


def _pick_tasks(tasks: list[Task], spec) -> list[Task]:
    if spec == "all":
        return list(tasks)
    if isinstance(spec, int):
        return select_tasks(tasks, n=min(spec, len(tasks)))
    if isinstance(spec, list):
        return select_tasks(tasks, ids=spec)
    return select_tasks(tasks, random=min(spec["random"], len(tasks)), seed=spec.get("seed", 0))


def _hp_for(method: str, ds: str, task: Task, steps: int, opts: dict, **over) -> dict:
    if method in CNN_METHODS:
        return resolve_hparams(method, ds, steps=steps, alpha_scale=opts.get("alpha_scale", "none"),
                               n_target=task.n_target, **over)
    # a method's own profile options (e.g. TLDA's steps) come from the registry
    own = registered(method).options
    return {"select": opts.get("baseline_select", "source_cv"),
            **{k: opts.get(method, {}).get(k, default) for k, default in own.items()}}


def _plan_pairs(s: dict, dataset: str, ctx: Context, opts: dict, methods, n_tasks, seeds) -> list:
    """The cross-pair study: per superclass pair, the CNN methods on a stratified sample
    (``per_target`` tasks of each of its 25 target domains) and the shallow methods on all
    of its tasks.  The pair is the run's ``variant`` (``positive/negative``)."""
    if dataset != "cifar100":
        raise ProfileError(f"the cross-pair study runs on cifar100, not {dataset!r}")
    meths = list(methods or list(s.get("methods", ["vgg", "mrcnn"]))
                 + list(s.get("shallow_methods", [])))
    for x in meths:
        if x not in METHODS:
            raise ProfileError(f"unknown method {x!r}; choose from {METHODS}")
    meths.sort(key=lambda x: METHODS.index(x))
    super_of = {c: g for g, members in ctx.dataset.groups.items() for c in members}
    by_pair: dict = {}
    for t in ctx.tasks:
        by_pair.setdefault((super_of[t.source_classes[0]], super_of[t.source_classes[1]]), []).append(t)
    per, sample_seed = int(s.get("per_target", 2)), int(s.get("sample_seed", 0))
    out = []
    for pos, neg in (tuple(p) for p in s["pairs"]):
        tasks = by_pair.get((pos, neg), [])
        n_dom = len({t.target_domain for t in tasks})
        sample = stratified_tasks(tasks, per * n_dom, sample_seed) if tasks else []
        for method in meths:
            cnn = method in CNN_METHODS
            chosen = sample if cnn else sorted(tasks, key=lambda t: t.id)
            all_seeds = list(seeds if seeds is not None else s.get("seeds", [0]))
            for task in chosen[:n_tasks or None]:
                for seed in (all_seeds if cnn else all_seeds[:1]):  # shallow: one seed
                    over = dict(s.get("cnn_overrides", {})) if method in CNN_METHODS else {}
                    if method == "vgg":
                        over.pop("alpha", None)
                    hp = _hp_for(method, dataset, task, s.get("steps", 200), opts, **over)
                    _check_k(hp, task)
                    out.append(RunSpec(dataset, task, method, int(seed), "pairs",
                                       f"{pos}/{neg}", hp))
    return out


def _check_k(hp: dict, task: Task) -> None:
    """The graph's k must be below the target domain's size (found at planning, before any
    feature is extracted)."""
    k = hp.get("k")
    if k is not None and int(k) >= task.n_target:
        raise ProfileError(f"k={k} >= target domain size {task.n_target} of task {task.id}")


def _key(spec: RunSpec, ctx_id: str) -> str:
    hp = {k: v for k, v in spec.hp.items() if v is not None and k != "alpha_eff"}
    return run_key(dataset=spec.dataset, data=ctx_id, task=spec.task.id, method=spec.method,
                   seed=spec.seed, experiment=spec.experiment, variant=spec.variant, **hp)


def plan(profile: Profile, experiment: str, dataset: str, ctx: Context, *,
         methods: Sequence[str] | None = None, n_tasks: int | None = None,
         seeds: Sequence[int] | None = None,
         variants: Sequence[str] | None = None) -> list[RunSpec]:
    """Every run of one experiment on one dataset, validated, in execution order."""
    exps = profile.data["experiments"]
    opts = profile.options
    if seeds is not None:
        check_unique_seeds(seeds, "--seeds")
    if experiment not in exps:
        raise ProfileError(f"profile {profile.name!r} has no experiment {experiment!r}")
    specs: list[RunSpec] = []
    curves_n = int(opts.get("curves_tasks", 3))
    main_spec = exps.get("main", {}).get(dataset)

    def as_main(task: Task, seed: int, hp: dict, experiment: str, variant: str) -> RunSpec:
        """A study's point that *is* the main grid's MRCNN run (same task, seed and
        hyper-parameters) is planned as that run: one configuration, one run, one key."""
        if main_spec is not None and "mrcnn" in main_spec.get("methods", METHODS):
            paper = _hp_for("mrcnn", dataset, task, main_spec.get("steps", 200), opts,
                            **main_spec.get("cnn_overrides", {}))
            if paper == hp:
                return RunSpec(dataset, task, "mrcnn", int(seed), "main", "paper", hp,
                               alias=variant)
        return RunSpec(dataset, task, "mrcnn", int(seed), experiment, variant, hp)
    if experiment == "main":
        if dataset not in exps["main"]:
            raise ProfileError(f"profile {profile.name!r} has no main runs for {dataset!r}")
        m = exps["main"][dataset]
        tasks = select_tasks(ctx.tasks, n=n_tasks) if n_tasks else _pick_tasks(ctx.tasks, m.get("tasks", "all"))
        meths = list(methods or m.get("methods", METHODS))
        for x in meths:
            if x not in METHODS:
                raise ProfileError(f"unknown method {x!r}; choose from {METHODS}")
        # LR first: it defines the Left/Right groups of Table 1.
        meths.sort(key=lambda x: METHODS.index(x))
        for method in meths:
            for i, task in enumerate(tasks):
                for seed in (seeds if seeds is not None else m.get("seeds", [0])):
                    over = m.get("cnn_overrides", {}) if method in CNN_METHODS else {}
                    if method == "vgg":
                        over = {k: v for k, v in over.items() if k != "alpha"}
                    hp = _hp_for(method, dataset, task, m.get("steps", 200), opts, **over)
                    _check_k(hp, task)
                    specs.append(RunSpec(dataset, task, method, int(seed), "main", "paper", hp,
                                         keep_curves=method in CNN_METHODS and i < curves_n))
    elif experiment == "pairs":
        specs += _plan_pairs(exps["pairs"], dataset, ctx, opts, methods, n_tasks, seeds)
    elif experiment == "ablation":
        a = exps["ablation"]
        if dataset != a.get("dataset", "cifar100"):
            raise ProfileError(f"the ablations of {profile.name!r} run on "
                               f"{a.get('dataset', 'cifar100')!r}, not {dataset!r}")
        # --tasks N on a study: the first N of the profile's own sample (a
        # subset that a later full run extends, keeping every stored run)
        tasks = _pick_tasks(ctx.tasks, a.get("tasks", 10))[:n_tasks or None]
        over = dict(a.get("cnn_overrides", {}))
        base = resolve_hparams("mrcnn", dataset, **{k: v for k, v in over.items()
                                                     if k in ("alpha", "k")})
        for task in tasks:
            for seed in (seeds if seeds is not None else a.get("seeds", [0])):
                for variant in a.get("variants", ABLATIONS):
                    graph, factor = ablation_variant(variant, int(base["k"]),
                                                     a.get("graph_every", 10),
                                                     a.get("omega_batch", 64))
                    alpha = {} if factor == 1.0 else {"alpha": factor * base["alpha"]}
                    hp = _hp_for("mrcnn", dataset, task, a.get("steps", 200), opts,
                                 **{**over, **alpha})
                    hp.update(graph.hp())
                    specs.append(as_main(task, seed, hp, "ablation", variant))
    else:
        s = exps[experiment]  # "sensitivity" or "control": the same kind of study
        if dataset != s.get("dataset", "cifar100"):
            raise ProfileError(f"the {experiment} study of {profile.name!r} runs on "
                               f"{s.get('dataset', 'cifar100')!r}, not {dataset!r}")
        tasks = _pick_tasks(ctx.tasks, s.get("tasks", 10))[:n_tasks or None]
        points: list[tuple[str, dict]] = [("base", {})]
        for name, vals in s.get("vary", {}).items():
            points += [(f"vary:{name}", {name: v}) for v in vals]
        g = s.get("grid", {})
        if g:
            (a, av), (b, bv) = list(g.items())
            points += [(f"grid:{a}x{b}", {a: x, b: y}) for x in av for y in bv]
        seen = set()
        for task in tasks:
            for seed in (seeds if seeds is not None else s.get("seeds", [0])):
                for variant, over in points:
                    hp = _hp_for("mrcnn", dataset, task, s.get("steps", 200), opts,
                                 **{**s.get("cnn_overrides", {}), **over})
                    spec = as_main(task, seed, hp, experiment, variant)
                    # the same point reached twice (e.g. the paper's k in "vary" and "grid") runs once
                    ident = (task.id, seed, tuple(sorted((k, v) for k, v in hp.items())))
                    if ident in seen:
                        continue
                    seen.add(ident)
                    _check_k(hp, task)
                    specs.append(spec)
    if variants:
        # keep the runs whose variant is, or starts with, one of the given names
        # ("vary" keeps every one-at-a-time point, "vary:alpha" one parameter)
        names = tuple(variants)
        known = {n for sp in specs for n in (sp.alias or sp.variant, (sp.alias or sp.variant).split(":")[0])}
        unknown = [v for v in names if v not in known]
        if unknown:
            raise ProfileError(f"unknown variant(s) {unknown} for {experiment!r}; "
                               f"this profile has {sorted(known)}")
        specs = [sp for sp in specs
                 if (sp.alias or sp.variant) in names or (sp.alias or sp.variant).split(":")[0] in names]
    ctx_id = f"{ctx.dataset.content_hash}|{ctx.weights}"
    if ctx.backbone not in ("vgg19", "n/a", "n/a (features)"):
        ctx_id += f"|{ctx.backbone}"  # vgg19 keys stay those of the stores written before
    for sp in specs:
        sp.key = _key(sp, ctx_id)
    keys = [sp.key for sp in specs]
    if len(set(keys)) != len(keys):  # seeds and task lists are checked above: a bug of ours
        raise RuntimeError("planner produced duplicate runs")
    return specs


def _matmul_precision() -> str:
    """JAX's default matmul precision (TF32 on NVIDIA GPUs unless 'highest'); recorded."""
    from .. import backend as B

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
        matmul_precision=_matmul_precision(), **determinism_status(), **extra)


def auto_batch_size(n_source: int, n_target: int, conv5_layers: int = 4) -> int:
    """Tasks per compiled step: 1 on CPU; on a GPU as many as fit in ~60% of memory."""
    from .. import backend as B

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


def _row(spec: RunSpec, profile: Profile, weights: str, backbone: str, prov_id: str, accuracy,
         epsilon,
         status="ok", error="", wall=0.0, step_time=None, batch=1, chosen=None) -> dict:
    from ..determinism import status as det_status

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
            "deterministic": det_status()["deterministic"] if spec.method in CNN_METHODS else "yes"}


def needs_cnn(prof: Profile, experiment: str, dataset: str,
              methods: Sequence[str] | None = None) -> bool:
    """Whether the runs are planned in a backbone context: the profile's runs of
    ``experiment`` on ``dataset`` include a CNN method, or ``methods`` asks for one (else no
    backbone is needed: the shallow methods run on pixels).

    A ``--methods`` subset never takes the backbone away: a run's key names the context it
    was planned in, so ``--methods lr`` on a profile with CNN methods must plan LR's runs in
    the same context as the full sweep, or it re-runs them and stores them twice.
    """
    if experiment == "pairs":
        s = prof.data["experiments"]["pairs"]
        ms = list(s.get("methods", ["vgg", "mrcnn"])) + list(s.get("shallow_methods", []))
    elif experiment != "main":
        return True
    else:
        ms = list(prof.data["experiments"].get("main", {}).get(dataset, {}).get("methods", METHODS))
    return any(m in CNN_METHODS for m in [*ms, *(methods or [])])


def pairs_data_dir(spec: dict) -> str | None:
    """The cross-pair study's data folder: a path, or a folder name beside the data folder
    ($MRCNN_DATA_DIR/../<name>, e.g. ../shared/data-pairs)."""
    d = spec.get("data")
    if not d:
        return None
    p = Path(d).expanduser()
    if p.is_absolute() or p.is_dir():
        return str(p)
    base = os.environ.get("MRCNN_DATA_DIR")
    return str(Path(base).parent / d) if base else str(p)


def profile_context(prof: Profile, dataset: str, weights: str | None = None,
                    backbone: str | None = None, features: bool = True,
                    cnn: bool = True, experiment: str = "main") -> Context:
    """The data, tasks and (for images) features that ``prof`` runs on (for ``experiment``:
    the cross-pair study reads its own data folder and builds the tasks of every pair)."""
    w, b, sha = profile_weights(prof, weights, backbone)
    if experiment == "pairs":
        spec = prof.data["experiments"]["pairs"]
        return load_context(dataset, w, backbone=b, sha256=sha, features=features, cnn=cnn,
                            root=pairs_data_dir(spec), pairs=[tuple(p) for p in spec["pairs"]])
    spec = prof.data["experiments"].get("main", {}).get(dataset, {})
    return load_context(dataset, w, spec.get("positive"), spec.get("negative"), backbone=b,
                        sha256=sha, features=features, cnn=cnn)


def status(profile: str | Profile, *, dataset: str, experiment: str = "main",
           results: str | os.PathLike | None = None) -> dict:
    """Planned, stored and missing runs of one experiment, without running anything."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    from ..data import DataError
    from ..features import WeightsUnavailable

    from .store import store_folders

    # a profile's folder may hold several stores (results/<profile>/<store>): a run counts
    # as stored if any of them holds its key, and as deterministic if one holds it so
    done, det = set(), set()
    for f in store_folders(results or Path("results") / prof.name):
        df = ResultsStore(f).load()
        done |= set(df["run_key"].astype(str))
        det |= set(df.loc[df["deterministic"] == "yes", "run_key"].astype(str))
    try:
        ctx = profile_context(prof, dataset, features=False,
                              cnn=needs_cnn(prof, experiment, dataset))
    except (DataError, WeightsUnavailable) as e:  # the stores can be shown without data
        return {"experiment": experiment, "dataset": dataset, "planned": None,
                "stored": len(done), "missing": None, "tasks stored": None,
                "note": f"plan unknown here: {type(e).__name__}: {str(e)[:120]}"}
    specs = plan(prof, experiment, dataset, ctx)
    stored = [s for s in specs if s.key in done]
    return {"experiment": experiment, "dataset": dataset, "planned": len(specs),
            "stored": len(stored), "stored deterministic": sum(s.key in det for s in specs),
            "missing": len(specs) - len(stored),
            "tasks stored": len({s.task.id for s in stored})}


def execute(todo: Sequence[RunSpec], prof: Profile, ctx: Context, prov_id: str, emit,
            batch_size: int | str = "auto") -> None:
    """Run planned specs: ``emit(spec, row, curves)`` as soon as each run has finished.

    The shallow baselines run one by one, the CNN methods in task batches
    (``batch_size`` tasks per compiled step, ``"auto"``: from free GPU memory).
    A baseline that raises is emitted as a failed row and the rest goes on; an
    error in the CNN trainer stops the call (the caller reports what is stored).
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

    for spec in [s for s in todo if s.method in BASELINE_METHODS]:
        kw = {k: spec.hp[k] for k in registered(spec.method).options}
        try:
            r = run_baseline(spec.task, spec.method, select=spec.hp["select"], seed=spec.seed, **kw)
            row = _row(spec, prof, ctx.weights, ctx.backbone, prov_id, r.accuracy,
                       epsilon(spec.task), wall=r.wall_time, chosen=r.hparams)
        except Exception as e:  # a failing run is stored with its reason; the sweep goes on
            row = _row(spec, prof, ctx.weights, ctx.backbone, prov_id, float("nan"),
                       epsilon(spec.task), status="failed", error=f"{type(e).__name__}: {e}")
        emit(spec, row, None)

    cnn = [s for s in todo if s.method in CNN_METHODS]
    if not cnn:
        return
    bs = batch_size
    if bs == "auto":
        bs = auto_batch_size(cnn[0].task.n_source, cnn[0].task.n_target,
                             len(ctx.features.conv5) if ctx.features else 0)
    by_key = {s.key: s for s in cnn}
    jobs = [Job(s.task, s.method, s.seed, s.hp, key=s.key) for s in cnn]

    def on_result(res):
        spec = by_key[res.key]
        row = _row(spec, prof, ctx.weights, ctx.backbone, prov_id, res.accuracy,
                   epsilon(spec.task), status=res.status, error=res.error, wall=res.wall_time,
                   step_time=res.step_time, batch=res.batch_size)
        emit(spec, row, res.curves)

    run_jobs(jobs, ctx.features, batch_size=int(bs), graphs=graphs, on_result=on_result,
             record_curves=True)
