"""How much one run tells (27) and the cross-pair study (28)."""
from __future__ import annotations


import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ... import analysis as A
from ..plots import MIN_WIDTH, PALETTE, facet_aspect, pair_palette, stamp, stamp_text
from ..notebook import doc_link
from .page import Page, caption, fmt, no_runs, word, words


def stability(runs: pd.DataFrame, profile: str, verify_lines: pd.DataFrame | None = None,
              shares: dict | None = None, effect_pp: float | None = None) -> Page:
    """How much one run tells: seed spread, collapsed runs, device spread, tasks x seeds needed."""
    from ...studies import stability as S

    if (empty := no_runs(runs)) is not None:
        return empty
    sp = S.seed_spread(runs)
    page = Page(values={"tasks_with_seeds": int(len(sp))})
    _seed_spread(page, sp, runs, profile)
    gaps = S.seed_pair_gaps(runs)
    if not gaps.empty:
        gaps = gaps.rename(index=A.METHOD_LABEL, level="method")  # the methods' labels everywhere
        page.add(fmt(gaps, 1, "seed 0 against seed 1 on the same task: mean gap and the share of "
                               "tasks where they differ by more than 10 pp"))
    ct = S.collapse_table(runs, shares)
    page.values["collapse"] = {f"{a}/{b}": (None if np.isnan(v) else float(v)) for (a, b), v in
                               ct["collapsed runs (%)"].items()} if len(ct) else {}
    page.add(fmt(ct, 1, "runs that score exactly what predicting one class scores "
                         "('collapsed'), per run and per task" + S.collapse_note(ct)))
    if verify_lines is not None and not verify_lines.empty:
        dv = S.device_spread(verify_lines)
        if len(dv):
            dv = dv.rename(index=A.METHOD_LABEL, level="method")
            page.add(fmt(dv, 2, "the same runs re-run on another backend, device or precision "
                                 "(python -m mrcnn_core verify; its files are in benchmarks/verify): "
                                 "|difference| of accuracy (pp)"))
        if (sent := S.legacy_reruns(verify_lines)):
            page.add(sent)
    _what_follows(page, runs, sp, effect_pp)
    return page


def _seed_spread(page: Page, sp: pd.DataFrame, runs: pd.DataFrame, profile: str) -> None:
    """The spread of a task's seeds: the ECDF per method and its table."""
    if sp.empty:
        page.add(f"No task of profile **{profile}** was run with more than one seed: the seed "
                 "spread needs more (the committed imagenet-vgg16 stores have three).")
    else:
        d = sp.assign(Method=sp["method"].map(A.METHOD_LABEL), dataset=sp["dataset"].map(word))
        g = sns.displot(data=d, x="std_pp", hue="Method", palette=PALETTE, col="dataset",
                        kind="ecdf", height=3.2,
                        aspect=facet_aspect(d["dataset"].nunique(), 3.2, 1.3), facet_kws={"sharex": False})
        g.set_axis_labels("std of accuracy over a task's seeds (pp)", "share of tasks")
        g.set_titles("{col_name}")
        stamp(g.figure, stamp_text(runs))
        page.add(g.figure, caption("for each method, the share of tasks whose seeds spread by "
                                   "at most x pp; a curve far to the right means one run of "
                                   "that method says little about the next."))
        tab = (sp.assign(method=sp["method"].map(A.METHOD_LABEL))
               .groupby(["dataset", "method"])["std_pp"].describe()[["count", "mean", "50%", "75%", "max"]]
               .rename(columns={"count": "tasks", "50%": "median"}))
        tab["tasks"] = tab["tasks"].astype(int)  # a count, not "256.00"
        page.add(words(tab).style.format(precision=2, na_rep="-").format("{:d}", subset=["tasks"])
                 .set_caption("per-task standard deviation over seeds (pp), over each task's "
                              "stored seeds"))


def _what_follows(page: Page, runs: pd.DataFrame, sp: pd.DataFrame, effect_pp) -> None:
    """Tasks x seeds a statement needs, from the seed spread and the spread between domains."""
    from ...studies import stability as S

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
        page.add(fmt(S.halfwidth_table(seed_sd, task_sd), 1,
                      f"approximate 95% half-width of a mean MRCNN - VGG difference on CIFAR-100 "
                      f"(seed spread {seed_sd:.1f} pp, spread between target domains "
                      f"{task_sd:.1f} pp, tasks of one target domain as one cluster)"))
        page.answered("How much does one run tell?",
                      f"Little on its own: on CIFAR-100 a task's seeds differ by {seed_sd:.1f} pp "
                      f"(standard deviation) and target domains by {task_sd:.1f} pp, against an "
                      f"effect of {eff:+.1f} pp; " + S.needs_sentence(seed_sd, task_sd, eff))
        page.add("**What follows** (computed): " + S.needs_sentence(seed_sd, task_sd, eff)
                 + " A figure over 3 tasks and 1 seed cannot separate effects of a few pp; "
                 "the study pages state their intervals and say *indistinguishable* where the "
                 "interval covers zero.")


def word_pairs(text: str) -> str:
    """Superclass pair names in words inside a sentence (vehicles_1/vehicles_2 -> vehicles 1 /
    vehicles 2)."""
    import re

    return re.sub(r"[\w-]+(?:_[\w-]+)*/[\w-]+", lambda m: word(m.group(0)), text)


def pairs_shown_runs(pairs: pd.DataFrame, main: pd.DataFrame, per_target: int = 2,
                     seed: int = 0) -> pd.DataFrame:
    """The runs the pairs page shows: the study's, and the paper pair's from the main store
    at the study's sample (the banner, the figures and the CSV describe the same runs)."""
    from ...studies import pairs as P

    return P.pair_runs(pairs, main, P.paper_sample(main, per_target, seed))


def pairs_page(pairs: pd.DataFrame, main: pd.DataFrame, profile: str, per_target: int = 2,
               seed: int = 0) -> Page:
    """Across superclass pairs: per-pair means and MRCNN - VGG, the gain against epsilon."""
    from ...studies import pairs as P

    runs = pairs_shown_runs(pairs, main, per_target, seed)
    page = Page(values={"pairs_with_runs": sorted(set(pairs["variant"])) if len(pairs) else []})
    if pairs.empty:
        page.add(f"**The cross-pair study has no runs yet** (profile `{profile}`): this page "
                 "shows the paper's pair only.  The study is GPU work; " + doc_link("rerun", "How to re-run")
                 + " and the "
                 "profile `pairs-vgg16` say how to make it.")
    t = P.pair_table(runs)
    if t.empty:
        return page.add("No runs to compare.")
    page.values["table"] = t.round(3).reset_index().to_dict(orient="list")
    cnn, shallow = P.split_table(t)  # two narrow tables rather than one of 18 columns
    if "mean epsilon" in cnn:  # a share, in percent like every other share (one decimal)
        cnn = cnn.assign(**{"mean epsilon": 100 * cnn["mean epsilon"]}).rename(
            columns={"mean epsilon": "mean epsilon (%)"})
    if len(cnn.columns):
        page.add(fmt(cnn, 1, "the CNN half, per pair: mean accuracy (%), MRCNN - VGG (pp) with "
                              "its 95% interval (bootstrap over target domains), tasks, seeds, "
                              "mean epsilon"))
    if len(shallow.columns):
        page.add(fmt(shallow, 1, "the shallow half, per pair (all 400 tasks): mean accuracy (%), "
                                  "TSVM - LR (pp) with its 95% interval"))
    dom = P.domain_gains(runs)
    claims = P.pair_claims(t, dom)
    page.values["claims"] = claims
    gain = next((c for c in claims if c.startswith("MRCNN beats VGG")), None)
    if gain:
        page.answered("Does MRCNN's gain over VGG hold on other superclass pairs "
                      "(exploratory)?", word_pairs(gain))
    page.add("**What the runs show** (computed):\n" + "\n".join(f"- {word_pairs(c)}" for c in claims))
    if "MRCNN - VGG (pp)" in t and t["MRCNN - VGG (pp)"].notna().any():
        _gain_figure(page, t, dom, runs)
    return page


def _gain_figure(page: Page, t: pd.DataFrame, dom: pd.DataFrame, runs: pd.DataFrame) -> None:
    """Left: each pair's MRCNN - VGG with its interval; right: the gain against epsilon per
    target domain, in the pair's colour."""
    tt = t.dropna(subset=["MRCNN - VGG (pp)"])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(MIN_WIDTH + 2, 4.2),
                                   gridspec_kw={"wspace": 0.35})
    y = np.arange(len(tt))
    colours = pair_palette(list(tt.index) + sorted(set(dom["pair"]) - set(tt.index)))
    for yi, (name, r) in zip(y, tt.iterrows()):  # each pair in its colour, as on the right
        ax1.errorbar(r["MRCNN - VGG (pp)"], yi, fmt="o", color=colours[name],
                     xerr=[[r["MRCNN - VGG (pp)"] - r["CI low"]],
                           [r["CI high"] - r["MRCNN - VGG (pp)"]]])
    ax1.axvline(0, color="0.5", lw=0.8)
    ax1.set_yticks(y, [word(p).replace(" / ", "\n/ ") for p in tt.index], fontsize=7)
    ax1.set_xlabel("MRCNN - VGG (pp), 95% interval")
    sns.scatterplot(data=dom.assign(pair=dom["pair"].map(word)), x="epsilon", y="gain_pp",
                    hue="pair", palette={word(k): v for k, v in colours.items()}, ax=ax2,
                    s=25)
    handles, labels = ax2.get_legend_handles_labels()
    ax2.get_legend().remove()  # one legend for both panels, under them
    fig.legend(handles, labels, title="pair", fontsize=7, title_fontsize=8, ncol=3,
               loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False)
    ax2.axhline(0, color="0.5", lw=0.8)
    ax2.set_xlabel(r"target domain's neighbour confusion $\epsilon$")
    ax2.set_ylabel("MRCNN - VGG (pp), domain mean")
    fig.tight_layout()
    stamp(fig, stamp_text(runs))
    page.add(fig, caption("left: each pair's gain with its interval (a bar crossing the grey "
                          "line is a pair where the sign is not known); right: each target "
                          "domain of each pair, in the pair's colour: a downward trend is "
                          "the paper's explanation."))
