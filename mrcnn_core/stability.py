"""How much one run tells: seed spread, collapsed runs, device spread, runs a claim needs.

Read-only on the stores, like analysis.py.  Training at the paper's setting is
chaotic (a 1e-7 difference at step 2 can end 8 points apart), so one run is a
draw from a distribution; these functions measure that distribution's width
from the stored seeds and turn it into the number of tasks and seeds a
statement needs.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import METHOD_LABEL, _methods
from .methods import CNN


def seed_spread(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, method, task) with 2 or more seeds: seeds, std and range of accuracy (pp)."""
    d = runs[runs["method"].isin(CNN)]
    g = d.groupby(["dataset", "method", "task_id"])["accuracy"]
    out = pd.DataFrame({"seeds": g.size(), "std_pp": 100 * g.std(ddof=1),
                        "range_pp": 100 * (g.max() - g.min())}).reset_index()
    return out[out["seeds"] >= 2].reset_index(drop=True)


def seed_pair_gaps(runs: pd.DataFrame, a: int = 0, b: int = 1, gap_pp: float = 10.0) -> pd.DataFrame:
    """Tasks run with both seeds ``a`` and ``b``: how often the two differ by more than ``gap_pp``."""
    d = runs[runs["method"].isin(CNN) & runs["seed"].isin([a, b])]
    w = d.pivot_table(index=["dataset", "method", "task_id"], columns="seed", values="accuracy")
    if a not in w or b not in w:
        return pd.DataFrame()
    gap = (100 * (w[a] - w[b]).abs()).dropna().rename("gap_pp").reset_index()
    return (gap.groupby(["dataset", "method"])["gap_pp"]
            .agg(tasks="size", mean_gap_pp="mean", over=lambda x: float((x > gap_pp).mean() * 100))
            .rename(columns={"over": f"share over {gap_pp:g} pp (%)"}))


def class_shares(tasks) -> dict[str, tuple[float, float]]:
    """task id -> (share of the positive class, of the negative class) in its target domain."""
    return {t.id: (float(np.mean(t.yt == 1)), float(np.mean(t.yt == 0))) for t in tasks}


def known_class_shares() -> dict[str, tuple[float, float]]:
    """Class shares of every Corel task, or {} where the Corel data is not here.

    Without them Corel's collapse is not counted (``collapsed`` gives NaN): its domains
    are unbalanced, so 0.5 is not what a one-class run scores there."""
    from .data import DataError, corel_tasks, load_corel

    try:
        return class_shares(corel_tasks(load_corel()))
    except (DataError, OSError):
        return {}


def collapsed(runs: pd.DataFrame, shares: dict | None = None) -> pd.Series:
    """Whether each run scored exactly what predicting one class scores.

    That accuracy is the share of one class in the target domain (0.5 on the
    balanced CIFAR-100 domains; ``shares`` gives it per task, e.g. for Corel).
    A run can reach it otherwise only by coincidence, so this counts collapse
    from above, a little.  Returns 1.0 / 0.0 per run, and NaN where the class shares
    are unknown: a task of another data set than the balanced CIFAR-100 that
    ``shares`` does not cover (Corel without its data: counting 0.5 there halved
    the share of collapsed runs).
    """
    def one(r) -> float:
        s = (shares or {}).get(r["task_id"])
        if s is None:
            if r.get("dataset", "cifar100") != "cifar100":
                return np.nan
            s = (0.5, 0.5)
        return float(any(np.isclose(r["accuracy"], x, atol=1e-9) for x in s))

    return runs.apply(one, axis=1).astype(float) if len(runs) else pd.Series(dtype=float)


def collapse_table(runs: pd.DataFrame, shares: dict | None = None) -> pd.DataFrame:
    """Per dataset and method: the share of collapsed runs, and of tasks with any / all seeds
    collapsed (per task, not only as a mean: one task can sit at chance while the mean looks fine)."""
    d = runs[runs["method"].isin(CNN)].assign(collapsed=lambda x: collapsed(x, shares))
    per_task = d.groupby(["dataset", "method", "task_id"])["collapsed"].agg(["mean", "size"])
    rows = []
    for (ds, m), t in per_task.groupby(level=[0, 1]):
        r = d[(d["dataset"] == ds) & (d["method"] == m)]
        if r["collapsed"].isna().any():  # class shares unknown (the data is missing): no count
            rows.append({"dataset": ds, "method": METHOD_LABEL.get(m, m), "runs": len(r),
                         "collapsed runs (%)": np.nan, "tasks": len(t),
                         "tasks with a collapsed seed (%)": np.nan,
                         "tasks collapsed at every seed (%)": np.nan})
            continue
        rows.append({"dataset": ds, "method": METHOD_LABEL.get(m, m), "runs": len(r),
                     "collapsed runs (%)": 100 * r["collapsed"].mean(), "tasks": len(t),
                     "tasks with a collapsed seed (%)": 100 * (t["mean"] > 0).mean(),
                     "tasks collapsed at every seed (%)": 100 * (t["mean"] == 1).mean()})
    return pd.DataFrame(rows).set_index(["dataset", "method"]) if rows else pd.DataFrame()


def collapse_note(ct: pd.DataFrame) -> str:
    """The caption's note where a data set's collapse could not be counted."""
    if ct.empty or not ct["collapsed runs (%)"].isna().any():
        return ""
    ds = sorted({i[0] for i in ct.index[ct["collapsed runs (%)"].isna()]})
    return (f"; '-' for {', '.join(ds)}: not counted, its class shares are unknown here (the "
            "data set's files are missing), and counting 0.5 would miss most collapsed runs")


def load_verify_lines(*paths: str | Path) -> pd.DataFrame:
    """Lines written by ``python -m mrcnn_core verify`` (JSON per line), with their file."""
    rows = []
    for p in paths:
        for line in Path(p).read_text().splitlines():
            if line.startswith("{"):
                rows.append({**json.loads(line), "file": Path(p).name})
    return pd.DataFrame(rows)


def device_spread(lines: pd.DataFrame) -> pd.DataFrame:
    """The same runs re-run on another backend / device / precision: |difference| in pp."""
    if lines.empty or "diff" not in lines:
        return pd.DataFrame()
    d = lines[lines["match"] == "other-device"] if "match" in lines else lines
    d = d.dropna(subset=["diff"])
    d = d.assign(abs_diff_pp=lambda x: 100 * x["diff"].abs())
    return (d.groupby(["stored_on", "here", "method"])["abs_diff_pp"]
            .agg(runs="size", mean="mean", max="max").round(2))


def legacy_reruns(lines: pd.DataFrame) -> str:
    """One sentence on re-runs of rows made before training was deterministic, same device."""
    if lines.empty or "stored_deterministic" not in lines:
        return ""
    d = lines[(lines["stored_deterministic"] == "no") & (lines["match"] != "other-device")]
    if d.empty:
        return ""
    diff = 100 * d["diff"].abs()
    return (f"Re-run on the backend and device that made them, {len(d)} rows of the earlier, "
            f"non-deterministic code gave {int((diff > 0).sum())} different numbers (up to "
            f"{diff.max():.1f} pp): a stored row of that code is one draw, not a number a "
            "re-run reproduces.")


def halfwidth_table(seed_sd: float, task_sd: float, clusters_cap: int = 25,
                    designs=((3, 1), (10, 1), (10, 3), (50, 3), (400, 1), (400, 3))) -> pd.DataFrame:
    """Approximate 95 % half-width (pp) of a mean paired difference over tasks.

    Var(mean) = task_sd^2 / clusters + 2 seed_sd^2 / (tasks x seeds): ``task_sd`` is the
    spread of the (seed-averaged) difference between clusters, ``seed_sd`` the spread of
    one method's accuracy over seeds (the difference carries two of them).  Tasks that
    share a target domain form one cluster (at most ``clusters_cap`` of them).
    """
    rows = []
    for n, s in designs:
        cl = min(n, clusters_cap)
        var = task_sd ** 2 / cl + 2 * seed_sd ** 2 / (n * s)
        rows.append({"tasks": n, "seeds": s, "clusters": cl, "95% half-width (pp)": 1.96 * np.sqrt(var)})
    return pd.DataFrame(rows).set_index(["tasks", "seeds"])


def needs_sentence(seed_sd: float, task_sd: float, effect_pp: float) -> str:
    """The smallest design of :func:`halfwidth_table` that separates ``effect_pp`` from 0."""
    t = halfwidth_table(seed_sd, task_sd)
    ok = t[t["95% half-width (pp)"] < abs(effect_pp)]
    if ok.empty:
        return (f"No design up to 400 tasks x 3 seeds separates an effect of {effect_pp:.1f} pp "
                "from zero.")
    (n, s), r = next(iter(ok.iterrows()))
    return (f"An effect of {effect_pp:.1f} pp needs about {n} tasks x {s} seed(s) "
            f"(95% half-width {r['95% half-width (pp)']:.1f} pp); a single task and seed has a "
            f"half-width of about {1.96 * np.sqrt(task_sd ** 2 + 2 * seed_sd ** 2):.0f} pp.")


__all__ = ["seed_spread", "seed_pair_gaps", "class_shares", "collapsed", "collapse_table",
           "load_verify_lines", "device_spread", "halfwidth_table", "needs_sentence", "_methods"]
