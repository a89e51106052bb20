"""The multi-switch TSVM: its exact L2-SVM solver, its pair switch, and scenarios
in which a weak or wrong optimiser fails."""
import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.svm import LinearSVC

from mrcnn_core.baselines.tsvm import (LAMBDA_GRID, TSVM, _with_bias, l2svm_mfn, l2svm_objective,
                                       switch_labels)


@pytest.mark.parametrize("seed", range(4))
def test_mfn_reaches_the_minimum(seed):
    """Finite Newton with the exact line search = a generic minimiser, to 1e-12."""
    rng = np.random.default_rng(seed)
    n, d = 80, 6
    X = _with_bias(rng.normal(size=(n, d)))
    y = np.where(X[:, :d] @ rng.normal(size=d) + rng.normal(size=n) > 0, 1.0, -1.0)
    c, lam, reg = rng.uniform(0.1, 1, n), 10 ** rng.uniform(-3, 0), np.r_[np.ones(d), 0.0]
    w = l2svm_mfn(X, y, c, lam, reg=reg)
    ref = minimize(lambda v: l2svm_objective(v, X, y, c, lam, reg), np.zeros(d + 1),
                   method="BFGS", options={"gtol": 1e-12})
    assert l2svm_objective(w, X, y, c, lam, reg) <= ref.fun + 1e-12
    # and w is a stationary point: the gradient vanishes
    slack = np.maximum(0.0, 1.0 - y * (X @ w))
    grad = lam * reg * w - X.T @ (c * slack * y)
    np.testing.assert_allclose(grad, 0.0, atol=1e-10)


def test_without_unlabelled_weight_it_is_a_plain_svm():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(60, 8))
    ys = (Xs @ rng.normal(size=8) + 0.3 * rng.normal(size=60) > 0).astype(int)
    Xt = rng.normal(size=(50, 8))
    lam = 0.05
    t = TSVM(lam=lam, lam_u=0.0, fit_intercept=False).fit(Xs, ys, Xt)
    # 1/2 [lam |w|^2 + 1/l sum sqhinge] = lam [|w|^2 / 2 + C sum sqhinge], C = 1/(2 lam l)
    svc = LinearSVC(C=1.0 / (2 * lam * len(Xs)), loss="squared_hinge", fit_intercept=False,
                    dual=False, tol=1e-10, max_iter=100000).fit(Xs, ys)
    np.testing.assert_allclose(t.coef_, svc.coef_.ravel(), rtol=1e-5, atol=1e-7)


def test_switch_by_hand():
    # positives with a loss: outputs -0.9, 0.2 (0.95 has one too); negatives: 0.5, -0.3
    y = np.array([1, 1, 1, -1, -1, -1], float)
    o = np.array([0.2, -0.9, 0.95, 0.5, -0.3, -2.0])
    s = switch_labels(y, o)
    # pairs in order: (-0.9 vs 0.5) switch, (0.2 vs -0.3) stop: o_pos > o_neg
    assert s == 1
    np.testing.assert_array_equal(y, [1, -1, 1, 1, -1, -1])


def test_each_switch_lowers_the_pair_loss():
    rng = np.random.default_rng(3)
    for _ in range(200):
        o = rng.normal(scale=1.5, size=40)
        y = np.where(rng.random(40) < 0.5, 1.0, -1.0)
        before = y.copy()
        switch_labels(y, o)
        changed = np.flatnonzero(y != before)
        loss = lambda yy: np.maximum(0, 1 - yy * o) ** 2  # noqa: E731
        assert np.sum(y) == np.sum(before)  # the balance is kept
        assert loss(y)[changed].sum() < loss(before)[changed].sum() or not len(changed)


def stripes(seed=0, n=100, half_length=3.0):
    """Two vertical stripes x = -2 and x = +2, y in [-3, 3]: the gap is x = 0.
    The labelled pair (1.5, 2) / (-1.5, -2) sits off-centre, so that a plain
    SVM's boundary, normal to (1.5, 2), cuts through both stripes."""
    rng = np.random.default_rng(seed)
    yt = np.repeat([1, 0], n)
    Xt = np.c_[np.where(yt == 1, 2.0, -2.0) + 0.3 * rng.normal(size=2 * n),
               rng.uniform(-half_length, half_length, 2 * n)]
    return np.array([[1.5, 2.0], [-1.5, -2.0]]), np.array([1, 0]), Xt, yt


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finds_the_low_density_gap_at_every_lambda(seed):
    Xs, ys, Xt, yt = stripes(seed)
    plain = TSVM(lam=1e-2, lam_u=0.0).fit(Xs, ys, Xt)
    assert plain.score(Xt, yt) < 0.8  # the scenario is not solved by the labels alone
    weak = [TSVM(lam=lam, starts=("svm",)).fit(Xs, ys, Xt).score(Xt, yt) for lam in LAMBDA_GRID]
    assert sum(a > 0.95 for a in weak) <= 2  # SVMlin's single start stays tilted here
    for lam in LAMBDA_GRID:
        t = TSVM(lam=lam).fit(Xs, ys, Xt)
        assert t.score(Xt, yt) > 0.97, (lam, t.selected_)
        # the solution is at least as good as the gap itself under the TSVM objective
        Zs, Zt = Xs @ t.basis_, Xt @ t.basis_
        y_true = np.where(yt == 1, 1.0, -1.0)
        X = _with_bias(np.vstack([Zs, Zt]))
        c = np.r_[np.full(2, 0.5), np.full(len(Zt), 1.0 / len(Zt))]
        w_gap = l2svm_mfn(X, np.r_[1.0, -1.0, y_true], c, lam, reg=np.r_[np.ones(Zs.shape[1]), 0])
        assert t.selected_["objective"] <= t.objective(w_gap, Zs, ys, Zt, y_true, lam) + 1e-12


def test_annealing_matters_from_the_svm_start():
    """Short stripes: the SVM start alone finds the gap when lam_u is annealed up from
    1e-5, and not at small lam when lam_u is switched on at once."""
    Xs, ys, Xt, yt = stripes(0, half_length=2.0)
    for lam in (1e-5, 1e-3):
        assert TSVM(lam=lam, starts=("svm",)).fit(Xs, ys, Xt).score(Xt, yt) > 0.97
        assert TSVM(lam=lam, starts=("svm",), anneal=False).fit(Xs, ys, Xt).score(Xt, yt) < 0.9


@pytest.mark.parametrize("r", [0.3, 0.5, 0.7])
def test_respects_balance(r):
    Xs, ys, Xt, yt = stripes(1)
    t = TSVM(lam=1e-2, r=r).fit(Xs, ys, Xt)
    assert np.mean(t.transduced_ > 0) == pytest.approx(r, abs=1 / len(Xt))


def test_selection_by_source_cv():
    """Source CV must pick the lambda that generalises: with 2:1 classes a huge
    lambda leaves only the (free) bias, which calls everything positive."""
    rng = np.random.default_rng(0)

    def draw(n):
        y = np.r_[np.ones(2 * n, int), np.zeros(n, int)]
        return rng.normal(size=(3 * n, 5)) + 2.0 * np.where(y, 1, -1)[:, None] * np.eye(5)[0], y
    Xs, ys = draw(20)
    Xt, yt = draw(50)
    t = TSVM(lambdas=(1e-1, 1e5), lam_u=0.0).fit(Xs, ys, Xt)
    assert t.selected_["lam"] == 1e-1 and t.selected_["select"] == "source_cv:3 folds"
    assert TSVM(lam=1e5, lam_u=0.0).fit(Xs, ys, Xt).score(Xt, yt) < 0.7 < t.score(Xt, yt)
    with pytest.raises(ValueError, match="yt"):
        TSVM(select="oracle").fit(Xs, ys, Xt)


def test_two_labels_per_class_use_two_folds_and_one_uses_the_default():
    Xs, ys, Xt, yt = stripes(0)
    Xs2, ys2 = np.vstack([Xs, Xs + 0.1]), np.r_[ys, ys]
    t = TSVM().fit(Xs2, ys2, Xt)
    assert t.selected_["select"] == "source_cv:2 folds"
    t1 = TSVM().fit(Xs, ys, Xt)
    assert t1.selected_["select"] == "default" and t1.selected_["lam"] == 1e-2
