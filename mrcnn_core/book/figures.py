"""Every figure and table of the book, as functions of the stored runs.

A page calls one function and shows what it returns; nothing here trains.
Each function takes the rows of a results store (``analysis.load_runs``) and
returns matplotlib figures, pandas tables and Markdown strings, so a test can
check them on a small store (tests/test_figures.py).  Every figure carries
the profile/backbone/coverage stamp of the runs it shows.
"""
from __future__ import annotations

import os
from pathlib import Path

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from .. import analysis as A
from ..methods import CNN, REGISTRY, STATS_PAIRS as PAIRS_STATS, TABLE1_PAIRS as PAIRS_TABLE1
from .plots import MIN_WIDTH, PALETTE, facet_aspect, labelled, stamp, stamp_text
# The paper's Corel MRCNN changes lr and beta as well as alpha (hparams.PAPER).
CONFOUND_NOTE = (" *This compares two settings, not only the manifold term: MRCNN's Corel "
                 "setting also has another learning rate and beta; the Corel control below "
                 "separates them.*")
PARAM_NAMES = {"lr": "learning rate $r$", "alpha": r"$\alpha$", "beta": r"$\beta$",
               "k": "$k$ (neighbours)"}


@dataclass
class Page:
    """What a page shows, in order: Markdown strings, tables and figures."""

    parts: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # what the page records for tests

    def add(self, *items) -> "Page":
        self.parts.extend(i for i in items if i is not None)
        return self

    def show(self) -> None:
        from IPython.display import Markdown, display

        from .notebook import record

        for p in self.parts:
            if isinstance(p, str):
                display(Markdown(p))
            elif isinstance(p, plt.Figure):
                display(p)
                plt.close(p)
            else:
                display(p)
        if self.values:
            record(**self.values)


def downloads(runs: pd.DataFrame, page: str, profile: str) -> Page:
    """A link to the page's per-task numbers as CSV (``analysis.task_csv``)."""
    from .notebook import offer_csv

    if runs.empty:
        return Page()
    return Page(values={"csv": f"{page}-{profile}.csv"}).add(
        offer_csv(A.task_csv(runs), f"{page}-{profile}"))


VERDICT_COLOUR = {"supported": "#1b7837", "contradicted": "#b2182b", "not supported": "#8c510a",
                  "measured": "#2166ac"}


def findings_page(runs: pd.DataFrame, profile: str, pairs: pd.DataFrame | None = None,
                  shares: dict | None = None) -> Page:
    """The front page's table: the paper's claims (and the book's own findings) with the
    verdict, effect and interval computed from the runs (``mrcnn_core.findings``)."""
    from .. import findings as F
    from .notebook import page_link

    if (empty := _no_runs(runs)) is not None:
        return empty
    f = F.findings(runs, pairs, shares)
    t = F.glance_table(f, link=lambda p: page_link(p, "page"))
    page = Page(values={"findings": {f"{r.claim} | {r.dataset}": r.verdict for r in f.itertuples()},
                        "effects": {f"{r.claim} | {r.dataset}": (None if not np.isfinite(r.effect)
                                                                 else round(float(r.effect), 3))
                                    for r in f.itertuples()}})
    colour = (lambda v: f"color: {VERDICT_COLOUR[v]}; font-weight: bold"  # noqa: E731
              if v in VERDICT_COLOUR else "color: #666")
    page.add(t.style.hide(axis="index").map(colour, subset=["verdict"])
             .set_properties(subset=["effect [95% CI]", "verdict"], **{"white-space": "nowrap"})
             .set_properties(subset=["claim"], **{"text-align": "left"})
             .set_caption(f"The paper's claims and the book's verdicts (profile {profile}; "
                          "effects in percentage points, or Spearman's rho)"))
    from .notebook import offer_csv

    page.add(offer_csv(f, f"findings-{profile}", "claim, source, dataset, verdict, effect, "
                       "ci_low, ci_high, unit, clusters, tasks, coverage, page, detail"))
    return page


def slice_comparison(slice_runs: pd.DataFrame, committed: pd.DataFrame, profile: str,
                     folder: str) -> Page:
    """A slice re-computed here, beside the committed numbers of the same tasks and points."""
    from ..colab import t4_minutes

    if slice_runs.empty:
        return Page().add(f"The compute slice stored no run in `{folder}`.")
    # a study's point is its variant *and* its values (vary:alpha holds several alphas)
    keys = ["task_id", "variant", "method", "lr", "alpha", "beta", "k"]
    here = slice_runs.groupby(keys)["accuracy"].mean().rename("accuracy here")
    ref = committed[committed["task_id"].isin(slice_runs["task_id"])].groupby(keys)["accuracy"].agg(
        ["mean", "nunique"]).rename(columns={"mean": "accuracy committed", "nunique": "seeds"})
    t = here.to_frame().join(ref, how="left").reset_index()
    t["difference (pp)"] = 100 * (t["accuracy here"] - t["accuracy committed"])
    t["method"] = t["method"].map(A.METHOD_LABEL)
    one_point = t["variant"].nunique() == 1
    def point(r) -> str:
        v = str(r["variant"])
        names = (v.split(":", 1)[1].split("x") if v.startswith(("vary:", "grid:")) else [])
        vals = ",".join(f"{n}={r[n]:g}" for n in names if n in r)
        return f"{v.split(':')[0]} {vals} {r['method']}".replace("  ", " ") if vals else f"{v} {r['method']}"

    t["point"] = t["method"] if one_point else t.apply(point, axis=1)
    means = t.groupby("point")[["accuracy here", "accuracy committed"]].mean()
    steps = sorted(slice_runs["steps"].dropna().astype(int).unique())
    n_runs = len(slice_runs)
    prov = {p["prov_id"]: p for p in A.load_provenance(folder)}
    dev = sorted({f"{prov[i].get('backend')} / {prov[i].get('device')}"
                  for i in slice_runs["prov_id"].unique() if i in prov})
    wall = float(slice_runs["wall_time"].sum())
    cnn = slice_runs[slice_runs["backbone"].isin(["vgg16", "vgg19"])]
    est = (t4_minutes(n_runs, int(cnn["n_source"].max()), int(cnn["n_target"].max()), max(steps),
                      str(cnn["backbone"].iloc[0])) if len(cnn) else float("nan"))
    est_txt = ("" if not np.isfinite(est) else
               f" (a T4 in float32 would need about {f'{est:.1f} min' if est >= 1 else f'{60 * est:.1f} s'}"
               " by FLOP count: an estimate, not a measurement)")
    page = Page(values={"slice_tasks": int(t["task_id"].nunique()), "slice_runs": n_runs,
                        "slice_steps": steps,
                        "slice_mean": {m: round(float(v), 6) for m, v in means["accuracy here"].items()},
                        "committed_mean": {m: (None if pd.isna(v) else round(float(v), 6))
                                           for m, v in means["accuracy committed"].items()}})
    page.add(f"### The slice re-computed here\n\n{t['task_id'].nunique()} tasks, "
             f"{t['point'].nunique()} method(s) or point(s), {n_runs} runs of "
             f"{', '.join(map(str, steps))} steps, seed 0, on {', '.join(dev) or '?'}: {wall:.0f} s "
             f"of training here{est_txt}."
             + (" **Fewer steps than the profile's: a check that the pipeline runs, not its "
                "numbers.**" if steps and max(steps) < int(committed["steps"].max() or 0) else "")
             + f"  Store: `{folder}`.  Committed runs made before training was deterministic "
               "are one draw each: differences of a few points are expected there (*How much one "
               "run tells*).")
    page.add(_fmt(t.drop(columns="point").set_index(keys[:3]), 3,
                  "accuracy here and in the committed store (mean over its seeds), same tasks"))
    return page


def pairs_page(pairs: pd.DataFrame, main: pd.DataFrame, profile: str, per_target: int = 2,
               seed: int = 0) -> Page:
    """Across superclass pairs: per-pair means and MRCNN - VGG, the gain against epsilon."""
    from .. import pairs as P

    runs = P.pair_runs(pairs, main, P.paper_sample(main, per_target, seed))
    page = Page(values={"pairs_with_runs": sorted(set(pairs["variant"])) if len(pairs) else []})
    if pairs.empty:
        page.add(f"**The cross-pair study has no runs yet** (profile `{profile}`): this page "
                 "shows the paper's pair only.  The study is GPU work; *How to re-run* and the "
                 "profile `pairs-vgg16` say how to make it.")
    t = P.pair_table(runs)
    if t.empty:
        return page.add("No runs to compare.")
    page.values["table"] = t.round(3).reset_index().to_dict(orient="list")
    cnn, shallow = P.split_table(t)  # two narrow tables rather than one of 18 columns
    if len(cnn.columns):
        page.add(_fmt(cnn, 1, "the CNN half, per pair: mean accuracy (%), MRCNN - VGG (pp) with "
                              "its 95% interval (bootstrap over target domains), tasks, seeds, "
                              "mean epsilon"))
    if len(shallow.columns):
        page.add(_fmt(shallow, 1, "the shallow half, per pair (all 400 tasks): mean accuracy (%), "
                                  "TSVM - LR (pp) with its 95% interval"))
    dom = P.domain_gains(runs)
    claims = P.pair_claims(t, dom)
    page.values["claims"] = claims
    page.add("**What the runs show** (computed):\n" + "\n".join(f"- {c}" for c in claims))
    if "MRCNN - VGG (pp)" in t and t["MRCNN - VGG (pp)"].notna().any():
        tt = t.dropna(subset=["MRCNN - VGG (pp)"])
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(MIN_WIDTH + 2, 4.2))
        y = np.arange(len(tt))
        ax1.errorbar(tt["MRCNN - VGG (pp)"], y, fmt="o", color="k",
                     xerr=[tt["MRCNN - VGG (pp)"] - tt["CI low"], tt["CI high"] - tt["MRCNN - VGG (pp)"]])
        ax1.axvline(0, color="0.5", lw=0.8)
        ax1.set_yticks(y, [p.replace("/", "\n/ ") for p in tt.index], fontsize=7)
        ax1.set_xlabel("MRCNN - VGG (pp), 95% interval")
        sns.scatterplot(data=dom, x="epsilon", y="gain_pp", hue="pair", ax=ax2, s=25, legend=False)
        ax2.axhline(0, color="0.5", lw=0.8)
        ax2.set_xlabel(r"target domain's neighbour confusion $\epsilon$")
        ax2.set_ylabel("MRCNN - VGG (pp), domain mean")
        fig.tight_layout()
        stamp(fig, stamp_text(runs))
        page.add(fig)
    return page


def _no_runs(runs: pd.DataFrame) -> Page | None:
    """A page that says so when its store holds no (ok) runs."""
    if runs.empty:
        return Page().add("**No runs in this store.**  Run the profile's sweeps (see *How to "
                          "re-run*) or point `results_dir` at a store.")
    return None


def _fmt(t: pd.DataFrame, precision: int, caption: str):
    return t.style.format(precision=precision, na_rep="-").set_caption(caption)


COREL_SUBSTITUTE = (
    "On Corel the CNN columns (VGG, MRCNN) are a **substitute**: the raw Corel images are not "
    "public, so they train the MRCNN head's fully connected layers on the 256-d Corel features, "
    "scaled to [0, 1], each at the paper's Corel setting, which for MRCNN also changes the "
    "learning rate and $\\beta$ (the Corel control, where its runs exist, separates them: the verdict \"MRCNN "
    "beats VGG\" on Corel compares two settings, not only the manifold term).  Readers who own "
    "the images can run the real CNN methods with `load_image_folder` (see *How to re-run*).")


def table1(runs: pd.DataFrame, profile: str, shares: dict | None = None) -> Page:
    """Table 1 (mean target accuracy per data set and LR group) with the claims tested."""
    if (empty := _no_runs(runs)) is not None:
        return empty
    pt = A.add_groups(A.per_task(runs))
    t1 = A.table1(pt)
    page = Page(values={"table1": t1.reset_index().to_dict(orient="list")})
    page.add(_fmt(t1, 1, f"Table 1 (profile {profile}): mean target accuracy (%), "
                         "tasks counted per group"))
    cov = A.coverage(pt)
    if (cov.nunique(axis=1) > 1).any():
        page.add("**Not every method ran on every task**: its mean is over the tasks below.")
    page.add(cov.style.set_caption("tasks with a result, per method"))
    from .. import stability as S

    ct = S.collapse_table(runs, shares)
    if len(ct):
        page.add(_fmt(ct, 1, "CNN runs that score exactly what predicting one class scores "
                             "('collapsed'), per run and per task" + S.collapse_note(ct)))
    if ((runs["dataset"] == "corel") & runs["method"].isin(CNN)).any():
        page.add(COREL_SUBSTITUTE)
    page.add("**What the data says about the paper's claims** (computed from the table's runs; "
             "seeds averaged per task, then paired per task.  The 16 tasks that share a "
             "CIFAR-100 target domain are not independent, so the 95% CI is a bootstrap over "
             "target domains; its p comes from the same resamples, so interval and p agree on the "
             "side of zero; a verdict needs the interval's bound clear of zero beyond its Monte "
             "Carlo error):")
    comp = A.comparisons(pt)
    lines = [f"- {A.verdict(comp, a, b, ds)}" + (CONFOUND_NOTE if (a, b, ds) == ("mrcnn", "vgg", "corel")
                                                   else "")
             for ds in sorted(pt["dataset"].unique())
             for a, b in PAIRS_TABLE1 if {a, b} <= set(pt[pt["dataset"] == ds]["method"])]
    page.add("\n".join(lines) if lines else "No pair of methods to compare.")
    if not comp.empty:
        page.add(comp.style.format({"mean_diff_pp": "{:+.1f}", "ci_low_pp": "{:+.1f}",
                                    "ci_high_pp": "{:+.1f}", "p": "{:.2g}"})
                 .hide(axis="index").set_caption(
                     "Paired differences in percentage points (pp) per group; CI: bootstrap over "
                     f"target domains (clusters), {A.N_BOOT} resamples; p: two-sided, from the same "
                     "resamples (the smallest it can be is 1/resamples)"))
    return page


def corel_control(runs: pd.DataFrame, control: pd.DataFrame, shares: dict | None = None) -> Page:
    """The Corel control beside Table 1: which part of MRCNN's Corel setting does what."""
    page = Page()
    if control.empty or (control["dataset"] != "corel").all():
        return page
    cr = A.control_runs(runs, control)
    t = A.control_table(cr, shares)
    page.values["control"] = t["accuracy (%)"].round(2).to_dict() if len(t) else {}
    page.add("### The Corel control: the manifold term apart from lr and beta\n\n"
             "The paper's Corel MRCNN differs from its VGG in three settings at once: the "
             "manifold term ($\\alpha = 10^{-3}$), the learning rate ($10^{-2.5}$ against "
             "$10^{-4}$) and $\\beta$ ($0.1$ against $0.01$).  The control separates them on "
             f"the same {cr['task_id'].nunique()} tasks and seeds (runs of one store set, seeds "
             "averaged per task, differences paired per task, intervals a bootstrap over the "
             "target domains):")
    page.add(_fmt(t, 1, "Corel control: mean accuracy and runs that predict one class"))
    claims = A.control_claims(cr)
    page.values["control_claims"] = claims
    page.add("\n".join(f"- {c}" for c in claims))
    return page


def fig2a(runs: pd.DataFrame, dataset: str = "cifar100") -> Page:
    """Fig. 2(a): LR, VGG, MRCNN averaged per target domain, domains sorted by LR."""
    if (empty := _no_runs(runs)) is not None:
        return empty
    runs = runs[runs["dataset"] == dataset]
    td = labelled(A.by_target_domain(A.per_task(runs), dataset))
    page = Page(values={"n_target_domains": int(td["target"].nunique())})
    fig, ax = plt.subplots(figsize=(10, 4))
    sns.pointplot(data=td, x="target", y="accuracy", hue="Method", ax=ax, markersize=4,
                  palette=PALETTE,
                  linewidth=1.2)
    ax.set_xlabel("target domain (sorted by LR accuracy)")
    ax.set_ylabel("mean target accuracy")
    ax.tick_params(axis="x", rotation=75)
    ax.set_title(f"Fig. 2(a), {dataset}: tasks per domain: {td['tasks'].min()}-{td['tasks'].max()}")
    stamp(fig, stamp_text(runs))
    page.add(fig)
    claims = A.domain_claims(A.per_task(runs), dataset)
    if claims:
        page.add("**Per target domain** (computed; seeds averaged per task, then tasks per "
                 "domain):\n" + "\n".join(f"- {c}" for c in claims))
    return page


def training_curves(folders, runs: pd.DataFrame, dataset: str = "cifar100") -> Page:
    """The per-step loss terms and target accuracy of the runs whose curves are stored:
    each run a faint unlabelled line, the mean per method in bold (a legend of methods
    only, so it stays readable however many tasks are stored)."""
    runs = runs[runs["dataset"] == dataset]
    c = A.curves(folders, runs)
    if c.empty:
        return Page().add("No training curves stored.")
    names = {"ce": "source cross-entropy", "omega": r"$\Omega = \mathrm{tr}(F^\top L F)$",
             "l2": "R (sum of squared weights / 2)", "target_acc": "target accuracy"}
    c = c.assign(Method=c["method"].map(A.METHOD_LABEL))
    fig, axes = plt.subplots(2, 2, figsize=(MIN_WIDTH, 6.2))
    for ax, term in zip(axes.flat, names):
        for (m, _, _), d in c.groupby(["Method", "task_id", "seed"]):
            ax.plot(d["step"], d[term], color=PALETTE[m], lw=0.6, alpha=0.18)
        for m, d in c.groupby("Method"):
            mean = d.groupby("step")[term].mean()
            ax.plot(mean.index, mean.values, color=PALETTE[m], lw=2.2, label=f"{m} (mean)")
        ax.set_title(names[term])
        ax.set_xlabel("full-batch step")
        if term != "target_acc":  # one early spike (a loss of 10 at step 1) flattened the panel
            top = float(np.nanpercentile(c[term], 99))
            if np.isfinite(top) and top > 0 and float(np.nanmax(c[term])) > 1.5 * top:
                ax.set_ylim(bottom=min(0.0, float(np.nanmin(c[term]))), top=1.2 * top)
                ax.set_title(f"{names[term]} (y clipped at 1.2 x its 99th percentile)", fontsize=9)
    axes.flat[0].legend(fontsize=9)
    n_runs = int(c[["task_id", "method", "seed"]].drop_duplicates().shape[0])
    fig.suptitle(f"Training curves, {dataset}: {c['task_id'].nunique()} tasks, {n_runs} runs "
                 "(faint: each run; bold: the mean per method)", fontsize=10)
    fig.tight_layout()
    stamp(fig, stamp_text(runs))
    return Page(values={"n_curve_runs": n_runs}).add(fig)


def epsilon_claims(pt: pd.DataFrame) -> list[str]:
    """Spearman correlation of epsilon and accuracy over target-domain means, per method."""
    from scipy.stats import spearmanr

    rows = []
    for (ds, m), d in labelled(pt).groupby(["dataset", "Method"]):
        dom = d.groupby("target")[["epsilon", "accuracy"]].mean()
        if len(dom) > 2:
            r = spearmanr(dom["epsilon"], dom["accuracy"])
            word = "supports it" if r.statistic < 0 and r.pvalue < 0.05 else "does not support it"
            rows.append(f"{ds}, {m}: Spearman rho = {r.statistic:+.2f} (p = {r.pvalue:.2g}, "
                        f"{len(dom)} target domains, {len(d)} tasks): {word}")
    return rows


def fig2b(runs: pd.DataFrame, profile: str) -> Page:
    """Fig. 2(b) (accuracy against epsilon) and Table 2 (accuracy per epsilon group)."""
    if (empty := _no_runs(runs)) is not None:
        return empty
    pt = A.add_groups(A.per_task(runs))
    # one colour and one marker per method (the registry's), half transparent: 7 methods overlap
    g = sns.relplot(data=labelled(pt), x="epsilon", y="accuracy", hue="Method", style="Method",
                    palette=PALETTE, alpha=0.55, col="dataset",
                    kind="scatter", height=3.6, s=25, facet_kws={"sharex": False},
                    aspect=facet_aspect(pt["dataset"].nunique(), 3.6, 1.3))
    for ax in g.axes.flat:
        ax.axvline(0.10, color="0.6", ls=":")
        ax.axvline(0.15, color="0.6", ls=":")
        ax.set_xlabel(r"neighbour confusion $\epsilon$ of the target graph")
        ax.set_ylabel("target accuracy")
    stamp(g.figure, stamp_text(runs))
    g.fig.suptitle("Fig. 2(b): accuracy against epsilon", y=1.04)
    t2 = A.table2(pt)
    page = Page(values={"table2_rows": int(len(t2))}).add(g.fig)
    page.add(_fmt(t2, 1, f"Table 2 (profile {profile}): mean accuracy (%) per epsilon group, "
                         "the paper's bins"))
    bc = A.bin_counts(pt)
    page.add(_fmt(bc, 0, "target domains and tasks in each of the paper's bins: on this "
                         "backbone's graph they do not split the data evenly"))
    t3 = A.table2_terciles(pt)
    page.values["tercile_rows"] = int(len(t3))
    if len(t3):
        page.add(_fmt(t3, 1, "Table 2 by terciles of the target domains' epsilon (groups that "
                             "split the data: about a third of the domains each)"))
    page.add("Claim 'accuracy drops as epsilon grows' (tested on target-domain means, since a "
             "domain's tasks share its epsilon; a significantly negative rank correlation "
             "supports it):\n" + "\n".join(f"- {r}" for r in epsilon_claims(pt)))
    gains = A.gain_vs_epsilon(pt)
    if gains:
        page.add("The paper's explanation of where MRCNN fails (more neighbour confusion, less "
                 "gain over VGG), tested on target-domain means:\n"
                 + "\n".join(f"- {r}" for r in gains))
    return page


def fig3(runs: pd.DataFrame, profile: str) -> Page:
    """Fig. 3: MRCNN's sensitivity to r, alpha, beta and k, one at a time, and the grid."""
    sens = A.sensitivity(runs)
    params = [p for p in ("lr", "alpha", "beta", "k") if p in sens]
    page = Page(values={"sensitivity_params": params, "n_tasks": int(runs["task_id"].nunique())})
    if not params:
        return page.add("No sensitivity runs in this store.")
    fig, axes = plt.subplots(2, 2, figsize=(MIN_WIDTH, 6.5), sharey=True)
    for ax, p in zip(axes.flat, params):
        d = sens[p].copy()
        vals = sorted(d[p].unique())
        d["value"] = pd.Categorical(d[p].map(lambda v: f"{v:g}"),
                                    categories=[f"{v:g}" for v in vals], ordered=True)
        sns.pointplot(data=d, x="value", y="accuracy", errorbar=("ci", 95), ax=ax, markersize=5)
        ax.set_xlabel(PARAM_NAMES[p] + ("" if p == "k" else " (log-spaced values)"))
        ax.set_ylabel("target accuracy")
        ax.tick_params(axis="x", rotation=30)
    for ax in list(axes.flat)[len(params):]:
        ax.set_visible(False)
    n_curve = {p: sens[p]["task_id"].nunique() for p in params}
    fig.suptitle("Fig. 3: MRCNN, mean over "
                 + ", ".join(f"{n} tasks ({p})" for p, n in n_curve.items())
                 + "; 95% CI over tasks", y=1.05, fontsize=10)
    fig.tight_layout()
    stamp(fig, stamp_text(runs))
    page.add(fig)
    base = runs[runs["variant"] == "base"].iloc[0]
    claims = A.sensitivity_claims(sens, {p: float(base[p]) for p in ("k", "alpha", "beta", "lr")})
    page.add("**What the runs show** (computed):\n" + "\n".join(f"- {c}" for c in claims))
    if "grid" in sens:
        gfig, ax = plt.subplots(figsize=(MIN_WIDTH, 4.2))
        sns.heatmap(sens["grid"] * 100, annot=True, fmt=".1f", cmap="viridis", ax=ax,
                    cbar_kws={"label": "target accuracy (%)"})
        ax.set_title(f"accuracy (%) over the grid (profile {profile})")
        stamp(gfig, stamp_text(runs))
        page.add(gfig)
    return page


def statistics(runs: pd.DataFrame, profile: str) -> Page:
    """Per-task paired differences (strip plot) and the CNN methods' spread over seeds."""
    if (empty := _no_runs(runs)) is not None:
        return empty
    pt = A.add_groups(A.per_task(runs))
    long = A.paired_differences(pt, PAIRS_STATS)
    page = Page(values={"n_pairs": int(long["comparison"].nunique()) if len(long) else 0})
    if not long.empty:
        g = sns.catplot(data=long, x="difference (pp)", y="comparison", hue="group", col="dataset",
                        kind="strip", height=3.2, dodge=True, alpha=0.6, s=12,
                        aspect=facet_aspect(long["dataset"].nunique(), 3.2, 1.4))
        for ax in g.axes.flat:
            ax.axvline(0, color="k", lw=0.8)
        stamp(g.figure, stamp_text(runs))
        g.fig.suptitle("per-task accuracy differences (percentage points)", y=1.05)
        page.add(g.fig)
    cnn = pt[pt["method"].isin(CNN)]
    seeds = int(runs[runs["method"].isin(CNN)]["seed"].nunique()) if len(cnn) else 0
    if seeds > 1:
        s = (cnn.assign(method=cnn["method"].map(A.METHOD_LABEL))
             .groupby(["dataset", "method"])["accuracy_std"].describe()[["mean", "50%", "max"]]
             .rename(columns={"50%": "median"}))
        page.add(_fmt(s * 100, 2, f"std of accuracy over up to {seeds} seeds, per task (pp)"))
    else:
        page.add(f"The CNN methods were run with {seeds} seed(s) in profile **{profile}**; the "
                 "seed spread needs more.")
    return page


def ablations(runs: pd.DataFrame, profile: str) -> Page:
    """The ablation table (paired to the paper's variant) and each task's accuracy."""
    t = A.ablation_table(runs)
    page = Page(values={"ablation_variants": list(t.index)})
    if t.empty:
        return page.add("No ablation runs in this store.")
    page.add(_fmt(t, 2, f"Ablations (profile {profile}): mean target accuracy and paired "
                        "difference to the paper's variant"))
    d = runs.assign(Variant=runs["variant"].map(A.ABLATION_LABEL))
    fig, ax = plt.subplots(figsize=(MIN_WIDTH, 3.8))
    sns.stripplot(data=d, y="Variant", x="accuracy", hue="task_id", ax=ax, s=6)
    sns.pointplot(data=d, y="Variant", x="accuracy", color="k", markers="|", linestyles="none",
                  ax=ax, errorbar=None)
    ax.set_xlabel("target accuracy")
    ax.set_ylabel("")
    # the tasks' legend beside the axes, readable (it named 10 tasks in ~5 px type inside them)
    ax.legend(fontsize=8, title="task (seeds averaged in the black mark)", title_fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    stamp(fig, stamp_text(runs))
    return page.add(fig)


def target_graph(x: np.ndarray, yt: np.ndarray, k: int, names: tuple[str, str], title: str,
                 note: str) -> tuple[plt.Figure, float]:
    """A target domain's kNN graph in its first two principal components, with epsilon."""
    from sklearn.decomposition import PCA

    from ..graph import knn_graph, neighbour_confusion

    M = knn_graph(x, k)
    eps = neighbour_confusion(M, yt)
    Z = PCA(2, random_state=0).fit_transform(x)
    fig, ax = plt.subplots(figsize=(MIN_WIDTH, 6))
    i, j = np.nonzero(np.triu(M))
    same = yt[i] == yt[j]
    for mask, col, lab in ((same, "0.75", "edge, same class"),
                           (~same, "tab:red", "edge, different class")):
        ax.plot(np.c_[Z[i[mask], 0], Z[j[mask], 0]].T, np.c_[Z[i[mask], 1], Z[j[mask], 1]].T,
                color=col, lw=0.5)
        ax.plot([], [], color=col, label=lab)
    for y, m, name in ((1, "o", names[0]), (0, "s", names[1])):
        ax.scatter(*Z[yt == y].T, marker=m, s=14, label=name)
    ax.set_xlabel("PC 1 of the graph's features")
    ax.set_ylabel("PC 2")
    ax.set_title(f"{title}: k = {k}, epsilon = {eps:.3f}")
    ax.legend(fontsize=8)
    fig.text(0.01, -0.02, note, fontsize=7, color="0.35")
    return fig, eps


def _public_path(source) -> str:
    """A data path as a reader can use it: relative to the data folder's parent (the machine
    that built the book has its own absolute paths, which mean nothing to a reader)."""
    p = Path(str(source))
    base = os.environ.get("MRCNN_DATA_DIR")
    if base:
        try:
            return str(p.resolve().relative_to(Path(base).resolve().parent))
        except ValueError:
            pass
    return "/".join(p.parts[-3:])


def data_summary(cifar, tasks, corel, ctasks) -> pd.DataFrame:
    """The two data sets: where they come from, their sizes and their tasks."""
    def span(xs):
        return f"{min(xs)}-{max(xs)}" if min(xs) != max(xs) else str(min(xs))

    return pd.DataFrame([
        {"dataset": "CIFAR-100", "source": _public_path(cifar.source), "samples": len(cifar.x),
         "preprocessing": cifar.preprocessing, "classes used": 10, "tasks": len(tasks),
         "source domain": span([t.n_source for t in tasks]),
         "target domain": span([t.n_target for t in tasks])},
        {"dataset": "Corel (256-d features)", "source": _public_path(corel.source), "samples": len(corel.x),
         "preprocessing": corel.preprocessing, "classes used": 8, "tasks": len(ctasks),
         "source domain": span([t.n_source for t in ctasks]),
         "target domain": span([t.n_target for t in ctasks])}]).set_index("dataset")


def sample_images(cifar, per_class: int = 8) -> plt.Figure:
    """The first images of each of the ten classes of the paper's tasks."""
    classes = cifar.groups["fruit_and_vegetables"] + cifar.groups["household_electrical_devices"]
    fig, axes = plt.subplots(len(classes), per_class, figsize=(max(per_class, MIN_WIDTH), 10.5))
    for r, c in enumerate(classes):
        for j, i in enumerate(cifar.indices_of(c)[:per_class]):
            axes[r, j].imshow(cifar.x[i])
        for ax in axes[r]:
            ax.axis("off")
        axes[r, 0].set_title(c, fontsize=8, loc="left")
    fig.suptitle("CIFAR-100: positive = fruit_and_vegetables (top 5 rows), "
                 "negative = household_electrical_devices")
    return fig


def experiments_overview(prof, results: str, datasets, experiments, compute: bool,
                         weights: str | None = None) -> Page:
    """What the profile plans against what its stores hold; with ``compute``, run the
    missing runs first (the sweeps skip every stored run)."""
    import os

    from ..experiments import status, sweep

    rows, errors = [], []
    for experiment in experiments:
        spec = prof.data["experiments"].get(experiment)
        for dataset in datasets:
            if spec is None or (experiment == "main" and dataset not in spec) or (
                    experiment != "main" and dataset != spec.get("dataset", "cifar100")):
                continue
            if not compute:  # every store under the profile's folder counts
                rows.append({**status(prof, dataset=dataset, experiment=experiment,
                                      results=results), "store": results})
                continue
            where = results
            s = sweep(prof, dataset=dataset, experiment=experiment, results=where,
                      weights=weights or None, progress=False)
            rows.append({"experiment": experiment, "dataset": dataset, "planned": s.planned,
                         "already stored": s.skipped, "run now": s.done, "failed": s.failed,
                         "wall time (s)": round(s.wall_time, 1), "store": where})
            errors += s.errors[:5]
    table = pd.DataFrame(rows)
    page = Page(values={
        "planned": int(table["planned"].fillna(0).sum()) if len(table) else 0,
        "results": results, "computed": bool(compute),
        "failed": int(table["failed"].sum()) if "failed" in table else 0,
        "stored": int(table["stored"].sum()) if "stored" in table else None})
    page.add(f"Profile **{prof.name}** (`{os.path.relpath(prof.path)}`): "
             f"{prof.data.get('description', '')}")
    if prof.differences:
        page.add("Differences from the paper, as the profile states them:\n"
                 + "\n".join(f"- {d}" for d in prof.differences))
    page.add("**Computed now**" if compute else
             "**Read from the committed stores** (nothing trained while building this page); a "
             "run that is planned but not stored is *missing*, and the pages show only what is "
             "stored.")
    if len(table):
        page.add(table.style.hide(axis="index").set_caption(
            "runs per experiment and data set: planned by the profile, stored, missing"))
    if errors:
        page.add("Failed runs:\n" + "\n".join(f"- {e}" for e in errors))
    return page


def moons_boundaries(models: dict, Xs, ys, Xt, yt, k: int) -> plt.Figure:
    """Decision boundaries of 2-d models (name -> fitted estimator) with the target kNN graph."""
    from ..graph import knn_graph

    xx, yy = np.meshgrid(np.linspace(-2.5, 3.5, 200), np.linspace(-2.5, 2.5, 200))
    grid = np.c_[xx.ravel(), yy.ravel()].astype("float32")
    M = knn_graph(Xt, k)
    i, j = np.nonzero(np.triu(M))
    fig, axes = plt.subplots(1, len(models), figsize=(max(5 * len(models), MIN_WIDTH), 4),
                             sharey=True)
    for ax, (name, model) in zip(np.atleast_1d(axes), models.items()):
        ax.contourf(xx, yy, model.predict_proba(grid)[:, 1].reshape(xx.shape), levels=20,
                    cmap="RdBu_r", alpha=0.35)
        ax.plot(np.c_[Xt[i, 0], Xt[j, 0]].T, np.c_[Xt[i, 1], Xt[j, 1]].T, color="0.7", lw=0.4,
                zorder=1)
        ax.scatter(*Xs.T, c=ys, cmap="RdBu_r", marker="x", s=12, label="source (labelled)")
        ax.scatter(*Xt.T, c=yt, cmap="RdBu_r", edgecolor="k", s=14, label="target (true label)")
        ax.set_title(f"{name}: target accuracy {model.score(Xt, yt):.1%}")
        ax.set_xlabel("$x_1$")
    first = np.atleast_1d(axes)[0]
    first.set_ylabel("$x_2$")
    first.legend(loc="lower left", fontsize=8)
    fig.suptitle("Decision boundary (colour = P(y=1)); grey lines: the target kNN graph. "
                 "Synthetic data, profile-independent.")
    return fig


SELECTED = {m: x.selects for m, x in REGISTRY.items() if x.selects}  # from the registry


def selection_grids() -> dict[tuple[str, str], tuple]:
    """(method, key of ``chosen``) -> the grid its source-only selection searches."""
    from ..baselines.lr import C_GRID
    from ..baselines.tca import DIM_GRID
    from ..baselines.tsvm import LAMBDA_GRID

    return {("lr", "C"): C_GRID, ("svm", "C"): C_GRID, ("tsvm", "lam"): LAMBDA_GRID,
            ("tca", "n_components"): DIM_GRID}


def selection_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The shallow methods' runs (the registry's), whose choices the selection page shows."""
    return runs[runs["method"].isin([m for m, x in REGISTRY.items() if not x.cnn])]


def grid_edge_lines(runs: pd.DataFrame) -> list[str]:
    """Computed sentences: where a selection piles at an edge of its grid (a third of the
    tasks or more), per data set; the rest are summarised in one line."""
    import json

    out, quiet = [], []
    for (m, key), grid in selection_grids().items():
        label = dict(SELECTED.get(m, ())).get(key, f"{m}: {key}")
        for ds, d in runs[runs["method"] == m].groupby("dataset"):
            vals = [json.loads(c).get(key) for c in d["chosen"] if isinstance(c, str) and c.startswith("{")]
            vals = [float(v) for v in vals if isinstance(v, (int, float))]
            if not vals:
                continue
            for edge, name in ((min(grid), "lowest"), (max(grid), "highest")):
                n = sum(np.isclose(v, edge) for v in vals)
                if n >= len(vals) / 3:
                    out.append(f"{ds}, {label}: {n} of {len(vals)} tasks chose {edge:g}, the "
                               f"{name} value of its grid ({min(grid):g} to {max(grid):g}): the "
                               "source-CV optimum may lie beyond it, and a wider grid could "
                               "change this method's column.")
                    break
            else:
                quiet.append(f"{ds} {label}")
    if quiet:
        out.append("No edge holds a third of the tasks for: " + ", ".join(quiet) + ".")
    return out


def selected_hparams(runs: pd.DataFrame) -> Page:
    """What the shallow baselines' honest selection chose, per data set: a choice piled
    at the edge of its grid says the grid (or the input scaling) is wrong."""
    import json

    rows = []
    for _, r in runs[runs["method"].isin(list(SELECTED))].iterrows():
        try:
            c = json.loads(r["chosen"]) if isinstance(r["chosen"], str) else {}
        except ValueError:
            continue
        for key, label in SELECTED[r["method"]]:
            if key in c:  # numbers in numeric form, names (TSVM's winning start) as they are
                v = c[key]
                rows.append({"dataset": r["dataset"], "parameter": label,
                             "value": f"{v:g}" if isinstance(v, (int, float)) else str(v)})
    d = pd.DataFrame(rows)
    page = Page(values={"n_choices": int(len(d))})
    if d.empty:
        return page.add("No shallow-baseline runs with recorded choices in this store.")
    panels = list(d.groupby(["dataset", "parameter"]))
    ncol = 4
    nrow = -(-len(panels) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.6 * nrow), squeeze=False)
    for ax, ((ds, param), sub) in zip(axes.flat, panels):
        counts = sub["value"].value_counts()
        try:  # numeric grids in numeric order, the start names as they come
            order = sorted(counts.index, key=float)
        except ValueError:
            order = sorted(counts.index)
        ax.bar(range(len(order)), [counts[v] for v in order], color="tab:blue")
        ax.set_xticks(range(len(order)), order, rotation=45, fontsize=8)
        ax.set_title(f"{ds}: {param}", fontsize=9)
        ax.set_ylabel("tasks")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle("Hyper-parameters chosen without target labels (tasks per value)", y=1.0)
    fig.tight_layout()
    stamp(fig, stamp_text(runs))
    page.add(fig)
    lines = grid_edge_lines(runs)
    page.values["edge_lines"] = lines
    if lines:
        page.add("**At the edges of the grids** (computed):\n" + "\n".join(f"- {x}" for x in lines))
    return page


def stability(runs: pd.DataFrame, profile: str, verify_lines: pd.DataFrame | None = None,
              shares: dict | None = None, effect_pp: float | None = None) -> Page:
    """How much one run tells: seed spread, collapsed runs, device spread, tasks x seeds needed."""
    from .. import stability as S

    if (empty := _no_runs(runs)) is not None:
        return empty
    sp = S.seed_spread(runs)
    page = Page(values={"tasks_with_seeds": int(len(sp))})
    if sp.empty:
        page.add(f"No task of profile **{profile}** was run with more than one seed: the seed "
                 "spread needs more (the committed imagenet-vgg16 stores have three).")
    else:
        d = sp.assign(Method=sp["method"].map(A.METHOD_LABEL))
        g = sns.displot(data=d, x="std_pp", hue="Method", palette=PALETTE, col="dataset",
                        kind="ecdf", height=3.2,
                        aspect=facet_aspect(d["dataset"].nunique(), 3.2, 1.3), facet_kws={"sharex": False})
        g.set_axis_labels("std of accuracy over a task's seeds (pp)", "share of tasks")
        stamp(g.figure, stamp_text(runs))
        page.add(g.figure)
        tab = (sp.assign(method=sp["method"].map(A.METHOD_LABEL))
               .groupby(["dataset", "method"])["std_pp"].describe()[["count", "mean", "50%", "75%", "max"]]
               .rename(columns={"count": "tasks", "50%": "median"}))
        tab["tasks"] = tab["tasks"].astype(int)  # a count, not "256.00"
        page.add(tab.style.format(precision=2, na_rep="-").format({"tasks": "{:d}"}).set_caption(
            "per-task standard deviation over seeds (pp), seeds 0-2 where run"))
    gaps = S.seed_pair_gaps(runs)
    if not gaps.empty:
        gaps = gaps.rename(index=A.METHOD_LABEL, level="method")  # the methods' labels everywhere
        page.add(_fmt(gaps, 1, "seed 0 against seed 1 on the same task: mean gap and the share of "
                               "tasks where they differ by more than 10 pp"))
    ct = S.collapse_table(runs, shares)
    page.values["collapse"] = {f"{a}/{b}": (None if np.isnan(v) else float(v)) for (a, b), v in
                               ct["collapsed runs (%)"].items()} if len(ct) else {}
    page.add(_fmt(ct, 1, "runs that score exactly what predicting one class scores "
                         "('collapsed'), per run and per task" + S.collapse_note(ct)))
    if verify_lines is not None and not verify_lines.empty:
        dv = S.device_spread(verify_lines)
        if len(dv):
            dv = dv.rename(index=A.METHOD_LABEL, level="method")
            page.add(_fmt(dv, 2, "the same runs re-run on another backend, device or precision "
                                 "(python -m mrcnn_core verify; its files are in benchmarks/verify): "
                                 "|difference| of accuracy (pp)"))
        if (sent := S.legacy_reruns(verify_lines)):
            page.add(sent)
    # what follows: tasks x seeds a statement needs
    pt = A.per_task(runs[runs["dataset"] == "cifar100"])
    wide = A.task_table(A.add_groups(pt)) if len(pt) else pd.DataFrame()
    if {"mrcnn", "vgg"} <= set(wide.columns) and not sp.empty:
        diff = (wide["mrcnn"] - wide["vgg"]).dropna()
        dom = diff.groupby(wide.loc[diff.index, "target"]).mean()
        seed_sd = float(sp[(sp["dataset"] == "cifar100")]["std_pp"].mean())
        task_sd = float(100 * dom.std(ddof=1))
        eff = effect_pp if effect_pp is not None else float(100 * diff.mean())
        page.values.update(seed_sd_pp=seed_sd, domain_sd_pp=task_sd, effect_pp=eff)
        page.add(_fmt(S.halfwidth_table(seed_sd, task_sd), 1,
                      f"approximate 95% half-width of a mean MRCNN - VGG difference on CIFAR-100 "
                      f"(seed spread {seed_sd:.1f} pp, spread between target domains "
                      f"{task_sd:.1f} pp, tasks of one target domain as one cluster)"))
        page.add("**What follows** (computed): " + S.needs_sentence(seed_sd, task_sd, eff)
                 + " A figure over 3 tasks and 1 seed cannot separate effects of a few points; "
                 "the study pages state their intervals and say *indistinguishable* where the "
                 "interval covers zero.")
    return page
