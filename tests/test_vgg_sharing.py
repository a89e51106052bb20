"""VGG trained once per source (issue #43): the no-target step and the shared training are
bit-equal to the per-task form they replace."""
import numpy as np
import pytest

from mrcnn_core import extract_features, load_cifar100
from mrcnn_core.data.tasks import make_tasks
from mrcnn_core.method.fit import Job, resolve_hparams, run_jobs, training_key
from mrcnn_core.method.model import init_params
from mrcnn_core.method.train import train_head
from tests.test_train import feature_dataset


@pytest.fixture(scope="module")
def tiny_features(tmp_path_factory):
    """Random-weight VGG19 pool4 features and conv5 of a tiny CIFAR folder: the real
    head (conv5 + fc) on real shapes, without a weights file."""
    from tests.conftest import write_cifar

    root = tmp_path_factory.mktemp("cifar")
    write_cifar(root)
    ds = load_cifar100(root)
    return ds, extract_features(ds, "none", cache_dir=tmp_path_factory.mktemp("cache"))


def test_no_target_step_gives_the_same_parameters(tiny_features):
    ds, fs = tiny_features
    rng = np.random.default_rng(0)
    x = fs.x
    xs, xt = x[rng.choice(len(x), 12, replace=False)][None], x[rng.choice(len(x), 10)][None]
    ys = np.r_[np.zeros(6, int), np.ones(6, int)][None]
    out = []
    for curves in (True, False):  # True: the old step (target forward every step)
        p = init_params([3], conv5=fs.conv5, widths=(32, 32))
        out.append(train_head(p, xs, ys, xt, lr=1e-2, steps=4, record_curves=curves))
    a, b = out
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k], err_msg=k)
    np.testing.assert_array_equal(a.accuracy, b.accuracy)
    assert not b.curves and "target_acc" in a.curves


def _jobs(tasks, seed=0, curves=False):
    return [Job(t, "vgg", seed, resolve_hparams("vgg", "synthetic", steps=15), key=f"k{i}",
                curves=curves) for i, t in enumerate(tasks)]


def test_shared_training_is_bit_equal_to_per_task(monkeypatch):
    tasks = make_tasks(feature_dataset(), "pos", "neg")
    # tasks sharing a source: one training each, evaluated on several targets
    keys = [training_key(j) for j in _jobs(tasks)]
    assert len(set(keys)) < len(keys)
    per_task = run_jobs(_jobs(tasks), widths=(16, 16))
    import mrcnn_core.method.fit as fit

    calls = []
    real = fit.train_head
    monkeypatch.setattr(fit, "train_head", lambda *a, **k: calls.append(1) or real(*a, **k))
    shared = run_jobs(_jobs(tasks), widths=(16, 16), share_vgg=True)
    assert len(calls) == len(set(keys)) < len(tasks)
    assert [r.key for r in shared] == [r.key for r in per_task]
    for p, s in zip(per_task, shared):
        assert s.accuracy == p.accuracy and s.epsilon == p.epsilon, p.task_id
        assert s.trained_with and p.trained_with == ""
    # the training named is one of a job with the same source and seed
    by_key = {j.key: j for j in _jobs(tasks)}
    for s in shared:
        assert training_key(by_key[s.trained_with]) == training_key(by_key[s.key])


def test_trainings_are_kept_across_calls_and_curves_keep_the_per_task_form(monkeypatch):
    tasks = make_tasks(feature_dataset(), "pos", "neg")[:4]
    import mrcnn_core.method.fit as fit

    calls = []
    real = fit.train_head
    monkeypatch.setattr(fit, "train_head", lambda *a, **k: calls.append(1) or real(*a, **k))
    trained = {}
    first = run_jobs(_jobs(tasks[:2]), widths=(16, 16), share_vgg=True, trained=trained)
    n = len(calls)
    again = run_jobs(_jobs(tasks[:2]), widths=(16, 16), share_vgg=True, trained=trained)
    assert len(calls) == n  # nothing trained a second time
    assert [r.accuracy for r in again] == [r.accuracy for r in first]
    calls.clear()
    with_curves = run_jobs(_jobs(tasks, curves=True), widths=(16, 16), share_vgg=True)
    assert len(calls) == len(tasks) and all(r.curves for r in with_curves)
    # a batch of several tasks keeps the per-task form (neighbours may change the numbers)
    calls.clear()
    run_jobs(_jobs(tasks), widths=(16, 16), share_vgg=True, batch_size=2)
    assert all(r == 1 for r in calls) and len(calls) == 2
