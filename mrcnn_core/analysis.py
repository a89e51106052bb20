"""Tables and statistics from a results store (the "plot" side: fast, no training).

Table 1 groups tasks by the accuracy of LR (< 70 %: "Left", else "Right");
Table 2 by neighbour confusion epsilon (< 0.1, 0.1-0.15, > 0.15).
"""
from __future__ import annotations


from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .ablations import LABELS
from .experiments.store import ResultsStore
from .methods import CNN, LABELS as METHOD_LABELS, METHODS, TABLE1_PAIRS
from .stats import MIN_CLUSTERS, N_BOOT, cluster_bootstrap, cluster_ci, interval_word  # noqa: F401
from .stats import rng_for as _rng_for

METHOD_ORDER = list(METHODS)  # Table 1's column order (the registry's)
METHOD_LABEL = dict(METHOD_LABELS)
LR_THRESHOLD = 0.70
EPS_BINS = (0.10, 0.15)


def store_folders(*folders) -> list[Path]:
    """Each folder that is a store, or holds stores one level down (results/<profile>/<part>)."""
    out = []
    for f in folders:
        if f is None:
            continue
        f = Path(f)
        if (f / "runs.csv").exists():
            out.append(f)
        out += sorted(p.parent for p in f.glob("*/runs.csv"))
    return out


def load_runs(*folders: str | Path, experiment: str | None = None,
              ok_only: bool = True) -> pd.DataFrame:
    """Rows of one or more stores (later folders do not override earlier ones)."""
    frames = []
    for f in store_folders(*folders):
        df = ResultsStore(f).load()
        df["store"] = str(f)
        frames.append(df)
    if not frames:  # no store here (yet): an empty table with every column
        from .experiments.store import RUN_COLUMNS

        return pd.DataFrame(columns=list(RUN_COLUMNS) + ["store"])
    df = prefer_deterministic(pd.concat(frames, ignore_index=True))
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
    run of the same task and seed (runner.plan); a study page shows those
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


def coverage_line(df: pd.DataFrame) -> str:
    """'cifar100: VGG 400 tasks x 1 seed, ...': what the numbers on a page average over."""
    parts = []
    for ds, d in df.groupby("dataset"):
        items = []
        for m in _methods(d["method"]):
            x = d[d["method"] == m]
            seeds = x.groupby("task_id")["seed"].nunique()
            s = f"{seeds.min()}" if seeds.min() == seeds.max() else f"{seeds.min()}-{seeds.max()}"
            items.append(f"{METHOD_LABEL.get(m, m)} {x['task_id'].nunique()} tasks x {s} seed(s)")
        parts.append(f"{ds}: " + ", ".join(items))
    return "; ".join(parts)


def provenance_banner(df: pd.DataFrame, folders: Sequence) -> str:
    """A Markdown banner: one visible line (profile, backbone, data, coverage, commit, and a
    warning where the numbers are not a result), and everything else (stores, weights,
    backend, device, dates, coverage per method, determinism, the profile's differences
    from the paper) in a folded ``<details>`` block, which renders alike in the built
    book, in Jupyter and on Colab."""
    if df.empty:
        return "**No results found** in " + ", ".join(map(str, folders))
    prov = {p["prov_id"]: p for p in load_provenance(*folders)}
    used = [prov[i] for i in df["prov_id"].dropna().unique() if i in prov]
    profiles = sorted(df["profile"].dropna().unique())
    cnn = df[df["method"].isin(CNN)]
    images = cnn[cnn["dataset"] != "corel"]
    backbones = sorted({str(b) for b in images.get("backbone", pd.Series(dtype=str)).dropna()
                        if str(b)}) or (["vgg19"] if len(images) else [])
    weights = sorted(images["weights"].dropna().unique())

    def uniq(key, n=200):
        return ", ".join(sorted({str(p.get(key)) for p in used}))[:n] or "?"

    n_samples = sorted({(p.get("dataset"), p.get("n_samples")) for p in used})
    commits = sorted({str(p.get("git_commit"))[:7] for p in used})
    reduced = any(n and d == "cifar100" and n < 60000 for d, n in n_samples)
    random_w = any(str(w).startswith("none") for w in weights)
    # the visible line
    kind = ("random weights" if random_w else "ImageNet weights") if len(images) else ""
    data = ", ".join(f"{d}" + (" (reduced)" if d == "cifar100" and reduced else "")
                     for d in sorted(df["dataset"].unique()))
    short_cov = ", ".join(f"{d} {x['task_id'].nunique()} tasks" for d, x in df.groupby("dataset"))
    seeds = df.groupby(["dataset", "task_id", "method"])["seed"].nunique()
    seed_txt = f"{seeds.min()}" if seeds.min() == seeds.max() else f"{seeds.min()}-{seeds.max()}"
    head = [f"**{', '.join(profiles)}**"]
    if backbones:
        head.append(f"backbone {', '.join(backbones)} ({kind})")
    head += [f"data {data}", f"{short_cov}, {seed_txt} seed(s) per task, {len(df)} runs",
             f"commit {', '.join(commits)}"]
    warn = []
    if random_w:
        warn.append("random backbone weights: not the paper's setting")
    if "smoke" in profiles:
        warn.append("smoke profile: a pipeline check, not a result")
    line = " · ".join(head) + ("  ⚠️ " + "; ".join(warn) if warn else "")
    # the folded details
    lines = ["**Stores:** " + ", ".join(f"`{f}`" for f in sorted({str(x) for x in df.get('store', [])}))]
    if len(images):
        lines.append(f"**Backbone:** {', '.join(backbones)} &nbsp; **Weights:** "
                     + ", ".join(f"`{w}`" for w in weights))
    lines += [f"**Backend/device:** {uniq('backend')} / {uniq('device')} &nbsp; **Commits:** "
              + ", ".join(sorted({str(p.get('git_commit'))[:12] for p in used})),
              "**Data:** " + ", ".join(f"{d} ({n} samples)" for d, n in n_samples)
              + f" &nbsp; **Dates:** {date_range(used)}",
              f"**Coverage ({len(df)} runs):** {coverage_line(df)}",
              determinism_line(df)]
    diffs = sorted({x for p in used for x in p.get("differences", [])})
    if reduced and not any(x.startswith("Data:") for x in diffs):
        diffs.append("Data: the reduced CIFAR-100 (100 images per class: domains of 200, not "
                     "1,200 images), where the same alpha weighs Omega about 6x less.")
    if diffs:
        lines.append("**Differences from the paper:** " + " ".join(diffs))
    return (f"{line}\n\n<details><summary>Provenance: stores, weights, backend, device, dates, "
            f"coverage per method, differences from the paper</summary>\n\n"
            + "\n\n".join(lines) + "\n\n</details>")


def determinism_line(df: pd.DataFrame) -> str:
    """How many of the runs re-run to themselves (the store's ``deterministic`` column)."""
    d = df.get("deterministic", pd.Series("", index=df.index)).fillna("").astype(str)
    cnn = df["method"].isin(CNN)
    n_no = int(((d == "no") & cnn).sum())
    line = (f"**Deterministic:** {int((d == 'yes').sum())} of {len(df)} runs re-run bit for bit "
            "on their backend and device")
    if n_no:
        line += (f"; **{n_no} CNN runs were made before training was deterministic**: valid "
                 "samples, but a re-run gives another draw (see *How much one run tells*)")
    replaced = int(df.attrs.get("replaced", 0))
    if replaced:
        line += (f"; {replaced} runs are stored twice (an earlier, non-deterministic run and its "
                 "deterministic re-run): the re-run is shown")
    unrec = int((d == "unrecorded").sum())
    if unrec:
        line += f"; {unrec} shallow-method runs predate the record (`verify` re-runs them exactly)"
    return line + "."


def date_range(records) -> str:
    """'2026-11-26 to 2026-12-04 (9 records)': the span of the provenance records' dates
    (the list of every time stamp was cut mid-string at a fixed length)."""
    days = sorted({str(p.get("date"))[:10] for p in records if p.get("date")})
    if not days:
        return "?"
    span = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    return f"{span} ({len(records)} provenance record{'s' if len(records) != 1 else ''})"


def result_folders(profile: str, results_dir: str = "") -> list[str]:
    """The stores a page of ``profile`` reads: its own, plus the baseline store it names.

    A profile that runs only the CNN methods (imagenet-vgg16) takes the shallow
    methods' columns from ``options.baselines_store`` (the committed baseline run).
    """
    from .experiments import load_profile

    folders = [results_dir or f"results/{profile}"]
    try:
        extra = load_profile(profile).options.get("baselines_store")
    except Exception:  # a profile given as a store folder only
        extra = None
    if extra and extra not in folders:
        folders.append(extra)
    return folders


HP_COLUMNS = ["lr", "alpha", "beta", "k"]  # the hyper-parameters a study varies
TASK_CSV_COLUMNS = ["dataset", "experiment", "variant", "task_id", "source", "target", "method",
                    "seeds", "n_seeds", "accuracy_mean", "accuracy_std", "epsilon",
                    "epsilon_source", "profile", "store"]


def task_csv(runs: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind a page: one row per task, method and study point, with the seeds
    averaged (listed as ``0;1;2``), and the store each row came from."""
    if runs.empty:
        return pd.DataFrame(columns=TASK_CSV_COLUMNS)
    d = runs.assign(store=runs.get("store", pd.Series("", index=runs.index)).fillna(""))
    # a row made without a backbone (pixels) holds no meaningful epsilon (the old baseline
    # stores hold one constant): publish the task's epsilon measured on the backbone instead,
    # and say where each value comes from
    own = d["weights"] != NO_GRAPH if "weights" in d else pd.Series(True, index=d.index)
    d["epsilon"] = d["epsilon"].where(own)
    task_eps = d.groupby(["dataset", "task_id"])["epsilon"].transform("mean")
    d["epsilon_source"] = np.where(own & d["epsilon"].notna(), "this row (backbone)",
                                   np.where(task_eps.notna(), "the task's backbone rows",
                                            "not measured (no backbone)"))
    d["epsilon"] = d["epsilon"].fillna(task_eps)
    # a study's point is its variant *and* its values (the alpha x k grid is one variant): one
    # row per task and cell, with the hyper-parameters that make the cell
    hp = [c for c in HP_COLUMNS if c in d]
    keys = ["dataset", "experiment", "variant", "task_id", "source", "target", "method", "profile",
            "store", "epsilon_source"] + hp
    g = d.groupby(keys, dropna=False)
    out = g.agg(seeds=("seed", lambda s: ";".join(str(int(x)) for x in sorted(set(s)))),
                n_seeds=("seed", "nunique"), accuracy_mean=("accuracy", "mean"),
                accuracy_std=("accuracy", "std"), epsilon=("epsilon", "mean")).reset_index()
    cols = TASK_CSV_COLUMNS[:7] + hp + TASK_CSV_COLUMNS[7:]
    return out[cols].sort_values(["dataset", "task_id", "method", "variant"] + hp)


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


def add_groups(pt: pd.DataFrame) -> pd.DataFrame:
    """Add the LR accuracy of each task, its Left/Right group and its epsilon group."""
    lr = pt[pt["method"] == "lr"][["dataset", "task_id", "accuracy"]].rename(
        columns={"accuracy": "lr_accuracy"})
    out = pt.merge(lr, on=["dataset", "task_id"], how="left")
    out["group"] = np.where(out["lr_accuracy"].isna(), "no LR",
                            np.where(out["lr_accuracy"] < LR_THRESHOLD, "Left", "Right"))
    out["eps_group"] = pd.cut(out["epsilon"], [-np.inf, EPS_BINS[0], EPS_BINS[1], np.inf],
                              labels=[f"< {EPS_BINS[0]}", f"{EPS_BINS[0]}-{EPS_BINS[1]}",
                                      f"> {EPS_BINS[1]}"])
    return out


def _methods(present: Iterable[str]) -> list[str]:
    return [m for m in METHOD_ORDER if m in set(present)]


def table1(pt: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy (%) per dataset x group (Left, Right, Total) x method, with task counts."""
    rows = []
    for ds, d in pt.groupby("dataset"):
        for grp in ("Left", "Right", "Total"):
            sub = d if grp == "Total" else d[d["group"] == grp]
            row = {"dataset": ds, "group": grp,
                   "tasks": sub["task_id"].nunique()}
            for m in _methods(d["method"]):
                v = sub[sub["method"] == m]["accuracy"]
                row[METHOD_LABEL[m]] = 100 * v.mean() if len(v) else np.nan
            rows.append(row)
    return pd.DataFrame(rows).set_index(["dataset", "group"])


def coverage(pt: pd.DataFrame) -> pd.DataFrame:
    """Tasks with a result, per dataset and method (a mean over fewer tasks says so)."""
    t = pt.pivot_table(index="dataset", columns="method", values="task_id", aggfunc="nunique")
    return t[[m for m in METHOD_ORDER if m in t.columns]].rename(columns=METHOD_LABEL)


def table2(pt: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy (%) per epsilon group (Table 2)."""
    d = pt.dropna(subset=["eps_group"])
    t = d.pivot_table(index=["dataset", "eps_group"], columns="method", values="accuracy",
                      aggfunc="mean", observed=True) * 100
    n = d.groupby(["dataset", "eps_group"], observed=True)["task_id"].nunique().rename("tasks")
    t = t[[m for m in METHOD_ORDER if m in t.columns]].rename(columns=METHOD_LABEL)
    return pd.concat([n, t], axis=1)


def add_terciles(pt: pd.DataFrame) -> pd.DataFrame:
    """Epsilon groups that split the data: terciles of the target domains' epsilon, per data set.

    The paper's fixed bins (< 0.1, 0.1-0.15, > 0.15) suit its VGG19 graph; on
    another backbone epsilon has another range (VGG16 pool4: 0.01-0.11 over the
    CIFAR-100 domains), and the bins leave one group empty and one with a single
    domain.  Terciles are cut on the domains (each domain counts once, whatever
    its number of tasks), so each group holds about a third of the domains.
    """
    out = pt.copy()
    out["eps_tercile"] = pd.Series(pd.NA, index=out.index, dtype="object")
    for ds, d in out.dropna(subset=["epsilon"]).groupby("dataset"):
        dom = d.groupby("target")["epsilon"].mean()
        if dom.nunique() < 3:
            continue
        cuts = np.quantile(dom, [1 / 3, 2 / 3])
        names = [f"low (<= {cuts[0]:.3f})", f"mid ({cuts[0]:.3f}-{cuts[1]:.3f}]",
                 f"high (> {cuts[1]:.3f})"]
        lab = pd.cut(dom, [-np.inf, cuts[0], cuts[1], np.inf], labels=names).astype(str)
        out.loc[d.index, "eps_tercile"] = d["target"].map(lab).to_numpy()
    return out


def table2_terciles(pt: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy (%) per epsilon tercile, with the domains and tasks of each group."""
    d = add_terciles(pt).dropna(subset=["eps_tercile"])
    if d.empty:
        return pd.DataFrame()
    t = d.pivot_table(index=["dataset", "eps_tercile"], columns="method", values="accuracy",
                      aggfunc="mean") * 100
    g = d.groupby(["dataset", "eps_tercile"])
    n = pd.concat([g["target"].nunique().rename("domains"), g["task_id"].nunique().rename("tasks")],
                  axis=1)
    t = t[[m for m in METHOD_ORDER if m in t.columns]].rename(columns=METHOD_LABEL)
    out = pd.concat([n, t], axis=1)
    order = {"low": 0, "mid": 1, "hig": 2}
    return out.sort_index(key=lambda ix: ix.map(lambda x: order.get(str(x)[:3], str(x))))


def bin_counts(pt: pd.DataFrame) -> pd.DataFrame:
    """Target domains and tasks in each of the paper's epsilon bins (how well they split the data)."""
    d = pt.dropna(subset=["eps_group"])
    g = d.groupby(["dataset", "eps_group"], observed=False)
    return pd.concat([g["target"].nunique().rename("domains"), g["task_id"].nunique().rename("tasks")],
                     axis=1)


def gain_vs_epsilon(pt: pd.DataFrame, a: str = "mrcnn", b: str = "vgg") -> list[str]:
    """Does a's gain over b depend on epsilon?  Spearman over target-domain means, per data set.

    The paper explains MRCNN's failures by neighbour confusion: if so, the gain
    should fall as a domain's epsilon grows (a negative rank correlation).
    """
    from scipy.stats import spearmanr

    out = []
    wide = task_table(pt)
    if a not in wide or b not in wide:
        return out
    eps = pt.groupby(["dataset", "task_id"])["epsilon"].mean()
    for ds, d in wide.groupby("dataset"):
        d = d.assign(gain=d[a] - d[b],
                     epsilon=[eps.get((ds, t), np.nan) for t in d["task_id"]]).dropna(
            subset=["gain", "epsilon"])
        dom = d.groupby("target")[["gain", "epsilon"]].mean()
        if len(dom) < 4:
            continue
        r = spearmanr(dom["epsilon"], dom["gain"])
        word = ("supported: the gain falls as epsilon grows" if r.statistic < 0 and r.pvalue < 0.05
                else "contradicted: the gain grows with epsilon" if r.statistic > 0 and r.pvalue < 0.05
                else "not supported: no significant dependence")
        out.append(f"{ds}: {METHOD_LABEL[a]} - {METHOD_LABEL[b]} against epsilon, Spearman rho = "
                   f"{r.statistic:+.2f} (p = {r.pvalue:.2g}, {len(dom)} target domains, "
                   f"{len(d)} tasks, seeds averaged per task): {word}.")
    return out


def task_table(pt: pd.DataFrame) -> pd.DataFrame:
    """One row per task, one accuracy column per method (plus dataset, group, target)."""
    idx = ["dataset", "task_id", "group"] + (["target"] if "target" in pt else [])
    wide = pt.pivot_table(index=idx, columns="method", values="accuracy").reset_index()
    if "target" not in wide:
        wide["target"] = wide["task_id"]  # no domain information: each task its own cluster
    return wide


def paired_differences(pt: pd.DataFrame, pairs) -> pd.DataFrame:
    """Long table of per-task differences a - b (percentage points) for each pair present."""
    wide = task_table(pt)
    frames = []
    for a, b in pairs:
        if a in wide and b in wide:
            d = wide[["dataset", "task_id", "group"]].copy()
            d["comparison"] = f"{METHOD_LABEL[a]} - {METHOD_LABEL[b]}"
            d["difference (pp)"] = 100 * (wide[a] - wide[b])
            frames.append(d.dropna())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def paired(pt: pd.DataFrame, a: str, b: str, n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """Paired per-task comparison of method ``a`` minus ``b`` per dataset and group.

    Tasks that share a target domain are not independent (16 CIFAR-100 tasks
    share each of the 25 target domains; each source domain is shared too),
    so the interval and the test resample target-domain clusters
    (:func:`stats.cluster_bootstrap`): the 95 % CI of the mean difference and
    its two-sided bootstrap p come from the same resamples of the same
    statistic, so they agree on the side of zero.  Seeds are first averaged per
    task.  With fewer than ``MIN_CLUSTERS`` domains there is neither.
    """
    rows = []
    wide = task_table(pt)
    if a not in wide or b not in wide:
        return pd.DataFrame()
    for ds, d in wide.groupby("dataset"):
        for grp in ("Left", "Right", "Total"):
            sub = d if grp == "Total" else d[d["group"] == grp]
            sub = sub.assign(diff=sub[a] - sub[b]).dropna(subset=["diff"])
            if sub.empty:
                continue
            diff = sub["diff"].to_numpy()
            bt = cluster_bootstrap(diff, sub["target"], _rng_for(seed, ds, grp, a, b), n_boot)
            rows.append({"dataset": ds, "group": grp, "comparison": f"{METHOD_LABEL[a]} - {METHOD_LABEL[b]}",
                         "tasks": len(diff), "clusters": bt.clusters,
                         "mean_diff_pp": 100 * diff.mean(),
                         "ci_low_pp": 100 * bt.low, "ci_high_pp": 100 * bt.high,
                         "wins": int((diff > 0).sum()), "losses": int((diff < 0).sum()),
                         "p": bt.p, "verdict": bt.word})
    return pd.DataFrame(rows)


def comparisons(pt: pd.DataFrame) -> pd.DataFrame:
    frames = [paired(pt, a, b) for a, b in TABLE1_PAIRS]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def verdict(comp: pd.DataFrame, a: str, b: str, dataset: str) -> str:
    """One plain sentence on the claim "a beats b", computed from the Total group."""
    label = f"{METHOD_LABEL[a]} - {METHOD_LABEL[b]}"
    r = comp[(comp["comparison"] == label) & (comp["dataset"] == dataset) & (comp["group"] == "Total")]
    if r.empty:
        return f"{METHOD_LABEL[a]} vs {METHOD_LABEL[b]} on {dataset}: not run."
    r = r.iloc[0]
    d, lo, hi, n, k = r.mean_diff_pp, r.ci_low_pp, r.ci_high_pp, r.tasks, int(r.clusters)
    if not np.isfinite(lo):
        return (f"Claim '{METHOD_LABEL[a]} beats {METHOD_LABEL[b]}' on {dataset}: no verdict: "
                f"{k} target domain(s), fewer than {MIN_CLUSTERS}; mean difference {d:+.1f} pp "
                f"over {n} tasks.")
    word = {"higher": "**supported**", "lower": "**contradicted** (the opposite holds)"}.get(
        r.verdict, "**not supported** (no difference can be told)")
    return (f"Claim '{METHOD_LABEL[a]} beats {METHOD_LABEL[b]}' on {dataset}: {word}: mean "
            f"difference {d:+.1f} pp, 95% CI [{lo:+.1f}, {hi:+.1f}], bootstrap p = {r.p:.2g} "
            f"(both from one bootstrap over {k} target domains); {n} tasks, "
            f"{int(r.wins)} wins / {int(r.losses)} losses.")


def by_target_domain(pt: pd.DataFrame, dataset: str = "cifar100",
                     methods: Sequence[str] = ("lr", "vgg", "mrcnn")) -> pd.DataFrame:
    """Fig. 2(a): mean accuracy per target domain, domains sorted by LR accuracy."""
    d = pt[(pt["dataset"] == dataset) & pt["method"].isin(methods)]
    t = d.groupby(["target", "method"], as_index=False).agg(
        accuracy=("accuracy", "mean"), tasks=("task_id", "nunique"))
    order = (t[t["method"] == "lr"].sort_values("accuracy")["target"].tolist()
             or sorted(t["target"].unique()))
    t["target"] = pd.Categorical(t["target"], categories=order, ordered=True)
    return t.sort_values(["target", "method"])


def domain_claims(pt: pd.DataFrame, dataset: str = "cifar100", a: str = "mrcnn",
                  b: str = "vgg") -> list[str]:
    """Sentences on the paper's remark that MRCNN does poorly on some target domains:
    the domains where ``a``'s mean accuracy is below ``b``'s (and below LR's)."""
    td = by_target_domain(pt, dataset, methods=("lr", a, b))
    w = td.pivot_table(index="target", columns="method", values="accuracy", observed=True)
    if a not in w or b not in w:
        return []
    worse = w[w[a] < w[b]].sort_values(a)
    out = [f"{METHOD_LABEL[a]} is below {METHOD_LABEL[b]} on {len(worse)} of {len(w)} target "
           f"domains" + (": " + ", ".join(f"{t} ({100 * r[a]:.1f}% vs {100 * r[b]:.1f}%)"
                                           for t, r in worse.iterrows()) if len(worse) else "")
           + "."]
    if "lr" in w:
        below_lr = w[w[a] < w["lr"]]
        out.append(f"{METHOD_LABEL[a]} is below LR on {len(below_lr)} of {len(w)} target domains"
                   + (": " + ", ".join(below_lr.index.astype(str)) if len(below_lr) else "") + ".")
    return out


def sensitivity(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Fig. 3: accuracy per value of each varied parameter, and the 2-D grid.

    A point is used wherever it was run: the planner stores a point once
    even when it belongs to several curves (e.g. the paper's k in the k curve
    and in the grid), so each curve collects every run whose *other*
    parameters equal the base point's.
    """
    s = df[df["experiment"] == "sensitivity"]
    out: dict = {}
    base = s[s["variant"] == "base"]
    if base.empty:
        return out
    b = base.iloc[0]
    params = ("k", "alpha", "beta", "lr")

    def at_base(d, free):
        m = pd.Series(True, index=d.index)
        for p in params:
            if p not in free:
                m &= np.isclose(d[p].astype(float), float(b[p]))
        return d[m]

    for name in params:
        if s["variant"].eq(f"vary:{name}").any():
            d = at_base(s, {name}).groupby([name, "task_id"], as_index=False)["accuracy"].mean()
            # a curve compares its values on the same tasks: those that ran every value
            n_vals = d.groupby("task_id")[name].nunique()
            full = n_vals[n_vals == d[name].nunique()].index
            out[name] = d[d["task_id"].isin(full)] if len(full) else d
    g = s[s["variant"].str.startswith("grid:")]
    if not g.empty:
        a, c = g["variant"].iloc[0].split(":", 1)[1].split("x")
        d = at_base(s, {a, c})
        # the grid's values: those of its own runs plus the base point's
        av = set(g[a].astype(float)) | {float(b[a])}
        cv = set(g[c].astype(float)) | {float(b[c])}
        d = d[d[a].astype(float).isin(av) & d[c].astype(float).isin(cv)]
        out["grid"] = d.pivot_table(index=a, columns=c, values="accuracy", aggfunc="mean")
    return out


def point_intervals(d: pd.DataFrame, param: str, base_value: float, n_boot: int = N_BOOT) -> pd.DataFrame:
    """Each value of a one-at-a-time curve against the paper's value, paired by task.

    ``d`` holds one row per (value, task) with seeds already averaged (as
    :func:`sensitivity` returns it).  Tasks are the clusters of the bootstrap;
    only tasks that ran both the value and the paper's value count.
    """
    wide = d.pivot_table(index="task_id", columns=param, values="accuracy")
    base_col = [c for c in wide.columns if np.isclose(float(c), float(base_value))]
    rows = []
    for v in wide.columns:
        r = {param: v, "tasks": int(wide[v].notna().sum()), "accuracy (%)": 100 * wide[v].mean()}
        if base_col and not np.isclose(float(v), float(base_value)):
            diff = (wide[v] - wide[base_col[0]]).dropna()
            bt = cluster_bootstrap(diff.to_numpy(), diff.index, _rng_for(param, v), n_boot)
            r.update({"diff vs paper (pp)": 100 * diff.mean(), "ci_low_pp": 100 * bt.low,
                      "ci_high_pp": 100 * bt.high, "verdict": bt.word})
        rows.append(r)
    return pd.DataFrame(rows).set_index(param)


def sensitivity_claims(sens: dict[str, pd.DataFrame], base: dict, collapse: float = 0.55) -> list[str]:
    """One sentence per varied parameter: the paper's value, the best value, and where the
    mean accuracy falls to ``collapse`` or below (a head that predicts one class scores
    about 50 % on the balanced target domains).  Values are compared on the tasks
    that ran every value, so a partly run study does not mix task sets."""
    out = []
    for p, d in sens.items():
        if p == "grid" or d.empty:
            continue
        # compare values on the same tasks: those that ran every value of p
        per_task = d.groupby("task_id")[p].nunique()
        complete = per_task[per_task == d[p].nunique()].index
        if len(complete):
            d = d[d["task_id"].isin(complete)]
        m = d.groupby(p)["accuracy"].mean()
        n = d["task_id"].nunique()
        at = m.get(base.get(p), np.nan) if base.get(p) in m.index else np.nan
        best = m.idxmax()
        line = (f"{p}: the paper's value {base.get(p):g} gives {100 * at:.1f}%, the highest mean "
                f"is at {best:g} ({100 * m.max():.1f}%)")
        iv = point_intervals(d, p, base.get(p)) if base.get(p) in m.index else pd.DataFrame()
        if "verdict" in iv:
            better = [f"{v:g}" for v, r in iv.iterrows() if r.get("verdict") == "higher"]
            worse = [f"{v:g}" for v, r in iv.iterrows() if r.get("verdict") == "lower"]
            same = [f"{v:g}" for v, r in iv.iterrows() if r.get("verdict") == "indistinguishable"]
            line += ("; against the paper's value (95% bootstrap interval over tasks, seeds "
                     "averaged first): " + "; ".join(
                         x for x in (f"higher at {', '.join(better)}" if better else "",
                                     f"lower at {', '.join(worse)}" if worse else "",
                                     f"indistinguishable at {', '.join(same)}" if same else "")
                         if x))
        bad = [v for v, a in m.items() if a <= collapse]
        if bad:
            line += (f"; at {', '.join(f'{v:g}' for v in bad)} the mean accuracy is at most "
                     f"{100 * collapse:.0f}%, near chance on these balanced domains: the method "
                     "breaks there")
        else:
            line += f"; no value in the range falls to chance (all > {100 * collapse:.0f}%)"
        out.append(line + f" (mean over the {n} tasks that ran every value).")
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


ABLATION_LABEL = LABELS  # the ablation table's labels (mrcnn_core/ablations.py)


def ablation_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy per ablation variant and its paired difference to the paper's variant."""
    a = df[df["experiment"] == "ablation"]
    if a.empty:
        return pd.DataFrame()
    # seeds are averaged per task first (as in Table 1), then variants are paired by task
    wide = a.pivot_table(index="task_id", columns="variant", values="accuracy", aggfunc="mean")
    runs = a.groupby("variant")["accuracy"].size()
    rows = []
    for v in [x for x in ABLATION_LABEL if x in wide]:
        row = {"variant": ABLATION_LABEL[v], "runs": int(runs.get(v, 0)),
               "tasks": int(wide[v].notna().sum()), "accuracy (%)": 100 * wide[v].mean()}
        if "paper" in wide and v != "paper":
            d = (wide[v] - wide["paper"]).dropna()
            # the study's tasks are its clusters; fewer than MIN_CLUSTERS give no interval and no p
            bt = cluster_bootstrap(d.to_numpy(), d.index, _rng_for("ablation", v))
            row["diff vs paper (pp)"] = 100 * d.mean()
            row["95% CI (pp)"] = (f"[{100 * bt.low:+.1f}, {100 * bt.high:+.1f}]"
                                  if np.isfinite(bt.low) else "n/a")
            row["verdict"] = bt.word
            row["bootstrap p"] = f"{bt.p:.2g}" if np.isfinite(bt.p) else "n/a"
        rows.append(row)
    return pd.DataFrame(rows).set_index("variant")


# The Corel control: each setting is a (method, experiment, variant) of the stored rows.
CONTROL_SETTINGS = {
    "VGG (lr 1e-4, beta 0.01)": ("vgg", "main", "paper"),
    "MRCNN, the paper's (lr 10^-2.5, beta 0.1, alpha 1e-3)": ("mrcnn", "control", "base"),
    "MRCNN with alpha = 0 at its own lr and beta": ("mrcnn", "control", "vary:alpha"),
    "MRCNN (alpha 1e-3) at VGG's lr and beta": ("mrcnn", "control", "grid:"),  # any grid point
}
CONTROL_PAIRS = (  # (a, b, what a - b isolates)
    ("MRCNN, the paper's (lr 10^-2.5, beta 0.1, alpha 1e-3)",
     "MRCNN with alpha = 0 at its own lr and beta", "the manifold term (at MRCNN's lr and beta)"),
    ("MRCNN with alpha = 0 at its own lr and beta", "VGG (lr 1e-4, beta 0.01)",
     "MRCNN's lr and beta (no manifold term in either)"),
    ("MRCNN (alpha 1e-3) at VGG's lr and beta", "VGG (lr 1e-4, beta 0.01)",
     "the manifold term at one common lr and beta (VGG's)"),
)


def control_runs(main: pd.DataFrame, control: pd.DataFrame, dataset: str = "corel") -> pd.DataFrame:
    """Rows of the control's settings, labelled (``setting``), on the tasks the control ran."""
    both = pd.concat([main, control], ignore_index=True)
    both = both[both["dataset"] == dataset]
    frames = []
    for name, (m, e, v) in CONTROL_SETTINGS.items():
        var = both["variant"].astype(str)
        hit = var.str.startswith(v) if v.endswith(":") else var == v
        d = both[(both["method"] == m) & (both["experiment"] == e) & hit]
        frames.append(d.assign(setting=name))
    out = pd.concat(frames, ignore_index=True).drop_duplicates(["setting", "run_key"])
    tasks = set(control[control["dataset"] == dataset]["task_id"])
    seeds = set(control[control["dataset"] == dataset]["seed"])
    return out[out["task_id"].isin(tasks) & out["seed"].isin(seeds)]


def control_table(cr: pd.DataFrame, shares: dict | None = None) -> pd.DataFrame:
    """Mean accuracy and the share of collapsed (one-class) runs per control setting."""
    from .stability import collapsed

    rows = []
    for name in CONTROL_SETTINGS:
        d = cr[cr["setting"] == name]
        if d.empty:
            continue
        per_task = d.groupby("task_id")["accuracy"].mean()
        rows.append({"setting": name, "tasks": len(per_task), "runs": len(d),
                     "accuracy (%)": 100 * per_task.mean(),
                     "collapsed runs (%)": 100 * collapsed(d, shares).mean()})
    return pd.DataFrame(rows).set_index("setting") if rows else pd.DataFrame()


def control_claims(cr: pd.DataFrame, n_boot: int = N_BOOT) -> list[str]:
    """What each paired difference of the control isolates, with its interval over target domains."""
    out = []
    for a, b, what in CONTROL_PAIRS:
        wa = cr[cr["setting"] == a].groupby(["task_id", "target"])["accuracy"].mean()
        wb = cr[cr["setting"] == b].groupby(["task_id", "target"])["accuracy"].mean()
        d = (wa - wb).dropna()
        if len(d) < 2:
            continue
        targets = d.index.get_level_values("target")
        bt = cluster_bootstrap(d.to_numpy(), targets, _rng_for("control", a, b), n_boot)
        lo, hi, dom, word = bt.low, bt.high, bt.cluster_means, bt.word
        out.append(f"{what}: {100 * d.mean():+.1f} pp (95% CI [{100 * lo:+.1f}, {100 * hi:+.1f}] "
                   f"over {len(dom)} target domains, {len(d)} tasks): "
                   + {"higher": "helps", "lower": "hurts"}.get(word, word) + ".")
    return out
