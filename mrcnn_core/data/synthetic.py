"""A synthetic two-domain problem for the quick start: rotated two moons."""
from __future__ import annotations

import numpy as np


def rotated_moons(n: int = 300, angle: float = 30.0, noise: float = 0.1, seed: int = 0):
    """Source = two moons; target = two moons rotated by ``angle`` degrees about their centre."""
    from sklearn.datasets import make_moons

    Xs, ys = make_moons(n, noise=noise, random_state=seed)
    Xt, yt = make_moons(n, noise=noise, random_state=seed + 1)
    th = np.deg2rad(angle)
    rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    c = np.array([0.5, 0.25])
    Xt = (Xt - c) @ rot.T + c
    return Xs.astype(np.float32), ys, Xt.astype(np.float32), yt


PAPER_CLASSES = {"fruit_and_vegetables": ["apple", "mushroom", "orange", "pear", "sweet_pepper"],
                 "household_electrical_devices": ["clock", "keyboard", "lamp", "telephone",
                                                  "television"]}


def write_cifar100(root, n_train: int = 500, n_test: int = 100, seed: int = 0):
    """A CIFAR-100-shaped data set of random images in the official pickle format.

    100 classes of ``n_train + n_test`` images (60,000 with the defaults), the
    paper's ten classes under their real names and superclasses, Python-2
    style pickles with bytes keys, as the official download.  For measuring
    memory and time at full size; the pixels carry no signal.
    """
    import pickle
    from pathlib import Path

    rng = np.random.default_rng(seed)
    d = Path(root) / "cifar-100-python"
    d.mkdir(parents=True, exist_ok=True)
    fine = [f"class{i:02d}" for i in range(100)]
    fine[:10] = PAPER_CLASSES["fruit_and_vegetables"] + PAPER_CLASSES["household_electrical_devices"]
    coarse = [f"super{i:02d}" for i in range(20)]
    coarse[:2] = list(PAPER_CLASSES)
    coarse_of = [0] * 5 + [1] * 5 + [2 + (i % 18) for i in range(90)]

    def dump(name, obj):
        with open(d / name, "wb") as f:
            pickle.dump({k.encode(): v for k, v in obj.items()}, f, protocol=2)

    dump("meta", {"fine_label_names": [n.encode() for n in fine],
                  "coarse_label_names": [n.encode() for n in coarse]})
    for split, n in (("train", n_train), ("test", n_test)):
        fl = [c for c in range(100) for _ in range(n)]
        dump(split, {"data": rng.integers(0, 256, size=(len(fl), 3072), dtype=np.uint8),
                     "fine_labels": fl, "coarse_labels": [coarse_of[c] for c in fl],
                     "filenames": [f"img{i}.png".encode() for i in range(len(fl))],
                     "batch_label": split.encode()})
    return d
