"""The cluster bootstrap: interval, p and verdict from one set of resamples, by hand."""
import numpy as np
import pandas as pd
import pytest

from mrcnn_core.analysis import stats as S
from mrcnn_core.analysis import paired, per_task


def test_bootstrap_p_by_hand():
    assert S.bootstrap_p(np.array([-1.0, 1.0, 2.0, 3.0])) == pytest.approx(0.5)  # 2 x 1/4
    assert S.bootstrap_p(np.array([1.0, 2.0, 3.0, 4.0])) == pytest.approx(0.25)  # floor 1/B
    assert S.bootstrap_p(np.zeros(10)) == 1.0


def _unbalanced_store():
    """Target domains of very different sizes, as in Table 1's Left group: five domains of
    16 tasks where a beats b by 5 pp, five of 1 task where b wins by 2 pp.  The task mean is
    +4.5 pp; a test that weighs each domain once (Wilcoxon on domain means) sees five wins
    and five losses and said p = 0.5 while the interval lay above zero."""
    rows = []
    for d in range(10):
        big = d < 5
        for t in range(16 if big else 1):
            base = 0.6 + 0.01 * t
            diff = (0.05 + 0.004 * (t % 3 - 1) + 0.002 * d) if big else (-0.02 - 0.002 * d)
            for m, acc in (("b", base), ("a", base + diff)):
                rows.append(dict(dataset="x", task_id=f"d{d}t{t}", target=f"D{d}", method=m,
                                 seed=0, accuracy=acc, epsilon=0.1))
    return rows


def test_interval_and_p_agree_on_unbalanced_domains(monkeypatch):
    import mrcnn_core.analysis as A

    monkeypatch.setitem(A.METHOD_LABEL, "a", "A")
    monkeypatch.setitem(A.METHOD_LABEL, "b", "B")
    pt = per_task(pd.DataFrame(_unbalanced_store())).assign(group="Left")
    r = paired(pt, "a", "b").iloc[0]
    # big domains: per domain 16 x 0.05 + 0.004 x (6 x -1 + 5 x 0 + 5 x 1) + 16 x 0.002 d
    # (d = 0..4); small ones: -0.02 - 0.002 d (d = 5..9); over 85 tasks
    big = 5 * (0.8 - 0.004) + 0.032 * (0 + 1 + 2 + 3 + 4)
    small = 5 * -0.02 - 0.002 * (5 + 6 + 7 + 8 + 9)
    np.testing.assert_allclose(r.mean_diff_pp, 100 * (big + small) / 85, atol=1e-9)  # 4.86
    assert r.clusters == 10 and r.tasks == 85
    assert r.ci_low_pp > 0 and r.p < 0.05 and r.verdict == "supported"


@pytest.mark.parametrize("seed", range(30))
def test_interval_excludes_zero_exactly_when_p_is_small(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 30))
    clusters = rng.integers(0, n, size=4 * n)
    values = rng.normal(rng.normal(0, 0.5), 1.0, size=len(clusters))
    b = S.cluster_bootstrap(values, clusters, S.rng_for("t", seed), n_boot=4000)
    # the two are the same tail of the same resamples (up to one order statistic)
    if b.p < 0.049:
        assert b.low > 0 or b.high < 0
    if b.p > 0.051:
        assert b.low <= 0 <= b.high


def test_a_bound_within_its_monte_carlo_error_is_not_a_verdict():
    # 10,000 resamples spread evenly over [-0.024, 0.976]: the 2.5 % bound is about +0.001,
    # and its Monte Carlo band (+-31 order statistics, 0.0031) reaches below zero
    boots = np.linspace(-0.024, 0.976, 10_000)
    b = S.summarize(boots, mean=0.476, clusters=20)
    assert 0 < b.low < 0.002
    assert b.low_band[0] < 0 < b.low_band[1]
    assert S.interval_word(b.low, b.high) == "higher"  # the bound alone would say so
    assert b.word == "indistinguishable"
    b = S.summarize(boots + 0.01, mean=0.486, clusters=20)  # now clear of zero
    assert b.word == "higher"


def test_verdicts_do_not_flip_with_the_bootstrap_seed():
    """A borderline effect: over 40 bootstrap seeds the verdict is one word."""
    rng = np.random.default_rng(7)
    clusters = np.repeat(np.arange(16), 9)
    values = rng.normal(0.0, 1.0, size=len(clusters))
    values += 2.1 * values.std() / np.sqrt(16) - values.mean()  # about 2 SE above zero
    words = {S.cluster_bootstrap(values, clusters, np.random.default_rng(s)).word
             for s in range(40)}
    assert len(words) == 1


def test_too_few_clusters_give_no_interval_and_no_p():
    b = S.cluster_bootstrap([0.1, 0.2, 0.3, 0.4], ["a", "a", "b", "c"], S.rng_for("x"))
    assert b.clusters == 3 and np.isnan(b.low) and np.isnan(b.p)
    assert b.word.startswith("too few")
    np.testing.assert_allclose(b.cluster_means, [0.15, 0.3, 0.4])


def test_rank_correlation_by_hand():
    x = np.arange(8.0)
    b = S.rank_corr_bootstrap(x, -2 * x, S.rng_for("rho"))
    assert b.mean == pytest.approx(-1.0) and b.high == pytest.approx(-1.0)
    assert b.word == "lower" and b.clusters == 8
    assert np.isnan(S.rank_corr_bootstrap(x[:3], x[:3], S.rng_for("rho")).low)


def _seeded_store(seed_effect: float, n_dom: int = 20, per_dom: int = 4, seeds: int = 3):
    """(values, tasks, domains): per (task, seed) differences whose seeds disagree by a
    task-specific, systematic amount (``seed_effect``: seed s shifts a task's value by
    +/- seed_effect, with a sign drawn per task), around a domain effect."""
    rng = np.random.default_rng(3)
    v, t, c = [], [], []
    for d in range(n_dom):
        dom = rng.normal(1.0, 1.0)
        for k in range(per_dom):
            sign = rng.choice([-1, 1])
            for s in range(seeds):
                v.append(dom + sign * seed_effect * (s - 1) + rng.normal(0, 0.1))
                t.append(f"d{d}t{k}")
                c.append(f"D{d}")
    return np.array(v), t, c


def test_two_stage_is_wider_when_seeds_disagree():
    """Seeds that disagree systematically: resampling them (stage 2) widens the interval;
    seeds that agree: the two intervals are about as wide."""
    v, t, c = _seeded_store(seed_effect=10.0)
    one = S.two_stage_bootstrap(v, t, c, np.random.default_rng(0), stages=1)
    two = S.two_stage_bootstrap(v, t, c, np.random.default_rng(0), stages=2)
    assert one.mean == pytest.approx(two.mean)
    assert (two.high - two.low) > 1.3 * (one.high - one.low)
    v, t, c = _seeded_store(seed_effect=0.0)
    one = S.two_stage_bootstrap(v, t, c, np.random.default_rng(0), stages=1)
    two = S.two_stage_bootstrap(v, t, c, np.random.default_rng(0), stages=2)
    assert (two.high - two.low) == pytest.approx(one.high - one.low, rel=0.1)


def test_two_stage_estimate_and_one_stage_by_hand():
    """The estimate is the mean over tasks of each task's seed mean (a task with fewer seeds
    counts once, like the others); with one stage it is the cluster bootstrap of task means."""
    v = [1.0, 3.0, 10.0, 0.0, 0.0, 0.0]
    t = ["a", "a", "b", "c", "c", "c"]
    c = ["X", "X", "Y", "Z", "Z", "Z"]
    b = S.two_stage_bootstrap(v, t, c, np.random.default_rng(0), stages=1, min_clusters=2)
    assert b.mean == pytest.approx((2.0 + 10.0 + 0.0) / 3)
    tm = [2.0, 10.0, 0.0]  # one task per domain: the same as the cluster bootstrap of task means
    ref = S.cluster_bootstrap(tm, ["X", "Y", "Z"], np.random.default_rng(0), min_clusters=2)
    assert b.mean == pytest.approx(ref.mean)
    assert b.cluster_means == pytest.approx([2.0, 10.0, 0.0])
    with pytest.raises(ValueError, match="one cluster"):
        S.two_stage_bootstrap([1.0, 2.0], ["a", "a"], ["X", "Y"], np.random.default_rng(0))


def test_two_stage_strata_keep_each_stratum_share():
    """Resampling within strata: a stratum whose every value is 10 and one whose every value is
    0, with equal task counts, give a mean of exactly 5 in every resample."""
    v = [10.0] * 12 + [0.0] * 12
    t = [f"t{i}" for i in range(24)]
    c = [f"D{i // 2}" for i in range(24)]
    st = ["A"] * 12 + ["B"] * 12
    b = S.two_stage_bootstrap(v, t, c, np.random.default_rng(1), strata=st)
    assert (b.mean, b.low, b.high) == pytest.approx((5.0, 5.0, 5.0))
    free = S.two_stage_bootstrap(v, t, c, np.random.default_rng(1))
    assert free.high - free.low > 2.0  # without strata the pairs' shares vary


@pytest.mark.parametrize("low, high, direction, est, neg, word", [
    (0.8, 2.0, +1, None, 0.5, "supported"),     # beyond zero, in the claimed direction
    (-2.0, -0.8, +1, None, 0.5, "contradicted"),  # beyond zero, the other way
    (-0.3, 1.5, +1, None, 0.5, "inconclusive"),  # holds zero
    (0.1, 0.4, +1, None, 0.5, "negligible"),     # beyond zero, all within +/- 0.5 pp
    (-0.4, -0.1, +1, None, 0.5, "negligible"),
    (-0.5, -0.2, -1, -0.35, 0.1, "supported"),   # a rho claimed negative
    (-0.09, -0.01, -1, -0.05, 0.1, "negligible"),  # |rho| < 0.1
])
def test_verdict_words_by_hand(low, high, direction, est, neg, word):
    assert S.verdict(low, high, direction, negligible=neg, estimate=est) == word
    assert word in S.VERDICTS


def test_p_at_the_floor_is_said_as_a_bound():
    assert S.p_text(1 / 10_000, 10_000) == "p < 0.0001"
    assert S.p_text(0.0321, 10_000) == "p = 0.032"


def test_t_interval_of_six_points_by_hand():
    x = [2.5, -0.2, 1.0, -1.5, 1.8, 3.2]
    m, lo, hi, n = S.t_interval(x)
    sd = np.std(x, ddof=1)
    half = 2.5705818366147395 * sd / np.sqrt(6)  # t(0.975, 5)
    np.testing.assert_allclose([m, lo, hi], [np.mean(x), np.mean(x) - half, np.mean(x) + half])
    assert n == 6


def test_holm_by_hand():
    np.testing.assert_allclose(S.holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(S.holm([0.5, 0.001]), [0.5, 0.002])
