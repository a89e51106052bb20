"""The first pages: the quick start's two moons (00), the data (01), the experiments run (10)."""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..plots import MIN_WIDTH
from ...analysis.formatting import cell
from .page import Page, words


def moons_boundaries(models: dict, Xs, ys, Xt, yt, k: int) -> plt.Figure:
    """Decision boundaries of 2-d models (name -> fitted estimator) with the target kNN graph."""
    from ...method.graph import knn_graph

    xx, yy = np.meshgrid(np.linspace(-2.5, 3.5, 200), np.linspace(-2.5, 2.5, 200))
    grid = np.c_[xx.ravel(), yy.ravel()].astype("float32")
    M = knn_graph(Xt, k)
    i, j = np.nonzero(np.triu(M))
    fig, axes = plt.subplots(1, len(models), figsize=(max(5 * len(models), MIN_WIDTH), 4),
                             sharey=True)
    for ax, (name, model) in zip(np.atleast_1d(axes), models.items()):
        ax.contourf(xx, yy, model.predict_proba(grid)[:, 1].reshape(xx.shape), levels=20,
                    cmap="RdBu_r", alpha=0.35)
        ax.plot(np.c_[Xt[i, 0], Xt[j, 0]].T, np.c_[Xt[i, 1], Xt[j, 1]].T, color="0.7", lw=0.4,
                zorder=1)
        ax.scatter(*Xs.T, c=ys, cmap="RdBu_r", marker="x", s=12, label="source (labelled)")
        ax.scatter(*Xt.T, c=yt, cmap="RdBu_r", edgecolor="k", s=14, label="target (true label)")
        ax.set_title(f"{name}: target accuracy {model.score(Xt, yt):.1%}")
        ax.set_xlabel("$x_1$")
    first = np.atleast_1d(axes)[0]
    first.set_ylabel("$x_2$")
    first.legend(loc="lower left", fontsize=8)
    fig.suptitle("Decision boundary (colour = P(y=1)); grey lines: the target kNN graph. "
                 "Synthetic data, profile-independent.")
    return fig


def target_graph(x: np.ndarray, yt: np.ndarray, k: int, names: tuple[str, str], title: str,
                 note: str) -> tuple[plt.Figure, float]:
    """A target domain's kNN graph in its first two principal components, with epsilon."""
    from sklearn.decomposition import PCA

    from ...method.graph import knn_graph, neighbour_confusion

    M = knn_graph(x, k)
    eps = neighbour_confusion(M, yt)
    Z = PCA(2, random_state=0).fit_transform(x)
    fig, ax = plt.subplots(figsize=(MIN_WIDTH, 6))
    i, j = np.nonzero(np.triu(M))
    same = yt[i] == yt[j]
    for mask, col, lab in ((same, "0.75", "edge, same class"),
                           (~same, "tab:red", "edge, different class")):
        ax.plot(np.c_[Z[i[mask], 0], Z[j[mask], 0]].T, np.c_[Z[i[mask], 1], Z[j[mask], 1]].T,
                color=col, lw=0.5)
        ax.plot([], [], color=col, label=lab)
    for y, m, name in ((1, "o", names[0]), (0, "s", names[1])):
        ax.scatter(*Z[yt == y].T, marker=m, s=14, label=name)
    ax.set_xlabel("PC 1 of the graph's features")
    ax.set_ylabel("PC 2")
    ax.set_title(f"{title}: k = {k}, epsilon = {eps:.3f}")
    ax.legend(fontsize=8)
    fig.text(0.01, -0.02, note, fontsize=7, color="0.35")
    return fig, eps


def _public_path(source) -> str:
    """A data path as a reader can use it: relative to the data folder's parent (the machine
    that built the book has its own absolute paths, which mean nothing to a reader)."""
    p = Path(str(source))
    from ...data.where import data_dir

    base = data_dir()
    if base is not None:
        try:
            return str(p.resolve().relative_to(base.resolve().parent))
        except ValueError:
            pass
    return "/".join(p.parts[-3:])


def data_summary(cifar, tasks, corel=None, ctasks=()) -> pd.DataFrame:
    """The two data sets: where they come from, their sizes and their tasks.  Corel may be
    absent (``corel=None``: its feature file has no public download); its row says so."""
    def span(xs):
        return f"{min(xs)}-{max(xs)}" if min(xs) != max(xs) else str(min(xs))

    rows = [{"dataset": "CIFAR-100", "source": _public_path(cifar.source), "samples": len(cifar.x),
             "preprocessing": cifar.preprocessing, "classes used": 10, "tasks": len(tasks),
             "source domain": span([t.n_source for t in tasks]),
             "target domain": span([t.n_target for t in tasks])}]
    if corel is not None:
        rows.append({"dataset": "Corel (256-d features)", "source": _public_path(corel.source),
                     "samples": len(corel.x), "preprocessing": corel.preprocessing,
                     "classes used": 8, "tasks": len(ctasks),
                     "source domain": span([t.n_source for t in ctasks]),
                     "target domain": span([t.n_target for t in ctasks])})
    else:
        rows.append({"dataset": "Corel (256-d features)",
                     "source": "not here (no public download)",  # short: pandas cuts cells at 50
                     "samples": "", "preprocessing": "", "classes used": 8, "tasks": "",
                     "source domain": "", "target domain": ""})
    return pd.DataFrame(rows).set_index("dataset")


def sample_images(cifar, per_class: int = 8) -> plt.Figure:
    """The first images of each of the ten classes of the paper's tasks."""
    classes = cifar.groups["fruit_and_vegetables"] + cifar.groups["household_electrical_devices"]
    fig, axes = plt.subplots(len(classes), per_class, figsize=(max(per_class, MIN_WIDTH), 10.5))
    for r, c in enumerate(classes):
        for j, i in enumerate(cifar.indices_of(c)[:per_class]):
            axes[r, j].imshow(cifar.x[i])
        for ax in axes[r]:
            ax.axis("off")
        axes[r, 0].set_title(c, fontsize=8, loc="left")
    fig.suptitle("CIFAR-100: positive = fruit_and_vegetables (top 5 rows), "
                 "negative = household_electrical_devices")
    return fig


def experiments_overview(prof, results: str, datasets, experiments, compute: bool,
                         weights: str | None = None) -> Page:
    """What the profile plans against what its stores hold; with ``compute``, run the
    missing runs first (the sweeps skip every stored run)."""
    import os

    from ...experiments import status, sweep

    rows, errors = [], []
    for experiment in experiments:
        spec = prof.data["experiments"].get(experiment)
        for dataset in datasets:
            if spec is None or (experiment == "main" and dataset not in spec) or (
                    experiment != "main" and dataset != spec.get("dataset", "cifar100")):
                continue
            if not compute:  # every store under the profile's folder counts
                rows.append({**status(prof, dataset=dataset, experiment=experiment,
                                      results=results), "store": results})
                continue
            where = results
            s = sweep(prof, dataset=dataset, experiment=experiment, results=where,
                      weights=weights or None, progress=False)
            rows.append({"experiment": experiment, "dataset": dataset, "planned": s.planned,
                         "already stored": s.skipped, "run now": s.done, "failed": s.failed,
                         "wall time (s)": round(s.wall_time, 1), "store": where})
            errors += s.errors[:5]
    table = pd.DataFrame(rows)
    page = Page(values={
        "planned": int(table["planned"].fillna(0).sum()) if len(table) else 0,
        "results": results, "computed": bool(compute),
        "failed": int(table["failed"].sum()) if "failed" in table else 0,
        "stored": int(table["stored"].sum()) if "stored" in table else None})
    page.add(f"Profile **{prof.name}** (`{os.path.relpath(prof.path)}`): "
             f"{prof.data.get('description', '')}")
    if prof.differences:
        page.add("Differences from the paper, as the profile states them:\n"
                 + "\n".join(f"- {d}" for d in prof.differences))
    page.add("**Computed now**" if compute else
             "**Read from the committed stores** (nothing trained while building this page); a "
             "run that is planned but not stored is *missing*, and the pages show only what is "
             "stored.")
    if len(table):
        page.add(words(table).style.format(cell).hide(axis="index").set_caption(
            "runs per experiment and data set: planned by the profile, stored, missing"))
    if errors:
        page.add("Failed runs:\n" + "\n".join(f"- {e}" for e in errors))
    return page
