"""The held-out page: the pre-registered confirmatory result, then (apart) what is exploratory."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .page import Page, fmt


def _plan_line(repo: str = ".") -> str:
    """The plan's commit (from the git history) and whether the history keeps the plan frozen."""
    from ...studies import prereg

    try:
        pc = prereg.plan_commit(repo)
        broken = prereg.violations(repo) if pc else []
    except (OSError, RuntimeError, ValueError):
        pc, broken = None, []
    if pc is None:  # e.g. a shallow clone on Colab: the history is not here
        return ("The plan's commit cannot be read here (no git history); the built book and a "
                "full clone show it.")
    state = ("The git history keeps the plan frozen: every held-out run names a commit that "
             "descends from it, with the plan and profile unchanged." if not broken else
             "**The git history breaks the plan**: " + "; ".join(broken))
    import os

    from ..notebook import BUILD_ENV

    where = ('<a href="../preregistration.html">the plan</a>' if os.environ.get(BUILD_ENV)
             else f"the plan: `{prereg.PLAN}`")
    return f"Plan committed at `{pc[:10]}` ({where}). {state}"


def heldout_page(runs: pd.DataFrame, exploratory: pd.DataFrame, profile: str,
                 repo: str = ".") -> Page:
    """The confirmatory results exactly as planned (``heldout.analyse``), the replication of
    the exploratory numbers, coverage and failures; then the exploratory per-pair table."""
    from ...studies import heldout as H

    page = Page()
    page.add(_plan_line(repo))
    res = H.analyse(runs) if len(runs) else []
    exp = H.analyse(exploratory, H.EXPLORATORY_PAIRS) if len(exploratory) else []
    page.values["verdicts"] = {r.hypothesis: (r.verdict if r.complete else "pending")
                               for r in res}
    page.values["estimates"] = {r.hypothesis: (round(float(r.estimate), 3)
                                               if np.isfinite(r.estimate) else None) for r in res}
    if not res:
        return page.add(f"**No held-out run is stored yet** (profile `{profile}`): every "
                        "hypothesis is pending.")
    answer = []
    for r in res:
        if r.complete:
            answer.append(f"**{r.hypothesis}** ({r.claim}): **{r.verdict}**")
        else:
            answer.append(f"**{r.hypothesis}** ({r.claim}): pending, {r.runs} of "
                          f"{r.planned_runs} planned runs stored")
    page.answered("Do the paper's claims hold on three held-out pairs, tested as "
                  "pre-registered?", "; ".join(a.replace("**", "") for a in answer) + ".")
    page.add("**The answer so far** (computed, as planned):\n" + "\n".join(f"- {a}" for a in answer))
    page.add(fmt(H.results_table(res).set_index("hypothesis"), 2,
                 "Confirmatory results as pre-registered: estimate, 95% interval (H1, H2: "
                 "two-stage bootstrap, target domains within pairs then seeds; H3: Spearman rho "
                 "over target domains, resampled within pairs), bootstrap p, Holm-adjusted p, "
                 "verdict (stated only once every planned run is stored; until then the "
                 "estimate and interval are interim)"))
    if exp:
        _replication(page, res, exp)
    ok = _coverage(page, runs)
    _exploratory(page, ok)
    return page


def _replication(page: Page, res, exp) -> None:
    """The exploratory estimate (5 pairs) against the confirmatory 95% interval."""
    from ...studies import heldout as H

    rep = H.replication(res, exp)
    rep["exploratory estimate"] = [f"{e:+.2f}" if h == "H3" else f"{e:+.1f} pp"
                                   for h, e in zip(rep["hypothesis"], rep["exploratory estimate"])]
    rep["confirmatory interval"] = [
        "n/a" if not np.isfinite(lo) else
        (f"[{lo:+.2f}, {hi:+.2f}]" if h == "H3" else f"[{lo:+.1f}, {hi:+.1f}]")
        for h, (lo, hi) in zip(rep["hypothesis"], rep["confirmatory interval"])]
    page.add(fmt(rep.set_index("hypothesis"), 2,
                 "Does the exploratory result replicate? The exploratory estimate (5 pairs, "
                 "profile pairs-vgg16) against the confirmatory 95% interval"))


def _coverage(page: Page, runs: pd.DataFrame) -> pd.DataFrame:
    """Stored runs per held-out pair and method, and the failed runs; the ok runs."""
    ok = runs[runs["status"] == "ok"]
    failed = runs[runs["status"] != "ok"]
    cov = ok.groupby(["variant", "method"]).agg(tasks=("task_id", "nunique"),
                                                 runs=("run_key", "size")).unstack("method")
    from ... import analysis as A

    cov.columns = [f"{A.METHOD_LABEL.get(m, m)} {what}" for what, m in cov.columns]
    cov.index.name = "pair"
    page.add(fmt(cov, 0, "Stored runs per held-out pair and method (all tasks; the plan's "
                         "sample is 50 tasks per pair, seeds 0-2 for VGG and MRCNN)"))
    page.add(f"Failed runs: {len(failed)}" + (" (listed in the CSV)" if len(failed) else "")
             + ". Collapsed runs count as they are (no exclusions).")
    return ok


def _exploratory(page: Page, ok: pd.DataFrame) -> None:
    """The cross-pair page's table on the held-out runs, labelled exploratory."""
    from ...studies import pairs as P

    page.add("## Exploratory (not part of the plan)\n\nPer pair, the cross-pair page's table on "
             "the held-out runs: LR and TSVM on the stored tasks both hold (the plan's sample, "
             "then the secondary tasks as the CPU sweep reaches them), VGG and MRCNN on the "
             "sample. "
             "Looked at after the plan; nothing here is confirmatory.")
    t = P.pair_table(ok.assign(pair=ok["variant"]))
    if len(t):
        cnn, shallow = P.split_table(t)
        for part, cap in ((cnn, "the CNN half"),
                          (shallow, "the shallow half (LR and TSVM on the stored tasks both "
                                    "hold: shallow tasks)")):
            if any(str(c).startswith(("VGG", "MRCNN", "LR", "TSVM")) for c in part.columns):
                page.add(fmt(part, 1, f"Held-out pairs, {cap}: mean accuracy (%), differences "
                                      "(pp) with 95% intervals over target domains"))
