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
        return interval_word(self.low, self.high, self.low_band, self.high_band)


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
                        level: float = LEVEL, min_clusters: int = MIN_CLUSTERS) -> Boot:
    """Spearman rho of paired values (one pair per cluster), resampling the pairs."""
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

    pick = rng.integers(0, n, size=(n_boot, n))
    return summarize(rho(x[pick], y[pick]), float(rho(x, y)), n, level=level)
