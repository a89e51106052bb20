"""What every page's figure functions return (``Page``) and share: formatting, the CSV link."""
from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import pandas as pd

from ... import analysis as A


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

        from ..notebook import record

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
# The paper's Corel MRCNN changes lr and beta as well as alpha (hparams.PAPER).
CONFOUND_NOTE = (" *This compares two settings, not only the manifold term: MRCNN's Corel "
                 "setting also has another learning rate and beta; the Corel control below "
                 "separates them.*")
PARAM_NAMES = {"lr": "learning rate $r$", "alpha": r"$\alpha$", "beta": r"$\beta$",
               "k": "$k$ (neighbours)"}


def no_runs(runs: pd.DataFrame) -> Page | None:
    """A page that says so when its store holds no (ok) runs."""
    if runs.empty:
        return Page().add("**No runs in this store.**  Run the profile's sweeps (see *How to "
                          "re-run*) or point `results_dir` at a store.")
    return None


def fmt(t: pd.DataFrame, precision: int, caption: str):
    return t.style.format(precision=precision, na_rep="-").set_caption(caption)


def downloads(runs: pd.DataFrame, page: str, profile: str) -> Page:
    """A link to the page's per-task numbers as CSV (``analysis.task_csv``)."""
    from ..notebook import offer_csv

    if runs.empty:
        return Page()
    return Page(values={"csv": f"{page}-{profile}.csv"}).add(
        offer_csv(A.task_csv(runs), f"{page}-{profile}"))
