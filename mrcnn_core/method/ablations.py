"""The ablation variants: one table of graph specs (and alpha factors).

Each variant changes one design choice of the paper's manifold term; the
sweep plans them, the rows store their graph fields, and the ablation page
labels them from this table.
"""
from __future__ import annotations

from .graph import GraphSpec

# name -> (label, GraphSpec fields, alpha factor).  ``None`` fields take the
# profile's value (ablation.graph_every, ablation.omega_batch).
VARIANTS = {
    "paper": ("paper (pool4 graph, binary edges, whole domain)", {}, 1.0),
    "graph_pixels": ("graph on raw pixels", {"space": "pixels"}, 1.0),
    "graph_fc7": ("graph on current fc7", {"space": "fc7", "rebuild_every": None}, 1.0),
    "cosine_edges": ("cosine-weighted edges", {"weighting": "cosine"}, 1.0),
    "minibatch_omega": ("Omega on mini-batches", {"node_batch": None}, 1.0),
    "alpha_0": ("alpha = 0 (VGG)", {}, 0.0),
    "alpha_x10": ("alpha x 10", {}, 10.0),
}
LABELS = {name: v[0] for name, v in VARIANTS.items()}


def variant(name: str, k: int = 3, graph_every: int = 10,
            omega_batch: int = 64) -> tuple[GraphSpec, float]:
    """The graph spec and alpha factor of ablation ``name``."""
    if name not in VARIANTS:
        raise ValueError(f"unknown ablation variant {name!r}; choose from {tuple(VARIANTS)}")
    _, fields, factor = VARIANTS[name]
    defaults = {"rebuild_every": graph_every, "node_batch": omega_batch}
    fields = {f: (defaults[f] if v is None else v) for f, v in fields.items()}
    return GraphSpec(k=k, **fields), factor
