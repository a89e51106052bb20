"""The book's one statistical procedure: a cluster bootstrap, its interval, its p and its verdict.

Tasks that share a target domain are not independent, so every interval of the
book resamples **clusters** (target domains, or tasks where no domain is known)
with all their values.  The p-value comes from the *same* resamples of the *same*
statistic (the task-weighted mean difference), so an interval and its p can never
disagree about the side of zero (they did, when p came from a Wilcoxon test on
per-domain means: that test weighs a domain of 1 task like one of 16, and tests a
median, not the mean the interval is about).

A percentile bound from B resamples has Monte Carlo error.  ``Boot.low_band`` and
``Boot.high_band`` are the 95 % Monte Carlo bands of the two bounds (order
statistics around the quantile's index, binomial standard error).  When a band holds
zero, the bootstrap is drawn again with four times the resamples (up to
``N_BOOT_MAX``), so a bound near zero is known well enough to say on which side it
lies; a verdict says "higher" or "lower" only when the whole band lies beyond zero.
So a verdict does not flip with the bootstrap's seed, except for a bound within
about 1/400 of the interval's width of zero, which reads "indistinguishable".
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: fewer clusters give an interval that says nothing, and no test is shown
MIN_CLUSTERS = 5
#: resamples of every interval (the bound's Monte Carlo error is about 1/sqrt(N_BOOT) of its spread)
N_BOOT = 10_000
#: a bound whose Monte Carlo band holds zero is drawn again with 4x the resamples, up to this
N_BOOT_MAX = 160_000
LEVEL = 0.95


def rng_for(*parts) -> np.random.Generator:
    """A generator seeded by what a comparison is, so results do not depend on call order."""
    return np.random.default_rng(zlib.crc32("|".join(map(str, parts)).encode()))


@dataclass(frozen=True)
class Boot:
    """A cluster bootstrap of a mean: the interval, its p, the bounds' Monte Carlo bands."""

    mean: float
    low: float
    high: float
    p: float  # two-sided bootstrap p of "mean = 0", from the interval's own resamples
    low_band: tuple[float, float]
    high_band: tuple[float, float]
    clusters: int
    cluster_means: np.ndarray
    n_boot: int

    @property
    def word(self) -> str:
        """'higher' / 'lower' / 'indistinguishable': where the interval lies (no claim)."""
        return interval_word(self.low, self.high, self.low_band, self.high_band)

    def verdict(self, direction: int = +1, scale: float = 1.0, rho: bool = False) -> str:
        """The verdict word (:func:`verdict`) of the claim that the effect has sign
        ``direction``; ``scale`` turns the statistic into pp (100 for fractions); ``rho``:
        a correlation, negligible below ``NEGLIGIBLE_RHO`` in size."""
        if self.clusters < MIN_CLUSTERS or not (np.isfinite(self.low) and np.isfinite(self.high)):
            return "too few clusters"
        band = lambda b: (scale * b[0], scale * b[1])  # noqa: E731
        if rho:
            return verdict(self.low, self.high, direction, self.low_band, self.high_band,
                           negligible=NEGLIGIBLE_RHO, estimate=self.mean)
        return verdict(scale * self.low, scale * self.high, direction, band(self.low_band),
                       band(self.high_band))


def bootstrap_p(boots: np.ndarray) -> float:
    """Two-sided percentile-bootstrap p of 0: twice the smaller tail at 0, at least 1/B.

    The 95 % percentile interval excludes 0 exactly when this p is below 0.05 (up to the
    interpolation between two order statistics)."""
    b = np.asarray(boots, float)
    tail = min(float(np.mean(b <= 0)), float(np.mean(b >= 0)))
    return float(min(1.0, max(2 * tail, 1 / len(b))))


def _band(sorted_boots: np.ndarray, q: float) -> tuple[float, float]:
    """95 % Monte Carlo band of the q-quantile of B resamples: order statistics at
    B q +- 1.96 sqrt(B q (1 - q))."""
    n = len(sorted_boots)
    k, d = q * (n - 1), 1.96 * np.sqrt(n * q * (1 - q))
    lo, hi = int(np.clip(np.floor(k - d), 0, n - 1)), int(np.clip(np.ceil(k + d), 0, n - 1))
    return float(sorted_boots[lo]), float(sorted_boots[hi])


def summarize(boots: np.ndarray, mean: float, clusters: int, cluster_means=np.array([]),
              level: float = LEVEL) -> Boot:
    """A Boot from resampled statistics (any statistic, e.g. a rank correlation)."""
    b = np.sort(np.asarray(boots, float)[np.isfinite(boots)])
    if len(b) == 0:
        nan = (np.nan, np.nan)
        return Boot(mean, np.nan, np.nan, np.nan, nan, nan, clusters, cluster_means, 0)
    q = (1 - level) / 2
    return Boot(mean=mean, low=float(np.percentile(b, 100 * q)),
                high=float(np.percentile(b, 100 * (1 - q))), p=bootstrap_p(b),
                low_band=_band(b, q), high_band=_band(b, 1 - q), clusters=clusters,
                cluster_means=cluster_means, n_boot=len(b))


def cluster_bootstrap(values, clusters, rng: np.random.Generator, n_boot: int = N_BOOT,
                      level: float = LEVEL, min_clusters: int = MIN_CLUSTERS) -> Boot:
    """Cluster bootstrap of the mean of ``values``: whole clusters are resampled.

    The statistic is the mean over values (tasks), so a cluster of 16 tasks weighs
    16 times one of 1, in the estimate and in every resample alike.  With fewer than
    ``min_clusters`` clusters the interval and p are NaN."""
    values = np.asarray(values, float)
    codes, uniq = pd.factorize(pd.Series(clusters).reset_index(drop=True))
    sums = np.bincount(codes, weights=values)
    counts = np.bincount(codes).astype(float)
    means = sums / np.maximum(counts, 1)
    mean = float(values.mean()) if len(values) else np.nan
    if len(uniq) < max(2, min_clusters):
        nan = (np.nan, np.nan)
        return Boot(mean, np.nan, np.nan, np.nan, nan, nan, len(uniq), means, 0)
    while True:
        pick = rng.integers(0, len(uniq), size=(n_boot, len(uniq)), dtype=np.int32)
        b = summarize(sums[pick].sum(1) / counts[pick].sum(1), mean, len(uniq), means, level)
        near = b.low_band[0] <= 0 <= b.low_band[1] or b.high_band[0] <= 0 <= b.high_band[1]
        if not near or n_boot >= N_BOOT_MAX:
            return b
        n_boot = min(4 * n_boot, N_BOOT_MAX)  # a bound within its Monte Carlo error of zero


def cluster_ci(values, clusters, rng: np.random.Generator, n_boot: int = N_BOOT,
               level: float = LEVEL, min_clusters: int = MIN_CLUSTERS):
    """(low, high, per-cluster means) of :func:`cluster_bootstrap`."""
    b = cluster_bootstrap(values, clusters, rng, n_boot, level, min_clusters)
    return b.low, b.high, b.cluster_means


def interval_word(lo: float, hi: float, low_band=None, high_band=None) -> str:
    """'higher' / 'lower' when the 95 % interval of a difference excludes 0 beyond the
    Monte Carlo error of its bound (when the bands are given), else 'indistinguishable'."""
    if not np.isfinite(lo) or not np.isfinite(hi):
        return f"too few clusters for an interval (fewer than {MIN_CLUSTERS})"
    lo_edge = low_band[0] if low_band is not None else lo
    hi_edge = high_band[1] if high_band is not None else hi
    return "higher" if lo_edge > 0 else "lower" if hi_edge < 0 else "indistinguishable"


def rank_corr_bootstrap(x, y, rng: np.random.Generator, n_boot: int = N_BOOT,
                        level: float = LEVEL, min_clusters: int = MIN_CLUSTERS,
                        strata=None) -> Boot:
    """Spearman rho of paired values (one pair per cluster), resampling the pairs (within
    each stratum when ``strata`` is given, so each stratum keeps its number of points)."""
    from scipy.stats import rankdata

    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    if n < max(3, min_clusters):
        nan = (np.nan, np.nan)
        return Boot(np.nan, np.nan, np.nan, np.nan, nan, nan, n, np.array([]), 0)

    def rho(a, b):
        ra, rb = rankdata(a, axis=-1), rankdata(b, axis=-1)
        ra = ra - ra.mean(-1, keepdims=True)
        rb = rb - rb.mean(-1, keepdims=True)
        den = np.sqrt((ra ** 2).sum(-1) * (rb ** 2).sum(-1))
        with np.errstate(invalid="ignore", divide="ignore"):
            return (ra * rb).sum(-1) / den

    if strata is None:
        pick = rng.integers(0, n, size=(n_boot, n))
    else:
        st = np.asarray(list(strata))
        members = [np.flatnonzero(st == s) for s in pd.unique(st)]
        pick = np.concatenate([m[rng.integers(0, len(m), size=(n_boot, len(m)))]
                               for m in members], axis=1)
    return summarize(rho(x[pick], y[pick]), float(rho(x, y)), n, level=level)


def _padded(frame: pd.DataFrame, cl_names, t_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The runs as padded arrays: ``V[cluster, task slot, seed slot]`` and the seed counts
    ``ns[cluster, task slot]`` (0: an empty slot)."""
    s_max = int(frame.groupby("task").size().max())
    V = np.zeros((len(cl_names), t_max, s_max))
    ns = np.zeros((len(cl_names), t_max), dtype=np.int64)
    cl_index = {c: i for i, c in enumerate(cl_names)}
    slot = dict.fromkeys(cl_names, 0)
    for task, d in frame.groupby("task", sort=False):
        c = d["cl"].iloc[0]
        i, j = cl_index[c], slot[c]
        slot[c] += 1
        V[i, j, :len(d)] = d["v"].to_numpy()
        ns[i, j] = len(d)
    return V, ns


def two_stage_bootstrap(values, tasks, clusters, rng: np.random.Generator, *, strata=None,
                        stages: int = 2, n_boot: int = N_BOOT, level: float = LEVEL,
                        min_clusters: int = MIN_CLUSTERS) -> Boot:
    """Bootstrap of a task-weighted mean of per-task seed means, in two stages.

    ``values`` holds one value per (task, seed) run (e.g. MRCNN - VGG of one seed); the
    statistic is the mean over tasks of each task's mean over its seeds.  Stage 1 resamples
    clusters (target domains) with all their tasks, within each stratum when ``strata`` is
    given (e.g. superclass pairs: each keeps its number of domains); stage 2 (``stages=2``)
    resamples, inside every drawn task, its seeds with replacement, independently for each
    copy of a cluster drawn twice.  So the interval carries run-to-run variance as well as
    the variance between domains; ``stages=1`` is the book's one-stage interval on the same
    data (seeds averaged first), for comparison.  A task with fewer seeds uses the ones it has.
    """
    v = np.asarray(values, float)
    frame = pd.DataFrame({"v": v, "task": list(tasks), "cl": list(clusters),
                          "st": list(strata) if strata is not None else [0] * len(v)})
    frame = frame[np.isfinite(frame["v"])]
    if frame.empty:
        nan = (np.nan, np.nan)
        return Boot(np.nan, np.nan, np.nan, np.nan, nan, nan, 0, np.array([]), 0)
    if (frame.groupby("task")["cl"].nunique() > 1).any() or \
            (frame.groupby("cl")["st"].nunique() > 1).any():
        raise ValueError("each task must lie in one cluster and each cluster in one stratum")
    task_mean = frame.groupby("task", sort=False)["v"].mean()
    mean = float(task_mean.mean())
    cl_codes, cl_names = pd.factorize(frame.drop_duplicates("task")["cl"])
    per_cluster = frame.drop_duplicates("task").groupby("cl", sort=False)["v"].size()
    cluster_means = (task_mean.groupby(frame.drop_duplicates("task").set_index("task")["cl"])
                     .mean().reindex(cl_names).to_numpy())
    n_cl = len(cl_names)
    if n_cl < max(2, min_clusters):
        nan = (np.nan, np.nan)
        return Boot(mean, np.nan, np.nan, np.nan, nan, nan, n_cl, cluster_means, 0)
    V, ns = _padded(frame, cl_names, int(per_cluster.max()))
    t_max, s_max = V.shape[1:]
    n_tasks = (ns > 0).sum(1)  # tasks per cluster
    task_means = np.where(ns > 0, V.sum(2) / np.maximum(ns, 1), 0.0)
    st_of = frame.drop_duplicates("cl").set_index("cl")["st"].reindex(cl_names).to_numpy()
    members = [np.flatnonzero(st_of == s) for s in pd.unique(st_of)]

    def draw(nb: int) -> np.ndarray:
        pick = np.empty((nb, n_cl), dtype=np.int64)
        col = 0
        for m in members:  # stage 1: clusters, within their stratum
            pick[:, col:col + len(m)] = m[rng.integers(0, len(m), size=(nb, len(m)))]
            col += len(m)
        if stages == 1:
            tot = task_means[pick].sum(2)  # (nb, n_cl): sums of task means per drawn cluster
        else:  # stage 2: each drawn task's seeds, resampled
            k = ns[pick]  # (nb, n_cl, t_max)
            u = rng.random((nb, n_cl, t_max, s_max))
            idx = np.minimum((u * k[..., None]).astype(np.int64), np.maximum(k[..., None] - 1, 0))
            vals = np.take_along_axis(V[pick], idx, axis=3)
            used = np.arange(s_max) < k[..., None]
            tm = np.where(k > 0, (vals * used).sum(3) / np.maximum(k, 1), 0.0)
            tot = tm.sum(2)
        return tot.sum(1) / n_tasks[pick].sum(1)

    while True:
        chunk = max(1, 2_000_000 // (n_cl * t_max * s_max))
        boots = np.concatenate([draw(min(chunk, n_boot - b)) for b in range(0, n_boot, chunk)])
        b = summarize(boots, mean, n_cl, cluster_means, level)
        near = b.low_band[0] <= 0 <= b.low_band[1] or b.high_band[0] <= 0 <= b.high_band[1]
        if not near or n_boot >= N_BOOT_MAX:
            return b
        n_boot = min(4 * n_boot, N_BOOT_MAX)


#: the four verdict words of the book (glossary): said of a claimed direction
VERDICTS = ("supported", "contradicted", "inconclusive", "negligible")
#: an effect whose whole interval lies within +/- this many points is negligible
NEGLIGIBLE_PP = 0.5
#: a rank correlation smaller than this in size is negligible
NEGLIGIBLE_RHO = 0.1


def verdict(low: float, high: float, direction: int = +1, low_band=None, high_band=None, *,
            negligible: float = NEGLIGIBLE_PP, estimate: float | None = None) -> str:
    """One of :data:`VERDICTS` for a claim that an effect has sign ``direction``.

    *inconclusive*: the interval holds zero (within the Monte Carlo error of its bounds);
    *negligible*: beyond zero, but the whole interval within +/- ``negligible`` (or, when
    ``estimate`` is given, as for a correlation, ``|estimate| < negligible``);
    *supported* / *contradicted*: beyond zero in / against the claimed direction."""
    if direction not in (1, -1):
        raise ValueError(f"direction must be +1 or -1, got {direction!r}")
    word = interval_word(low, high, low_band, high_band)
    if word not in ("higher", "lower"):
        return "inconclusive"
    small = (abs(estimate) < negligible if estimate is not None
             else max(abs(low), abs(high)) <= negligible)
    if small:
        return "negligible"
    return "supported" if (word == "higher") == (direction == 1) else "contradicted"


def p_text(p: float, n_boot: int) -> str:
    """A bootstrap p as it may be read: at its floor (no resample beyond zero) it is
    'p < 1/B', not a measured value."""
    if not np.isfinite(p) or n_boot <= 0:
        return "p: n/a"
    floor = 1 / n_boot
    return f"p < {floor:.1g}" if p <= floor else f"p = {p:.2g}"


def t_interval(values, level: float = LEVEL) -> tuple[float, float, float, int]:
    """(mean, low, high, n): Student's t interval of a mean over a few independent units
    (e.g. superclass pairs, each one point), where a percentile bootstrap of so few points
    is too narrow."""
    from scipy import stats as st

    x = np.asarray(values, float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 2:
        return (float(x.mean()) if n else np.nan, np.nan, np.nan, n)
    half = st.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / np.sqrt(n)
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half), n


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (same order as given)."""
    p = np.asarray(pvalues, float)
    order = np.argsort(p)
    adj = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        adj[i] = running
    return adj
