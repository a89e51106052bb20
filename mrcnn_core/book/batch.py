"""``python -m mrcnn_core batch NOTEBOOK --grid GRID.yaml --out DIR``.

Runs a notebook once per point of a parameter grid with papermill, on a Dask
cluster: ``--workers N`` starts a local cluster of N processes,
``--scheduler ADDRESS`` submits to an existing one (dask-jobqueue on Slurm,
one worker per GPU, ...).  Each point writes ``DIR/<name>.ipynb``; the
driver stores one row per point in ``DIR/points.csv`` (a results store: one
atomic row each, written by the driver alone, so a point is never stored
twice).  Points already stored as ``ok`` are skipped; a point whose worker
dies is retried by Dask; a failing point is stored with its error and the
batch goes on; the exit status is the number of failed points (capped at 100).

Grid file::

    grid:            # every combination of these values is one point
      alpha: [0.0, 0.1]
      k: [3, 5]
    fixed:           # the same for every point
      steps: 200
"""
from __future__ import annotations

import itertools
import os
import re
import time
from pathlib import Path

import yaml

from ..experiments.store import ResultsStore, run_key
from ..experiments.faults import checkpoint
from .notebook import as_ipynb, check_parameters, read_records

POINT_COLUMNS = ("run_key", "name", "params", "status", "error", "wall_time", "records",
                 "worker", "notebook")


class GridError(ValueError):
    pass


def load_grid(path: str | os.PathLike) -> tuple[dict, dict]:
    p = Path(path)
    if not p.is_file():
        raise GridError(f"grid file {p} does not exist")
    try:
        data = yaml.safe_load(p.read_text()) or {}
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        line = f", line {where.line + 1}" if where is not None else ""
        raise GridError(f"{p}{line}: not a YAML file ({getattr(e, 'problem', None) or e})") from None
    except UnicodeDecodeError:
        raise GridError(f"{p}: not a text (YAML) file") from None
    if not isinstance(data, dict) or set(data) - {"grid", "fixed"}:
        raise GridError(f"{p}: expected a mapping with 'grid' (and optionally 'fixed'), "
                        f"got {sorted(data) if isinstance(data, dict) else type(data).__name__}")
    grid, fixed = data.get("grid") or {}, data.get("fixed") or {}
    for part, v in (("grid", grid), ("fixed", fixed)):
        if not isinstance(v, dict):
            raise GridError(f"{p}: '{part}' must be a mapping of parameter names, got "
                            f"{type(v).__name__} {v!r}")
    for k, v in grid.items():
        if not isinstance(v, list) or not v:
            raise GridError(f"{p}: grid parameter {k!r} needs a non-empty list, got {v!r}")
    both = set(grid) & set(fixed)
    if both:
        raise GridError(f"{p}: {sorted(both)} are both in grid and fixed")
    if not grid:  # one default point, reported as a batch, would hide the mistake
        raise GridError(f"{p}: the grid is empty: name at least one parameter with a list of "
                        "values under 'grid:'")
    return grid, fixed


def expand(grid: dict, fixed: dict) -> list[dict]:
    names = list(grid)
    return [{**fixed, **dict(zip(names, combo))}
            for combo in itertools.product(*(grid[n] for n in names))]


def point_name(params: dict, varying: list[str]) -> str:
    """Readable and file-safe, e.g. ``alpha=0.1_k=3``."""
    parts = [f"{k}={params[k]}" for k in varying] or ["point"]
    return re.sub(r"[^A-Za-z0-9_.=+-]", "-", "_".join(parts))[:150]


class _Store(ResultsStore):
    """The points table (same atomic-row machinery as the results store)."""

    def add_point(self, row: dict) -> None:
        self._append(self.folder / "points.csv", POINT_COLUMNS, [row])

    def points(self):
        return self._read(self.folder / "points.csv", POINT_COLUMNS)


def notebook_digest(notebook: str | os.PathLike) -> str:
    """What the notebook computes: its cells' sources (not outputs or metadata)."""
    import hashlib

    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    text = "\n\x00".join(f"{c.cell_type}:{c.source}" for c in nb.cells)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _changed(stored_params: str, params: dict) -> str:
    """The parameters that differ between a stored point and this grid's, in words."""
    import json

    try:
        old = json.loads(stored_params)
    except (TypeError, ValueError):
        return "its stored parameters cannot be read"
    diff = [f"{k}: {old.get(k, '(unset)')!r} -> {params.get(k, '(unset)')!r}"
            for k in sorted(set(old) | set(params)) if old.get(k) != params.get(k)]
    return ", ".join(diff) if diff else "the notebook's cells changed"


def execute_point(notebook: str, out: str, name: str, params: dict, cwd: str) -> dict:
    """Run on a worker: execute one point; write the notebook atomically."""
    import papermill as pm

    t0 = time.perf_counter()
    final = Path(out) / f"{name}.ipynb"
    tmp = Path(out) / f".{name}.{os.getpid()}.ipynb"
    try:
        pm.execute_notebook(notebook, str(tmp), parameters=params, cwd=cwd,
                            kernel_name="python3", progress_bar=False, log_output=False)
        os.replace(tmp, final)
        checkpoint("batch.after_notebook")
        return {"status": "ok", "error": "", "records": read_records(final),
                "wall_time": time.perf_counter() - t0, "worker": os.getpid()}
    except Exception as e:  # the notebook failed: keep its partial output for reading
        if tmp.exists():
            os.replace(tmp, final)
        msg = getattr(e, "evalue", None) or str(e)
        return {"status": "failed", "error": f"{type(e).__name__}: {msg}"[:500], "records": {},
                "wall_time": time.perf_counter() - t0, "worker": os.getpid()}


def run_batch(notebook: str | os.PathLike, grid_file: str | os.PathLike, out: str | os.PathLike,
              workers: int = 1, scheduler: str | None = None, retries: int = 2,
              progress: bool = True, security=None) -> dict:
    """Run ``notebook`` once per point of the grid in ``grid_file`` into ``out`` (papermill on
    Dask workers), resumable: points stored ok are skipped; a summary dict."""
    if not Path(notebook).is_file():
        raise GridError(f"notebook {notebook} does not exist")
    if scheduler is None and workers < 1:
        raise GridError(f"--workers must be >= 1 (or give --scheduler), got {workers}")
    if retries < 0:
        raise GridError(f"--retries must be >= 0, got {retries}")
    notebook = str(as_ipynb(Path(notebook).resolve()))  # a MyST .md is converted first
    grid, fixed = load_grid(grid_file)
    points = expand(grid, fixed)
    for p in points[:1] or [fixed]:
        check_parameters(notebook, p)  # unknown names: error before anything runs
    store = _Store(out)
    t0 = time.perf_counter()
    with store:
        todo = _todo(store, points, list(grid), notebook_digest(notebook))
        summary = {"points": len(points), "skipped": len(points) - len(todo), "done": 0,
                   "failed": 0, "errors": []}
        if todo:
            _run_points(todo, notebook, store, summary, workers, scheduler, retries, progress,
                        security)
    summary["wall_time"] = time.perf_counter() - t0
    return summary


def _todo(store: "_Store", points: list[dict], grid_names: list[str], digest: str) -> list:
    """The points not stored ok, as (name, parameters, run key); a point stored with other
    parameters or another notebook stops the batch (its result would be stale)."""
    done = store.points()
    ok = done[done["status"] == "ok"].drop_duplicates("name", keep="last") if len(done) else done
    ok = {r["name"]: r for _, r in ok.iterrows()}
    todo, names, stale = [], [], []
    for p in points:
        name = point_name(p, grid_names)
        if name in names:
            raise GridError(f"two grid points share the name {name!r}")
        names.append(name)
        key = run_key(name=name, params=p, notebook=digest)  # all of what the point is
        if name not in ok:
            todo.append((name, p, key))
        elif ok[name]["run_key"] not in (key, run_key(name=name, params=p)):
            # (the second: a row stored before the notebook was part of the key)
            stale.append(f"{name} ({_changed(ok[name]['params'], p)})")
    if stale:
        raise GridError(f"{len(stale)} point(s) in {store.folder / 'points.csv'} were run with "
                        f"other parameters or another notebook: {'; '.join(stale[:5])}; "
                        "their results would be stale: use a new --out folder")
    return todo


def _run_points(todo: list, notebook: str, store: "_Store", summary: dict, workers: int,
                scheduler: str | None, retries: int, progress: bool, security) -> None:
    """Submit the points to Dask and store each result as it comes (this process writes)."""
    from dask.distributed import Client, as_completed
    from tqdm.auto import tqdm

    from ..experiments.distributed import connect, local_cluster

    cluster = None
    if scheduler:
        client = connect(scheduler, security)
    else:  # loopback only, as the sweep's
        cluster = local_cluster(workers, security)
        client = Client(cluster, security=security)
    try:
        futs = {client.submit(execute_point, notebook, str(store.folder), name, p,
                              str(Path.cwd()), key=f"point-{name}-{time.time_ns()}",
                              retries=retries, pure=False): (name, p, key)
                for name, p, key in todo}
        bar = tqdm(total=len(futs), desc="points", disable=not progress)
        for fut in as_completed(futs):
            name, p, key = futs[fut]
            try:
                r = fut.result()
            except Exception as e:  # the worker died more often than allowed
                r = {"status": "failed", "error": f"{type(e).__name__}: {e}"[:500],
                     "records": {}, "wall_time": float("nan"), "worker": ""}
            checkpoint("batch.before_row")
            store.add_point({"run_key": key, "name": name,
                             "params": p, "notebook": Path(notebook).name, **r})
            summary["done" if r["status"] == "ok" else "failed"] += 1
            if r["status"] != "ok":
                summary["errors"].append(f"{name}: {r['error']}")
            bar.update(1)
        bar.close()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
