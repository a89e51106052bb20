"""What every page's figure functions return (``Page``) and share: formatting, the CSV link."""
from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import pandas as pd

from ... import analysis as A
from ...analysis.formatting import DATASET_NAMES


@dataclass
class Page:
    """What a page shows, in order: Markdown strings, tables and figures."""

    parts: list = field(default_factory=list)
    values: dict = field(default_factory=dict)  # what the page records for tests
    #: the page's question and its computed answer, in one or two sentences: shown first
    answer: str = ""

    def add(self, *items) -> "Page":
        self.parts.extend(i for i in items if i is not None)
        return self

    def answered(self, question: str, answer: str) -> "Page":
        """Set the page's question and answer (shown before everything else)."""
        self.answer = f"**{question}** {answer}"
        self.values["answer"] = self.answer
        return self

    def show(self, banner: str | None = None) -> None:
        """The answer first, then the (folded) provenance ``banner``, then the parts."""
        from IPython.display import Markdown, display

        from ..notebook import record

        if self.answer:
            display(Markdown(f"> {self.answer}"))
        if banner:
            display(Markdown(banner))
        for p in self.parts:
            if isinstance(p, str):
                display(Markdown(p))
            elif isinstance(p, plt.Figure):
                display(p)
                plt.close(p)
            else:
                display(as_dataframe_table(p))
        if self.values:
            record(**self.values)
# The paper's Corel MRCNN changes lr and beta as well as alpha (hparams.PAPER).
CONFOUND_NOTE = (" *This compares two settings, not only the manifold term: MRCNN's Corel "
                 "setting also has another learning rate and beta; the Corel control below "
                 "separates them.*")
PARAM_NAMES = {"lr": "learning rate $r$", "alpha": r"$\alpha$", "beta": r"$\beta$",
               "k": "$k$ (neighbours)"}


def as_dataframe_table(p):
    """A pandas Styler as the book theme's ``dataframe`` table: in dark mode the theme paints
    any other HTML output on a light panel, where the captions and cells were unreadable."""
    from pandas.io.formats.style import Styler

    if isinstance(p, Styler):
        return p.set_table_attributes('class="dataframe"')
    return p


def caption(text: str) -> str:
    """A figure's caption: what to see in it (shown under the figure)."""
    return f"*What to see:* {text}"


def on_the_substitute(profile: str, study: str) -> str:
    """The line a study's page shows above its provenance in a book whose profile runs no
    studies (``experiments.studies_profile``): which profile's stores it reads, and why."""
    if study == profile:
        return ""
    from ...experiments.profile import backbone_statement

    return (f"*This study ran on the profile {study}, not on the book's profile {profile}, "
            f"which runs no studies.  {backbone_statement(study)}*\n\n")


def no_runs(runs: pd.DataFrame) -> Page | None:
    """A page that says so when its store holds no (ok) runs."""
    if runs.empty:
        return Page().add("**No runs in this store.**  Run the profile's sweeps (see *How to "
                          "re-run*) or point `results_dir` at a store.")
    return None


#: raw names a table must not show (#34): a column, an index level or a data set's name
WORDS = {"dataset": "data set", "eps_group": "epsilon group", "eps_tercile": "epsilon tercile",
         "mean_gap_pp": "mean gap (pp)", "stored_on": "stored on", "here": "re-run here",
         "abs_diff_pp": "|difference| (pp)", "task_id": "task", "mean_diff_pp": "mean difference (pp)",
         "ci_low_pp": "CI low (pp)", "ci_high_pp": "CI high (pp)", "n_tasks": "tasks",
         **DATASET_NAMES}


def word(x):
    """A label in words: a known raw name, else underscores as spaces (a superclass pair
    ``vehicles_1/vehicles_2`` reads "vehicles 1 / vehicles 2")."""
    if not isinstance(x, str):
        return x
    x = WORDS.get(x, x)
    return x.replace("_", " ").replace("/", " / ") if "_" in x else x


def words(t: pd.DataFrame) -> pd.DataFrame:
    """``t`` as a reader sees it: labels in words, and numbers stored as text made numbers
    again (so the one formatter rounds them: an object column once printed 75.240000)."""
    t = t.rename(columns=word, index=word)
    t.columns = t.columns.set_names([word(n) for n in t.columns.names])
    t.index = t.index.set_names([word(n) for n in t.index.names])
    for c in t.columns:
        if t[c].dtype == object and t[c].notna().any():
            num = pd.to_numeric(t[c], errors="coerce")
            if num.notna().sum() == t[c].notna().sum():
                t[c] = num
    return t


def fmt(t: pd.DataFrame, precision: int, caption: str):
    """The one table formatter: labels in words, ``precision`` decimals, "-" for missing."""
    return words(t).style.format(precision=precision, na_rep="-").set_caption(caption)


def downloads(runs: pd.DataFrame, page: str, profile: str) -> Page:
    """A link to the page's per-task numbers as CSV (``analysis.task_csv``)."""
    from ..notebook import offer_csv

    if runs.empty:
        return Page()
    return Page(values={"csv": f"{page}-{profile}.csv"}).add(
        offer_csv(A.task_csv(runs), f"{page}-{profile}"))
