"""Across superclass pairs: is MRCNN's gain over VGG a property of the method or of the pair?

Read-only on the stores, like ``analysis``.  The cross-pair study (experiment
``pairs``, profile ``pairs-vgg16``) stores each run with its pair as the
``variant`` (``positive/negative``); the paper's pair joins from the main grid's
store at the same stratified sample.  Within a pair, tasks that share a target
domain are not independent: intervals are a bootstrap over target domains, as
everywhere in the book; across pairs, each pair is one point.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import analysis as A
from ..analysis import stats as S
from ..data.tasks import stratified_tasks
from ..methods import CNN

PAPER_PAIR = "fruit_and_vegetables/household_electrical_devices"
#: the differences a pair's row shows: the book's question (the manifold term) first, then the
#: paper's first claim (transduction), which the CPU-only shallow runs answer on their own
PAIR_GAINS = (("mrcnn", "vgg"), ("tsvm", "lr"))


def gain_name(a: str, b: str) -> str:
    return f"{A.METHOD_LABEL[a]} - {A.METHOD_LABEL[b]} (pp)"


def pair_runs(pairs: pd.DataFrame, main: pd.DataFrame | None = None,
              paper_sample: set | None = None) -> pd.DataFrame:
    """The study's runs with a ``pair`` column, plus the paper's pair from ``main`` (its CNN
    runs restricted to ``paper_sample``, the same stratified sample; its shallow runs on all
    tasks, as for the other pairs)."""
    out = pairs.assign(pair=pairs["variant"]) if len(pairs) else pairs.assign(pair=[])
    if main is not None and len(main):
        m = main[main["dataset"] == "cifar100"]
        if len(pairs):  # the study's methods only (the CNNs even before their runs exist)
            m = m[m["method"].isin(set(pairs["method"]) | set(CNN))]
        cnn = m["method"].isin(CNN)
        if paper_sample is not None:
            m = m[~cnn | m["task_id"].isin(paper_sample)]
        out = pd.concat([out, m.assign(pair=PAPER_PAIR)], ignore_index=True)
    return out


def paper_sample(main: pd.DataFrame, per_target: int = 2, seed: int = 0) -> set:
    """The paper pair's tasks at the study's stratified sample (from the store's task ids)."""
    from types import SimpleNamespace

    d = main[main["dataset"] == "cifar100"][["task_id", "target"]].drop_duplicates()
    tasks = [SimpleNamespace(id=t, target_domain=g) for t, g in zip(d["task_id"], d["target"])]
    if not tasks:
        return set()
    n = per_target * len({t.target_domain for t in tasks})
    return {t.id for t in stratified_tasks(tasks, n, seed)}


def _per_pair(runs: pd.DataFrame) -> pd.DataFrame:
    """Per task (seeds averaged), with the pair standing in for the data set."""
    return A.add_groups(A.per_task(runs.assign(dataset=runs["pair"])))


def pair_table(runs: pd.DataFrame, n_boot: int = A.N_BOOT) -> pd.DataFrame:
    """Per pair: mean accuracy (%) of each method, MRCNN - VGG with its cluster-bootstrap
    interval over target domains, the tasks and seeds, and the mean epsilon."""
    if runs.empty:
        return pd.DataFrame()
    pt = _per_pair(runs)
    rows = []
    for pair, d in pt.groupby("dataset"):
        row = {"pair": pair}
        # the shallow methods' means on the tasks they all hold, so that the LR and TSVM
        # columns and TSVM - LR speak of the same tasks while a sweep has reached some
        # tasks with LR only (the CNN methods run on the pair's sample, a subset, by design)
        shallow = [m for m in A.methods_in(d["method"]) if m not in CNN]
        common = set.intersection(*(set(d[d["method"] == m]["task_id"]) for m in shallow)) \
            if shallow else set()
        for m in A.methods_in(d["method"]):
            dm = d[d["method"] == m]
            row[A.METHOD_LABEL[m]] = 100 * (dm if m in CNN else dm[dm["task_id"].isin(common)]
                                            )["accuracy"].mean()
        if shallow:
            row["shallow tasks"] = len(common)
        for a, b in PAIR_GAINS:
            comp = A.paired(d, a, b, n_boot=n_boot)
            tot = comp[comp["group"] == "Total"] if len(comp) else comp
            if not len(tot):
                continue
            r, name, cnn = tot.iloc[0], gain_name(a, b), a in CNN
            ci = ("CI low", "CI high", "verdict") if cnn else (f"{name} CI low", f"{name} CI high",
                                                                f"{name} verdict")
            row.update({name: r.mean_diff_pp, ci[0]: r.ci_low_pp, ci[1]: r.ci_high_pp,
                        ci[2]: r.verdict})
            if cnn:
                row.update({"CNN tasks": int(r.tasks), "target domains": int(r.clusters)})
        cnn = d[d["method"].isin(CNN)]
        lo, hi = (int(cnn["n_seeds"].min()), int(cnn["n_seeds"].max())) if len(cnn) else (0, 0)
        row["seeds"] = "" if not len(cnn) else str(lo) if lo == hi else f"{lo}-{hi}"
        row["mean epsilon"] = float(d.groupby("target")["epsilon"].mean().mean())
        rows.append(row)
    t = pd.DataFrame(rows).set_index("pair")
    order = [PAPER_PAIR] + sorted(p for p in t.index if p != PAPER_PAIR)
    labels = [A.METHOD_LABEL[m] for m in A.methods_in(pt["method"])]
    gains = [c for a, b in PAIR_GAINS for n in [gain_name(a, b)]
             for c in ((n, "CI low", "CI high", "verdict", "CNN tasks", "target domains")
                       if a in CNN else (n, f"{n} CI low", f"{n} CI high", f"{n} verdict"))]
    cols = [c for c in [*labels, *gains, "shallow tasks", "seeds", "mean epsilon"] if c in t.columns]
    return t.loc[[p for p in order if p in t.index], cols]


def split_table(t: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`pair_table` as two narrow tables: the CNN half and the shallow half."""
    ts = gain_name("tsvm", "lr")
    shallow = [c for c in (A.METHOD_LABEL["lr"], A.METHOD_LABEL["tsvm"], ts) if c in t]
    shallow_ci = {f"{ts} CI low": "CI low", f"{ts} CI high": "CI high", f"{ts} verdict": "verdict"}
    shallow += [c for c in shallow_ci if c in t] + [c for c in ("shallow tasks",) if c in t]
    s = t[shallow].rename(columns=shallow_ci)
    return t[[x for x in t.columns if x not in shallow and x not in shallow_ci]], s


def domain_gains(runs: pd.DataFrame) -> pd.DataFrame:
    """MRCNN - VGG (pp) and epsilon per target domain of every pair (seeds, then tasks averaged)."""
    pt = _per_pair(runs)
    wide = A.task_table(pt)
    if not {"mrcnn", "vgg"} <= set(wide.columns):
        return pd.DataFrame(columns=["pair", "target", "gain_pp", "epsilon"])
    eps = pt.groupby(["dataset", "task_id"])["epsilon"].mean()
    wide = wide.assign(gain_pp=100 * (wide["mrcnn"] - wide["vgg"]),
                       epsilon=[eps.get((d, t), np.nan) for d, t in zip(wide["dataset"], wide["task_id"])])
    g = wide.dropna(subset=["gain_pp"]).groupby(["dataset", "target"])[["gain_pp", "epsilon"]].mean()
    return g.reset_index().rename(columns={"dataset": "pair"})


def near_chance_sentence(table: pd.DataFrame) -> list[str]:
    """Why LR and TSVM sit near chance on the other pairs: LR against VGG on the same tasks
    (one sentence, or none when either column is missing)."""
    lr, vgg = A.METHOD_LABEL["lr"], A.METHOD_LABEL["vgg"]
    others = table[table.index != PAPER_PAIR] if not table.empty else table
    if not (len(others) and lr in others and vgg in others
            and others[[lr, vgg]].notna().all(axis=None)):
        return []
    better = int((others[vgg] > others[lr] + 5).sum())
    paper = (f", against {table.loc[PAPER_PAIR, lr]:.0f} % on the paper's pair"
             if PAPER_PAIR in table.index else "")
    return [f"LR and TSVM read pixels: on the {len(others)} other pairs LR scores "
            f"{others[lr].min():.0f}-{others[lr].max():.0f} % (chance is 50 %){paper}; VGG, on "
            f"the same tasks with ImageNet features, scores more than 5 points above LR on "
            f"{better} of them ({others[vgg].min():.0f}-{others[vgg].max():.0f} %): the labels can "
            "be told apart across domains, pixels do not carry that across."]


def pair_claims(table: pd.DataFrame, domains: pd.DataFrame) -> list[str]:
    """Computed sentences: in how many pairs MRCNN beats VGG, and whether the paper's
    explanation (more neighbour confusion, less gain) holds across pairs."""
    from scipy.stats import spearmanr

    out = []
    ts = "TSVM - LR (pp)"
    if not table.empty and ts in table and table[ts].notna().any():
        s = table.dropna(subset=[ts])
        hi = s[s[f"{ts} verdict"] == "supported"].index.tolist()
        lo = s[s[f"{ts} verdict"] == "contradicted"].index.tolist()
        out.append(f"TSVM beats LR (95% interval above zero) in {len(hi)} of {len(s)} pairs; it is "
                   f"below LR in {len(lo)}" + (f" ({', '.join(lo)})" if lo else "")
                   + f"; the difference ranges from {s[ts].min():+.1f} to {s[ts].max():+.1f} pp.")
    if table.empty or "MRCNN - VGG (pp)" not in table or table["MRCNN - VGG (pp)"].isna().all():
        return out + ["No pair has both VGG and MRCNN runs yet."]
    t = table.dropna(subset=["MRCNN - VGG (pp)"])
    if not (t.index != PAPER_PAIR).any():  # the paper's pair alone: no cross-pair statement
        r = t.iloc[0]
        return out + [f"No pair beside the paper's has VGG and MRCNN runs yet (GPU work); on "
                      f"the paper's pair, at the study's sample, MRCNN - VGG = "
                      f"{r['MRCNN - VGG (pp)']:+.1f} pp [{r['CI low']:+.1f}, {r['CI high']:+.1f}]."]
    higher = t[t["verdict"] == "supported"].index.tolist()
    lower = t[t["verdict"] == "contradicted"].index.tolist()
    out.append(f"MRCNN beats VGG (95% interval above zero) in {len(higher)} of {len(t)} pairs"
               + (f" ({', '.join(higher)})" if higher else "")
               + f"; it is below VGG in {len(lower)}" + (f" ({', '.join(lower)})" if lower else "")
               + f"; the gain ranges from {t['MRCNN - VGG (pp)'].min():+.1f} to "
               f"{t['MRCNN - VGG (pp)'].max():+.1f} pp (mean over pairs "
               f"{t['MRCNN - VGG (pp)'].mean():+.1f} pp, each pair one point"
               + (", t interval [{1:+.1f}, {2:+.1f}] over n = {3} pairs)".format(
                   *S.t_interval(t["MRCNN - VGG (pp)"])) if len(t) >= 2 else ")") + ".")
    if len(t) >= 4 and t["mean epsilon"].notna().all():
        r = spearmanr(t["mean epsilon"], t["MRCNN - VGG (pp)"])
        out.append(f"Pair level: Spearman rho of a pair's mean epsilon and its gain = "
                   f"{r.statistic:+.2f} over {len(t)} pairs (p = {r.pvalue:.2g}): "
                   + ("less gain where neighbours are more confused, as the paper explains."
                      if r.statistic < 0 and r.pvalue < 0.05 else
                      "no significant dependence: inconclusive for the paper's explanation "
                      "across pairs." if r.pvalue >= 0.05 else
                      "more gain where neighbours are more confused: the opposite of the "
                      "paper's explanation."))
    d = domains.dropna(subset=["gain_pp", "epsilon"])
    if len(d) >= 4:
        r = spearmanr(d["epsilon"], d["gain_pp"])
        out.append(f"Target-domain level, all pairs: Spearman rho = {r.statistic:+.2f} over "
                   f"{len(d)} target domains of {d['pair'].nunique()} pairs (p = {r.pvalue:.2g}; "
                   "domains of one pair share its images, so this p is optimistic).")
    out += near_chance_sentence(table)  # said last: why the shallow methods sit near chance
    return out
