"""The front page (``index``): the paper's claims with the book's verdicts."""
from __future__ import annotations


import numpy as np
import pandas as pd

from ...formatting import dataset_words
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
    page.add(summary(f))
    colour = (lambda v: f"color: {VERDICT_COLOUR[v]}; font-weight: bold"  # noqa: E731
              if v in VERDICT_COLOUR else "color: #666")
    page.add(t.style.hide(axis="index").map(colour, subset=["verdict"])
             .set_properties(subset=["effect [95% CI]", "verdict"], **{"white-space": "nowrap"})
             .set_properties(subset=["claim"], **{"text-align": "left"})
             .set_caption(f"The paper's claims and the book's verdicts (profile {profile}; "
                          "effects in percentage points, or Spearman's rho)"))
    if note := F.corel_note(f):
        page.add(f"**Note on Corel's rows:** {note}.")
    from ..notebook import offer_csv

    page.add(offer_csv(f, f"findings-{profile}", "claim, source, dataset, verdict, effect, "
                       "ci_low, ci_high, unit, clusters, tasks, coverage, page, detail"))
    page.add("**How to cite** the paper and this book (BibTeX):\n\n```bibtex\n"
             + BIBTEX + "\n```")
    return page


#: what the paper's text says of each claim (its Table 1 and 2 numbers are lost)
PAPER_SAYS = {
    "tsvm_lr": "TSVM beats LR",
    "cnn_shallow": "VGG and MRCNN beat all shallow methods by far",
    "mrcnn_vgg": "MRCNN improves on VGG",
    "epsilon": "accuracy drops as epsilon grows; MRCNN fails where neighbours are confused",
    "poor_domains": "MRCNN does poorly on some target domains",
}

BIBTEX = """@inproceedings{zhuang2017mrcnn,
  title     = {Transfer Learning with Manifold Regularized Convolutional Neural Network},
  author    = {Zhuang, F. and Huang, L. and He, J. and Ma, J. and He, Q.},
  booktitle = {Knowledge Science, Engineering and Management (KSEM 2017)},
  series    = {Lecture Notes in Artificial Intelligence},
  volume    = {10412},
  year      = {2017},
  doi       = {10.1007/978-3-319-63558-3_41}
}
@misc{mrcnn_reproduced,
  title  = {{MRCNN}, reproduced: a re-derivation, re-implementation and re-run of
            Zhuang et al., KSEM 2017},
  note   = {Jupyter Book; cite with the git commit of the version you read},
  year   = {2026}
}"""


def summary(f: pd.DataFrame) -> str:
    """The front page's summary box (Markdown), computed from the findings table: what
    reproduced, what did not, what this sample cannot tell, what is pending, the limits."""
    from ... import findings as F

    by_text = {c.text: c.key for c in F.CLAIMS}
    paper = f[f["source"] == "paper"]

    def items(words) -> list[str]:
        d = paper[paper["verdict"].isin(words)]
        return [f"{r.claim} ({dataset_words(r.dataset)}: {F.effect_text(r)})"
                + (f" — the paper: \"{PAPER_SAYS[by_text[r.claim]]}\""
                   if by_text.get(r.claim) in PAPER_SAYS else "")
                for _, r in d.iterrows()]

    parts = [("Reproduced (supported)", items(["supported"])),
             ("Not reproduced (contradicted)", items(["contradicted"])),
             ("Cannot be told from these runs (inconclusive or negligible)",
              items(["inconclusive", "negligible"])),
             ("Pending (runs still to be made)", items(["pending", "not run",
                                                        "too few clusters"]))]
    lines = ["**In short** (computed from the rows below; verdict words as in the glossary):"]
    for head, xs in parts:
        if xs:
            lines.append(f"- **{head}**: " + "; ".join(xs) + ".")
    lines.append("- **Limits**: the paper's Table 1 and 2 numbers are lost, so only its "
                 "qualitative claims can be checked; the committed CIFAR-100 runs use the "
                 "reduced data (100 test images per class, 200 per domain, not 1,200); Corel's "
                 "'CNN' rows are an fc head on 256-d features (the Corel images are not "
                 "public); one run at the paper's setting is a noisy draw, so every claim rests "
                 "on many tasks and seeds and says its interval.")
    return "\n".join(lines)
