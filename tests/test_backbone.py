"""The backbone as a parameter: VGG16 (3 conv5 layers) and VGG19 (4), real weights offline."""
from pathlib import Path

import numpy as np
import pytest
from keras import ops

from mrcnn_core import WeightsUnavailable, extract_features, load_cifar100
from mrcnn_core.method import backend as B
from mrcnn_core.method import features as F
from mrcnn_core.method.model import flops_per_sample, forward, init_params, n_conv5

SHARED_WEIGHTS = (Path(__file__).resolve().parents[2] / "shared" / "weights"
                  / "vgg16_imagenet_notop.weights.h5")
SHA = "a2f51117308129c3de9a523c91d35160eb75a6a9e5db1e2afb4f48e48dfb733a"


def _keras_head(conv5, widths, n_classes=2):
    """The head as stock Keras layers: Conv2D x L, MaxPool (pool5), Dense x 3."""
    import keras

    C = conv5[0][0].shape[2]
    layers = [keras.Input((2, 2, C))]
    layers += [keras.layers.Conv2D(k.shape[-1], 3, padding="same", activation="relu") for k, _ in conv5]
    layers += [keras.layers.MaxPooling2D(2), keras.layers.Flatten()]
    layers += [keras.layers.Dense(w, activation="relu") for w in widths]
    layers += [keras.layers.Dense(n_classes)]
    return keras.Sequential(layers)


@pytest.mark.parametrize("backbone", ["vgg16", "vgg19"])
def test_head_equals_stock_keras_layers_forward_and_backward(backbone):
    L = len(F.BACKBONES[backbone][2])
    rng = np.random.default_rng(L)
    C = 8
    conv5 = [((rng.normal(size=(3, 3, C, C)) * 0.3).astype(np.float32),
              (rng.normal(size=C) * 0.1).astype(np.float32)) for _ in range(L)]
    p = init_params([0], conv5=conv5, widths=(6, 5), std=0.3)
    assert n_conv5(p) == L
    model = _keras_head(conv5, (6, 5))
    order = [f"conv5_{l}_{s}" for l in range(1, L + 1) for s in "wb"]
    order += [f"fc{l}_{s}" for l in (6, 7, 8) for s in "wb"]
    model.set_weights([p[k][0] for k in order])
    x = rng.normal(size=(7, 2, 2, C)).astype(np.float32)
    np.testing.assert_allclose(ops.convert_to_numpy(forward(p, x[None]))[0],
                               ops.convert_to_numpy(model(x)), rtol=1e-5, atol=1e-5)

    xt = ops.convert_to_tensor(x)

    def ours(params):
        out = forward(params, xt[None])
        return ops.sum(out * out), None

    def stock(params):
        out, _ = model.stateless_call([params[k] for k in order], [], xt)
        return ops.sum(out * out), None

    pt = {k: ops.convert_to_tensor(v) for k, v in p.items()}
    (l1, _), g1 = B.value_and_grad(ours)(pt)
    (l2, _), g2 = B.value_and_grad(stock)({k: pt[k][0] for k in order})
    np.testing.assert_allclose(float(l1), float(l2), rtol=1e-5)
    for k in order:
        np.testing.assert_allclose(ops.convert_to_numpy(g1[k])[0], ops.convert_to_numpy(g2[k]),
                                   rtol=1e-4, atol=1e-6, err_msg=k)


def test_flops_follow_the_depth():
    z = (np.zeros((3, 3, 512, 512)), np.zeros(512))
    f3, f4 = (flops_per_sample(init_params([0], conv5=[z] * L)) for L in (3, 4))
    assert f4 - f3 == 2 * 2048 * 2048  # one dense 2048 x 2048 conv5 layer per sample


def test_init_rejects_a_headless_conv5():
    with pytest.raises(ValueError, match="1 to 4"):
        init_params([0], conv5=[])


def test_unknown_backbone_is_named():
    with pytest.raises(ValueError, match="unknown backbone 'vgg11'"):
        F.check_backbone("vgg11")


@pytest.fixture
def tiny_ds(tiny_cifar):
    return load_cifar100(tiny_cifar, download=False)


def test_backbone_changes_depth_and_cache_key(tiny_ds, tmp_path):
    a = extract_features(tiny_ds, "none", backbone="vgg16", cache_dir=tmp_path)
    b = extract_features(tiny_ds, "none", backbone="vgg19", cache_dir=tmp_path)
    assert (len(a.conv5), len(b.conv5)) == (3, 4)
    assert a.key != b.key and "vgg16" in Path(a.path).name and "vgg19" in Path(b.path).name
    again = extract_features(tiny_ds, "none", backbone="vgg16", cache_dir=tmp_path)
    assert len(again.conv5) == 3 and again.backbone == "vgg16"


def test_missing_and_wrong_weights_files_are_named(tiny_ds, tmp_path):
    with pytest.raises(WeightsUnavailable, match="no_such.weights.h5"):
        extract_features(tiny_ds, "no_such.weights.h5", backbone="vgg16", cache_dir=tmp_path)
    bad = tmp_path / "garbage.weights.h5"
    bad.write_bytes(b"not an h5 file" * 100)
    with pytest.raises(WeightsUnavailable, match="garbage.weights.h5"):
        extract_features(tiny_ds, str(bad), backbone="vgg16", cache_dir=tmp_path)
    with pytest.raises(WeightsUnavailable, match="not the .* the profile pins"):
        F.resolve_weights(str(bad), sha256="0" * 64)


@pytest.mark.skipif(not SHARED_WEIGHTS.is_file(), reason="needs real data: ../shared/weights not present")
def test_shared_vgg16_file_gives_the_readme_probe_values(tmp_path):
    assert F.file_sha256(SHARED_WEIGHTS) == SHA
    m = F.build_backbone("vgg16", F.resolve_weights(str(SHARED_WEIGHTS), SHA))
    k = m.get_layer("block1_conv1").get_weights()[0]
    np.testing.assert_allclose(k[0, 0, 0, :4], [0.42947057, 0.11727387, 0.03401296, 0.35422093],
                               rtol=0, atol=1e-7)
    # found by name on the search path (beside the shared data)
    assert F.resolve_weights(SHARED_WEIGHTS.name) == str(SHARED_WEIGHTS.resolve())
    F.check_probe(m, "vgg16")  # Keras's own download is checked by these values
    # a random VGG16 is not ImageNet's: its probe values say so
    with pytest.raises(WeightsUnavailable, match="probe values"):
        F.check_probe(F.build_backbone("vgg16", None), "vgg16")
    # a VGG16 file is no VGG19: the error names the file and the backbone
    with pytest.raises(WeightsUnavailable, match="vgg16_imagenet_notop.*vgg19"):
        F.build_backbone("vgg19", str(SHARED_WEIGHTS))


@pytest.mark.parametrize("shape,std,seed", [((512, 512), 0.01, 0), ((512,), 0.01, 3), ((7, 2), 1.0, 9)])
def test_fast_truncated_normal_draws_scipys_values(shape, std, seed):
    from scipy import stats

    from mrcnn_core.method.model import truncated_normal

    got = truncated_normal(np.random.default_rng(seed), shape, std)
    ref = stats.truncnorm.rvs(-2.0, 2.0, scale=std, size=shape,
                              random_state=np.random.default_rng(seed)).astype(np.float32)
    np.testing.assert_array_equal(got, ref)
    assert np.abs(got).max() <= 2 * std


def test_sweep_rows_and_provenance_name_backbone_and_weights(tiny_cifar, tmp_path, monkeypatch):
    import yaml

    from mrcnn_core.experiments import ResultsStore, sweep

    monkeypatch.setenv("MRCNN_DATA_DIR", str(tiny_cifar))
    prof = tmp_path / "p.yaml"
    prof.write_text(yaml.safe_dump({
        "name": "p", "differences": ["a stated difference"],
        "experiments": {"main": {"cifar100": {"tasks": 1, "methods": ["vgg", "mrcnn"],
                                              "seeds": [0], "steps": 2}}},
        "options": {"backbone": "vgg16", "weights": "none"}}))
    s = sweep(str(prof), dataset="cifar100", results=tmp_path / "r", progress=False)
    assert (s.done, s.failed) == (2, 0)
    df = ResultsStore(tmp_path / "r").load()
    assert set(df["backbone"]) == {"vgg16"} and df["weights"].str.startswith("none").all()
    prov = ResultsStore(tmp_path / "r").load_provenance()[0]
    assert prov["backbone"] == "vgg16" and prov["differences"] == ["a stated difference"]
    # the same profile on the other backbone is another run, not a stored one
    s2 = sweep(str(prof), dataset="cifar100", results=tmp_path / "r", backbone="vgg19",
               progress=False)
    assert (s2.skipped, s2.done) == (0, 2)
    assert set(ResultsStore(tmp_path / "r").load()["backbone"]) == {"vgg16", "vgg19"}


@pytest.mark.skipif(not SHARED_WEIGHTS.is_file(), reason="needs real data: ../shared/weights not present")
def test_features_made_elsewhere_with_the_pinned_weights_serve_without_the_file(tmp_path, tiny_ds):
    """A device that cannot carry the weights file runs on the cached features (+ conv5)."""
    import shutil

    w = tmp_path / "copy.weights.h5"
    shutil.copy(SHARED_WEIGHTS, w)
    made = extract_features(tiny_ds, str(w), backbone="vgg16", cache_dir=tmp_path, sha256=SHA)
    w.unlink()
    again = extract_features(tiny_ds, str(w), backbone="vgg16", cache_dir=tmp_path, sha256=SHA)
    assert again.weights == made.weights == F.pinned_id(str(w), SHA)
    np.testing.assert_array_equal(again.x, made.x)
    with pytest.raises(WeightsUnavailable, match="copy.weights.h5"):  # unpinned: no such file
        extract_features(tiny_ds, str(w), backbone="vgg16", cache_dir=tmp_path)
    with pytest.raises(WeightsUnavailable):  # pinned to another digest: not the cached weights
        extract_features(tiny_ds, str(w), backbone="vgg16", cache_dir=tmp_path, sha256="1" * 64)


def _weights_file(name):
    from mrcnn_core.data.where import data_dir

    d = data_dir()
    f = d.parent / "weights" / name if d else None
    if f is None or not f.is_file():
        pytest.skip(f"needs real data: ../shared/weights/{name}")
    return f


def test_keras_saying_weights_did_not_load_is_judged_by_the_tensors(monkeypatch):
    """#42: some Keras versions warn five times on the VGG16 file that layers 'will retain
    their freshly-initialized weights'.  Where the model then holds the pinned ImageNet
    tensors the warning is dropped (harmless); where it does not, the features would come from
    untrained layers and loading fails with one clear error."""
    import warnings

    import keras

    from mrcnn_core.method import features as Fe

    f = _weights_file("vgg16_imagenet_notop.weights.h5")
    real = keras.applications.VGG16
    msg = ("Skipping nested container at 'layers': ... Affected layers will retain their "
           "freshly-initialized weights.")

    def warns_after_loading(**kw):
        m = real(**kw)
        warnings.warn(msg)
        return m

    monkeypatch.setattr(keras.applications, "VGG16", warns_after_loading)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        m = Fe.build_backbone("vgg16", str(f))
    assert Fe.conv_tensors_sha256(m) == Fe.TENSORS_SHA256["vgg16"]
    assert not [w for w in seen if "freshly-initialized" in str(w.message)]

    def warns_and_keeps_init(**kw):
        m = real(**{**kw, "weights": None})
        warnings.warn(msg)
        return m

    monkeypatch.setattr(keras.applications, "VGG16", warns_and_keeps_init)
    with pytest.raises(Fe.WeightsUnavailable, match="did not load every weight.*untrained"):
        Fe.build_backbone("vgg16", str(f))


def test_the_pinned_tensors_are_what_the_vgg19_file_loads():
    from mrcnn_core.method import features as Fe

    f = _weights_file("vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
    assert Fe.conv_tensors_sha256(Fe.build_backbone("vgg19", str(f))) == Fe.TENSORS_SHA256["vgg19"]
