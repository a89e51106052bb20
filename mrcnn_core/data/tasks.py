"""Binary transfer tasks built from two "superclasses" (paper section 4.1).

A task takes one sub-class of the positive and one of the negative
superclass as its source domain, and *another* sub-class of each as its
target domain: P(n,2) x P(n,2) tasks in all (400 for CIFAR-100's 5 x 5,
144 for Corel's 4 x 4).  Tasks hold indices into their dataset rather than
copies, so 400 tasks cost 400 small index arrays.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np


class DataError(RuntimeError):
    """A data file is missing, corrupt, or cannot be downloaded; or a task cannot be built."""


@dataclass(frozen=True)
class Dataset:
    """A labelled pool of samples (images or feature vectors).

    ``x`` is (N, 32, 32, 3) uint8 for images or (N, d) float for features;
    ``classes`` holds the fine class of each sample as an index into
    ``class_names``; ``groups`` maps a superclass name to its class names.
    ``content_hash`` identifies the data (it keys the feature cache);
    ``preprocessing`` says what was done to the file's values.
    """

    name: str
    x: np.ndarray
    classes: np.ndarray
    class_names: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    kind: str  # "images" or "features"
    content_hash: str
    source: str = ""
    # How ``x`` was derived from the file (recorded in every provenance record).
    preprocessing: str = "none"

    def indices_of(self, class_name: str) -> np.ndarray:
        c = self.class_names.index(class_name)
        return np.flatnonzero(self.classes == c)

    def __repr__(self) -> str:  # arrays are too long for the default repr
        return (f"Dataset({self.name!r}, kind={self.kind!r}, n={len(self.x)}, "
                f"classes={len(self.class_names)}, source={self.source!r})")


@dataclass(frozen=True)
class Task:
    """One transfer task.  Label 1 = positive superclass, 0 = negative."""

    id: str
    dataset: Dataset = field(repr=False)
    source_classes: tuple[str, str]  # (positive, negative)
    target_classes: tuple[str, str]
    source_idx: np.ndarray = field(repr=False)
    target_idx: np.ndarray = field(repr=False)
    ys: np.ndarray = field(repr=False)
    yt: np.ndarray = field(repr=False)

    @property
    def xs(self) -> np.ndarray:
        return self.dataset.x[self.source_idx]

    @property
    def xt(self) -> np.ndarray:
        return self.dataset.x[self.target_idx]

    @property
    def target_domain(self) -> str:
        return "+".join(self.target_classes)

    @property
    def source_domain(self) -> str:
        return "+".join(self.source_classes)

    @property
    def n_source(self) -> int:
        return len(self.source_idx)

    @property
    def n_target(self) -> int:
        return len(self.target_idx)


def _domain(ds: Dataset, pos: str, neg: str) -> tuple[np.ndarray, np.ndarray]:
    ip, ineg = ds.indices_of(pos), ds.indices_of(neg)
    idx = np.concatenate([ip, ineg])
    y = np.concatenate([np.ones(len(ip), np.int64), np.zeros(len(ineg), np.int64)])
    return idx, y


def make_tasks(ds: Dataset, positive: str, negative: str) -> list[Task]:
    """All P(n,2) x P(n,2) tasks of ``positive`` vs ``negative``, sorted by id.

    The id reads ``<src pos>+<src neg>-><tgt pos>+<tgt neg>``, e.g.
    ``apple+clock->pear+lamp``.
    """
    known = sorted(ds.groups)
    for name in (positive, negative):
        if name not in ds.groups:
            raise ValueError(
                f"unknown superclass {name!r} for {ds.name}; known: {', '.join(known)}")
    if positive == negative:
        raise ValueError(f"positive and negative superclass are both {positive!r}; "
                         "a transfer task needs two different superclasses")
    pos, neg = ds.groups[positive], ds.groups[negative]
    for name, members in ((positive, pos), (negative, neg)):
        if len(members) < 2:
            raise ValueError(f"superclass {name!r} has {len(members)} class(es); "
                             "need at least 2 (one for source, one for target)")
    tasks = []
    for (ps, pt), (ns, nt) in itertools.product(itertools.permutations(pos, 2),
                                                itertools.permutations(neg, 2)):
        s_idx, ys = _domain(ds, ps, ns)
        t_idx, yt = _domain(ds, pt, nt)
        for part, y, names in (("source", ys, (ps, ns)), ("target", yt, (pt, nt))):
            if y.min(initial=1) == y.max(initial=0) or len(np.unique(y)) < 2:
                empty = [n for n, c in zip(names, (1, 0)) if not (y == c).any()]
                raise DataError(f"{ds.name}: the {part} domain {'+'.join(names)} has no images "
                                f"of {', '.join(empty)}; every domain needs both classes")
        tasks.append(Task(id=f"{ps}+{ns}->{pt}+{nt}", dataset=ds,
                          source_classes=(ps, ns), target_classes=(pt, nt),
                          source_idx=s_idx, target_idx=t_idx, ys=ys, yt=yt))
    return sorted(tasks, key=lambda t: t.id)


def select_tasks(tasks: Sequence[Task], n: int | None = None,
                 ids: Sequence[str] | None = None, random: int | None = None,
                 seed: int = 0) -> list[Task]:
    """Pick tasks: explicit ``ids``, ``random`` tasks drawn with ``seed``, or the first ``n``."""
    tasks = list(tasks)
    if ids is not None:
        by_id = {t.id: t for t in tasks}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise ValueError(f"unknown task id(s) {missing}; e.g. {tasks[0].id!r}")
        return [by_id[i] for i in ids]
    if random is not None:
        if not 1 <= random <= len(tasks):
            raise ValueError(f"random={random} must lie in 1..{len(tasks)}")
        pick = np.random.default_rng(seed).choice(len(tasks), size=random, replace=False)
        return [tasks[i] for i in sorted(pick)]
    if n is not None:
        if n < 1:
            raise ValueError(f"number of tasks must be >= 1, got {n}")
        return tasks[:n]
    return tasks


def stratified_tasks(tasks: Sequence, n: int, seed: int = 0) -> list:
    """``n`` tasks that cover the target domains: the domains in a seeded order, one task of
    each in turn (then a second of each, ...).  Deterministic given ``seed``."""
    import numpy as np

    if n < 1:
        raise ValueError(f"compute_tasks must be >= 1, got {n}")
    rng = np.random.default_rng(seed)
    by_dom: dict[str, list] = {}
    for t in sorted(tasks, key=lambda t: t.id):
        by_dom.setdefault(t.target_domain, []).append(t)
    doms = sorted(by_dom)
    order = [doms[i] for i in rng.permutation(len(doms))]
    for d in order:
        rng.shuffle(by_dom[d])
    out: list = []
    while len(out) < min(n, len(tasks)):
        for d in order:
            if by_dom[d] and len(out) < n:
                out.append(by_dom[d].pop())
    return out
