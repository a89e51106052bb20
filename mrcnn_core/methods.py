"""The one registry of methods (as scikit-learn's ``all_estimators``) and the comparisons.

Every list of methods in the package is derived from :data:`REGISTRY`: the
profile's method names, Table 1's columns and labels, the colours, the shallow
estimators, what the selection page shows, and which rows need a backbone.
Adding a method means its class, one entry here and its profile lines;
``tests/test_methods.py`` runs the same contract on every entry and fails when a
derived list misses one.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Method:
    name: str  # the name in profiles, stores and on the command line
    label: str  # Table 1's column
    kind: str  # "shallow" (an estimator on pixels / features) or "cnn" (fit.fit_task)
    colour: str  # its colour in every figure
    estimator: str = ""  # "module:Class" of a shallow method (imported on use)
    selects: tuple[tuple[str, str], ...] = ()  # (key of `chosen`, label) the selection page shows
    selection: bool = True  # takes ``select=`` (source CV or oracle); TLDA has no selection
    options: dict = field(default_factory=dict)  # profile `options.<name>` keys -> defaults
    paper: bool = False  # a column of the paper's Table 1 (its claims): say so explicitly
    #: (key of `chosen`, "module:CONSTANT"): the grid its selection searches (the selection
    #: page says where a choice piles at an edge of it)
    grids: tuple[tuple[str, str], ...] = ()

    def selection_grids(self) -> dict[str, tuple]:
        out = {}
        for key, ref in self.grids:
            mod, name = ref.split(":")
            out[key] = tuple(getattr(importlib.import_module(mod), name))
        return out

    @property
    def cnn(self) -> bool:
        return self.kind == "cnn"

    def estimator_class(self):
        mod, cls = self.estimator.split(":")
        return getattr(importlib.import_module(mod), cls)

    def make(self, select: str = "source_cv", seed: int = 0, **kw):
        """A new estimator of this (shallow) method."""
        if self.cnn:
            raise ValueError(f"{self.name} is a CNN method: train it with fit.fit_task")
        cls = self.estimator_class()
        return cls(select=select, seed=seed, **kw) if self.selection else cls(seed=seed, **kw)


# Okabe-Ito colour-blind-safe colours, one per method in every figure; VGG (black) and MRCNN
# (vermillion), the comparison the book is about, are the two most distinct
REGISTRY: dict[str, Method] = {m.name: m for m in (
    Method("lr", "LR", "shallow", "#0072b2", "mrcnn_core.baselines.lr:LR", (("C", "LR: C"),),
           paper=True, grids=(("C", "mrcnn_core.baselines.lr:C_GRID"),)),
    Method("svm", "SVM", "shallow", "#999999", "mrcnn_core.baselines.svm:SVM", (("C", "SVM: C"),),
           grids=(("C", "mrcnn_core.baselines.lr:C_GRID"),)),
    Method("tsvm", "TSVM", "shallow", "#e69f00", "mrcnn_core.baselines.tsvm:TSVM",
           (("lam", "TSVM: lambda"), ("start", "TSVM: winning start")), paper=True,
           grids=(("lam", "mrcnn_core.baselines.tsvm:LAMBDA_GRID"),)),
    Method("tca", "TCA", "shallow", "#009e73", "mrcnn_core.baselines.tca:TCA",
           (("n_components", "TCA: dimension"),), paper=True,
           grids=(("n_components", "mrcnn_core.baselines.tca:DIM_GRID"),)),
    Method("tlda", "TLDA", "shallow", "#56b4e9", "mrcnn_core.baselines.tlda:TLDA",
           selection=False, options={"pretrain_steps": 200, "steps": 1000}, paper=True),
    Method("vgg", "VGG", "cnn", "#000000", paper=True),
    Method("mrcnn", "MRCNN", "cnn", "#d55e00", paper=True),
)}

METHODS = tuple(REGISTRY)  # Table 1's column order
SHALLOW = tuple(m for m, x in REGISTRY.items() if not x.cnn)
CNN = tuple(m for m, x in REGISTRY.items() if x.cnn)
LABELS = {m: x.label for m, x in REGISTRY.items()}
COLOURS = {x.label: x.colour for x in REGISTRY.values()}

# The comparisons the book makes: (a, b) reads "a beats b".  Table 1 tests the
# paper's claims; the statistics page plots the per-task differences of a few.
PAPER_PAIRS = (("tsvm", "lr"), ("vgg", "lr"), ("vgg", "tsvm"), ("vgg", "tca"), ("vgg", "tlda"),
               ("mrcnn", "vgg"))
EXTRA_PAIRS = (("tsvm", "svm"),)  # TSVM - SVM: what transduction adds


def table1_pairs() -> tuple[tuple[str, str], ...]:
    """Table 1's comparisons: the paper's claims, then the rule for every method the paper
    did not run (a shallow one against LR, and VGG against it), then the book's extras; a
    method added to the registry is compared without a second list to edit."""
    ruled = tuple(p for m, x in REGISTRY.items() if not x.paper and not x.cnn
                  for p in ((m, "lr"), ("vgg", m)))
    out: list = []
    for p in PAPER_PAIRS + ruled + EXTRA_PAIRS:
        if p not in out:
            out.append(p)
    return tuple(out)


TABLE1_PAIRS = table1_pairs()  # as the registry stands at import
STATS_PAIRS = (("mrcnn", "vgg"), ("tsvm", "lr"), ("vgg", "lr"), ("vgg", "tsvm"))


def method(name: str) -> Method:
    """The registered method ``name``, or a ValueError that lists the known ones."""
    if name not in REGISTRY:
        raise ValueError(f"unknown method {name!r}; choose from {', '.join(METHODS)}")
    return REGISTRY[name]


def all_methods(kind: str | None = None) -> list[Method]:
    """Every registered method (of ``kind``: "shallow" or "cnn"), in Table 1's order."""
    return [m for m in REGISTRY.values() if kind is None or m.kind == kind]
