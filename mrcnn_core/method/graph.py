"""The target-domain kNN graph, its Laplacian and neighbour confusion.

Paper eq. (4)-(5): ``M[i, j] = 1`` when x_j is among the k
nearest neighbours of x_i *or* x_i among those of x_j (a symmetric graph),
neighbours ranked by cosine similarity, a point never its own neighbour.
The authors' code uses binary weights; ``weighted=True`` puts the cosine
similarity on each edge instead (the paper's text, an ablation).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

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


# Epsilon (eq. 9) of every stored run is measured on the paper's graph: pool4
# (or the features), binary, this k -- whatever k the run itself trained with.
EPSILON_K = 3

SPACES = ("pool4", "pixels", "fc7")
WEIGHTINGS = ("binary", "cosine")
# hp keys under which a run stores its graph (kept stable: they enter the run keys)
HP_KEYS = {"space": "graph_on", "rebuild_every": "graph_every", "weighting": "graph_weighted",
       "node_batch": "omega_batch"}


@dataclass(frozen=True)
class GraphSpec:
    """How the manifold term's target graph is made and used; validated on creation.

    The paper: kNN graph (eq. 4-5) on the frozen pool4 features (for a feature
    data set: the features), binary edges, k = 3, built once, Omega over the
    whole target domain.  The ablations change one field each:

    - ``space``: ``"pool4"`` | ``"pixels"`` (raw images) | ``"fc7"`` (the
      current model's fc7 output, rebuilt every ``rebuild_every`` steps);
    - ``weighting``: ``"binary"`` (the authors' code) | ``"cosine"`` (the text);
    - ``node_batch``: Omega on a random subgraph of that many target nodes per
      step (0 = the whole domain).
    """

    space: str = "pool4"
    weighting: str = "binary"
    k: int = 3
    rebuild_every: int = 0
    node_batch: int = 0

    def __post_init__(self):
        if self.space not in SPACES:
            raise ValueError(f"unknown graph space {self.space!r}; choose from {SPACES}")
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"unknown graph weighting {self.weighting!r}; choose from {WEIGHTINGS}")
        for name in ("k", "rebuild_every", "node_batch"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < (name == "k"):
                raise ValueError(f"GraphSpec.{name} must be an integer >= {int(name == 'k')}, "
                                 f"got {v!r}")
        if (self.space == "fc7") != (self.rebuild_every > 0):
            raise ValueError("rebuild_every > 0 goes with space='fc7' (and only with it), got "
                             f"space={self.space!r}, rebuild_every={self.rebuild_every}")
        if self.space == "fc7" and self.node_batch:
            raise ValueError("node_batch and an fc7 graph cannot be combined")

    @property
    def weighted(self) -> bool:
        return self.weighting == "cosine"

    def build(self, x: np.ndarray) -> np.ndarray:
        """The graph M of one domain's samples ``x`` (n, ...)."""
        return knn_graph(np.asarray(x).reshape(len(x), -1), int(self.k), weighted=self.weighted)

    def with_k(self, k: int) -> "GraphSpec":
        """The same spec with ``k`` neighbours (validated again)."""
        return replace(self, k=int(k))

    def laplacian(self, x: np.ndarray) -> np.ndarray:
        return laplacian(self.build(x))

    def hp(self) -> dict:
        """The non-default fields as run hyper-parameters (the keys stored in rows)."""
        d = GraphSpec(k=self.k)
        out = {}
        for f, key in HP_KEYS.items():
            if getattr(self, f) != getattr(d, f):
                v = getattr(self, f)
                out[key] = v == "cosine" if f == "weighting" else v
        return out

    @classmethod
    def from_hp(cls, hp: dict) -> "GraphSpec":
        """The spec of a run from its hyper-parameters (missing keys: the paper's choice)."""
        space = hp.get("graph_on", "pool4")
        return cls(space=space, weighting="cosine" if hp.get("graph_weighted") else "binary",
                   k=int(hp.get("k", 3)),
                   rebuild_every=int(hp.get("graph_every", 10) if space == "fc7" else 0),
                   node_batch=int(hp.get("omega_batch", 0) or 0))
