"""One consistent seaborn style for every figure of the book."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..methods import CNN, COLOURS

# The text column of the built book is about 8 inches at the figures' dpi: a narrower
# figure renders small, so every figure is at least this wide.
MIN_WIDTH = 8.5
PALETTE = dict(COLOURS)  # label -> colour, from the method registry
#: Table 1's LR groups: their own colours (not a method's), with a legend wherever used
GROUP_PALETTE = {"Left": "#6a3d9a", "Right": "#b15928", "Total": "#666666"}


#: superclass pairs' colours, chosen away from every method's (Okabe-Ito) and the LR groups'
#: (ColorBrewer Dark2 was used before: its orange and teal read as MRCNN's and TCA's, #41)
PAIR_COLOURS = ("#e41a1c", "#e6ab02", "#17becf", "#bcbd22", "#1a237e", "#a6d854", "#00595c",
                "#f781bf")


def pair_palette(pairs) -> dict:
    """One colour per superclass pair, none a method's or an LR group's."""
    pairs = list(pairs)
    if len(pairs) > len(PAIR_COLOURS):
        return dict(zip(pairs, sns.color_palette("husl", len(pairs))))
    return dict(zip(pairs, PAIR_COLOURS))


def style() -> None:
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 110, "savefig.bbox": "tight", "axes.titlesize": 11})


def stamp(fig, text: str) -> None:
    """Write the profile/provenance line once per figure, under its bottom-right corner
    (outside every axes, so it never hides data and a grid of small axes carries it once)."""
    fig = getattr(fig, "figure", fig)  # an Axes or a seaborn grid: its figure
    if getattr(fig, "_mrcnn_stamped", False):
        return
    # below everything already drawn (rotated tick labels reach below the figure's edge)
    bottom = fig.get_tightbbox(fig.canvas.get_renderer()).y0 / fig.get_figheight()
    fig.text(0.995, min(-0.01, bottom - 0.01), text, fontsize=9, color="0.3", ha="right",
             va="top")
    fig._mrcnn_stamped = True


def facet_aspect(n_cols: int, height: float, aspect: float) -> float:
    """The aspect of seaborn facets that keeps a grid of ``n_cols`` at least ``MIN_WIDTH`` wide."""
    return max(aspect, MIN_WIDTH / (max(n_cols, 1) * height))


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    from ..methods import LABELS

    out["Method"] = out["method"].map(LABELS)
    return out


def stamp_text(runs: pd.DataFrame) -> str:
    """'profile P; backbone B (weights W); N tasks': the line every figure carries."""
    profiles = ", ".join(sorted(runs["profile"].dropna().unique()))
    cnn = runs[runs["method"].isin(CNN) & (runs["dataset"] != "corel")]
    parts = [f"profile {profiles}"]
    if len(cnn):
        bb = ", ".join(sorted({str(b) for b in cnn.get("backbone", pd.Series(dtype=str)).dropna()
                               if str(b)})) or "vgg19"
        w = ", ".join(sorted({str(x).split(":sha256:")[0].replace("file:", "")
                              + (f" sha256 {str(x).split(':sha256:')[1][:10]}" if ":sha256:" in str(x) else "")
                              for x in cnn["weights"].dropna().unique()}))
        parts.append(f"backbone {bb} ({w})")
    parts.append(f"{runs['task_id'].nunique()} tasks, {len(runs)} runs")
    if "deterministic" in runs and (runs["deterministic"] == "no").any():
        # said in words: "not re-runnable" alone read as a fault of the page
        parts.append(f"{int((runs['deterministic'] == 'no').sum())} runs from before training "
                     "was deterministic")
    return "; ".join(parts)
