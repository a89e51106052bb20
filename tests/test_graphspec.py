"""The one method spec: GraphSpec, the ablation table built from it, and the
estimators' scikit-learn parameter surface."""
import numpy as np
import pytest
from sklearn.base import clone

from mrcnn_core import MRCNN, VGG, GraphSpec, knn_graph
from mrcnn_core.method.ablations import VARIANTS, variant
from mrcnn_core.data.tasks import Dataset, make_tasks
from mrcnn_core.method.fit import fit_task


@pytest.mark.parametrize("kw,msg", [
    (dict(space="fc6"), "unknown graph space 'fc6'"),
    (dict(weighting="gauss"), "unknown graph weighting 'gauss'"),
    (dict(k=0), "k must be an integer >= 1"),
    (dict(space="fc7"), "rebuild_every > 0 goes with space='fc7'"),
    (dict(rebuild_every=5), "rebuild_every > 0 goes with space='fc7'"),
    (dict(space="fc7", rebuild_every=5, node_batch=8), "cannot be combined"),
    (dict(node_batch=-1), "node_batch must be an integer >= 0"),
])
def test_bad_specs_are_rejected(kw, msg):
    with pytest.raises(ValueError, match=msg):
        GraphSpec(**kw)


def test_spec_builds_the_paper_graph_and_round_trips():
    x = np.random.default_rng(0).normal(size=(30, 5))
    np.testing.assert_array_equal(GraphSpec(k=4).build(x), knn_graph(x, 4))
    np.testing.assert_array_equal(GraphSpec(weighting="cosine").build(x),
                                  knn_graph(x, 3, weighted=True))
    assert GraphSpec().hp() == {}  # the paper's choice stores nothing extra
    for name in VARIANTS:
        spec, _ = variant(name, k=3, graph_every=20, omega_batch=128)
        assert GraphSpec.from_hp({"k": 3, **spec.hp()}) == spec
    assert variant("graph_fc7", graph_every=20)[0].hp() == {"graph_on": "fc7", "graph_every": 20}
    assert variant("alpha_x10")[1] == 10.0 and variant("alpha_0")[1] == 0.0
    with pytest.raises(ValueError, match="unknown ablation variant 'graph_fc8'"):
        variant("graph_fc8")


def test_estimator_params_are_scikit_learn_params():
    m = MRCNN(alpha=1e-3, k=5, steps=7)
    p = m.get_params()
    assert p["alpha"] == 1e-3 and p["k"] == 5 and p["graph"] is None and p["steps"] == 7
    m.set_params(alpha=0.5, graph=GraphSpec(weighting="cosine"))
    assert m.alpha == 0.5 and m.graph_spec() == GraphSpec(weighting="cosine", k=5)
    c = clone(m)
    assert c.get_params()["graph"] == GraphSpec(weighting="cosine") and c is not m
    assert "alpha" not in VGG().get_params() and VGG().alpha == 0.0
    with pytest.raises(ValueError, match="Invalid parameter 'alpah'"):
        m.set_params(alpah=1.0)


def test_estimator_and_fit_task_use_the_same_graph():
    """The estimator on a task's arrays = fit_task on the task, for a non-default spec."""
    rng = np.random.default_rng(0)
    n = 24
    x = np.r_[rng.normal(size=(2 * n, 6)) + 1.0, rng.normal(size=(2 * n, 6)) - 1.0].astype("float32")
    classes = np.repeat([0, 1, 2, 3], n)
    ds = Dataset("feat", x, classes, ("p1", "p2", "n1", "n2"),
                 {"pos": ("p1", "p2"), "neg": ("n1", "n2")}, "features", "h")
    t = make_tasks(ds, "pos", "neg")[0]
    spec = GraphSpec(k=4, weighting="cosine", node_batch=10)
    kw = dict(alpha=0.1, beta=1e-3, lr=1e-2, steps=12)
    r = fit_task(t, "mrcnn", graph=spec, widths=(8, 8), **kw)
    assert r.hparams["graph_weighted"] is True and r.hparams["omega_batch"] == 10
    assert r.hparams["k"] == 4
    m = MRCNN(graph=spec, widths=(8, 8), **kw).fit(t.xs, t.ys, t.xt, t.yt)
    np.testing.assert_allclose(m.history_["loss"], r.curves["loss"], rtol=1e-5)
    with pytest.raises(ValueError, match="'pixels' needs the raw images"):
        MRCNN(graph=GraphSpec(space="pixels"), steps=2).fit(t.xs, t.ys, t.xt)
