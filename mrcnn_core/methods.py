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
    #: the glossary's sentence and the protocol table's setting (the book's pages list the
    #: methods from here: ``book/registry_pages.py``); a CNN method's setting is its
    #: paper hyper-parameters (``hparams.PAPER``), so it is left empty here
    about: str = ""
    setting: str = ""

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
           paper=True, grids=(("C", "mrcnn_core.baselines.lr:C_GRID"),),
           about="Logistic regression on the source domain (scikit-learn), the paper's "
                 "non-transfer baseline; its $C$ is chosen by cross-validation on the source.",
           setting="scikit-learn, L2 strength $C\\in\\{10^{-3},\\dots,10^{4}\\}$ (8 values) by "
                   "3-fold CV on the source (or, `select: oracle`, on target labels)"),
    Method("svm", "SVM", "shallow", "#999999", "mrcnn_core.baselines.svm:SVM", (("C", "SVM: C"),),
           grids=(("C", "mrcnn_core.baselines.lr:C_GRID"),),
           about="A linear support vector machine trained on the source only: the book's "
                 "addition, a second non-transfer baseline beside LR.",
           setting="scikit-learn's `LinearSVC`, $C$ from LR's grid by 3-fold CV on the source: "
                   "TSVM without its transductive part, so TSVM - SVM is what the unlabelled "
                   "target adds"),
    Method("tsvm", "TSVM", "shallow", "#cc79a7", "mrcnn_core.baselines.tsvm:TSVM",
           (("lam", "TSVM: lambda"), ("start", "TSVM: winning start")), paper=True,
           grids=(("lam", "mrcnn_core.baselines.tsvm:LAMBDA_GRID"),),
           about="Transductive SVM: an SVM that also places its margin away from the "
                 "unlabelled target samples (hand-written here: the multi-switch TSVM of "
                 "SVMlin, Sindhwani and Keerthi 2006, linear).",
           setting="linear multi-switch TSVM (SVMlin's algorithm), "
                   "$\\lambda\\in[10^{-5},10^{1}]$ by source CV, $\\lambda_u=1$, positive "
                   "fraction from the source"),
    Method("tca", "TCA", "shallow", "#009e73", "mrcnn_core.baselines.tca:TCA",
           (("n_components", "TCA: dimension"),), paper=True,
           grids=(("n_components", "mrcnn_core.baselines.tca:DIM_GRID"),),
           about="Transfer Component Analysis: projects both domains onto components that "
                 "make their distributions close (maximum mean discrepancy), then trains a "
                 "classifier on the projected source (skada's adapter, a logistic regression "
                 "on top).",
           setting="skada's TCA (linear kernel, $\\mu=0.1$), latent dimension 10..100 step 10 "
                   "chosen on a held-out third of the source; logistic regression on top"),
    Method("tlda", "TLDA", "shallow", "#8c6d31", "mrcnn_core.baselines.tlda:TLDA",
           selection=False, options={"pretrain_steps": 200, "steps": 1000}, paper=True,
           about="Transfer Learning with Deep Autoencoders: an autoencoder shared by both "
                 "domains, with a label layer trained on the source and a term that brings "
                 "the two domains' codes together (re-implemented in Keras).",
           setting="3072-10-2 sigmoid autoencoder, KL weight $10^{-3}$, softmax weight 10, "
                   "L2 $10^{-5}$, 200 + 1,000 full-batch Adam steps"),
    Method("vgg", "VGG", "cnn", "#000000", paper=True,
           about="The network's conv5 block and a new fc head fine-tuned on the source (on "
                 "Corel, whose images are not available, an fc head on the 256-d features)."),
    Method("mrcnn", "MRCNN", "cnn", "#d55e00", paper=True,
           about="VGG plus the manifold term, which makes neighbouring target samples (a kNN "
                 "graph on pool4 features) agree (on Corel: the fc head on the features, with "
                 "the term)."),
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
