import time
from pathlib import Path

import numpy as np
import pytest

from mrcnn_core import WeightsUnavailable, extract_features, load_cifar100
from mrcnn_core.method import features as F


@pytest.fixture
def tiny_ds(tiny_cifar):
    return load_cifar100(tiny_cifar, download=False)


def test_pool4_shape_and_cache(tiny_ds, tmp_path, monkeypatch):
    fs = extract_features(tiny_ds, "none", cache_dir=tmp_path)
    assert fs.x.shape == (120, 2, 2, 512) and fs.x.dtype == np.float32
    assert fs.weights.startswith("none (random") and not fs.pretrained
    assert [k.shape for k, _ in fs.conv5] == [(3, 3, 512, 512)] * 4
    assert Path(fs.path).is_file()
    # second call is served from the cache: building VGG19 again would fail
    monkeypatch.setattr(F, "build_vgg19", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    again = extract_features(tiny_ds, "none", cache_dir=tmp_path)
    np.testing.assert_array_equal(again.x, fs.x)


def test_features_are_the_frozen_vgg19_pool4(tiny_ds, tmp_path):
    import keras

    fs = extract_features(tiny_ds, "none", cache_dir=tmp_path, use_cache=False)
    vgg = F.build_vgg19(None, seed=0)
    ref = keras.Model(vgg.input, vgg.get_layer("block4_pool").output)(
        keras.applications.vgg19.preprocess_input(tiny_ds.x[:4].astype("float32")))
    np.testing.assert_allclose(fs.x[:4], keras.ops.convert_to_numpy(ref), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(fs.conv5[0][0], vgg.get_layer("block5_conv1").get_weights()[0])


def test_corrupt_cache_is_rebuilt(tiny_ds, tmp_path):
    fs = extract_features(tiny_ds, "none", cache_dir=tmp_path)
    Path(fs.path).write_bytes(Path(fs.path).read_bytes()[:500])
    with pytest.warns(RuntimeWarning, match="stale or corrupt"):
        again = extract_features(tiny_ds, "none", cache_dir=tmp_path)
    np.testing.assert_allclose(again.x, fs.x, rtol=1e-6)


def test_cache_key_depends_on_data(tiny_ds, tmp_path):
    fs = extract_features(tiny_ds, "none", cache_dir=tmp_path)
    from dataclasses import replace
    other = replace(tiny_ds, x=tiny_ds.x[::-1].copy(), content_hash="other")
    fs2 = extract_features(other, "none", cache_dir=tmp_path)
    assert fs2.key != fs.key
    np.testing.assert_allclose(fs2.x, fs.x[::-1], rtol=1e-5, atol=1e-6)


def test_offline_imagenet_fails_fast(tiny_ds, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    t0 = time.perf_counter()
    with pytest.raises(WeightsUnavailable, match="MRCNN_WEIGHTS=none"):
        extract_features(tiny_ds, "imagenet", cache_dir=tmp_path)
    assert time.perf_counter() - t0 < 10


def test_weights_env_and_bad_file(monkeypatch):
    monkeypatch.setenv("MRCNN_WEIGHTS", "none")
    assert F.resolve_weights(None) is None
    with pytest.raises(WeightsUnavailable, match="does not exist"):
        F.resolve_weights("/no/such/weights.h5")
