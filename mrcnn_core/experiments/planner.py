"""Planning a sweep: every run of one experiment on one data set, validated, with its key.

One planner per experiment (``PLANNERS``); each gets a :class:`PlanInput` and returns
its :class:`RunSpec` list in execution order.  Nothing runs here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from ..method.ablations import variant as ablation_variant
from ..data import select_tasks
from ..data.tasks import Task, stratified_tasks
from ..method.fit import resolve_hparams
from ..methods import CNN, METHODS, method as registered
from .context import Context
from .profile import ABLATIONS, Profile, ProfileError, check_unique_seeds
from .store import run_key


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


def pick_tasks(tasks: list[Task], spec) -> list[Task]:
    if spec == "all":
        return list(tasks)
    if isinstance(spec, int):
        return select_tasks(tasks, n=min(spec, len(tasks)))
    if isinstance(spec, list):
        return select_tasks(tasks, ids=spec)
    return select_tasks(tasks, random=min(spec["random"], len(tasks)), seed=spec.get("seed", 0))


def hp_for(method: str, ds: str, task: Task, steps: int, opts: dict, **over) -> dict:
    if method in CNN:
        return resolve_hparams(method, ds, steps=steps, alpha_scale=opts.get("alpha_scale", "none"),
                               n_target=task.n_target, **over)
    # a method's own profile options (e.g. TLDA's steps) come from the registry
    own = registered(method).options
    return {"select": opts.get("baseline_select", "source_cv"),
            **{k: opts.get(method, {}).get(k, default) for k, default in own.items()}}


def plan_pairs(s: dict, dataset: str, ctx: Context, opts: dict, methods, n_tasks, seeds) -> list:
    """The cross-pair study: per superclass pair, the CNN methods on a stratified sample
    (``per_target`` tasks of each of its 25 target domains) and the shallow methods on all
    of its tasks.  The pair is the run's ``variant`` (``positive/negative``)."""
    if dataset != "cifar100":
        raise ProfileError(f"the cross-pair study runs on cifar100, not {dataset!r}")
    meths = list(methods or list(s.get("methods", CNN))
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
    # the sample's runs of every pair first (the CNN runs and the shallow runs they pair
    # with), then the shallow runs of the other tasks: a stopped sweep holds the paired
    # comparisons of every pair before the rest
    first: list = []
    later: list = []
    for pos, neg in (tuple(p) for p in s["pairs"]):
        tasks = by_pair.get((pos, neg), [])
        n_dom = len({t.target_domain for t in tasks})
        sample = stratified_tasks(tasks, per * n_dom, sample_seed) if tasks else []
        in_sample = {t.id for t in sample}
        rest = sorted((t for t in tasks if t.id not in in_sample), key=lambda t: t.id)
        for method in meths:
            cnn = method in CNN
            chosen = sample if cnn else list(sample) + rest
            all_seeds = list(seeds if seeds is not None else s.get("seeds", [0]))
            for i, task in enumerate(chosen[:n_tasks or None]):
                for seed in (all_seeds if cnn else all_seeds[:1]):  # shallow: one seed
                    over = dict(s.get("cnn_overrides", {})) if method in CNN else {}
                    if method == "vgg":
                        over.pop("alpha", None)
                    hp = hp_for(method, dataset, task, s.get("steps", 200), opts, **over)
                    check_k(hp, task)
                    (first if i < len(sample) else later).append(
                        RunSpec(dataset, task, method, int(seed), "pairs", f"{pos}/{neg}", hp))
    return first + later


def check_k(hp: dict, task: Task) -> None:
    """The graph's k must be below the target domain's size (found at planning, before any
    feature is extracted)."""
    k = hp.get("k")
    if k is not None and int(k) >= task.n_target:
        raise ProfileError(f"k={k} >= target domain size {task.n_target} of task {task.id}")


def _key(spec: RunSpec, ctx_id: str) -> str:
    hp = {k: v for k, v in spec.hp.items() if v is not None and k != "alpha_eff"}
    return run_key(dataset=spec.dataset, data=ctx_id, task=spec.task.id, method=spec.method,
                   seed=spec.seed, experiment=spec.experiment, variant=spec.variant, **hp)



@dataclass
class PlanInput:
    """What every experiment's planner gets: the profile, the data set, the loaded context
    and the command line's restrictions."""
    profile: Profile
    experiment: str
    dataset: str
    ctx: Context
    methods: Sequence[str] | None
    n_tasks: int | None
    seeds: Sequence[int] | None

    @property
    def spec(self) -> dict:
        return self.profile.data["experiments"][self.experiment]

    @property
    def opts(self) -> dict:
        return self.profile.options

    def seeds_of(self, s: dict) -> list:
        return list(self.seeds if self.seeds is not None else s.get("seeds", [0]))

    def as_main(self, task: Task, seed: int, hp: dict, variant: str) -> RunSpec:
        """A study's point that *is* the main grid's MRCNN run (same task, seed and
        hyper-parameters) is planned as that run: one configuration, one run, one key."""
        main_spec = self.profile.data["experiments"].get("main", {}).get(self.dataset)
        if main_spec is not None and "mrcnn" in main_spec.get("methods", METHODS):
            paper = hp_for("mrcnn", self.dataset, task, main_spec.get("steps", 200), self.opts,
                           **main_spec.get("cnn_overrides", {}))
            if paper == hp:
                return RunSpec(self.dataset, task, "mrcnn", int(seed), "main", "paper", hp,
                               alias=variant)
        return RunSpec(self.dataset, task, "mrcnn", int(seed), self.experiment, variant, hp)


def _methods_in_order(methods) -> list[str]:
    meths = list(methods)
    for x in meths:
        if x not in METHODS:
            raise ProfileError(f"unknown method {x!r}; choose from {METHODS}")
    return sorted(meths, key=METHODS.index)  # LR first: it defines Table 1's Left/Right groups


def plan_main(p: PlanInput) -> list[RunSpec]:
    """Table 1's grid: every method on the profile's tasks of one data set."""
    if p.dataset not in p.spec:
        raise ProfileError(f"profile {p.profile.name!r} has no main runs for {p.dataset!r}")
    m = p.spec[p.dataset]
    order = m.get("order", "id")
    if order == "id":  # --tasks N: the first N of the profile's own tasks (its sample, #42)
        tasks = pick_tasks(p.ctx.tasks, m.get("tasks", "all"))[:p.n_tasks or None]
    else:  # every target domain once, then twice, ...: --tasks N is a prefix of that order
        chosen = pick_tasks(p.ctx.tasks, m.get("tasks", "all"))
        tasks = stratified_tasks(chosen, len(chosen), order["stratified"])[:p.n_tasks or None]
    curves_n = int(p.opts.get("curves_tasks", 3))
    out = []
    for method in _methods_in_order(p.methods or m.get("methods", METHODS)):
        for i, task in enumerate(tasks):
            for seed in p.seeds_of(m):
                over = m.get("cnn_overrides", {}) if method in CNN else {}
                if method == "vgg":
                    over = {k: v for k, v in over.items() if k != "alpha"}
                hp = hp_for(method, p.dataset, task, m.get("steps", 200), p.opts, **over)
                check_k(hp, task)
                out.append(RunSpec(p.dataset, task, method, int(seed), "main", "paper", hp,
                                   keep_curves=method in CNN and i < curves_n))
    return out


def _study_tasks(p: PlanInput, s: dict, what: str) -> list[Task]:
    if p.dataset != s.get("dataset", "cifar100"):
        verb = "run" if what == "ablations" else "runs"
        raise ProfileError(f"the {what} of {p.profile.name!r} {verb} on "
                           f"{s.get('dataset', 'cifar100')!r}, not {p.dataset!r}")
    # --tasks N on a study: the first N of the profile's own sample (a subset that a later
    # full run extends, keeping every stored run)
    return pick_tasks(p.ctx.tasks, s.get("tasks", 10))[:p.n_tasks or None]


def plan_ablation(p: PlanInput) -> list[RunSpec]:
    """The ablations: the paper's MRCNN with one design choice changed at a time."""
    a = p.spec
    tasks = _study_tasks(p, a, "ablations")
    over = dict(a.get("cnn_overrides", {}))
    base = resolve_hparams("mrcnn", p.dataset, **{k: v for k, v in over.items()
                                                   if k in ("alpha", "k")})
    out = []
    for task in tasks:
        for seed in p.seeds_of(a):
            for variant in a.get("variants", ABLATIONS):
                graph, factor = ablation_variant(variant, int(base["k"]), a.get("graph_every", 10),
                                                 a.get("omega_batch", 64))
                alpha = {} if factor == 1.0 else {"alpha": factor * base["alpha"]}
                hp = hp_for("mrcnn", p.dataset, task, a.get("steps", 200), p.opts,
                            **{**over, **alpha})
                hp.update(graph.hp())
                out.append(p.as_main(task, seed, hp, variant))
    return out


def plan_study(p: PlanInput) -> list[RunSpec]:
    """A one-at-a-time study with an optional two-way grid (Fig. 3's sensitivity, the Corel
    control): the base point, each ``vary`` value, each ``grid`` cell."""
    s = p.spec
    tasks = _study_tasks(p, s, f"{p.experiment} study")  # "the sensitivity study of ... runs on"
    points: list[tuple[str, dict]] = [("base", {})]
    for name, vals in s.get("vary", {}).items():
        points += [(f"vary:{name}", {name: v}) for v in vals]
    g = s.get("grid", {})
    if g:
        (a, av), (b, bv) = list(g.items())
        points += [(f"grid:{a}x{b}", {a: x, b: y}) for x in av for y in bv]
    seen, out = set(), []
    for task in tasks:
        for seed in p.seeds_of(s):
            for variant, over in points:
                hp = hp_for("mrcnn", p.dataset, task, s.get("steps", 200), p.opts,
                            **{**s.get("cnn_overrides", {}), **over})
                spec = p.as_main(task, seed, hp, variant)
                # the same point reached twice (e.g. the paper's k in "vary" and "grid") runs once
                ident = (task.id, seed, tuple(sorted((k, v) for k, v in hp.items())))
                if ident in seen:
                    continue
                seen.add(ident)
                check_k(hp, task)
                out.append(spec)
    return out


def _plan_pairs_study(p: PlanInput) -> list[RunSpec]:
    return plan_pairs(p.spec, p.dataset, p.ctx, p.opts, p.methods, p.n_tasks, p.seeds)


#: one planner per experiment (a new experiment is one function and one line here)
PLANNERS: dict[str, Callable[[PlanInput], list[RunSpec]]] = {
    "main": plan_main, "pairs": _plan_pairs_study, "ablation": plan_ablation,
    "sensitivity": plan_study, "control": plan_study}


def _keep_variants(specs: list[RunSpec], variants: Sequence[str], experiment: str) -> list[RunSpec]:
    """The runs whose variant is, or starts with, one of the names ("vary" keeps every
    one-at-a-time point, "vary:alpha" one parameter)."""
    names = tuple(variants)
    label = lambda sp: sp.alias or sp.variant  # noqa: E731
    known = {n for sp in specs for n in (label(sp), label(sp).split(":")[0])}
    unknown = [v for v in names if v not in known]
    if unknown:
        raise ProfileError(f"unknown variant(s) {unknown} for {experiment!r}; "
                           f"this profile has {sorted(known)}")
    return [sp for sp in specs if label(sp) in names or label(sp).split(":")[0] in names]


def plan(profile: Profile, experiment: str, dataset: str, ctx: Context, *,
         methods: Sequence[str] | None = None, n_tasks: int | None = None,
         seeds: Sequence[int] | None = None,
         variants: Sequence[str] | None = None) -> list[RunSpec]:
    """Every run of one experiment on one dataset, validated, in execution order."""
    if seeds is not None:
        check_unique_seeds(seeds, "--seeds")
    if experiment not in profile.data["experiments"]:
        raise ProfileError(f"profile {profile.name!r} has no experiment {experiment!r}")
    if experiment not in PLANNERS:
        raise ProfileError(f"no planner for experiment {experiment!r}; known: {sorted(PLANNERS)}")
    specs = PLANNERS[experiment](PlanInput(profile, experiment, dataset, ctx, methods, n_tasks,
                                           seeds))
    if variants:
        specs = _keep_variants(specs, variants, experiment)
    ctx_id = f"{ctx.dataset.content_hash}|{ctx.weights}"
    if ctx.backbone not in ("vgg19", "n/a", "n/a (features)"):
        ctx_id += f"|{ctx.backbone}"  # vgg19 keys stay those of the stores written before
    for sp in specs:
        sp.key = _key(sp, ctx_id)
    keys = [sp.key for sp in specs]
    if len(set(keys)) != len(keys):  # seeds and task lists are checked above: a bug of ours
        raise RuntimeError("planner produced duplicate runs")
    return specs
