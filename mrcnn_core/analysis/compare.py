"""Paired comparisons of two methods per task, with one cluster bootstrap (``stats``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..methods import TABLE1_PAIRS
from ..stats import MIN_CLUSTERS, N_BOOT, cluster_bootstrap, rng_for
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
                else "not supported: no significant dependence")
        out.append(f"{ds}: {METHOD_LABEL[a]} - {METHOD_LABEL[b]} against epsilon, Spearman rho = "
                   f"{r.statistic:+.2f} (p = {r.pvalue:.2g}, {len(dom)} target domains, "
                   f"{len(d)} tasks, seeds averaged per task): {word}.")
    return out
