"""The front page (``index``): the paper's claims with the book's verdicts."""
from __future__ import annotations


import numpy as np
import pandas as pd

from .page import Page, no_runs


VERDICT_COLOUR = {"supported": "#1b7837", "contradicted": "#b2182b", "inconclusive": "#8c510a",
                  "negligible": "#5e5e5e", "pending": "#666666",
                  "measured": "#2166ac"}


def findings_page(runs: pd.DataFrame, profile: str, pairs: pd.DataFrame | None = None,
                  shares: dict | None = None, heldout: pd.DataFrame | None = None,
                  vgg19: pd.DataFrame | None = None) -> Page:
    """The front page's table: the paper's claims (and the book's own findings) with the
    verdict, effect and interval computed from the runs (``mrcnn_core.findings``)."""
    from ... import findings as F
    from ..notebook import page_link

    if (empty := no_runs(runs)) is not None:
        return empty
    f = F.findings(runs, pairs, shares, heldout, vgg19)
    t = F.glance_table(f, link=lambda p: page_link(p, "page"))
    page = Page(values={"findings": {f"{r.claim} | {r.dataset}": r.verdict for r in f.itertuples()},
                        "effects": {f"{r.claim} | {r.dataset}": (None if not np.isfinite(r.effect)
                                                                 else round(float(r.effect), 3))
                                    for r in f.itertuples()}})
    page.add(F.summary(f))
    colour = (lambda v: f"color: {VERDICT_COLOUR[v]}; font-weight: bold"  # noqa: E731
              if v in VERDICT_COLOUR else "color: #666")
    page.add(t.style.hide(axis="index").map(colour, subset=["verdict"])
             .set_properties(subset=["effect [95% CI]", "verdict"], **{"white-space": "nowrap"})
             .set_properties(subset=["claim"], **{"text-align": "left"})
             .set_caption(f"The paper's claims and the book's verdicts (profile {profile}; "
                          "effects in percentage points, or Spearman's rho)"))
    from ..notebook import offer_csv

    page.add(offer_csv(f, f"findings-{profile}", "claim, source, dataset, verdict, effect, "
                       "ci_low, ci_high, unit, clusters, tasks, coverage, page, detail"))
    page.add("**How to cite** the paper and this book (BibTeX):\n\n```bibtex\n"
             + F.BIBTEX + "\n```")
    return page
