import numpy as np
import pytest

from mrcnn_core.methods import SHALLOW
from keras import ops

from mrcnn_core import cifar100_tasks, corel_tasks, load_cifar100, load_corel
from mrcnn_core.baselines import LR, TCA, TLDA, make_baseline, run_baseline, task_matrices
from mrcnn_core.baselines.tca import tca_components, tca_matrices
from mrcnn_core.baselines.tlda import mean_embedding_kl


def test_lr_selection_modes():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(60, 5)); ys = (Xs[:, 0] > 0).astype(int)
    Xt = rng.normal(size=(40, 5)); yt = (Xt[:, 0] > 0).astype(int)
    a = LR().fit(Xs, ys, Xt)
    b = LR(select="oracle").fit(Xs, ys, Xt, yt)
    assert a.selected_["select"] == "source_cv:3 folds" and b.selected_["select"] == "oracle"
    assert a.score(Xt, yt) > 0.85 and b.score(Xt, yt) >= a.score(Xt, yt) - 1e-12
    with pytest.raises(ValueError, match="unknown selection"):
        LR(select="magic").fit(Xs, ys, Xt)


def _spurious_shift(seed=0, n=100):
    """x0 carries the label in both domains; x1 carries it in the source only and
    is shifted to +6 (no label information) in the target.  LR leans on x1 and
    calls every target sample positive; TCA drops the shifted direction."""
    rng = np.random.default_rng(seed)
    y = np.repeat([1, 0], n)
    sgn = np.where(y == 1, 1.0, -1.0)
    Xs = np.c_[sgn + 0.6 * rng.normal(size=2 * n), 2 * sgn + 0.6 * rng.normal(size=2 * n),
               rng.normal(size=(2 * n, 3))]
    Xt = np.c_[sgn + 0.6 * rng.normal(size=2 * n), 6 + 0.6 * rng.normal(size=2 * n),
               rng.normal(size=(2 * n, 3))]
    return Xs, y, Xt, y


def test_tca_succeeds_where_lr_fails():
    Xs, ys, Xt, yt = _spurious_shift()
    assert LR().fit(Xs, ys, Xt).score(Xt, yt) < 0.6
    m = TCA(dims=(1, 2, 3, 4)).fit(Xs, ys, Xt)
    assert m.score(Xt, yt) > 0.9
    assert m.selected_["select"] == "source_holdout:1 of 3 folds"


def test_tca_components_solve_the_generalised_eigenproblem():
    """B v = lambda A v with the largest lambdas, checked against an independent
    route: the symmetric matrix A^-1/2 B A^-1/2 and its ordinary eigenvectors."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(12, 4)), rng.normal(size=(9, 4)) + 1.0])
    K, ns, mu = X @ X.T, 12, 0.1
    A, B = tca_matrices(K, ns, mu)
    # by hand: L = e e' with e = (1/ns ... , -1/nt ...), H = I - 1/n
    e = np.r_[np.full(12, 1 / 12), np.full(9, -1 / 9)]
    np.testing.assert_allclose(A, np.eye(21) + mu * K @ np.outer(e, e) @ K, atol=1e-12)
    np.testing.assert_allclose(B, K @ (np.eye(21) - 1 / 21) @ K, atol=1e-12)
    V = tca_components(K, ns, mu, 3)
    w, U = np.linalg.eigh(A)
    a_inv_half = U @ np.diag(w ** -0.5) @ U.T
    vals, vecs = np.linalg.eigh(a_inv_half @ B @ a_inv_half)
    ref = a_inv_half @ vecs[:, ::-1][:, :3]
    lam = np.diag(V.T @ B @ V) / np.diag(V.T @ A @ V)
    np.testing.assert_allclose(lam, vals[::-1][:3], rtol=1e-8)
    np.testing.assert_allclose(B @ V, A @ V * lam, atol=1e-8 * np.abs(B).max())
    # the same subspace as the independent route (up to sign and scale)
    cos = np.abs(np.sum(V * ref, 0)) / np.linalg.norm(V, axis=0) / np.linalg.norm(ref, axis=0)
    np.testing.assert_allclose(cos, 1.0, atol=1e-8)


def test_two_labels_per_class():
    """Every baseline's default selection works with 2 labelled samples per class
    (2-fold CV) and records what it did; 1 per class falls back to a default."""
    Xs, ys, Xt, yt = _spurious_shift(1)
    pick = np.r_[0, 1, 100, 101]
    lr = LR().fit(Xs[pick], ys[pick], Xt)
    assert lr.selected_["select"] == "source_cv:2 folds"
    tca = TCA(dims=(1, 2)).fit(Xs[pick], ys[pick], Xt)
    assert tca.selected_["select"] == "source_holdout:1 of 2 folds"
    one = np.r_[0, 100]
    assert LR().fit(Xs[one], ys[one], Xt).selected_ == {"C": 1.0, "select": "default"}
    assert TCA(dims=(1, 2)).fit(Xs[one], ys[one], Xt).selected_["select"] == "default"


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


@pytest.mark.parametrize("method", SHALLOW)  # every registered shallow method
def test_runner_two_tasks_each(method, real_cifar_root, real_corel_path):
    """run_baseline = the estimator fitted by hand on the task's matrices; LR and
    TSVM are well above chance on the first Corel task ([0, 1]-scaled features)."""
    kw = {"tlda": dict(pretrain_steps=20, steps=50)}.get(method, {})
    c_tasks = cifar100_tasks(load_cifar100(real_cifar_root, download=False))
    k_tasks = corel_tasks(load_corel(real_corel_path))
    for t in (c_tasks[0], k_tasks[0]):
        r = run_baseline(t, method, **kw)
        xs, xt = task_matrices(t)
        m = make_baseline(method, **kw).fit(xs, t.ys, xt)
        assert r.accuracy == pytest.approx(m.score(xt, t.yt), abs=1e-9) and r.wall_time > 0
        assert r.method == method and r.task_id == t.id and r.hparams == m.selected_
        if method in ("lr", "tsvm") and t.dataset.name == "corel":
            assert r.accuracy > 0.8, (t.id, r.accuracy)
    if method == "tlda":
        assert r.hparams["pretrain_steps"] == 20 and r.hparams["steps"] == 50
