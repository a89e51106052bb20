"""Collapsed runs: a run that scores exactly what predicting one class scores.

Read-only, like the rest of ``analysis``; ``stability`` re-exports these for the pages.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..methods import CNN
from .tables import METHOD_LABEL


def class_shares(tasks) -> dict[str, tuple[float, float]]:
    """task id -> (share of the positive class, of the negative class) in its target domain."""
    return {t.id: (float(np.mean(t.yt == 1)), float(np.mean(t.yt == 0))) for t in tasks}


def known_class_shares() -> dict[str, tuple[float, float]]:
    """Class shares of every Corel task, or {} where the Corel data is not here.

    Without them Corel's collapse is not counted (``collapsed`` gives NaN): its domains
    are unbalanced, so 0.5 is not what a one-class run scores there."""
    from ..data import corel_or_none, corel_tasks

    corel = corel_or_none()  # absent: {}; a damaged file is an error, not "no data"
    return class_shares(corel_tasks(corel)) if corel is not None else {}


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
