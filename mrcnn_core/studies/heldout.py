"""The confirmatory test on three held-out superclass pairs, as pre-registered.

``book/preregistration.md`` fixes, before any run on ``data-heldout``, the hypotheses,
the sample, the statistics and the verdict words; this module is that analysis and
nothing else.  It is read-only on the stores, like ``analysis`` and ``pairs``.

The same functions, given the five exploratory pairs (``data-pairs``, profile
``pairs-vgg16``), give the exploratory numbers the plan quotes and tests.

Statistics (the plan's section 3):

- **H1** (MRCNN beats VGG): per (task, seed), d = 100 (acc_MRCNN - acc_VGG); the estimate is
  the mean over the sampled tasks of each task's mean d over its seeds; its 95 % interval is
  the two-stage bootstrap (``stats.two_stage_bootstrap``): target domains resampled within
  their pair, then each drawn task's seeds.
- **H2** (TSVM beats LR): per task, d = 100 (acc_TSVM - acc_LR) (one run per task: the
  shallow methods are deterministic given the task), the same estimate and bootstrap.
- **H3** (the gain falls as epsilon grows): Spearman rho between a target domain's
  epsilon and its mean H1 gain, over the target domains of all pairs; its 95 % interval
  resamples target domains within their pair.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..analysis import compare
from ..data.tasks import stratified_tasks
from ..analysis.stats import (NEGLIGIBLE_PP, NEGLIGIBLE_RHO, N_BOOT, holm, p_text, rank_corr_bootstrap,
                    rng_for, two_stage_bootstrap, verdict)

from .prereg import PLAN, PROFILE  # noqa: F401  (the plan this module implements)
#: the three held-out pairs (positive, negative), as ../shared/data-heldout holds them
PAIRS = (("vehicles_1", "vehicles_2"), ("people", "reptiles"),
         ("medium_mammals", "small_mammals"))
#: the five exploratory pairs of the cross-pair study (profile pairs-vgg16)
EXPLORATORY_PAIRS = (("aquatic_mammals", "fish"),
                     ("large_carnivores", "large_omnivores_and_herbivores"),
                     ("food_containers", "household_furniture"),
                     ("insects", "non-insect_invertebrates"),
                     ("large_man-made_outdoor_things", "large_natural_outdoor_scenes"))
PER_TARGET, SAMPLE_SEED, SEEDS = 2, 0, (0, 1, 2)
#: (id, claim, methods a - b, direction of the claim)
HYPOTHESES = (
    ("H1", "MRCNN beats VGG", ("mrcnn", "vgg"), +1),
    ("H2", "TSVM beats LR", ("tsvm", "lr"), +1),
    ("H3", "the gain MRCNN - VGG falls as the target domain's epsilon grows", ("mrcnn", "vgg"), -1),
)


def pair_name(pos: str, neg: str) -> str:
    return f"{pos}/{neg}"


def planned_sample(runs: pd.DataFrame, pairs=PAIRS) -> dict[str, set[str] | None]:
    """Per pair, the task ids of the planned sample: ``stratified_tasks`` (2 per target
    domain, seed 0) over the pair's 400 tasks, rebuilt from the class names the store holds
    (as the planner draws it from the data).  ``None`` for a pair whose ten classes the
    store does not name yet."""
    out: dict[str, set[str] | None] = {}
    for pos, neg in pairs:
        name = pair_name(pos, neg)
        d = runs[runs["variant"] == name] if len(runs) else runs
        doms = pd.concat([d["source"], d["target"]]) if len(d) else pd.Series([], dtype=str)
        split = doms.drop_duplicates().str.split("+", n=1)
        p_cls = sorted({x[0] for x in split})
        n_cls = sorted({x[1] for x in split})
        if len(p_cls) < 5 or len(n_cls) < 5:
            out[name] = None
            continue
        stubs = [SimpleNamespace(id=f"{ps}+{ns}->{pt}+{nt}", target_domain=f"{pt}+{nt}")
                 for (ps, pt), (ns, nt) in itertools.product(itertools.permutations(p_cls, 2),
                                                             itertools.permutations(n_cls, 2))]
        n_dom = len({s.target_domain for s in stubs})
        out[name] = {s.id for s in stratified_tasks(stubs, PER_TARGET * n_dom, SAMPLE_SEED)}
    return out


def sample_runs(runs: pd.DataFrame, pairs=PAIRS) -> pd.DataFrame:
    """The runs of the planned sample (every status: failed runs are counted, not hidden)."""
    sample = planned_sample(runs, pairs)
    keep = [t in (sample.get(v) or ()) for v, t in zip(runs["variant"], runs["task_id"])]
    return runs[np.asarray(keep, bool)] if len(runs) else runs


def seed_differences(runs: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """One row per (pair, task, seed) with both methods ok: d = 100 (acc_a - acc_b)."""
    return compare.seed_differences(runs, a, b, by="variant")


@dataclass(frozen=True)
class Result:
    hypothesis: str
    claim: str
    estimate: float
    low: float
    high: float
    p: float
    n_boot: int
    verdict: str
    tasks: int
    domains: int
    runs: int
    planned_runs: int
    unit: str

    @property
    def complete(self) -> bool:
        return self.runs >= self.planned_runs > 0


def expected_runs(pairs, methods: tuple[str, str], seeds) -> int:
    return len(pairs) * 25 * PER_TARGET * len(methods) * len(seeds)


def _mean_result(hyp, claim, runs, a, b, direction, seeds, pairs, n_boot) -> Result:
    diffs = seed_differences(runs, a, b)
    if len(seeds) == 1:
        diffs = diffs[diffs["seed"] == seeds[0]]
    done = int(runs[runs["method"].isin([a, b]) & runs["seed"].isin(seeds)
                    & (runs["status"] == "ok")].shape[0])
    bt = two_stage_bootstrap(diffs["d"], diffs["task_id"],
                             diffs["variant"] + "|" + diffs["target"], rng_for("heldout", hyp),
                             strata=diffs["variant"], n_boot=n_boot)
    word = verdict(bt.low, bt.high, direction, bt.low_band, bt.high_band, negligible=NEGLIGIBLE_PP)
    return Result(hyp, claim, bt.mean, bt.low, bt.high, bt.p, bt.n_boot, word,
                  diffs["task_id"].nunique(), bt.clusters, done,
                  expected_runs(pairs, (a, b), seeds), "pp")


def domain_gains(runs: pd.DataFrame) -> pd.DataFrame:
    """Per target domain (of each pair): the H1 gain (mean over its tasks of the seed-mean d)
    and its epsilon (neighbour confusion on the backbone's pool4, as stored)."""
    diffs = seed_differences(runs, "mrcnn", "vgg")
    task = diffs.groupby(["variant", "target", "task_id"])["d"].mean().reset_index()
    gain = task.groupby(["variant", "target"])["d"].mean().rename("gain_pp")
    cnn = runs[runs["method"].isin(["mrcnn", "vgg"])]
    eps = cnn.groupby(["variant", "target"])["epsilon"].mean()
    return pd.concat([gain, eps], axis=1).dropna().reset_index()


def analyse(runs: pd.DataFrame, pairs=PAIRS, n_boot: int = N_BOOT) -> list[Result]:
    """The three planned results on the planned sample of ``pairs`` (H1, H2, H3 in order)."""
    s = sample_runs(runs, pairs)
    out = [_mean_result("H1", HYPOTHESES[0][1], s, "mrcnn", "vgg", +1, SEEDS, pairs, n_boot),
           _mean_result("H2", HYPOTHESES[1][1], s, "tsvm", "lr", +1, (0,), pairs, n_boot)]
    dg = domain_gains(s)
    bt = rank_corr_bootstrap(dg["epsilon"], dg["gain_pp"], rng_for("heldout", "H3"),
                             n_boot=n_boot, strata=dg["variant"])
    word = verdict(bt.low, bt.high, -1, bt.low_band, bt.high_band, negligible=NEGLIGIBLE_RHO,
                   estimate=bt.mean)
    out.append(Result("H3", HYPOTHESES[2][1], bt.mean, bt.low, bt.high, bt.p, bt.n_boot, word,
                      int(s[s["method"].isin(["mrcnn", "vgg"])]["task_id"].nunique()), len(dg),
                      out[0].runs, out[0].planned_runs, "rho"))
    return out


def results_table(results: list[Result]) -> pd.DataFrame:
    """The planned results as a table; no verdict word until the sample is complete."""
    adj = holm([r.p for r in results])
    # Holm adjusts each p for the family; while a hypothesis is pending its p is interim, so
    # every adjusted p is provisional until all three are complete (#41)
    provisional = not all(r.complete for r in results)
    rows = []
    for r, pa in zip(results, adj):
        fmt = "{:+.2f}" if r.unit == "rho" else "{:+.1f}"
        rows.append({
            "hypothesis": r.hypothesis, "claim": r.claim,
            "estimate": (fmt.format(r.estimate) + (" pp" if r.unit == "pp" else "")
                         if np.isfinite(r.estimate) else "n/a"),
            "95% interval": (f"[{fmt.format(r.low)}, {fmt.format(r.high)}]"
                             if np.isfinite(r.low) else "n/a"),
            "bootstrap p": p_text(r.p, r.n_boot), "Holm-adjusted p": p_text(pa, r.n_boot)
            + (" (provisional: the family is not complete)" if provisional else ""),
            # the plan: before every planned run is stored, an interim estimate and interval
            # are shown, labelled pending, and no verdict word
            "verdict": r.verdict if r.complete else "pending",
            "sample": f"{r.tasks} tasks, {r.domains} target domains; "
                      f"{r.runs} of {r.planned_runs} runs"})
    return pd.DataFrame(rows)


def replication(confirmatory: list[Result], exploratory: list[Result]) -> pd.DataFrame:
    """The plan's replication rule: the exploratory estimate replicates when the confirmatory
    95 % interval holds it, and fails to replicate when it does not."""
    rows = []
    for c, e in zip(confirmatory, exploratory):
        held = np.isfinite(c.low) and c.low <= e.estimate <= c.high
        rows.append({"hypothesis": c.hypothesis, "exploratory estimate": e.estimate,
                     "confirmatory interval": (c.low, c.high),
                     "replicates": ("pending" if not c.complete else
                                    "replicates" if held else "fails to replicate")})
    return pd.DataFrame(rows)
