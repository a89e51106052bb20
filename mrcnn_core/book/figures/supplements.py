"""The statistics (24), the ablations (25) and what the baselines' selection chose (26)."""
from __future__ import annotations


from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ... import analysis as A
from ...methods import CNN, REGISTRY, STATS_PAIRS as PAIRS_STATS
from ..plots import GROUP_PALETTE, MIN_WIDTH, facet_aspect, stamp, stamp_text
from ..notebook import page_link
from .page import Page, caption, fmt, no_runs, word


def statistics(runs: pd.DataFrame, profile: str) -> Page:
    """Per-task paired differences (strip plot) and the CNN methods' spread over seeds."""
    if (empty := no_runs(runs)) is not None:
        return empty
    pt = A.add_groups(A.per_task(runs))
    long = A.paired_differences(pt, PAIRS_STATS)
    page = Page(values={"n_pairs": int(long["comparison"].nunique()) if len(long) else 0})
    if not long.empty:
        long = long.assign(dataset=long["dataset"].map(word))
        g = sns.catplot(data=long, x="difference (pp)", y="comparison", hue="group", col="dataset",
                        palette={k: v for k, v in GROUP_PALETTE.items() if k in set(long["group"])},
                        kind="strip", height=3.2, dodge=True, alpha=0.6, s=12,
                        aspect=facet_aspect(long["dataset"].nunique(), 3.2, 1.4))
        for ax in g.axes.flat:
            ax.axvline(0, color="k", lw=0.8)
        g.set_titles("{col_name}")
        stamp(g.figure, stamp_text(runs))
        g.fig.suptitle("per-task accuracy differences (percentage points)", y=1.05)
        page.add(g.fig, caption("one dot per task: the paired difference of two methods on it "
                                "(seeds averaged), coloured by Table 1's LR group; the dots' "
                                "spread around the black zero line is what the intervals "
                                "summarise."))
    cnn = pt[pt["method"].isin(CNN)]
    seeds = int(runs[runs["method"].isin(CNN)]["seed"].nunique()) if len(cnn) else 0
    if seeds > 1:
        s = (cnn.assign(method=cnn["method"].map(A.METHOD_LABEL))
             .groupby(["dataset", "method"])["accuracy_std"].describe()[["mean", "50%", "max"]]
             .rename(columns={"50%": "median"}))
        page.add(fmt(s * 100, 2, f"std of accuracy over up to {seeds} seeds, per task (pp)"))
    else:
        page.add(f"The CNN methods were run with {seeds} seed(s) in profile **{profile}**; the "
                 "seed spread needs more.")
    st = A.stage_intervals(runs)
    if len(st):
        page.values["stage_width_ratio"] = {r.dataset: round(float(r["width ratio"]), 3)
                                            for _, r in st.iterrows()}
        page.add(fmt(st.set_index(["dataset", "comparison"]), 2,
                     "One stage or two: MRCNN - VGG (pp) with the book's interval (target domains "
                     "resampled, seeds averaged first) and the two-stage one (then each drawn "
                     "task's seeds resampled), on the (task, seed) runs where both ran"))
        ratios = st["width ratio"].dropna()
        if len(ratios):
            page.answered("Do the book's intervals carry run-to-run variance?",
                          "Yes: each target domain's mean already averages its tasks' seeds, "
                          "so resampling domains carries the seeds' noise; resampling each "
                          "task's seeds a second time counts it again and widens the interval "
                          f"{ratios.min():.2f}-{ratios.max():.2f} times (conservative).")
            page.add(f"**What this shows** (computed): the two-stage interval is "
                     f"{ratios.min():.2f}-{ratios.max():.2f} times as wide as the one-stage one. "
                     "The one-stage interval is not missing the run-to-run variance: a domain's "
                     "mean is a mean over its tasks' seeds, so the spread between resampled "
                     "domains already holds the seeds' noise.  The second stage resamples the "
                     "seeds again, counting that noise twice: it is the conservative one, and the "
                     "confirmatory test uses it.  Neither sees a systematic difference between two "
                     "sweeps of different seeds (" + page_link("27_stability", "How much one run tells")
                     + " shows one, in the non-deterministic VGG16 store).")
    return page


def ablation_runs(results: str, legacy_dir: str = "") -> tuple[pd.DataFrame, str, str]:
    """The ablation runs a page shows: the store's, or, where it holds none and an earlier
    (non-deterministic) store exists, that one with a note saying what its runs are."""
    runs = A.load_runs(results, experiment="ablation")
    if not runs.empty or not legacy_dir or not Path(legacy_dir).is_dir():
        return runs, results, ""
    note = (f"⚠️ **No deterministic ablation run exists** in `{results}`.  Shown instead: the "
            f"earlier store `{legacy_dir}`, made before training was deterministic: its runs are "
            "samples, not reproducible numbers, and too few for an interval (*How much one run "
            "tells*).")
    return A.load_runs(legacy_dir, experiment="ablation"), legacy_dir, note


def ablations(runs: pd.DataFrame, profile: str) -> Page:
    """The ablation table (paired to the paper's variant) and each task's accuracy."""
    t = A.ablation_table(runs)
    page = Page(values={"ablation_variants": list(t.index)})
    if t.empty:
        return page.add("No ablation runs in this store.")
    page.add(fmt(t, 1, f"Ablations (profile {profile}): mean target accuracy and paired "
                        "difference to the paper's variant"))
    vcol = next((c for c in t.columns if str(c) == "verdict"), None)
    if vcol is not None:
        called = t[t[vcol].astype(str).isin(["higher", "lower"])]
        page.answered("Does any part of MRCNN's graph matter (which features, which edges, "
                      "which samples)?",
                      f"{len(called)} of {max(len(t) - 1, 0)} variants differ from the paper's "
                      "variant beyond noise on the tasks run (paired per task, interval over "
                      "tasks; the table says which and by how much).")
    d = runs.assign(Variant=runs["variant"].map(A.ABLATION_LABEL))
    fig, ax = plt.subplots(figsize=(MIN_WIDTH, 3.8))
    d = d.assign(accuracy=100 * d["accuracy"])
    sns.stripplot(data=d, y="Variant", x="accuracy", hue="task_id", ax=ax, s=6)
    sns.pointplot(data=d, y="Variant", x="accuracy", color="k", markers="|", linestyles="none",
                  ax=ax, errorbar=None)
    ax.set_xlabel("target accuracy (%)")
    ax.set_ylabel("")
    # the tasks' legend beside the axes, readable (it named 10 tasks in ~5 px type inside them)
    ax.legend(fontsize=8, title="task (seeds averaged in the black mark)", title_fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    stamp(fig, stamp_text(runs))
    return page.add(fig, caption("each coloured dot is one task (seeds averaged), the black mark "
                                 "the variant's mean; a variant whose dots sit left of the "
                                 "paper's row lost accuracy on those tasks."))


SELECTED = {m: x.selects for m, x in REGISTRY.items() if x.selects}  # from the registry
COLOUR_OF = {label: REGISTRY[m].colour for m, sel in SELECTED.items() for _, label in sel}


def selection_grids() -> dict[tuple[str, str], tuple]:
    """(method, key of ``chosen``) -> the grid its source-only selection searches, from the
    registry (a new method's grid is one line there, not a second list here)."""
    return {(m, key): grid for m, x in REGISTRY.items()
            for key, grid in x.selection_grids().items()}


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
        ax.bar(range(len(order)), [counts[v] for v in order], color=COLOUR_OF.get(param, "0.4"))
        ax.set_xticks(range(len(order)), order, rotation=45, fontsize=8)
        ax.set_title(f"{word(ds)}: {param}", fontsize=9)
        ax.set_ylabel("tasks")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle("Hyper-parameters chosen without target labels (tasks per value)", y=1.0)
    fig.tight_layout()
    stamp(fig, stamp_text(runs))
    page.add(fig)
    lines = grid_edge_lines(runs)
    page.values["edge_lines"] = lines
    page.answered("Did the baselines' label-free selection choose inside its grids?",
                  (f"Mostly: {len(lines)} (method, data set) choice(s) pile at an edge of "
                   "the grid (listed below)." if lines else
                   "Yes: no choice piles at an edge of its grid."))
    page.add(caption("how many tasks chose each value; a tall bar at the first or last value "
                     "means the grid (or the input's scale) cut the search short."))
    if lines:
        page.add("**At the edges of the grids** (computed):\n" + "\n".join(f"- {x}" for x in lines))
    return page
