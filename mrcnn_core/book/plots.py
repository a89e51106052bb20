"""One consistent seaborn style for every figure of the book."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..analysis import METHOD_LABEL, METHOD_ORDER

PALETTE = dict(zip([METHOD_LABEL[m] for m in METHOD_ORDER], sns.color_palette("colorblind", 6)))


def style() -> None:
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 110, "savefig.bbox": "tight", "axes.titlesize": 11})


def stamp(ax, text: str) -> None:
    """Write the profile/provenance line inside the axes, bottom right, so that
    it survives cropping and never collides with tick labels."""
    ax.text(0.99, 0.01, text, transform=ax.transAxes, fontsize=6.5, color="0.3", ha="right",
            va="bottom", bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.8", alpha=0.85))


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["Method"] = out["method"].map(METHOD_LABEL)
    return out


def stamp_text(runs: pd.DataFrame) -> str:
    """'profile P; backbone B (weights W); N tasks': the line every figure carries."""
    profiles = ", ".join(sorted(runs["profile"].dropna().unique()))
    cnn = runs[runs["method"].isin(["vgg", "mrcnn"]) & (runs["dataset"] != "corel")]
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
        parts.append(f"{int((runs['deterministic'] == 'no').sum())} runs not re-runnable")
    return "; ".join(parts)
