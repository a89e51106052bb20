import numpy as np
import pytest

from mrcnn_core import knn_graph, laplacian, manifold_term, neighbour_confusion


def brute_knn(x, k):
    n = len(x)
    m = np.zeros((n, n))
    for i in range(n):
        sims = []
        for j in range(n):
            if j != i:
                c = x[i] @ x[j] / (np.linalg.norm(x[i]) * np.linalg.norm(x[j]))
                sims.append((-c, j))
        for _, j in sorted(sims)[:k]:
            m[i, j] = m[j, i] = 1
    return m


@pytest.mark.parametrize("k", [1, 2, 4])
def test_knn_matches_brute_force(k):
    x = np.random.default_rng(k).normal(size=(12, 5))
    np.testing.assert_array_equal(knn_graph(x, k), brute_knn(x, k))


def test_knn_hand_example():
    # Directions at 0, 10, 80 and 90 degrees: with k=1, 0<->10 and 80<->90.
    ang = np.deg2rad([0, 10, 80, 90])
    x = np.stack([np.cos(ang), np.sin(ang)], 1) * np.array([[1], [5], [2], [7]])  # scale-free
    expect = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    np.testing.assert_array_equal(knn_graph(x, 1), expect)


def test_knn_symmetric_no_self_loops_any_shape():
    x = np.random.default_rng(0).normal(size=(30, 2, 2, 3))
    m = knn_graph(x, 3)
    assert m.shape == (30, 30)
    np.testing.assert_array_equal(m, m.T)
    assert np.all(np.diag(m) == 0) and np.all(m.sum(1) >= 3)


@pytest.mark.parametrize("k", [0, -1, 10, 11])
def test_knn_bad_k(k):
    with pytest.raises(ValueError, match=f"k={k}"):
        knn_graph(np.ones((10, 3)), k)


def test_laplacian_and_trace_identity():
    rng = np.random.default_rng(1)
    m = knn_graph(rng.normal(size=(15, 4)), 3)
    lap = laplacian(m)
    np.testing.assert_allclose(lap.sum(1), 0, atol=1e-6)
    np.testing.assert_array_equal(np.diag(lap), m.sum(1))
    f = rng.random((15, 2))
    pairwise = 0.5 * sum(m[i, j] * np.sum((f[i] - f[j]) ** 2) for i in range(15) for j in range(15))
    np.testing.assert_allclose(float(manifold_term(f, lap)), pairwise, rtol=1e-5)
    # batched (T, n, c) form gives one value per task
    fb, lb = np.stack([f, f[::-1]]), np.stack([lap, lap])
    got = np.asarray(manifold_term(fb.astype(np.float32), lb))
    assert got.shape == (2,)
    np.testing.assert_allclose(got[0], pairwise, rtol=1e-5)


def test_neighbour_confusion_brute_force():
    rng = np.random.default_rng(2)
    m = knn_graph(rng.normal(size=(20, 3)), 3)
    y = rng.integers(0, 2, 20)
    expect = np.mean([np.mean([y[i] != y[j] for j in np.flatnonzero(m[i])]) for i in range(20)])
    assert neighbour_confusion(m, y) == pytest.approx(expect)


def test_neighbour_confusion_hand_value():
    # path 0-1-2 ; labels 0,0,1: node0 0/1, node1 1/2, node2 1/1 -> (0 + .5 + 1)/3
    m = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    assert neighbour_confusion(m, np.array([0, 0, 1])) == pytest.approx(0.5)


def test_weighted_graph_uses_cosine():
    x = np.array([[1.0, 0], [1, 1], [0, 1]])
    w = knn_graph(x, 1, weighted=True)
    np.testing.assert_allclose(w[0, 1], 1 / np.sqrt(2), rtol=1e-6)
    assert w[0, 2] == 0
