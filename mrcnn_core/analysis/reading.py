"""Reading the stores: runs of one or more stores, one row per run key, per-task means."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..experiments.store import ResultsStore, store_folders  # noqa: F401  (store_folders: re-exported)


def load_runs(*folders: str | Path, experiment: str | None = None,
              ok_only: bool = True) -> pd.DataFrame:
    """Rows of one or more stores (later folders do not override earlier ones)."""
    frames = []
    for f in store_folders(*folders):
        df = ResultsStore(f).load()
        df["store"] = str(f)
        frames.append(df)
    if not frames:  # no store here (yet): an empty table with every column
        from ..experiments.store import RUN_COLUMNS

        return pd.DataFrame(columns=list(RUN_COLUMNS) + ["store"])
    df = pd.concat(frames, ignore_index=True)
    one_data_set(df, folders)
    df = prefer_deterministic(df)
    replaced = df.attrs.get("replaced_keys", set())
    if ok_only:
        df = df[df["status"] == "ok"]
    if experiment in STUDY_PAPER_POINT:
        df = with_paper_point(df, experiment)
    if experiment:
        df = df[df["experiment"] == experiment]
    if experiment == "main":
        df = latest_config(df)
    df = df.reset_index(drop=True)
    df.attrs["replaced"] = int(df["run_key"].isin(replaced).sum())
    return df


def one_data_set(df: pd.DataFrame, folders) -> None:
    """Refuse to read rows of one data set and experiment made from two versions of the
    data (their provenance's data hashes differ): they would be averaged as seeds of one
    run (#42).  Rows whose provenance is missing are not judged here (audit says so)."""
    from ..experiments.store import StoreError

    hashes = {str(p["prov_id"]): str(p.get("data_hash")) for p in load_provenance(*folders)
              if p.get("data_hash")}
    h = df["prov_id"].astype(str).map(hashes)
    for (ds, exp), d in df.assign(_h=h).dropna(subset=["_h"]).groupby(["dataset", "experiment"]):
        if d["_h"].nunique() > 1:
            where = "; ".join(f"{x} in {', '.join(sorted(set(d[d['_h'] == x]['store'])))}"
                              for x in sorted(d["_h"].unique()))
            raise StoreError(f"{ds} {exp} rows come from {d['_h'].nunique()} versions of the "
                             f"data (data hashes {where}): they cannot be averaged as one data "
                             "set; read one version's stores")


def prefer_deterministic(df: pd.DataFrame) -> pd.DataFrame:
    """One row per run key.  A key stored twice (an old run and its deterministic
    re-run, in two stores) keeps the deterministic row, and the page says so."""
    if df.empty or not df["run_key"].duplicated().any():
        return df
    order = df["deterministic"].map({"yes": 0}).fillna(1)
    df = df.assign(_o=order).sort_values("_o", kind="stable")
    dup = df["run_key"].duplicated()
    replaced = int((dup & (df["_o"] == 1)).sum())
    out = df[~dup].drop(columns="_o").sort_index()
    # the banner says it (determinism_line); load_runs counts those left after its filters
    out.attrs["replaced_keys"] = set(df.loc[dup & (df["_o"] == 1), "run_key"]) if replaced else set()
    return out


# The name of the paper's point in each study; its runs are the main grid's.
STUDY_PAPER_POINT = {"sensitivity": "base", "ablation": "paper", "control": "base"}


def with_paper_point(df: pd.DataFrame, experiment: str) -> pd.DataFrame:
    """Add a study's paper point from the main grid.

    The planner stores the paper's configuration once, as the main grid's MRCNN
    run of the same task and seed (planner.plan); a study page shows those
    runs under the study's name for that point.  Stores made before that
    (with their own "base" / "paper" rows) are left as they are.
    """
    name = STUDY_PAPER_POINT[experiment]
    study = df[df["experiment"] == experiment]
    if study.empty or (study["variant"] == name).any():
        return df
    main = df[(df["experiment"] == "main") & (df["method"] == "mrcnn")
              & df["dataset"].isin(study["dataset"].unique())
              & df["task_id"].isin(study["task_id"].unique())
              & df["seed"].isin(study["seed"].unique())]
    main = main.assign(experiment=experiment, variant=name)
    return pd.concat([df, main], ignore_index=True)


CONFIG_COLUMNS = ["lr", "alpha", "alpha_scale", "beta", "k", "steps", "select", "weights"]


def latest_config(df: pd.DataFrame) -> pd.DataFrame:
    """Keep, per (dataset, method), the configuration of the most recent run.

    A store that outlived a profile edit holds runs of several configurations;
    averaging them would mix settings.  Older ones are dropped (with a note),
    never deleted from the store.
    """
    if df.empty:
        return df
    cfg = df[CONFIG_COLUMNS].apply(lambda col: col.map(str)).agg("|".join, axis=1)
    keep = pd.Series(True, index=df.index)
    for _, idx in df.groupby(["dataset", "method"]).groups.items():
        last = cfg.loc[idx].iloc[-1]
        keep.loc[idx] = cfg.loc[idx] == last
    dropped = int((~keep).sum())
    if dropped:
        print(f"note: {dropped} stored runs of older configurations are not shown")
    return df[keep]


def load_provenance(*folders) -> list[dict]:
    out = []
    for f in store_folders(*folders):
        out += ResultsStore(f).load_provenance()
    return out


def result_folders(profile: str, results_dir: str = "") -> list[str]:
    """The stores a page of ``profile`` reads: its own, the baseline store it names, and
    its legacy stores.

    A profile that runs only the CNN methods (imagenet-vgg16) takes the shallow
    methods' columns from ``options.baselines_store`` (the committed baseline run).
    ``options.legacy_stores`` are stores moved under ``results/legacy/`` (made before
    training was deterministic) that still hold rows no deterministic store has; a key
    stored in both keeps its deterministic row (``prefer_deterministic``).  ``results_dir``
    (a reader's own store) replaces the profile's folder and its legacy stores.
    """
    from ..experiments.profile import load_profile

    folders = [results_dir or f"results/{profile}"]
    try:
        opts = load_profile(profile).options
    except Exception:  # a profile given as a store folder only
        opts = {}
    extra = [opts.get("baselines_store")] + ([] if results_dir else opts.get("legacy_stores", []))
    folders += [f for f in extra if f and f not in folders]
    return folders


NO_GRAPH = "n/a (pixels)"  # the weights of rows computed without a backbone


def per_task(df: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over seeds per (dataset, task, method).

    Epsilon (eq. 9) is a property of a task's target graph on the pool4
    features.  Rows made without a backbone (baseline-only sweeps: weights
    ``n/a (pixels)``) have no such graph: whatever epsilon they hold is
    ignored, and each task takes the epsilon of the rows that have one (the
    CNN rows of the same store set, on the profile's backbone).
    """
    df = df.copy()
    if "weights" in df:
        df.loc[df["weights"] == NO_GRAPH, "epsilon"] = np.nan
    g = df.groupby(["dataset", "task_id", "target", "method"], as_index=False)
    out = g.agg(accuracy=("accuracy", "mean"), accuracy_std=("accuracy", "std"),
                n_seeds=("seed", "nunique"), epsilon=("epsilon", "mean"))
    task_eps = out.groupby(["dataset", "task_id"])["epsilon"].transform("mean")
    out["epsilon"] = out["epsilon"].fillna(task_eps)
    return out


def curves(folders: Sequence, runs: pd.DataFrame) -> pd.DataFrame:
    """Training curves joined with their run's task and method."""
    frames = [ResultsStore(f).load_curves() for f in store_folders(*folders)
              if (f / "curves.csv").exists() or (f / "curves.csv.gz").exists()]
    if not frames:
        return pd.DataFrame()
    # a store written before orphan curves were dropped may hold a run's steps twice
    # (a kill between its curves and its row, then a resume): the last write wins
    c = pd.concat(frames, ignore_index=True).drop_duplicates(["run_key", "step"], keep="last")
    return c.merge(runs[["run_key", "dataset", "task_id", "method", "seed"]], on="run_key")
