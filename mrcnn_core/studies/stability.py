"""How much one run tells: seed spread, collapsed runs, device spread, runs a claim needs.

Read-only on the stores, like the analysis package.  Training at the paper's setting is
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

from ..analysis import METHOD_LABEL, methods_in
from ..analysis.collapse import (  # noqa: F401  (re-exported: the pages import them from here)
    class_shares, collapse_note, collapse_table, collapsed, known_class_shares)
from ..methods import CNN


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
           "load_verify_lines", "device_spread", "halfwidth_table", "needs_sentence"]
