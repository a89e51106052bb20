"""The cluster bootstrap: interval, p and verdict from one set of resamples, by hand."""
import numpy as np
import pandas as pd
import pytest

from mrcnn_core import stats as S
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
    assert r.ci_low_pp > 0 and r.p < 0.05 and r.verdict == "higher"


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
