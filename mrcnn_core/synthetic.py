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
