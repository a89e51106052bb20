"""Every conv5 form equals the stock convolution, forward and gradients."""
import numpy as np
import pytest
from keras import ops

from mrcnn_core.method import backend as B
from mrcnn_core.method.model import conv5_layer, dense_conv5_matrix, forward, init_params


def _stock_reference(x, k, b):
    """keras.layers.Conv2D itself, for each task."""
    import keras

    out = []
    for t in range(x.shape[0]):
        layer = keras.layers.Conv2D(k.shape[-1], 3, padding="same", activation="relu")
        layer.build(x.shape[1:])
        layer.set_weights([k[t], b[t]])
        out.append(ops.convert_to_numpy(layer(x[t])))
    return np.stack(out)


@pytest.mark.parametrize("impl", ["dense", "im2col", "stock"])
def test_forward_equals_conv2d_layer(impl):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 2, 2, 16)).astype(np.float32)
    k = rng.normal(size=(2, 3, 3, 16, 8)).astype(np.float32) * 0.1
    b = rng.normal(size=(2, 8)).astype(np.float32)
    got = ops.convert_to_numpy(conv5_layer(x, k, b, impl))
    np.testing.assert_allclose(got, _stock_reference(x, k, b), rtol=1e-5, atol=1e-5)


def test_dense_matrix_by_hand():
    # A kernel whose tap (di, dj) is the number 10*di + dj (C = O = 1).
    k = np.array([[10 * i + j for j in range(3)] for i in range(3)], np.float32)[None, :, :, None, None]
    w = ops.convert_to_numpy(dense_conv5_matrix(k))[0]
    # out (0,0) reads in (a,b) through tap (a+1, b+1): 11, 12, 21, 22
    np.testing.assert_array_equal(w[:, 0], [11, 12, 21, 22])
    # out (1,1) reads in (a,b) through tap (a, b): 0, 1, 10, 11
    np.testing.assert_array_equal(w[:, 3], [0, 1, 10, 11])


@pytest.mark.parametrize("impl", ["dense", "im2col"])
def test_gradients_equal_stock(impl):
    rng = np.random.default_rng(1)
    conv5 = [(rng.normal(size=(3, 3, 8, 8)).astype(np.float32) * 0.2,
              rng.normal(size=8).astype(np.float32) * 0.1) for _ in range(4)]
    p = init_params([0], conv5=conv5, widths=(6, 5))
    x = ops.convert_to_tensor(rng.normal(size=(1, 7, 2, 2, 8)).astype(np.float32))

    def f(impl_):
        def loss(params):
            out = forward(params, x, impl_)
            return ops.sum(out * out), None
        return loss

    pt = {k: ops.convert_to_tensor(v) for k, v in p.items()}
    (l1, _), g1 = B.value_and_grad(f(impl))(pt)
    (l2, _), g2 = B.value_and_grad(f("stock"))(pt)
    np.testing.assert_allclose(float(l1), float(l2), rtol=1e-5)
    for name in p:
        np.testing.assert_allclose(ops.convert_to_numpy(g1[name]), ops.convert_to_numpy(g2[name]),
                                   rtol=1e-4, atol=1e-6, err_msg=name)


def test_full_size_layer_equals_stock():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 4, 2, 2, 512)).astype(np.float32)
    k = (rng.normal(size=(1, 3, 3, 512, 512)) * 0.02).astype(np.float32)
    b = np.zeros((1, 512), np.float32)
    np.testing.assert_allclose(ops.convert_to_numpy(conv5_layer(x, k, b, "dense")),
                               _stock_reference(x, k, b), rtol=1e-4, atol=1e-4)
