"""Paired comparisons of two methods per task, with one cluster bootstrap (``stats``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .formatting import dataset_name, interval, pp
from ..methods import table1_pairs
from .stats import MIN_CLUSTERS, N_BOOT, cluster_bootstrap, p_text, rng_for
from .tables import METHOD_LABEL, by_target_domain, task_table

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
            bt = cluster_bootstrap(diff, sub["target"], rng_for(seed, ds, grp, a, b), n_boot)
            rows.append({"dataset": ds, "group": grp, "comparison": f"{METHOD_LABEL[a]} - {METHOD_LABEL[b]}",
                         "tasks": len(diff), "clusters": bt.clusters,
                         "mean_diff_pp": 100 * diff.mean(),
                         "ci_low_pp": 100 * bt.low, "ci_high_pp": 100 * bt.high,
                         "wins": int((diff > 0).sum()), "losses": int((diff < 0).sum()),
                         "p": bt.p, "n_boot": bt.n_boot,
                         "verdict": bt.verdict(+1, scale=100)})  # the claim "a beats b"
    return pd.DataFrame(rows)


def comparisons(pt: pd.DataFrame) -> pd.DataFrame:
    frames = [paired(pt, a, b) for a, b in table1_pairs()]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def verdict(comp: pd.DataFrame, a: str, b: str, dataset: str) -> str:
    """One plain sentence on the claim "a beats b", computed from the Total group."""
    label = f"{METHOD_LABEL[a]} - {METHOD_LABEL[b]}"
    r = comp[(comp["comparison"] == label) & (comp["dataset"] == dataset) & (comp["group"] == "Total")]
    dataset = dataset_name(dataset)  # in words from here on
    if r.empty:
        return f"{METHOD_LABEL[a]} vs {METHOD_LABEL[b]} on {dataset}: not run."
    r = r.iloc[0]
    d, lo, hi, n, k = r.mean_diff_pp, r.ci_low_pp, r.ci_high_pp, r.tasks, int(r.clusters)
    if not np.isfinite(lo):
        return (f"Claim '{METHOD_LABEL[a]} beats {METHOD_LABEL[b]}' on {dataset}: no verdict: "
                f"{k} target domain(s), fewer than {MIN_CLUSTERS}; mean difference {d:+.1f} pp "
                f"over {n} tasks.")
    word = {"supported": "**supported**",
            "contradicted": "**contradicted** (the opposite holds)",
            "negligible": "**negligible** (beyond zero, but within +/-0.5 pp)"}.get(
        r.verdict, "**inconclusive** (the interval holds zero)")
    return (f"Claim '{METHOD_LABEL[a]} beats {METHOD_LABEL[b]}' on {dataset}: {word}: mean "
            f"difference {pp(d)}, 95% CI {interval(lo, hi)}, bootstrap "
            f"{p_text(r.p, int(r.n_boot))} "
            f"(both from one bootstrap over {k} target domains); {n} tasks, "
            f"{int(r.wins)} wins / {int(r.losses)} losses.")


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
                else "inconclusive: no significant dependence")
        out.append(f"{ds}: {METHOD_LABEL[a]} - {METHOD_LABEL[b]} against epsilon, Spearman rho = "
                   f"{r.statistic:+.2f} (p = {r.pvalue:.2g}, {len(dom)} target domains, "
                   f"{len(d)} tasks, seeds averaged per task): {word}.")
    return out


def seed_differences(runs: pd.DataFrame, a: str, b: str, by: str = "dataset") -> pd.DataFrame:
    """One row per (``by``, target, task, seed) where both methods ran that seed and are ok:
    d = 100 (acc_a - acc_b), in pp (the unit of a two-stage bootstrap)."""
    cols = [by, "target", "task_id", "seed"]
    ok = runs[(runs["status"] == "ok") & runs["method"].isin([a, b])] if len(runs) else runs
    if ok.empty:
        return pd.DataFrame(columns=cols + ["d"])
    w = ok.pivot_table(index=cols, columns="method", values="accuracy", aggfunc="mean")
    if not {a, b} <= set(w.columns):
        return pd.DataFrame(columns=cols + ["d"])
    w = w.dropna(subset=[a, b])
    return w.assign(d=100 * (w[a] - w[b])).reset_index()[cols + ["d"]]


def stage_intervals(runs: pd.DataFrame, a: str = "mrcnn", b: str = "vgg",
                    n_boot: int = N_BOOT) -> pd.DataFrame:
    """Per data set: a - b (pp) with its one-stage interval (target domains, seeds averaged
    first) and its two-stage interval (then each task's seeds resampled), on the (task, seed)
    runs where both methods ran; the coverage says exactly what was averaged."""
    from .stats import two_stage_bootstrap

    rows = []
    for ds, d in seed_differences(runs, a, b).groupby("dataset"):
        per = d.groupby("task_id")["seed"].nunique()
        b1, b2 = (two_stage_bootstrap(d["d"], d["task_id"], d["target"],
                                      rng_for("stages", ds, a, b), stages=k, n_boot=n_boot)
                  for k in (1, 2))
        seeds = (f"{per.min()}" if per.min() == per.max() else f"{per.min()}-{per.max()}")
        rows.append({"dataset": ds, "comparison": f"{METHOD_LABEL[a]} - {METHOD_LABEL[b]}",
                     "coverage": f"{len(per)} tasks x {seeds} seeds (seed {', '.join(map(str, sorted(d['seed'].unique())))})",
                     "estimate (pp)": b1.mean, "one-stage low": b1.low, "one-stage high": b1.high,
                     "two-stage low": b2.low, "two-stage high": b2.high,
                     "width ratio": (b2.high - b2.low) / (b1.high - b1.low)
                     if b1.high > b1.low else np.nan})
    return pd.DataFrame(rows)


def domain_gains(pt: pd.DataFrame, a: str = "mrcnn", b: str = "vgg") -> pd.DataFrame:
    """Per data set and target domain: the mean gain a - b (pp; seeds, then the domain's
    tasks averaged) and the domain's epsilon.  The one computation behind the front page's
    epsilon claim and Fig. 2(b)'s gain panel."""
    cols = ["dataset", "target", "epsilon", "gain_pp", "tasks"]
    d = pt.dropna(subset=["epsilon"])
    wide = task_table(d)
    if a not in wide or b not in wide:
        return pd.DataFrame(columns=cols)
    eps = d.groupby(["dataset", "task_id"])["epsilon"].mean()
    wide = wide.assign(gain_pp=100 * (wide[a] - wide[b]),
                       epsilon=[eps.get((ds, t), np.nan)
                                for ds, t in zip(wide["dataset"], wide["task_id"])])
    wide = wide.dropna(subset=["gain_pp", "epsilon"])
    g = wide.groupby(["dataset", "target"]).agg(epsilon=("epsilon", "mean"),
                                                gain_pp=("gain_pp", "mean"),
                                                tasks=("task_id", "nunique"))
    return g.reset_index()[cols]
