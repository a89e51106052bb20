"""A compute slice: a small, stated slice of a profile's grid re-computed on the reader's machine.

A result page can re-compute (parameter ``compute_tasks``) a stratified sample of tasks that
covers the target domains, run with the profile's settings into a store of its own, and
shown beside the committed numbers of the same tasks.
"""
from __future__ import annotations

import copy
from typing import Sequence

from ..data.tasks import stratified_tasks
from ..methods import CNN

SLICE_RESULTS = "results/slices"  # compute slices go here, one store per profile


def slice_profile(prof, task_ids: Sequence[str], dataset: str = "cifar100",
                  methods: Sequence[str] = CNN, steps: int | None = None,
                  seeds: Sequence[int] = (0,)):
    """The profile's main grid restricted to ``task_ids`` (and ``steps``, if given).

    Its weights: the profile's file where it can be found; else (on Colab) Keras's own
    ImageNet download of the same backbone, which ``features.build_backbone`` checks
    by its probe values (the same weights in another container).
    """
    from ..experiments.profile import Profile, validate
    from ..method.features import WeightsUnavailable, resolve_weights

    data = copy.deepcopy(prof.data)
    spec = dict(data["experiments"]["main"][dataset])
    spec.update(tasks=list(task_ids), methods=list(methods), seeds=list(seeds))
    if steps:
        spec["steps"] = int(steps)
    data["experiments"] = {"main": {dataset: spec}}
    data["name"] = f"{prof.name}-slice"
    opts = data.setdefault("options", {})
    opts["curves_tasks"] = 0
    if opts.get("weights"):
        try:
            resolve_weights(opts["weights"], opts.get("weights_sha256"))
        except WeightsUnavailable:
            opts["weights"] = "imagenet"
            opts.pop("weights_sha256", None)
            data.setdefault("differences", []).append(
                f"Weights: Keras's ImageNet {opts.get('backbone', 'vgg19').upper()} download "
                "(checked by its probe values), not the profile's converted file.")
    validate(data, where=f"profile {data['name']}")
    return Profile(name=data["name"], data=data, path=prof.path)


def compute_slice(profile: str, n_tasks: int, steps: int | None = None, seed: int = 0,
                  results: str | None = None, progress: bool = True, experiment: str = "main"):
    """Re-compute a slice of ``profile``'s ``experiment`` here, seed 0, into a store of its own.

    main: VGG and MRCNN on a stratified sample of ``n_tasks`` CIFAR-100 tasks (one per
    target domain in turn); a study (sensitivity, ablation, control): all its points on
    the first ``n_tasks`` tasks of the study's own sample.  Returns (runs, folder).
    Resumable: a slice run again skips what its store holds.
    """
    from ..analysis import load_runs
    from ..experiments import load_profile, profile_context, sweep
    from ..experiments.planner import pick_tasks
    from ..experiments.profile import Profile, validate

    prof = load_profile(profile)
    exps = prof.data["experiments"]
    if experiment not in exps:
        raise ValueError(f"profile {prof.name!r} has no {experiment!r} experiment to slice")
    folder = results or f"{SLICE_RESULTS}/{prof.name}"
    if experiment == "main":
        ctx = profile_context(prof, "cifar100", features=False, cnn=False)
        pool = pick_tasks(ctx.tasks, exps["main"]["cifar100"].get("tasks", "all"))
        ids = [t.id for t in stratified_tasks(pool, n_tasks, seed)]  # tasks the store has
        sp, dataset = slice_profile(prof, ids, steps=steps), "cifar100"
    else:
        spec = dict(exps[experiment])
        dataset = spec.get("dataset", "cifar100")
        ctx = profile_context(prof, dataset, features=False, cnn=False)
        ids = [t.id for t in pick_tasks(ctx.tasks, spec.get("tasks", 10))[:n_tasks]]
        spec.update(tasks=ids, seeds=[0], **({"steps": int(steps)} if steps else {}))
        base = slice_profile(prof, ids, dataset=dataset, steps=steps) if dataset in exps.get(
            "main", {}) else prof
        data = copy.deepcopy(base.data)
        data["experiments"] = {experiment: spec}  # its paper point runs as a study point
        data["name"] = f"{prof.name}-slice"
        validate(data, where=f"profile {data['name']}")
        sp = Profile(name=data["name"], data=data, path=prof.path)
    sweep(sp, dataset=dataset, experiment=experiment, results=folder, progress=progress)
    runs = load_runs(folder, experiment=experiment)
    return runs[runs["task_id"].isin(ids) & (runs["profile"] == sp.name)], folder
