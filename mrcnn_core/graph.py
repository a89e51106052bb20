"""The target-domain kNN graph, its Laplacian and neighbour confusion.

Paper eq. (4)-(5): ``M[i, j] = 1`` when x_j is among the k
nearest neighbours of x_i *or* x_i among those of x_j (a symmetric graph),
neighbours ranked by cosine similarity, a point never its own neighbour.
The authors' code uses binary weights; ``weighted=True`` puts the cosine
similarity on each edge instead (the paper's text, an ablation).
"""
from __future__ import annotations

import numpy as np


def _cosine(features: np.ndarray) -> np.ndarray:
    x = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    # An all-zero row (e.g. a dead ReLU map) has no direction; give it
    # similarity 0 to everything instead of NaN.
    x = np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)
    return x @ x.T


def knn_graph(features: np.ndarray, k: int, weighted: bool = False) -> np.ndarray:
    """Symmetric kNN graph (n x n float32) by cosine similarity, eq. (4)-(5).

    ``features`` is (n, ...) and is flattened per row.  Ties are broken by
    index (a stable sort) so the graph is deterministic.
    """
    n = len(features)
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"k must be an integer, got {k!r}")
    if k < 1 or k >= n:
        raise ValueError(f"k={k} must satisfy 1 <= k < n={n} (the domain has {n} points)")
    sim = _cosine(features)
    np.fill_diagonal(sim, -np.inf)  # no self-loops
    nn = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    m = np.zeros((n, n), dtype=bool)
    m[np.repeat(np.arange(n), k), nn.ravel()] = True
    m = m | m.T  # "x_j in N(x_i) or x_i in N(x_j)"
    if weighted:
        np.fill_diagonal(sim, 0.0)
        return np.where(m, np.clip(sim, 0.0, None), 0.0).astype(np.float32)
    return m.astype(np.float32)


def laplacian(m: np.ndarray) -> np.ndarray:
    """Unnormalised graph Laplacian ``L = D - M``, D = diag(row sums of M)."""
    m = np.asarray(m)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"M must be a square matrix, got shape {m.shape}")
    return (np.diag(m.sum(axis=1)) - m).astype(m.dtype if m.dtype.kind == "f" else np.float32)


def neighbour_confusion(m: np.ndarray, y: np.ndarray) -> float:
    """Neighbour confusion epsilon, eq. (9) (Wu, Xiong and Chen, KDD 2009).

    ``eps = 1/n sum_i 1/#nn_i sum_{j in nn(i)} 1[y_i != y_j]`` where nn(i)
    are the graph neighbours of i; with the symmetric graph #nn_i is the
    degree of i, which can exceed k.  Isolated nodes (degree 0) count 0.
    """
    a = np.asarray(m) != 0
    y = np.asarray(y)
    if a.shape != (len(y), len(y)):
        raise ValueError(f"graph {a.shape} and labels ({len(y)},) do not match")
    deg = a.sum(axis=1)
    differ = (a & (y[:, None] != y[None, :])).sum(axis=1)
    per_node = np.divide(differ, deg, out=np.zeros(len(y)), where=deg > 0)
    return float(per_node.mean())
