"""What a sweep runs on: the data set, its tasks and features, the weights' identity."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..data import cifar100_tasks, corel_tasks, load_cifar100, load_corel
from ..data.tasks import Dataset, Task
from ..data.where import data_dir
from ..methods import CNN, METHODS
from .profile import DATASETS, Profile, ProfileError


@dataclass
class Context:
    """Loaded data for one dataset: tasks, head inputs and identity."""

    dataset: Dataset
    tasks: list[Task]
    features: object | None
    weights: str
    graph_x: np.ndarray
    backbone: str = "n/a"


def load_context(name: str, weights: str | None = None, positive: str | None = None,
                 negative: str | None = None, backbone: str | None = None,
                 sha256: str | None = None, features: bool = True, cnn: bool = True,
                 root: str | None = None, pairs: Sequence[tuple[str, str]] | None = None) -> Context:
    """Load a dataset, build its tasks (superclass names checked first), then features.

    ``features=False`` gives the context's identity (data hash, weights id,
    backbone) without computing features: enough to plan runs and look them
    up in a store.  ``cnn=False`` (only shallow methods will run, on pixels):
    no backbone, no weights and no features at all.
    """
    if name == "cifar100":
        from ..method.features import check_backbone, extract_features

        backbone = check_backbone(backbone)  # an unknown name fails before any loading
        ds = load_cifar100(root)
        tasks = ([t for a, b in pairs for t in cifar100_tasks(ds, a, b)] if pairs else
                 cifar100_tasks(ds, positive or "fruit_and_vegetables",
                                negative or "household_electrical_devices"))
        if not cnn:
            return Context(ds, tasks, None, "n/a (pixels)", np.empty((len(ds.x), 0)),
                           "n/a (pixels)")
        if not features:  # identity only (for planning against a store): no extraction
            from ..method.features import WeightsUnavailable, pinned_id, resolve_weights, weights_id

            try:
                wid = weights_id(resolve_weights(weights, sha256), 0, backbone)
            except WeightsUnavailable:  # a pinned file not here: its id is known anyway
                wid = pinned_id(weights, sha256)
                if wid is None:
                    raise
            return Context(ds, tasks, None, wid, np.empty((len(ds.x), 0)), backbone)
        fs = extract_features(ds, weights, backbone=backbone, sha256=sha256)
        return Context(ds, tasks, fs, fs.weights, fs.x, fs.backbone)
    if name == "corel":
        ds = load_corel()
        return Context(ds, corel_tasks(ds, positive or "flower", negative or "traffic"), None,
                       "n/a (features)", ds.x, "n/a (features)")
    raise ProfileError(f"unknown dataset {name!r}; choose from {DATASETS}")


def profile_weights(prof: Profile, weights: str | None = None,
                    backbone: str | None = None) -> tuple[str | None, str | None, str | None]:
    """(weights, backbone, pinned sha256): the caller's values, else the profile's.

    A profile that names a weights file pins its sha256; weights given by the
    caller (or ``$MRCNN_WEIGHTS`` for a profile without weights) are not pinned.
    """
    sha = None
    if weights is None and prof.weights is not None:
        weights, sha = prof.weights, prof.options.get("weights_sha256")
    return weights, backbone or prof.backbone, sha


def needs_cnn(prof: Profile, experiment: str, dataset: str,
              methods: Sequence[str] | None = None) -> bool:
    """Whether the runs are planned in a backbone context: the profile's runs of
    ``experiment`` on ``dataset`` include a CNN method, or ``methods`` asks for one (else no
    backbone is needed: the shallow methods run on pixels).

    A ``--methods`` subset never takes the backbone away: a run's key names the context it
    was planned in, so ``--methods lr`` on a profile with CNN methods must plan LR's runs in
    the same context as the full sweep, or it re-runs them and stores them twice.
    """
    if experiment == "pairs":
        s = prof.data["experiments"]["pairs"]
        ms = list(s.get("methods", CNN)) + list(s.get("shallow_methods", []))
    elif experiment != "main":
        return True
    else:
        ms = list(prof.data["experiments"].get("main", {}).get(dataset, {}).get("methods", METHODS))
    return any(m in CNN for m in [*ms, *(methods or [])])


def pairs_data_dir(spec: dict) -> str | None:
    """The cross-pair study's data folder: a path, or a folder name beside the data folder
    ($MRCNN_DATA_DIR/../<name>, e.g. ../shared/data-pairs)."""
    d = spec.get("data")
    if not d:
        return None
    p = Path(d).expanduser()
    if p.is_absolute() or p.is_dir():
        return str(p)
    base = data_dir()  # $MRCNN_DATA_DIR, ../shared/data, fetch's folder
    return str(base.parent / d) if base is not None else str(p)


def profile_context(prof: Profile, dataset: str, weights: str | None = None,
                    backbone: str | None = None, features: bool = True,
                    cnn: bool = True, experiment: str = "main") -> Context:
    """The data, tasks and (for images) features that ``prof`` runs on (for ``experiment``:
    the cross-pair study reads its own data folder and builds the tasks of every pair)."""
    w, b, sha = profile_weights(prof, weights, backbone)
    if experiment == "pairs":
        spec = prof.data["experiments"]["pairs"]
        return load_context(dataset, w, backbone=b, sha256=sha, features=features, cnn=cnn,
                            root=pairs_data_dir(spec), pairs=[tuple(p) for p in spec["pairs"]])
    spec = prof.data["experiments"].get("main", {}).get(dataset, {})
    return load_context(dataset, w, spec.get("positive"), spec.get("negative"), backbone=b,
                        sha256=sha, features=features, cnn=cnn)
