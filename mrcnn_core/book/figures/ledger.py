"""The ledger of evidence on the page (``mrcnn_core.studies.ledger`` computes; this renders): the
front page's tally and claims x evidence matrix, and the "In the ledger" line a page shows
for the cells that link to it."""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ...studies import ledger as L
from .page import Page

VERDICT_COLOUR = {"supported": "#1b7837", "contradicted": "#b2182b", "inconclusive": "#8c510a",
                  "negligible": "#5e5e5e", "pending": "#6a6a6a"}


def claim_text(key: str) -> str:
    return L.claim_text(key)


def _tally_words(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {w}" for w, n in counts.items()) or "none tested"


def tally_sentence(df: pd.DataFrame) -> str:
    """'Of the paper's 5 claims, on its own backbone (VGG19, 105 of 400 tasks): ...'."""
    t = L.tally(df)
    n = len(L.PAPER_CLAIMS)
    parts = []
    for e in L.EVIDENCE:
        d = df[(df["evidence"] == e.key) & (df["verdict"] != "")]
        if d.empty:
            continue
        tested = len(d)
        cov = d[d["claim"] == "mrcnn_vgg"]
        where = f" ({L.coverage(cov.iloc[0])})" if len(cov) and L.coverage(cov.iloc[0]) else ""
        scope = "" if tested == n else f", {tested} of them tested"
        parts.append(f"**{e.phrase}**{where[:-1] + scope + ')' if where else scope}: "
                     f"{_tally_words(t[e.key])}")
    return f"Of the paper's {n} claims, " + "; ".join(parts) + "."


def _cell_html(c, link) -> str:
    if not c["verdict"]:
        return "<small>not tested here</small>"
    word = c["verdict"]
    num = L.number(c)
    col = VERDICT_COLOUR[word]
    body = f'<b style="color:{col}">{word}</b>'
    if num:  # the estimate over its interval: narrow cells, so the matrix fits a laptop screen
        head, _, iv = num.partition(" [")
        body += f"<br><small>{html.escape(head)}" + (f"<br>[{html.escape(iv)}" if iv else "") + "</small>"
    if word == "pending" and (cov := L.coverage(c)):
        body += f"<br><small>{cov}</small>"
    return f'<a href="{link(c["page"])}" style="text-decoration:none">{body}</a>' if c["page"] else body


def matrix_html(df: pd.DataFrame, link=lambda page: page) -> str:
    """The claims x evidence matrix as an HTML table inside a box that scrolls sideways on a
    narrow screen (the page itself never gets wider than the screen)."""
    head = "".join(f'<th title="{html.escape(e.role)}">{html.escape(e.title)}</th>'
                   for e in L.EVIDENCE if (df["evidence"] == e.key).any())
    rows = []
    for key in L.PAPER_CLAIMS:
        cells = []
        for e in L.EVIDENCE:
            if not (df["evidence"] == e.key).any():
                continue
            hit = df[(df["claim"] == key) & (df["evidence"] == e.key)]
            cells.append(f"<td>{_cell_html(hit.iloc[0], link) if len(hit) else '<small>not tested here</small>'}</td>")
        rows.append(f"<tr><th style=\"text-align:left\">{html.escape(claim_text(key))}</th>{''.join(cells)}</tr>")
    return ('<div class="ledger-box"><table class="dataframe ledger">'
            f"<thead><tr><th>the paper's claim</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def detail_table(df: pd.DataFrame, link=lambda page: page) -> pd.DataFrame:
    """Every cell in full: the number, the kind of interval, what it rests on, its page."""
    d = df[df["verdict"] != ""]
    titles = {e.key: e.title for e in L.EVIDENCE}
    return pd.DataFrame({
        "claim": [claim_text(k) for k in d["claim"]],
        "evidence": [titles[k] for k in d["evidence"]],
        "verdict": d["verdict"],
        "estimate [interval]": [L.number(r) or "no runs yet" for _, r in d.iterrows()],
        "interval": d["interval"].replace("", "-"),
        # "400 x 0" read as zero seeds: the seeds are named, not counted
        "tasks, seeds": [f"{int(r.tasks)}, {seed_words(r.seeds)}" for r in d.itertuples()],
        "clusters": d["clusters"].astype(int),
        "coverage": [L.coverage(r) for _, r in d.iterrows()],
        "page": [link(p) if p else "" for p in d["page"]],
        "note": d["note"],
    })


def ledger_page(df: pd.DataFrame, profile: str) -> Page:
    """The front page: the tally and the matrix first, then every cell in full."""
    from ..notebook import page_href

    link = page_href
    page = Page(values={"ledger": {f"{r.claim} | {r.evidence}": {"verdict": r.verdict,
                                                                "number": L.number(r._asdict())}
                                   for r in df.itertuples()}})
    page.answered("What holds of the paper's claims, on which backbone and pairs?",
                  tally_sentence(df))
    page.add(matrix_html(df, link))
    page.add("*What to see:* each column is one body of evidence (the paper's pair on the paper's "
             "backbone VGG19 and on the substitute VGG16, five other pairs, three held-out pairs "
             "tested as pre-registered, Corel's features); each cell is a verdict in one of five "
             "words and its estimate with a 95% interval (pp, or Spearman's rho for the epsilon "
             "claim). *Pending* means the planned runs are not all stored: the number is interim "
             "and carries no verdict. Click a cell for the page that shows it.")
    return page


def ledger_details(df: pd.DataFrame, profile: str) -> Page:
    """The ledger in full under the front page's first screen, with its CSV."""
    from ...experiments.profile import studies_profile
    from ..notebook import offer_csv, page_link

    t = detail_table(df, lambda p: page_link(p, "page"))
    page = Page()
    colour = (lambda v: f"color: {VERDICT_COLOUR[v]}; font-weight: bold"  # noqa: E731
              if v in VERDICT_COLOUR else "")
    page.add(t.style.hide(axis="index").map(colour, subset=["verdict"])
             .set_properties(subset=["claim", "note"], **{"text-align": "left"}))
    page.add("*What to see:* the same cells as the matrix, with the kind of each interval (most "
             "resample target domains; the poor-domains cell is the worst domain's own tasks at "
             "a Bonferroni level), the tasks and seeds behind it, the clusters resampled, and how "
             f"much of the plan is stored (profile {studies_profile(profile)} for the paper's pair "
             "on VGG16 and Corel).")
    page.add(offer_csv(df, f"ledger-{profile}", ", ".join(L.COLUMNS)))
    return page


def ledger_line(df: pd.DataFrame, evidence: tuple[str, ...], claims=None) -> str:
    """'In the ledger' on a page: the front page's cells of ``evidence`` (and ``claims``),
    the same numbers and words, computed by the same function."""
    d = df[df["evidence"].isin(evidence) & (df["verdict"] != "")]
    if claims:
        d = d[d["claim"].isin(claims)]
    if d.empty:
        return ""
    titles = {e.key: e.title for e in L.EVIDENCE}
    items = [f"- {claim_text(r.claim)} ({titles[r.evidence]}): **{r.verdict}**"
             + (f", {L.number(r._asdict())}" if L.number(r._asdict()) else "")
             + (f" ({r.interval})" if r.interval else "")
             + (f"; {L.coverage(r._asdict())}" if r.verdict == "pending" else "")
             for r in d.itertuples()]
    return "**In the ledger of evidence** (the front page's cells for this page):\n\n" + "\n".join(items)


def ledger_line_page(df: pd.DataFrame, evidence: tuple[str, ...], claims=None) -> Page:
    line = ledger_line(df, evidence, claims)
    d = df[df["evidence"].isin(evidence)]
    return Page(values={"ledger_numbers": [L.number(r._asdict()) for r in d.itertuples()
                                           if L.number(r._asdict())]}).add(line or None)


def evidence_of(profile: str, datasets=("cifar100", "corel")) -> tuple[str, ...]:
    """The ledger columns a main-grid page on ``profile`` shows: VGG19's, or VGG16's and
    Corel's (from the profile's backbone)."""
    from ...experiments.profile import ProfileError, load_profile

    try:
        bb = load_profile(profile).options.get("backbone", "vgg19")
    except ProfileError:
        bb = "vgg16"
    out = ("vgg19",) if bb == "vgg19" else ("vgg16",)
    return out + (("corel",) if "corel" in datasets and bb != "vgg19" else ())


def seed_words(seeds: str) -> str:
    """A cell's seeds in words: "seed 0", "seeds 0-2", "seeds 0, 2" ('-' when none)."""
    s = str(seeds or "").strip()
    return "-" if not s else f"seed{'s' if ('-' in s or ',' in s) else ''} {s}"


def seeds_to_come(cells: pd.DataFrame, profile: str) -> str:
    """" Its cells rest on seed 0; seeds 1-2 of the profile's plan are not stored yet."
    ('' when every planned seed holds runs, or the profile plans no CIFAR-100 grid)."""
    from ...experiments.profile import ProfileError, load_profile

    try:
        planned = load_profile(profile).data["experiments"]["main"]["cifar100"]["seeds"]
    except (ProfileError, KeyError):
        return ""
    have: set[int] = set()
    for s in cells[cells["claim"] == "mrcnn_vgg"]["seeds"]:
        for part in str(s).split(","):
            a, _, b = part.strip().partition("-")
            if a.strip().isdigit():
                have |= set(range(int(a), int(b or a) + 1))
    missing = [x for x in planned if x not in have]
    if not have or not missing:
        return ""
    said = ", ".join(map(str, sorted(have)))
    return (f" Its cells rest on seed{'s' if len(have) > 1 else ''} {said}; seed"
            f"{'s' if len(missing) > 1 else ''} {', '.join(map(str, missing))} of the profile's "
            f"plan {'are' if len(missing) > 1 else 'is'} not stored yet (the campaign's last part).")


def evidence_notes(df: pd.DataFrame, profile: str) -> Page:
    """What each column is: its backbone in the book's words (from the profiles), its role,
    and what its verdicts wait for."""
    from ...experiments.profile import ProfileError, backbone_statement, studies_profile

    lines = []
    for e in L.EVIDENCE:
        d = df[df["evidence"] == e.key]
        if d.empty:
            continue
        try:
            # the VGG16 column is the book's profile's own (smoke: random weights) or,
            # in a book on the paper's backbone, its substitute's
            bb = (backbone_statement(e.profile if e.key != "vgg16" else studies_profile(profile))
                  if e.key != "corel" else "Backbone: none (an fc head on the features).")
        except ProfileError:
            bb = ""
        pend = d[d["verdict"] == "pending"]
        wait = (f" Pending: {', '.join(claim_text(k) for k in pend['claim'])} "
                f"({L.coverage(pend.iloc[0])} stored so far)." if len(pend) else "")
        if e.key == "vgg19":  # its verdicts come before all its planned seeds are stored
            wait += seeds_to_come(d, e.profile)
        lines.append(f"- **{e.title}**: {e.role}. {bb}{wait}")
    corel = df[df["evidence"] == "corel"]
    note = L.corel_note(corel["note"])
    if note:
        lines.append(f"- **Corel's 'CNN' cells**: {note}. Its *contradicted* MRCNN - VGG compares "
                     "two settings (MRCNN's Corel setting also changes the learning rate and "
                     "beta); the Corel control's line in the ledger in full gives the manifold "
                     "term alone, at VGG's learning rate and beta.")
    lines.append("- **Limits**: the paper's Table 1 and 2 numbers are lost, so only its qualitative "
                 "claims can be checked; the CIFAR-100 runs use the reduced data (100 test images "
                 "per class: domains of 200 images, not 1,200); one run at the paper's setting is a "
                 "noisy draw (two seeds of one task differ by about 5 pp), so every cell "
                 "rests on many tasks and seeds and says its interval.")
    return Page().add("\n".join(lines))


def citation() -> Page:
    """How to cite the paper and this book (BibTeX; the book's URL from _config.yml)."""
    from ..colab import repository

    url, _ = repository()
    bib = BIBTEX.replace("@URL@", url)
    return Page().add("**How to cite** the paper and this book (BibTeX; `CITATION.cff` at the "
                      "repository's root says the same):\n\n```bibtex\n" + bib + "\n```")


BIBTEX = """@inproceedings{zhuang2017mrcnn,
  title     = {Transfer Learning with Manifold Regularized Convolutional Neural Network},
  author    = {Zhuang, F. and Huang, L. and He, J. and Ma, J. and He, Q.},
  booktitle = {Knowledge Science, Engineering and Management (KSEM 2017)},
  series    = {Lecture Notes in Artificial Intelligence},
  volume    = {10412},
  publisher = {Springer},
  year      = {2017},
  doi       = {10.1007/978-3-319-63558-3_41},
  url       = {https://doi.org/10.1007/978-3-319-63558-3_41}
}
@misc{mrcnn_reproduced,
  title  = {{MRCNN}, reproduced: a re-derivation, re-implementation and re-run of
            Zhuang et al., KSEM 2017},
  author = {{The MRCNN reproduction contributors}},
  url    = {@URL@},
  note   = {Jupyter Book; cite with the git commit of the version you read},
  year   = {2026}
}"""


#: the claims whose cells a page shows (None: every claim of its evidence)
PAGE_CLAIMS = {"20_table1": None, "21_fig2a": ("poor_domains",), "22_fig2b_table2": ("epsilon",),
               "28_pairs": None, "29_heldout": None}


def in_the_ledger(page: str, profile: str | None = None, results_dir: str = "",
                  dataset: str | None = None, **dirs) -> Page:
    """The "In the ledger" block of ``page``: the front page's cells that link to it,
    computed by the same function from the same stores (``dirs``: vgg19_dir, pairs_dir,
    heldout_dir where a page reads others than the committed ones)."""
    from ...experiments.profile import DEFAULT_PROFILE

    profile = profile or DEFAULT_PROFILE
    if results_dir and page not in ("28_pairs", "29_heldout"):
        # a page on other stores (the full-baselines page, a reader's own store) is not where
        # the front page's cells are: they would be other numbers under the ledger's name
        return Page()
    if page == "28_pairs":
        evidence = ("pairs",)
    elif page == "29_heldout":
        evidence = ("heldout",)
    else:
        evidence = evidence_of(profile, (dataset,) if dataset else ("cifar100", "corel"))
        if dataset == "corel":
            evidence = tuple(e for e in evidence if e == "corel")
    dirs = {k: v for k, v in dirs.items() if v}
    df = L.load(profile, results_dir, evidence=evidence, **dirs)
    return ledger_line_page(df, evidence, PAGE_CLAIMS.get(page))
