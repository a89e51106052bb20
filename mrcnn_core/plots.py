"""One consistent seaborn style for every figure of the book."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .analysis import METHOD_LABEL, METHOD_ORDER

PALETTE = dict(zip([METHOD_LABEL[m] for m in METHOD_ORDER], sns.color_palette("colorblind", 6)))


def style() -> None:
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    plt.rcParams.update({"figure.dpi": 110, "savefig.bbox": "tight", "axes.titlesize": 11})


def stamp(fig, text: str) -> None:
    """Write the profile/provenance line on the figure itself."""
    fig.text(0.01, -0.02, text, fontsize=7, color="0.35", ha="left", va="top")


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["Method"] = out["method"].map(METHOD_LABEL)
    return out
