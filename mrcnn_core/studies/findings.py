"""Findings at a glance: each of the paper's claims, the book's verdict and its effect.

The front page of the book shows one row per claim and data set, computed
from the committed stores when the book is built (the numbers enter the text
from the stores, as in showyourwork; none is typed by hand).  Every effect
comes with a 95 % interval from a bootstrap over **target domains**: the
tasks that share a target domain (16 per CIFAR-100 domain) are not
independent, so the domain is the unit that is resampled, and the number of
clusters is given beside the interval.

Verdicts (one rule for every claim, ``stats.verdict``; the glossary defines them):

- **supported**: the interval lies beyond zero on the side the paper claims;
- **contradicted**: it lies beyond zero on the other side;
- **inconclusive**: it holds zero (this sample cannot tell; not "shown false");
- **negligible**: beyond zero, but the whole interval within +/-0.5 pp (|rho| < 0.1);
- **too few clusters**: fewer than ``analysis.MIN_CLUSTERS`` target domains;
- **not run**: the store holds none of the runs the claim needs.

The book's own findings (how much one run tells, the cross-pair study) are
measurements, not claims of the paper: their verdict is **measured**.
"""
from __future__ import annotations

import re

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import analysis as A
from ..analysis import stats as S
from ..analysis.formatting import dataset_words
from ..methods import CNN, REGISTRY

# the paper's shallow methods (Table 1); the book's additions are not part of its claim
SHALLOW = tuple(m for m, x in REGISTRY.items() if not x.cnn and x.paper)
LEVEL = 0.95
# The paper's Corel MRCNN differs from its VGG in lr and beta too (hparams.PAPER).
CONFOUND = ("; MRCNN's Corel setting also changes the learning rate and beta: the Corel "
            "control on the Table 1 page separates them")


@dataclass(frozen=True)
class Claim:
    key: str
    text: str
    page: str  # the page that shows it (a book/generated page name)
    source: str  # "paper" or "book"


CLAIMS = (
    Claim("tsvm_lr", "TSVM beats LR", "20_table1", "paper"),
    Claim("cnn_shallow", "The CNNs (VGG, MRCNN) beat the shallow methods by far", "20_table1",
          "paper"),
    Claim("mrcnn_vgg", "MRCNN beats VGG", "20_table1", "paper"),
    Claim("epsilon", "MRCNN's gain over VGG falls as the neighbour confusion epsilon grows",
          "22_fig2b_table2", "paper"),
    Claim("poor_domains", "MRCNN does poorly on some target domains", "21_fig2a", "paper"),
    Claim("seed_spread", "One run is a noisy draw: two seeds of one task differ", "27_stability",
          "book"),
    Claim("pairs", "The gain holds on other superclass pairs", "28_pairs", "book"),
)
COLUMNS = ["claim", "source", "dataset", "verdict", "effect", "ci_low", "ci_high", "unit",
           "clusters", "tasks", "coverage", "page", "detail"]


def _verdict(lo: float, hi: float, sign: int, clusters: int, min_clusters: int = A.MIN_CLUSTERS,
             **kw) -> str:
    """The one rule (``stats.verdict``) on the bounds alone, or "too few clusters"."""
    if clusters < min_clusters or not (np.isfinite(lo) and np.isfinite(hi)):
        return "too few clusters"
    return S.verdict(lo, hi, sign, **kw)


def _row(claim: Claim, dataset: str, **kw) -> dict:
    base = dict(claim=claim.text, source=claim.source, dataset=dataset, verdict="not run",
                effect=np.nan, ci_low=np.nan, ci_high=np.nan, unit="", clusters=0, tasks=0,
                coverage="", page=claim.page, detail="")
    base.update(kw)
    return base


def _pair(pt: pd.DataFrame, a: str, b: str, dataset: str) -> dict | None:
    """The Total row of ``analysis.paired`` (a - b, in pp) for one data set."""
    comp = A.paired(pt[pt["dataset"] == dataset], a, b)
    if comp.empty:
        return None
    r = comp[comp["group"] == "Total"].iloc[0]
    return dict(effect=r.mean_diff_pp, ci_low=r.ci_low_pp, ci_high=r.ci_high_pp,
                clusters=int(r.clusters), tasks=int(r.tasks), verdict=r.verdict)


def _coverage(pt: pd.DataFrame, methods) -> str:
    """'400 tasks, 1-3 seeds': the tasks any of ``methods`` ran on, and seeds per task."""
    d = pt[pt["method"].isin(list(methods))]
    if d.empty:
        return ""
    lo, hi = int(d["n_seeds"].min()), int(d["n_seeds"].max())
    return f"{d['task_id'].nunique()} tasks, {lo if lo == hi else f'{lo}-{hi}'} seed(s)"


def pair_claim(claim: Claim, pt: pd.DataFrame, ds: str, a: str, b: str) -> dict:
    r = _pair(pt, a, b, ds)
    if r is None:
        return _row(claim, ds)
    note = (CONFOUND if (a, b, ds) == ("mrcnn", "vgg", "corel") else "")
    return _row(claim, ds, unit="pp", coverage=_coverage(pt[pt["dataset"] == ds], (a, b)),
                detail=f"{A.METHOD_LABEL[a]} - {A.METHOD_LABEL[b]}{note}", **r)


def cnn_shallow_claim(claim: Claim, pt: pd.DataFrame, ds: str) -> dict:
    """Every CNN against every shallow method; the effect shown is the closest pair."""
    present = set(pt[pt["dataset"] == ds]["method"])
    rows = [(a, b, _pair(pt, a, b, ds)) for a in CNN for b in SHALLOW if {a, b} <= present]
    rows = [(a, b, r) for a, b, r in rows if r is not None]
    if not rows:
        return _row(claim, ds)
    verdicts = [r.pop("verdict") for _, _, r in rows]
    a, b, r = min(rows, key=lambda x: x[2]["effect"])
    word = ("supported" if all(v == "supported" for v in verdicts)
            else "contradicted" if "contradicted" in verdicts
            else "too few clusters" if "too few clusters" in verdicts else "inconclusive")
    names = [f"{A.METHOD_LABEL[x]} - {A.METHOD_LABEL[y]}" for x, y, _ in rows]
    ok = [n for n, v in zip(names, verdicts) if v == "supported"]
    rest = [n for n, v in zip(names, verdicts) if v != "supported"]
    return _row(claim, ds, verdict=word, unit="pp",
                coverage=_coverage(pt[pt["dataset"] == ds], [m for m in (*CNN, *SHALLOW) if m in present]),
                detail=f"smallest gap: {A.METHOD_LABEL[a]} - {A.METHOD_LABEL[b]}; interval above "
                       f"zero for {', '.join(ok) or 'none'}; not for {', '.join(rest) or 'none'}",
                **r)


def epsilon_claim(claim: Claim, pt: pd.DataFrame, ds: str, a: str = "mrcnn", b: str = "vgg") -> dict:
    """The paper's explanation: MRCNN's *gain* over VGG falls as a target domain's epsilon
    grows.  Spearman rho of a domain's epsilon and its mean gain (seeds, then the domain's
    tasks averaged), with a bootstrap over domains.  Accuracy alone falls with epsilon for
    VGG too, so the accuracy correlations are shown as context, not tested."""
    d = pt[pt["dataset"] == ds].dropna(subset=["epsilon"])
    dom = A.domain_gains(d, a, b)
    if dom.empty:
        return _row(claim, ds)
    bt = epsilon_gain_bootstrap(dom, ds)
    acc = d.groupby(["target", "method"])["accuracy"].mean().unstack()
    edom = d.groupby("target")["epsilon"].mean()
    context = "; ".join(f"{A.METHOD_LABEL[m]} accuracy rho {edom.rank().corr(acc[m].rank()):+.2f}"
                        for m in (b, a) if m in acc)
    return _row(claim, ds, verdict=bt.verdict(-1, rho=True), effect=bt.mean, ci_low=bt.low, ci_high=bt.high, unit="rho", clusters=bt.clusters,
                tasks=int(dom["tasks"].sum()),
                coverage=_coverage(pt[pt["dataset"] == ds], (a, b)),
                detail=f"Spearman rho of epsilon and {A.METHOD_LABEL[a]} - {A.METHOD_LABEL[b]} "
                       f"over target-domain means (context, not tested: {context})")


def epsilon_gain_bootstrap(dom: pd.DataFrame, ds: str) -> S.Boot:
    """Spearman rho of a target domain's epsilon and its gain, with the bootstrap over
    domains; the same generator wherever it is shown (front page, Fig. 2(b))."""
    return S.rank_corr_bootstrap(dom["epsilon"], dom["gain_pp"], S.rng_for("findings", ds, "eps"))


def poor_domains_claim(claim: Claim, pt: pd.DataFrame, ds: str, a: str = "mrcnn", b: str = "vgg") -> dict:
    """Target domains where MRCNN is below VGG, each with a bootstrap over its own tasks at a
    Bonferroni level (one test per domain); the effect shown is the worst domain."""
    wide = A.task_table(pt[pt["dataset"] == ds])
    if a not in wide or b not in wide:
        return _row(claim, ds)
    wide = wide.assign(diff=100 * (wide[a] - wide[b])).dropna(subset=["diff"])
    n_dom = wide["target"].nunique()
    level = 1 - (1 - LEVEL) / max(n_dom, 1)
    q = 100 * (1 - level) / 2
    rows = []
    for t, d in wide.groupby("target"):
        x = d["diff"].to_numpy()
        if len(x) >= 2:
            rng = S.rng_for("findings", ds, "poor", t)
            boots = x[rng.integers(0, len(x), (S.N_BOOT, len(x)))].mean(1)
            rows.append((t, x.mean(), np.percentile(boots, q), np.percentile(boots, 100 - q)))
    if not rows:
        return _row(claim, ds, verdict="too few clusters", clusters=n_dom, tasks=len(wide))
    t, eff, lo, hi = min(rows, key=lambda r: r[1])
    below = sum(r[3] < 0 for r in rows)
    word = ("supported" if below else "inconclusive") if n_dom >= A.MIN_CLUSTERS else "too few clusters"
    return _row(claim, ds, verdict=word, effect=eff, ci_low=lo, ci_high=hi, unit="pp",
                clusters=n_dom, tasks=len(wide), coverage=_coverage(pt[pt["dataset"] == ds], (a, b)),
                page=claim.page if ds == "cifar100" else f"{claim.page}_{ds}",
                detail=f"worst target domain {t} ({A.METHOD_LABEL[a]} - {A.METHOD_LABEL[b]}); "
                       f"{below} of {len(rows)} domains significantly below "
                       f"(Bonferroni {100 * level:.1f}% intervals over each domain's tasks)")


def _seed_spread(claim: Claim, runs: pd.DataFrame, ds: str, method: str = "mrcnn") -> dict:
    """Mean |seed 0 - seed 1| of one task (pp), with a bootstrap over target domains."""
    d = runs[(runs["dataset"] == ds) & (runs["method"] == method) & runs["seed"].isin([0, 1])]
    w = d.pivot_table(index=["task_id", "target"], columns="seed", values="accuracy")
    if 0 not in w or 1 not in w or w.dropna().empty:
        return _row(claim, ds, detail="needs seeds 0 and 1 of the same tasks")
    gap = (100 * (w[0] - w[1]).abs()).dropna().reset_index(name="gap")
    lo, hi, _ = A.cluster_ci(gap["gap"], gap["target"], S.rng_for("findings", ds, "seed"))
    n = gap["target"].nunique()
    return _row(claim, ds, verdict="measured" if n >= A.MIN_CLUSTERS else "too few clusters",
                effect=gap["gap"].mean(), ci_low=lo, ci_high=hi, unit="pp",
                clusters=n, tasks=len(gap), coverage=f"{len(gap)} tasks, seeds 0 and 1",
                detail=f"mean |seed 0 - seed 1| of {A.METHOD_LABEL[method]} on one task")


def _pairs_row(claim: Claim, pairs: pd.DataFrame, main: pd.DataFrame, a: str = "mrcnn",
               b: str = "vgg") -> dict:
    """Mean ``a - b`` over pairs (each pair one point, the paper's included), with a
    bootstrap over pairs; how many pairs have an interval above zero."""
    from . import pairs as P

    runs = P.pair_runs(pairs, main, P.paper_sample(main))
    t = P.pair_table(runs)
    col = P.gain_name(a, b)
    verdict_col = "verdict" if a in CNN else f"{col} verdict"
    t = t.dropna(subset=[col]) if col in t else t.iloc[:0]
    if not (t.index != P.PAPER_PAIR).any():  # the paper's pair alone answers nothing here
        return _row(claim, "cifar100 (pairs)",
                    detail=f"no other pair has {A.METHOD_LABEL[b]} and {A.METHOD_LABEL[a]} "
                           "runs yet")
    g = t[col].to_numpy()
    # each pair is one point: a percentile bootstrap of 6 points is too narrow, so the
    # interval is Student's t over the pairs, with n said
    mean, lo, hi, n = S.t_interval(g)
    tasks = runs[runs["method"] == a].drop_duplicates(["pair", "task_id"])
    above = int((t[verdict_col] == "supported").sum())
    return _row(claim, f"cifar100 ({n} pairs)",
                verdict=_verdict(lo, hi, +1, n, min_clusters=3), effect=mean, ci_low=lo,
                ci_high=hi, unit="pp", clusters=n,
                tasks=int(len(tasks[tasks["pair"].isin(t.index)])), coverage=f"{n} pairs",
                page="28_pairs" if claim.key != "pairs" else claim.page,
                detail=f"mean over pairs of {A.METHOD_LABEL[a]} - {A.METHOD_LABEL[b]}, t interval "
                       f"over the {n} pairs (each one point); interval above zero in {above} of "
                       f"{len(t)} pairs")


COREL_NOTE_HEAD = "Corel's 'CNNs' are an fc head on the 256-d features, not a network on images"
COREL_NOTE_RE = re.compile(re.escape(COREL_NOTE_HEAD) + r"; [^.;]*")


def corel_substitute_note(runs: pd.DataFrame, shares: dict | None) -> str:
    """What Corel's CNN rows rest on: the fc head on 256-d features, and how many of its
    MRCNN runs collapsed to one class (unknown without the Corel data's class shares)."""
    from . import stability as St

    ct = St.collapse_table(runs[runs["dataset"] == "corel"], shares)
    share = (ct.loc[("corel", A.METHOD_LABEL["mrcnn"]), "collapsed runs (%)"]
             if ("corel", A.METHOD_LABEL["mrcnn"]) in ct.index else np.nan)
    what = (f"{share:.0f}% of its MRCNN runs collapsed to one class" if np.isfinite(share)
            else "the share of its MRCNN runs that collapsed is unknown here (no Corel data)")
    return f"{COREL_NOTE_HEAD}; {what}"


CNN_CLAIMS = ("cnn_shallow", "mrcnn_vgg", "epsilon", "poor_domains", "seed_spread")


def heldout_rows(heldout: pd.DataFrame) -> list[dict]:
    """One row per pre-registered hypothesis on the three held-out pairs (``heldout``): its
    verdict once every planned run is stored, else "pending" with the interim estimate."""
    from . import heldout as H

    out = []
    for r in H.analyse(heldout):
        claim = Claim(f"heldout_{r.hypothesis}", f"{r.claim[0].upper()}{r.claim[1:]} ({r.hypothesis}, on three held-out "
                      "pairs, pre-registered)", "29_heldout", "paper")
        out.append(_row(claim, "cifar100 (3 held-out pairs)",
                        verdict=r.verdict if r.complete else "pending",
                        effect=r.estimate, ci_low=r.low, ci_high=r.high, unit=r.unit,
                        clusters=r.domains, tasks=r.tasks,
                        coverage=f"{r.runs} of {r.planned_runs} planned runs",
                        detail="confirmatory, as planned" if r.complete else
                        "interim: the verdict waits for every planned run"))
    return out


VGG19_PAGE = "20_table1"  # the book's default profile is the paper's backbone (#43)


def vgg19_rows(vgg19: pd.DataFrame) -> list[dict]:
    """The paper's backbone (profile imagenet-vgg19, CIFAR-100 only): MRCNN - VGG and the
    epsilon claim on the tasks and seeds stored so far, with the coverage said."""
    d = vgg19[(vgg19["dataset"] == "cifar100") & vgg19["method"].isin(["vgg", "mrcnn"])]
    if d.empty:
        return []
    pt = A.add_groups(A.per_task(d))
    both = set(pt[pt["method"] == "vgg"]["task_id"]) & set(pt[pt["method"] == "mrcnn"]["task_id"])
    pt = pt[pt["task_id"].isin(both)]
    seeds = ", ".join(str(x) for x in sorted(d["seed"].unique()))
    label = f"cifar100, VGG19 ({len(both)} of 400 tasks, seed {seeds})"
    by = {c.key: c for c in CLAIMS}
    rows = [pair_claim(by["mrcnn_vgg"], pt, "cifar100", "mrcnn", "vgg"),
            epsilon_claim(by["epsilon"], pt, "cifar100")]
    where = " and ".join(A.devices_of(d)) or "unknown device"
    rows[0]["page"] = VGG19_PAGE  # Table 1 on this backbone
    for r in rows:
        r["dataset"] = label
        r["detail"] = (f"{r['detail']}; the paper's backbone, ImageNet VGG19: the "
                       f"deterministic grid so far ({where}), the rest pending")
    return rows


def findings(runs: pd.DataFrame, pairs: pd.DataFrame | None = None,
             shares: dict | None = None, heldout: pd.DataFrame | None = None,
             vgg19: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim and data set (``COLUMNS``), from the main experiment's runs.

    ``pairs``: the cross-pair study's runs, if a store of it exists (else its
    row says "not run").  ``shares``: Corel's class shares
    (``stability.known_class_shares``), for the collapse share its CNN rows state.
    """
    rows = []
    if runs.empty:
        return pd.DataFrame(rows, columns=COLUMNS)
    pt = A.add_groups(A.per_task(runs))
    by = {c.key: c for c in CLAIMS}
    for ds in sorted(pt["dataset"].unique()):
        rows.append(pair_claim(by["tsvm_lr"], pt, ds, "tsvm", "lr"))
        rows.append(cnn_shallow_claim(by["cnn_shallow"], pt, ds))
        rows.append(pair_claim(by["mrcnn_vgg"], pt, ds, "mrcnn", "vgg"))
        rows.append(epsilon_claim(by["epsilon"], pt, ds))
        rows.append(poor_domains_claim(by["poor_domains"], pt, ds))
        rows.append(_seed_spread(by["seed_spread"], runs, ds))
        if ds == "corel":
            note = corel_substitute_note(runs, shares)
            for r in rows:
                if r["dataset"] == "corel" and r["claim"] in {by[k].text for k in CNN_CLAIMS}:
                    r["detail"] = f"{r['detail']}. {note}" if r["detail"] else note
    if pairs is None or pairs.empty:
        rows.append(_row(by["pairs"], "cifar100 (5 more pairs)",
                         detail="the cross-pair study has no store yet"))
    else:
        rows.append(_pairs_row(by["pairs"], pairs, runs))
        if {"tsvm", "lr"} <= set(pairs["method"]):  # the paper's first claim on other pairs
            rows.append(_pairs_row(by["tsvm_lr"], pairs, runs, "tsvm", "lr"))
    if vgg19 is not None and len(vgg19):
        rows += vgg19_rows(vgg19)
    if heldout is not None and len(heldout):
        rows += heldout_rows(heldout)
    return pd.DataFrame(rows, columns=COLUMNS)
