"""Training: the lr split, the alpha limits, determinism, batching, divergence."""
import numpy as np
import pytest
from keras import ops

from mrcnn_core import MRCNN, VGG
from mrcnn_core.method import backend as B
from mrcnn_core.data.tasks import Dataset, make_tasks
from mrcnn_core.method.fit import fit_task, resolve_hparams
from mrcnn_core.method.graph import knn_graph, laplacian
from mrcnn_core.method.losses import cross_entropy, l2_penalty, manifold_term
from mrcnn_core.method.model import forward, init_params
from mrcnn_core.method.train import train_head


def blobs(seed=0, n=40, d=6, shift=1.5):
    rng = np.random.default_rng(seed)
    ys = np.repeat([1, 0], n // 2)
    mu = np.where(ys[:, None] == 1, 1.0, -1.0) * np.r_[1.0, np.zeros(d - 1)]
    xs = mu + 0.7 * rng.normal(size=(n, d))
    xt = mu + 0.7 * rng.normal(size=(n, d)) + shift * np.r_[0, 1.0, np.zeros(d - 2)]
    return xs.astype(np.float32), ys, xt.astype(np.float32), ys.copy()


def feature_dataset(seed=0):
    """A 4 x 4-class feature dataset (like Corel) for task-level tests."""
    rng = np.random.default_rng(seed)
    classes = np.repeat(np.arange(8), 15)
    centers = rng.normal(size=(8, 10))
    centers[:4, 0] += 2.0
    x = (centers[classes] + 0.8 * rng.normal(size=(120, 10))).astype(np.float32)
    names = tuple(f"p{i}" for i in range(4)) + tuple(f"n{i}" for i in range(4))
    return Dataset("synthetic", x, classes, names, {"pos": names[:4], "neg": names[4:]},
                   "features", "synthetic")


def test_lr_split_equals_two_keras_adams():
    """conv5 at exactly lr/100 == a second stock keras Adam at lr/100 on conv5."""
    if B.name() != "tensorflow":
        pytest.skip("reference loop uses tf.GradientTape")
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    conv5 = [(rng.normal(size=(3, 3, 8, 8)).astype(np.float32) * 0.3,
              rng.normal(size=8).astype(np.float32) * 0.1) for _ in range(4)]
    p0 = init_params([3], conv5=conv5, widths=(6, 6))
    xs = rng.normal(size=(1, 12, 2, 2, 8)).astype(np.float32)
    xt = rng.normal(size=(1, 10, 2, 2, 8)).astype(np.float32)
    ys = rng.integers(0, 2, (1, 12))
    lap = laplacian(knn_graph(xt[0], 2))[None]
    lr, alpha, beta, steps = 0.01, 0.3, 0.05, 5

    got = train_head(p0, xs, ys, xt, None, lap, lr=lr, alpha=alpha, beta=beta, steps=steps,
                     conv5_impl="dense").params

    var = {k: tf.Variable(v) for k, v in p0.items()}
    opt_fc = keras.optimizers.Adam(lr, epsilon=1e-8)
    opt_c5 = keras.optimizers.Adam(lr / 100, epsilon=1e-8)
    y1h = np.eye(2, dtype=np.float32)[ys]
    for _ in range(steps):
        with tf.GradientTape() as tape:
            logits_s = forward(var, xs, "stock")
            f = ops.softmax(forward(var, xt, "stock"), axis=-1)
            loss = ops.sum(cross_entropy(logits_s, y1h) + alpha * manifold_term(f, lap)
                           + beta * l2_penalty(var))
        names = list(var)
        grads = dict(zip(names, tape.gradient(loss, [var[k] for k in names])))
        c5 = [k for k in names if k.startswith("conv5")]
        fc = [k for k in names if not k.startswith("conv5")]
        opt_c5.apply_gradients([(grads[k], var[k]) for k in c5])
        opt_fc.apply_gradients([(grads[k], var[k]) for k in fc])
    for k in p0:
        np.testing.assert_allclose(got[k], var[k].numpy(), rtol=2e-4, atol=1e-6, err_msg=k)
    # ... and the split matters: conv5 moved about 100x less than it would at lr.
    moved = np.abs(got["conv5_1_w"] - p0["conv5_1_w"]).max()
    assert 0 < moved < 5 * steps * lr / 100


def test_alpha_zero_is_vgg_bit_for_bit():
    xs, ys, xt, yt = blobs()
    m = MRCNN(alpha=0.0, k=3, steps=15, seed=4, widths=(16, 16))
    # force the graph path with alpha = 0 (MRCNN skips it otherwise)
    m._graph = lambda X: laplacian(knn_graph(X, 3))
    m.alpha = 0.0
    lap = laplacian(knn_graph(xt, 3))[None]
    p = init_params([4], in_dim=6, widths=(16, 16))
    with_graph = train_head(p, xs[None], ys[None], xt[None], yt[None], lap, alpha=0.0, steps=15)
    vgg = VGG(steps=15, seed=4, widths=(16, 16)).fit(xs, ys, xt, yt)
    for k in p:
        np.testing.assert_array_equal(with_graph.params[k], vgg.params_[k], err_msg=k)
    np.testing.assert_array_equal(with_graph.curves["ce"][0], vgg.history_["ce"])
    assert np.all(with_graph.curves["omega"][0] > 0)  # the term was really computed
    assert np.all(vgg.history_["omega"] == 0)


def test_huge_alpha_makes_neighbours_agree():
    xs, ys, xt, yt = blobs(1, shift=2.5)
    lap = laplacian(knn_graph(xt, 3))
    def omega(model):
        f = model.predict_proba(xt)
        return float(manifold_term(f, lap))
    plain = MRCNN(alpha=0.0, steps=150, lr=1e-2, widths=(16, 16)).fit(xs, ys, xt)
    huge = MRCNN(alpha=1e3, k=3, steps=150, lr=1e-2, widths=(16, 16)).fit(xs, ys, xt)
    assert omega(plain) > 0.05
    assert omega(huge) < 0.01 * omega(plain)
    edges = np.argwhere(knn_graph(xt, 3) > 0)
    pred = huge.predict(xt)
    assert np.mean(pred[edges[:, 0]] != pred[edges[:, 1]]) < 0.02


def test_training_learns_and_is_deterministic():
    xs, ys, xt, yt = blobs(2, shift=0.3)
    a = MRCNN(alpha=1e-2, steps=60, lr=1e-2, widths=(16, 16), seed=7).fit(xs, ys, xt, yt)
    b = MRCNN(alpha=1e-2, steps=60, lr=1e-2, widths=(16, 16), seed=7).fit(xs, ys, xt, yt)
    assert a.score(xt, yt) > 0.85
    assert a.history_["ce"][-1] < a.history_["ce"][0]
    for k in a.params_:
        np.testing.assert_array_equal(a.params_[k], b.params_[k])
    c = MRCNN(alpha=1e-2, steps=60, lr=1e-2, widths=(16, 16), seed=8).fit(xs, ys, xt, yt)
    assert not np.array_equal(a.params_["fc6_w"], c.params_["fc6_w"])


def test_batched_equals_sequential():
    tasks = make_tasks(feature_dataset(), "pos", "neg")[:5]
    kw = dict(steps=20, widths=(16, 16))
    hp = [dict(alpha=0.1, lr=1e-2), dict(alpha=0.0, lr=3e-3), dict(alpha=1.0, lr=1e-2)]
    jobs_seq = [fit_task(t, "mrcnn", seed=i, k=3, **h, **kw)
                for i, (t, h) in enumerate(zip(tasks, hp))]
    from mrcnn_core.method.fit import Job, run_jobs
    jobs = [Job(t, "mrcnn", i, resolve_hparams("mrcnn", "synthetic", k=3, steps=20, **h))
            for i, (t, h) in enumerate(zip(tasks, hp))]
    batched = run_jobs(jobs, batch_size=3, widths=(16, 16))
    assert {r.batch_size for r in batched} == {3}
    for s, b in zip(jobs_seq, batched):
        assert s.task_id == b.task_id
        np.testing.assert_allclose(s.curves["loss"], b.curves["loss"], rtol=1e-5)
        assert s.accuracy == pytest.approx(b.accuracy, abs=1.5 / s.n_target)


def test_fit_task_reports_everything():
    t = make_tasks(feature_dataset(), "pos", "neg")[0]
    r = fit_task(t, "mrcnn", steps=5, widths=(8, 8), k=3)
    # accuracy counts whole target samples; epsilon is eq. (9) on the task's own graph
    assert r.accuracy * r.n_target == pytest.approx(round(r.accuracy * r.n_target), abs=1e-9)
    from mrcnn_core.method.graph import neighbour_confusion
    m = knn_graph(t.dataset.x[t.target_idx].reshape(r.n_target, -1), 3)
    assert r.epsilon == pytest.approx(neighbour_confusion(m, t.yt), abs=1e-12)
    assert set(r.curves) == {"loss", "ce", "omega", "l2", "target_acc"}
    assert all(len(v) == 5 for v in r.curves.values())
    assert r.hparams["alpha"] == 1e-5 and r.hparams["k"] == 3 and r.wall_time > 0


def test_divergence_is_reported_not_raised():
    t = make_tasks(feature_dataset(), "pos", "neg")[0]
    r = fit_task(t, "mrcnn", steps=30, lr=1e25, alpha=1.0, widths=(8, 8))
    assert r.status == "failed" and "diverged" in r.error


@pytest.mark.parametrize("kw,msg", [(dict(alpha=-1.0), "alpha"), (dict(k=0), "k must"),
                                    (dict(steps=0), "steps"), (dict(lr=0.0), "lr")])
def test_bad_hyperparameters(kw, msg):
    with pytest.raises(ValueError, match=msg):
        resolve_hparams("mrcnn", "cifar100", **kw)
    with pytest.raises(ValueError, match="unknown method"):
        resolve_hparams("mrcnnn", "cifar100")


def test_alpha_scale_option():
    hp = resolve_hparams("mrcnn", "cifar100", alpha_scale="n_target", n_target=200)
    assert hp["alpha_eff"] == pytest.approx(6e-5)
    assert resolve_hparams("mrcnn", "cifar100", n_target=200)["alpha_eff"] == 1e-5
    # Corel tasks are the paper's own domains: n_target scaling leaves alpha alone
    hp = resolve_hparams("mrcnn", "corel", alpha_scale="n_target", n_target=185)
    assert hp["alpha_eff"] == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="'n_source'"):
        resolve_hparams("mrcnn", "corel", alpha_scale="n_source", n_target=185)
