import numpy as np
import pytest
from keras import ops
from sklearn.svm import LinearSVC

from mrcnn_core import cifar100_tasks, corel_tasks, load_cifar100, load_corel
from mrcnn_core.baselines import LR, TCA, TLDA, TSVM, run_baseline
from mrcnn_core.baselines.tlda import mean_embedding_kl


def test_tsvm_without_unlabelled_weight_is_a_plain_svm():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(60, 8))
    ys = (Xs @ rng.normal(size=8) + 0.3 * rng.normal(size=60) > 0).astype(int)
    Xt = rng.normal(size=(50, 8))
    lam = 0.05
    t = TSVM(lam=lam, lam_u=0.0, fit_intercept=False).fit(Xs, ys, Xt)
    svc = LinearSVC(C=1.0 / (lam * len(Xs)), loss="squared_hinge", fit_intercept=False,
                    dual=False, tol=1e-10, max_iter=100000).fit(Xs, ys)
    np.testing.assert_allclose(t.coef_, svc.coef_.ravel(), rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(t.predict(Xt), svc.predict(Xt))


def _clusters(seed=0):
    """Two vertical stripes (x = -2, x = +2, y in [-2, 2]); the labelled pair sits
    off-centre so that the plain SVM's boundary (normal (1.5, 2)) cuts both
    stripes.  (With longer stripes, y in [-3, 3], this non-convex TSVM stays in
    the tilted local optimum: see the book's reproduction notes.)"""
    rng = np.random.default_rng(seed)
    n = 100
    yt = np.repeat([1, 0], n)
    Xt = np.c_[np.where(yt == 1, 2.0, -2.0) + 0.3 * rng.normal(size=2 * n),
               rng.uniform(-2, 2, 2 * n)]
    Xs = np.array([[1.5, 2.0], [-1.5, -2.0]])
    ys = np.array([1, 0])
    return Xs, ys, Xt, yt


def test_tsvm_finds_the_low_density_gap():
    Xs, ys, Xt, yt = _clusters()
    plain = TSVM(lam=1e-2, lam_u=0.0).fit(Xs, ys, Xt)
    tsvm = TSVM(lam=1e-2, lam_u=1.0).fit(Xs, ys, Xt)
    assert plain.score(Xt, yt) < 0.92
    assert tsvm.score(Xt, yt) > 0.97


@pytest.mark.parametrize("r", [0.3, 0.5, 0.7])
def test_tsvm_respects_balance(r):
    Xs, ys, Xt, yt = _clusters(1)
    t = TSVM(lam=1e-2, lam_u=1.0, r=r).fit(Xs, ys, Xt)
    assert np.mean(t.transduced_ > 0) == pytest.approx(r, abs=1 / len(Xt))


def test_tsvm_selection_recorded():
    Xs, ys, Xt, yt = _clusters(2)
    t = TSVM(lambdas=(1e-3, 1e-1)).fit(np.vstack([Xs] * 3), np.tile(ys, 3), Xt)
    assert t.selected_["select"] == "source_cv" and t.selected_["lam"] in (1e-3, 1e-1)
    with pytest.raises(ValueError, match="yt"):
        TSVM(select="oracle").fit(Xs, ys, Xt)


def test_lr_selection_modes():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(60, 5)); ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.normal(size=(40, 5)); yt = (Xt[:, 0] > 0).astype(int)
    a = LR().fit(Xs, ys, Xt)
    b = LR(select="oracle").fit(Xs, ys, Xt, yt)
    assert a.selected_["select"] == "source_cv" and b.selected_["select"] == "oracle"
    assert a.score(Xt, yt) > 0.85 and b.score(Xt, yt) >= a.score(Xt, yt) - 1e-12
    with pytest.raises(ValueError, match="unknown selection"):
        LR(select="magic").fit(Xs, ys, Xt)


def test_tca_on_shifted_domains():
    rng = np.random.default_rng(0)
    ys = np.repeat([1, 0], 50)
    Xs = rng.normal(size=(100, 20)) + 2.0 * ys[:, None] * np.eye(20)[0]
    Xt = rng.normal(size=(100, 20)) + 2.0 * ys[:, None] * np.eye(20)[0] + 3.0 * np.eye(20)[1]
    m = TCA(dims=(10, 20)).fit(Xs, ys, Xt)
    assert m.selected_["n_components"] in (10, 20)
    assert m.score(Xt, ys) > 0.8


def test_kl_term_by_hand():
    es = np.array([[0.2, 0.6], [0.4, 0.2]], np.float32)  # mean (0.3, 0.4) -> (3/7, 4/7)
    et = np.array([[0.5, 0.5]], np.float32)               # -> (1/2, 1/2)
    ps, pt = np.array([3 / 7, 4 / 7]), np.array([0.5, 0.5])
    expect = np.sum(ps * np.log(ps / pt)) + np.sum(pt * np.log(pt / ps))
    got = float(ops.convert_to_numpy(mean_embedding_kl(es, et)))
    assert got == pytest.approx(expect, rel=1e-4)


def test_tlda_training_lowers_each_term():
    rng = np.random.default_rng(0)
    ys = np.repeat([1, 0], 30)
    Xs = np.clip(0.4 + 0.15 * rng.normal(size=(60, 40)) + 0.3 * ys[:, None], 0, 1)
    Xt = np.clip(0.45 + 0.15 * rng.normal(size=(60, 40)) + 0.3 * ys[:, None], 0, 1)
    m = TLDA(pretrain_steps=50, steps=300).fit(Xs, ys, Xt)
    h = m.history_
    assert len(h["loss"]) == 350
    assert h["reconstruction"][49] < h["reconstruction"][0]  # pre-training
    full = slice(50, None)
    assert h["loss"][full][-1] < h["loss"][full][0]
    assert h["ce"][full][-1] < 0.5 * h["ce"][full][0]
    assert h["l2"][-1] > 0
    assert m.score(Xt, ys) > 0.8
    # with the defaults the KL term weighs 1e-3 and may drift; weighted up, training lowers it
    k = TLDA(pretrain_steps=0, steps=200, kl_weight=1000.0, ce_weight=0.0).fit(Xs, ys, Xt + 0.2)
    assert k.history_["kl"][-1] < 0.5 * k.history_["kl"][0]


@pytest.mark.parametrize("method", ["lr", "tsvm", "tca", "tlda"])
def test_runner_two_tasks_each(method, shared_cifar_root, corel_path):
    kw = {"tlda": dict(pretrain_steps=20, steps=50)}.get(method, {})
    c_tasks = cifar100_tasks(load_cifar100(shared_cifar_root, download=False))
    k_tasks = corel_tasks(load_corel(corel_path))
    for t in (c_tasks[0], k_tasks[0]):
        r = run_baseline(t, method, **kw)
        assert 0.0 <= r.accuracy <= 1.0 and r.wall_time > 0
        assert r.method == method and r.task_id == t.id and r.hparams
