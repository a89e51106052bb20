"""Stores and registry agree: what a committed store holds against what the registry and the
profiles say it should (#36).

Two ways a method was once half there with every test passing: a method removed from the
registry while its store stayed (unlabelled rows in every table and CSV), and a registered
method whose store covered 3 of the 400 tasks its profile plans.  Each function returns the
faults as sentences (empty: none), so a test, a contributor's check and the walk-through of
"Adding a method" (``tests/test_add_method.py``) use the same rule.
"""
from __future__ import annotations

from pathlib import Path


def unregistered_in_stores(results: str | Path = "results") -> list[str]:
    """Every store under ``results`` whose rows name a method the registry does not hold."""
    from ..experiments import ResultsStore
    from ..methods import REGISTRY

    faults = []
    for f in sorted(p.parent for p in Path(results).glob("**/runs.csv")):
        methods = set(ResultsStore(f).load()["method"].astype(str))
        if extra := sorted(methods - set(REGISTRY)):
            faults.append(f"{f}: rows of unregistered method(s) {extra}")
    return faults


def planned_tasks(profile: str, dataset: str, experiment: str = "main") -> set[str]:
    """The task ids ``profile`` plans for ``dataset`` (reads the data's labels, not features)."""
    from ..experiments import load_profile
    from ..experiments.planner import pick_tasks
    from ..experiments.sweep_status import profile_context

    prof = load_profile(profile)
    spec = prof.data["experiments"][experiment][dataset]
    ctx = profile_context(prof, dataset, features=False, cnn=False)
    return {t.id for t in pick_tasks(ctx.tasks, spec.get("tasks", "all"))}


def short_coverage(results: str | Path, profile: str = "baselines", experiment: str = "main",
                   datasets: tuple[str, ...] | None = None) -> list[str]:
    """Each (method, data set) of ``profile`` whose stores under ``results`` hold fewer of the
    planned tasks than planned (ok runs of any seed count); ``datasets``: only these."""
    from ..analysis import load_runs
    from ..experiments import load_profile

    runs = load_runs(results, experiment=experiment)
    faults = []
    for ds, spec in load_profile(profile).data["experiments"][experiment].items():
        if datasets is not None and ds not in datasets:
            continue
        planned = planned_tasks(profile, ds, experiment)
        for m in spec["methods"]:
            have = set(runs[(runs["dataset"] == ds) & (runs["method"] == m)]["task_id"])
            if n := len(planned - have):
                faults.append(f"{m} on {ds}: {len(planned) - n} of {len(planned)} planned "
                              f"tasks stored in {results}")
    return faults


def runs_without_provenance(results: str | Path = "results") -> list[str]:
    """Every store under ``results`` with rows whose ``prov_id`` its provenance.jsonl lacks:
    such runs have no recorded commit, device or weights (a page cannot state where they came
    from; ``verify`` cannot say whether it re-runs them on the same device).  Rows of a sweep
    killed before its provenance line have an empty id and are counted too."""
    from ..experiments import ResultsStore

    faults = []
    for f in sorted(p.parent for p in Path(results).glob("**/runs.csv")):
        store = ResultsStore(f)
        ids = {str(p["prov_id"]) for p in store.load_provenance()}
        rows = store.load()
        missing = rows[~rows["prov_id"].astype(str).isin(ids)]
        if len(missing):
            shown = sorted(set(missing["prov_id"].astype(str)))[:3]
            faults.append(f"{f}: {len(missing)} of {len(rows)} rows name provenance "
                          f"{shown} that provenance.jsonl does not hold")
    return faults
