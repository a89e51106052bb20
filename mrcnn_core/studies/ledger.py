"""The ledger of evidence: every claim of the paper on every backbone and pair set, each
number computed once (issue #41).

Rows are the paper's claims (``findings.CLAIMS`` of source "paper"), columns the evidence
sets (:data:`EVIDENCE`): the paper's pair on its own backbone (VGG19) and on the substitute
(VGG16), the five exploratory pairs, the three held-out pairs of the pre-registered test,
and Corel (an fc head on its 256-d features).  A cell holds the estimate, its interval and
what kind of interval it is, how many tasks, seeds and clusters it rests on, how much of
what is planned is stored, the verdict, and the page that shows it.  The front page renders
this table; the pages a cell links to print the same numbers (tests/test_ledger.py).

The verdict is one of five words (:data:`VERDICTS`, defined in the glossary):

- **supported**: the interval lies beyond zero on the side the paper claims;
- **contradicted**: it lies beyond zero on the other side;
- **inconclusive**: it holds zero (this sample cannot tell; not "shown false");
- **negligible**: beyond zero, but the whole interval within +/-0.5 pp (|rho| < 0.1);
- **pending**: the evidence set's planned runs are not all stored: the estimate is interim
  and there is no verdict yet.

Where an evidence set does not test a claim (the pairs studies have no shallow-vs-CNN
comparison), the cell is empty, with the reason.  Tasks share target domains (16 per
CIFAR-100 domain), so every interval resamples target domains, never single tasks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

VERDICTS = ("supported", "contradicted", "inconclusive", "negligible", "pending")
PAPER_CLAIMS = ("tsvm_lr", "cnn_shallow", "mrcnn_vgg", "epsilon", "poor_domains")
#: how many tasks a main grid plans per data set (every ordered pair of domains)
MAIN_TASKS = {"cifar100": 400, "corel": 144}


@dataclass(frozen=True)
class Evidence:
    key: str
    title: str  # the column's header
    backbone: str  # from the profile that made its CNN runs
    profile: str
    role: str  # what the set is to the paper: its backbone, a substitute, a study
    page: str  # the page that shows its numbers
    phrase: str = ""  # in the front page's tally: "on its own backbone (VGG19, ...)"


EVIDENCE = (
    Evidence("vgg19", "Paper's pair, VGG19", "VGG19", "imagenet-vgg19",
             "the paper's backbone (official Keras ImageNet VGG19)", "20_table1",
             "on its own backbone (VGG19, the paper's pair)"),
    Evidence("vgg16", "Paper's pair, VGG16", "VGG16", "imagenet-vgg16",
             "the substitute backbone (ImageNet VGG16), on which the studies run",
             "20_table1_vgg16",
             "on the substitute VGG16 (the paper's pair)"),
    Evidence("pairs", "Five other pairs, VGG16", "VGG16", "pairs-vgg16",
             "exploratory: five more superclass pairs, 50 tasks each", "28_pairs",
             "across five other pairs (VGG16, exploratory)"),
    Evidence("heldout", "Three held-out pairs, VGG16", "VGG16", "heldout-vgg16",
             "confirmatory: pre-registered, analysed exactly as planned", "29_heldout",
             "on three held-out pairs (VGG16, pre-registered)"),
    Evidence("corel", "Corel, fc head", "none", "imagenet-vgg16",
             "Corel's 256-d features with an fc head (its images are not public)",
             "20_table1_vgg16",
             "on Corel (an fc head on its features)"),
)
BY_KEY = {e.key: e for e in EVIDENCE}

COLUMNS = ["claim", "evidence", "verdict", "estimate", "low", "high", "unit", "interval",
           "tasks", "seeds", "clusters", "covered", "planned", "page", "note"]

# the interval kinds, said where the number is shown
DOMAIN_BOOT = "95% bootstrap over target domains (seeds averaged per task)"
TWO_STAGE = "95% two-stage bootstrap: target domains within their pair, then seeds"
RHO_BOOT = "95% bootstrap of Spearman's rho over target domains"
RHO_STRATA = "95% bootstrap of Spearman's rho over target domains, within their pair"


def _cell(claim: str, evidence: str, **kw) -> dict:
    base = dict(claim=claim, evidence=evidence, verdict="", estimate=np.nan, low=np.nan,
                high=np.nan, unit="", interval="", tasks=0, seeds="", clusters=0, covered=0,
                planned=0, page=BY_KEY[evidence].page, note="")
    base.update(kw)
    return base


def _seeds(runs: pd.DataFrame, methods) -> str:
    s = sorted(runs[runs["method"].isin(list(methods))]["seed"].dropna().astype(int).unique())
    if not s:
        return ""
    return str(s[0]) if len(s) == 1 else (f"{s[0]}-{s[-1]}" if s == list(range(s[0], s[-1] + 1))
                                          else ", ".join(map(str, s)))


def _both(pt: pd.DataFrame, ds: str, methods) -> int:
    """Tasks of ``ds`` that hold an ok run of every one of ``methods``."""
    d = pt[pt["dataset"] == ds]
    sets = [set(d[d["method"] == m]["task_id"]) for m in methods]
    return len(set.intersection(*sets)) if sets else 0


def _word(found: str, covered: int, planned: int) -> str:
    """A findings verdict in the ledger's five words: pending while the planned tasks are
    not all covered; "too few clusters" or "not run" with everything stored cannot happen
    for a complete plan, and reads inconclusive."""
    if planned and covered < planned:
        return "pending"
    return found if found in VERDICTS else "inconclusive"


def _main_cells(ev: str, runs: pd.DataFrame, ds: str) -> list[dict]:
    """The five claims on one main grid (the paper's pair or Corel), via ``findings``."""
    from .. import analysis as A
    from . import findings as F

    by = {c.key: c for c in F.CLAIMS}
    pt = A.add_groups(A.per_task(runs))
    out = []
    for key in PAPER_CLAIMS:
        methods = {"tsvm_lr": ("tsvm", "lr"), "mrcnn_vgg": ("mrcnn", "vgg"),
                   "epsilon": ("mrcnn", "vgg"), "poor_domains": ("mrcnn", "vgg"),
                   "cnn_shallow": ("vgg", "mrcnn", *F.SHALLOW)}[key]
        r = {"tsvm_lr": lambda: F.pair_claim(by[key], pt, ds, "tsvm", "lr"),
             "cnn_shallow": lambda: F.cnn_shallow_claim(by[key], pt, ds),
             "mrcnn_vgg": lambda: F.pair_claim(by[key], pt, ds, "mrcnn", "vgg"),
             "epsilon": lambda: F.epsilon_claim(by[key], pt, ds),
             "poor_domains": lambda: F.poor_domains_claim(by[key], pt, ds)}[key]()
        need = methods if key != "cnn_shallow" else ("vgg", "mrcnn", "lr", "tsvm")
        covered, planned = _both(pt, ds, need), MAIN_TASKS[ds]
        interval = (RHO_BOOT if key == "epsilon" else DOMAIN_BOOT)
        if key == "poor_domains" and np.isfinite(r["effect"]):
            interval = ("Bonferroni-adjusted bootstrap over the worst domain's tasks "
                        f"({r['detail'].split('(Bonferroni ')[-1].split(' intervals')[0]})")
        out.append(_cell(key, ev, verdict=_word(r["verdict"], covered, planned),
                         estimate=r["effect"], low=r["ci_low"], high=r["ci_high"],
                         unit=r["unit"], interval=interval if np.isfinite(r["effect"]) else "",
                         tasks=int(r["tasks"]), seeds=_seeds(runs[runs["dataset"] == ds], need),
                         clusters=int(r["clusters"]), covered=covered, planned=planned,
                         note=r["detail"]))
    return out


def _hypothesis_cells(ev: str, runs: pd.DataFrame, pairs) -> list[dict]:
    """H1-H3 of the pre-registered analysis on ``pairs`` (``heldout.analyse``): the same
    statistics for the exploratory pairs and the held-out ones."""
    from . import heldout as H

    if runs is None or runs.empty:
        return [_cell(k, ev, verdict="pending", note="no runs stored yet",
                      planned=H.expected_runs(pairs, ("a", "b"), H.SEEDS if k != "tsvm_lr" else (0,)))
                for k in ("mrcnn_vgg", "tsvm_lr", "epsilon")]
    out = []
    for r, key in zip(H.analyse(runs, pairs), ("mrcnn_vgg", "tsvm_lr", "epsilon")):
        seeds = "0" if key == "tsvm_lr" else "0-2"
        out.append(_cell(key, ev, verdict=r.verdict if r.complete else "pending",
                         estimate=r.estimate, low=r.low, high=r.high, unit=r.unit,
                         interval=(RHO_STRATA if r.unit == "rho" else TWO_STAGE)
                         if np.isfinite(r.estimate) else "",
                         tasks=r.tasks, seeds=seeds, clusters=r.domains, covered=r.runs,
                         planned=r.planned_runs,
                         note=f"{r.hypothesis} of the pre-registered analysis"
                              + ("" if r.complete else
                                 f"; interim: {r.runs} of {r.planned_runs} planned runs")))
    return out


def ledger(main: pd.DataFrame, vgg19: pd.DataFrame | None = None,
           pairs: pd.DataFrame | None = None, heldout: pd.DataFrame | None = None,
           shares: dict | None = None, control: str = "",
           evidence: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The ledger (``COLUMNS``), one row per (claim, evidence set).

    ``main``: the book profile's main runs (VGG16 CNN rows and the shallow baselines, both
    data sets); ``vgg19``: the VGG19 profile's main runs (its CNN rows; the shallow methods,
    which use no backbone, come from ``main``); ``pairs`` / ``heldout``: the cross-pair and
    held-out studies' runs; ``control``: the Corel control's sentence on the manifold term
    at VGG's learning rate and beta (it goes into Corel's MRCNN-VGG note).  ``evidence``:
    only these sets (a page that shows one column computes only it; the numbers are the
    same, each set's computation depends on its own runs only).
    """
    from . import findings as F
    from . import heldout as H

    want = set(evidence or BY_KEY)
    if "vgg19" in want:
        want.add("vgg16")  # the shared TSVM - LR cell is computed on the VGG16 column's runs
    cells: list[dict] = []
    cifar = main[main["dataset"] == "cifar100"]
    shallow = cifar[~cifar["method"].isin(["vgg", "mrcnn"])]
    if "vgg19" not in want:
        pass
    elif vgg19 is not None and len(vgg19):
        v = vgg19[(vgg19["dataset"] == "cifar100") & vgg19["method"].isin(["vgg", "mrcnn"])]
        cells += _main_cells("vgg19", pd.concat([v, shallow], ignore_index=True), "cifar100")
    else:
        cells += [_cell(k, "vgg19", verdict="pending", note="no runs stored yet",
                        planned=MAIN_TASKS["cifar100"]) for k in PAPER_CLAIMS]
    if "vgg16" in want:
        cells += _main_cells("vgg16", cifar, "cifar100")
    if "pairs" in want:
        cells += _hypothesis_cells("pairs", pairs, H.EXPLORATORY_PAIRS)
    if "heldout" in want:
        cells += _hypothesis_cells("heldout", heldout, H.PAIRS)
    corel = main[main["dataset"] == "corel"]
    if len(corel) and "corel" in want:
        cc = _main_cells("corel", corel, "corel")
        note = F.corel_substitute_note(main, shares)
        for c in cc:
            if c["claim"] in ("cnn_shallow", "mrcnn_vgg", "epsilon", "poor_domains"):
                c["note"] = f"{c['note']}. {note}"
            if c["claim"] == "mrcnn_vgg" and control:
                c["note"] = f"{c['note']}; the control: {control}"
        cells += cc
    df = pd.DataFrame(cells, columns=COLUMNS)
    # the shallow methods use no backbone: TSVM - LR on the paper's pair is one number,
    # the same runs under both backbones (computed once, shown in both columns)
    tl = df[(df["claim"] == "tsvm_lr") & (df["evidence"] == "vgg16")]
    if len(tl):
        keep = tl.iloc[0].to_dict()
        keep["note"] = "no backbone: the shallow methods' runs, the same in both paper's-pair columns"
        df.loc[(df["claim"] == "tsvm_lr") & df["evidence"].isin(["vgg16", "vgg19"]),
               [c for c in COLUMNS if c not in ("evidence", "page")]] = \
            [keep[c] for c in COLUMNS if c not in ("evidence", "page")]
    for key, page in PAGES.items():  # the page that shows each cell's number
        df.loc[(df["claim"] == key[0]) & (df["evidence"] == key[1]), "page"] = page
    if evidence:
        df = df[df["evidence"].isin(evidence)].reset_index(drop=True)
    bad = set(df["verdict"]) - set(VERDICTS) - {""}
    if bad:  # the five words and nothing else (a new rule that returns another word fails here)
        raise ValueError(f"ledger verdicts outside the five words: {sorted(bad)}")
    return df


#: cells shown on another page than their evidence set's (claim, evidence) -> page
PAGES = {("epsilon", "vgg19"): "22_fig2b_table2", ("poor_domains", "vgg19"): "21_fig2a",
         ("poor_domains", "corel"): "21_fig2a_corel"}


def control_sentence(main: pd.DataFrame, control: pd.DataFrame) -> str:
    """The Corel control's result for the manifold term at VGG's learning rate and beta."""
    from .. import analysis as A

    if control is None or control.empty or (control["dataset"] != "corel").all():
        return ""
    claims = [c for c in A.control_claims(A.control_runs(main, control))
              if c.startswith("the manifold term at one common")]
    return claims[0].rstrip(".") if claims else ""


def load(profile: str | None = None, results_dir: str = "",
         vgg19_dir: str = "results/imagenet-vgg19", pairs_dir: str = "results/pairs-vgg16",
         heldout_dir: str = "results/heldout-vgg16",
         evidence: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The ledger from the committed stores (what the front page and every page that quotes
    a cell call).

    Each column reads its own stores, whatever the book's profile: a book on the paper's
    backbone (a profile with ``options.studies_profile``, imagenet-vgg19) takes the VGG19
    column from its own store (``results_dir``) and the VGG16 and Corel columns from the
    substitute's profile; any other profile (imagenet-vgg16, smoke) gives the VGG16 and
    Corel columns (its own store and its baseline store) and VGG19 comes from ``vgg19_dir``.
    """
    from ..analysis import load_runs
    from ..experiments.profile import DEFAULT_PROFILE
    from .stability import known_class_shares

    vgg19_dir, folders = column_folders(profile or DEFAULT_PROFILE, results_dir, vgg19_dir)
    main = load_runs(*folders, experiment="main")
    want = set(evidence or BY_KEY)
    control = (control_sentence(main, load_runs(*folders, experiment="control"))
               if "corel" in want else "")
    return ledger(main,
                  load_runs(vgg19_dir, experiment="main") if "vgg19" in want else None,
                  load_runs(pairs_dir, experiment="pairs") if "pairs" in want else None,
                  load_runs(heldout_dir, experiment="pairs", ok_only=False)
                  if "heldout" in want else None,
                  known_class_shares() if "corel" in want else None, control, evidence)


def column_folders(profile: str, results_dir: str = "",
                   vgg19_dir: str = "results/imagenet-vgg19") -> tuple[str, list[str]]:
    """The stores of the paper's-pair columns for a book on ``profile``: VGG19's folder, and
    the VGG16 and Corel columns' folders (with the shallow methods' baseline store)."""
    from ..analysis import result_folders
    from ..experiments.profile import studies_profile

    substitute = studies_profile(profile)
    if substitute != profile:  # a book on the paper's backbone: its own store is VGG19's
        return results_dir or vgg19_dir, result_folders(substitute)
    return vgg19_dir, result_folders(profile, results_dir)


def column_stores(profile: str, results_dir: str = "",
                  vgg19_dir: str = "results/imagenet-vgg19") -> list[tuple[str, list[str]]]:
    """(title, folders) of the paper's-pair columns, for one provenance banner each: one
    banner cannot hold both backbones (``load_runs`` keeps one configuration per method)."""
    from ..analysis import result_folders

    v19, others = column_folders(profile, results_dir, vgg19_dir)
    return [(BY_KEY["vgg19"].title, result_folders(BY_KEY["vgg19"].profile, v19)),
            (f"{BY_KEY['vgg16'].title}, and {BY_KEY['corel'].title}", others)]


def claim_text(key: str) -> str:
    """The paper's claim ``key`` in the book's words (the pages render, the studies say)."""
    from . import findings as F

    return {c.key: c.text for c in F.CLAIMS}[key]


def corel_note(notes) -> str:
    """The Corel features' caveat out of the Corel cells' notes ('' where none says it)."""
    from . import findings as F

    return next((F.COREL_NOTE_RE.search(n).group(0) for n in notes
                 if F.COREL_NOTE_RE.search(n or "")), "")


def cell(df: pd.DataFrame, claim: str, evidence: str) -> pd.Series:
    hit = df[(df["claim"] == claim) & (df["evidence"] == evidence)]
    if hit.empty:
        raise KeyError(f"no ledger cell for claim {claim!r} on evidence {evidence!r}")
    return hit.iloc[0]


def number(c) -> str:
    """A cell's number as every page prints it: '+2.9 pp [+1.6, +4.2]' or 'rho -0.31 [...]'."""
    from ..analysis.formatting import interval, pp

    if not np.isfinite(c["estimate"]):
        return ""
    rho = c["unit"] == "rho"
    iv = interval(c["low"], c["high"], 2 if rho else 1) if np.isfinite(c["low"]) else ""
    head = f"rho {c['estimate']:+.2f}" if rho else pp(c["estimate"])
    return f"{head} {iv}".strip()


def coverage(c) -> str:
    """'105 of 400 tasks' or '0 of 900 planned runs' (what the verdict waits for)."""
    if not c["planned"]:
        return ""
    unit = "runs" if c["evidence"] in ("pairs", "heldout") else "tasks"
    return f"{int(c['covered'])} of {int(c['planned'])} {unit}"


def tally(df: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per evidence set: how many of the paper's claims got each word."""
    out = {}
    for e in EVIDENCE:
        d = df[(df["evidence"] == e.key) & (df["verdict"] != "")]
        out[e.key] = {w: int((d["verdict"] == w).sum()) for w in VERDICTS if (d["verdict"] == w).any()}
    return out
