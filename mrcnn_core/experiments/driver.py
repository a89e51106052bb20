"""The sweep driver: plan a profile's runs, skip the stored ones, run the rest here or on
Dask workers, and store each row as it arrives.

It owns what the local and the distributed paths share (the store, the plan, the
progress bar, the summary); ``runner`` plans and executes runs, ``distributed``
sends chunks of them to Dask workers.  The imports go one way: driver -> runner,
driver -> distributed -> runner.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Sequence

from .distributed import run_distributed
from .profile import DATASETS, EXPERIMENTS, Profile, ProfileError, load_profile
from .sweep_status import Context, SweepSummary, execute, needs_cnn, plan, profile_context, run_provenance
from .store import ResultsStore, one_store

class SweepStopped(RuntimeError):
    """A sweep stopped part-way (its finished runs are stored)."""


def _check_n_tasks(n_tasks: int, full, experiment: str) -> None:
    """``--tasks N`` beyond what the profile plans used to run everything without a word."""
    per = {}
    for s in full:
        per.setdefault(s.variant if experiment == "pairs" else "", set()).add(s.task.id)
    most = max((len(v) for v in per.values()), default=0)
    if n_tasks > most:
        where = " per pair" if experiment == "pairs" else ""
        raise ProfileError(f"--tasks {n_tasks}: the profile plans {most} tasks{where} for this "
                           f"experiment; give at most {most} (or leave --tasks out for all)")


def sweep(profile: str | Profile, *, dataset: str, experiment: str = "main",
          methods: Sequence[str] | None = None, n_tasks: int | None = None,
          seeds: Sequence[int] | None = None, results: str | os.PathLike | None = None,
          weights: str | None = None, backbone: str | None = None,
          variants: Sequence[str] | None = None,
          batch_size: int | str | None = None, progress: bool = True,
          context: Context | None = None, workers: int = 0, scheduler: str | None = None,
          security=None, chunk: int | None = None, stored_elsewhere: set[str] = frozenset(),
          share_vgg: bool = True, trained: dict | None = None,
          provenance_extra: dict | None = None, allow_mixed: str = "") -> SweepSummary:
    """Run what the profile asks for on ``dataset`` and store it in ``results``.

    ``workers=N`` (a local Dask cluster on loopback) or ``scheduler=ADDRESS``
    runs the planned runs on Dask workers in chunks of ``chunk`` runs; this
    process stays the only writer of the store (experiments/distributed.py).

    ``stored_elsewhere``: run keys another store holds ok (a campaign's new store skips
    them); ``share_vgg`` and ``trained``: VGG trained once per source (executor.execute);
    ``provenance_extra``: fields added to this invocation's provenance record.
    ``allow_mixed``: a reason to extend a store made by another commit or code (recorded);
    rows of other data never join a store (store.one_store).
    """
    from tqdm.auto import tqdm

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    _check_arguments(experiment, dataset, n_tasks, seeds)
    store = ResultsStore(results or Path("results") / prof.name)
    t0 = time.perf_counter()
    with store:
        # also checks the store is readable before any work
        done = store.done_keys() | set(stored_elsewhere)
        distributed = bool(workers or scheduler)
        plan_kw = dict(methods=methods, n_tasks=n_tasks, seeds=seeds, variants=variants)
        ctx, specs, todo = _plan_todo(prof, experiment, dataset, plan_kw, done, context,
                                      weights, backbone, distributed)
        failed_before = store.failed_keys()
        summ = SweepSummary(planned=len(specs), skipped=len(specs) - len(todo),
                            retried=sum(s.key in failed_before for s in todo),
                            results=str(store.folder))
        if not todo:
            summ.wall_time = time.perf_counter() - t0
            return summ
        record = run_provenance(prof, experiment, dataset, ctx, **(provenance_extra or {}),
                                **({"mixed_store": allow_mixed} if allow_mixed else {}))
        if why := one_store(store.load_provenance(), record, allow_mixed):
            raise ProfileError(f"{store.folder}: {why}")
        prov_id = "" if distributed else store.add_provenance(record)
        bar = tqdm(total=len(todo), desc=f"{prof.name}:{experiment}:{dataset}", unit="run",
                   disable=not progress, smoothing=0.1)

        def record(spec, row, curves=None):
            store.add(row, curves if spec.keep_curves else None)
            summ.done += row["status"] == "ok"
            summ.failed += row["status"] != "ok"
            if row["status"] != "ok":
                summ.errors.append(f"{spec.method} {spec.task.id}: {row['error']}")
            bar.update(1)

        try:
            bs = batch_size or prof.options.get("batch_size", "auto")
            if distributed:
                run_distributed(todo, prof=prof, dataset=dataset, experiment=experiment,
                                plan_kw=plan_kw, store=store, record=record, weights=weights,
                                backbone=backbone, batch_size=bs, workers=workers,
                                scheduler=scheduler, security=security, chunk=chunk)
            else:
                execute(todo, prof, ctx, prov_id, record, bs, share_vgg=share_vgg, trained=trained)
        except Exception as e:
            bar.close()
            raise SweepStopped(f"the sweep stopped after {summ.done + summ.failed} of {len(todo)} "
                               f"runs: {type(e).__name__}: {e}; the finished runs are stored in "
                               f"{store.folder}: fix the cause and run the same command again "
                               "(stored runs are skipped)") from e
        bar.close()
    summ.wall_time = time.perf_counter() - t0
    return summ


def _check_arguments(experiment: str, dataset: str, n_tasks, seeds) -> None:
    if experiment not in EXPERIMENTS:
        raise ProfileError(f"unknown experiment {experiment!r}; choose from {EXPERIMENTS}")
    if dataset not in DATASETS:
        raise ProfileError(f"unknown dataset {dataset!r}; choose from {DATASETS}")
    if n_tasks is not None and n_tasks < 1:
        raise ProfileError(f"--tasks must be >= 1, got {n_tasks}")
    if seeds is not None and any(int(s) < 0 for s in seeds):
        raise ProfileError(f"seeds must be >= 0, got {list(seeds)}")


def _plan_todo(prof: Profile, experiment: str, dataset: str, plan_kw: dict, done: set,
               context, weights, backbone, distributed: bool):
    """The context, the planned runs and those not stored yet.  Planned on the data's
    identity first: a bad plan (k too large, a seed given twice) fails before any feature is
    extracted; the driver of a distributed sweep only plans (its workers compute features)."""
    cnn = needs_cnn(prof, experiment, dataset, plan_kw["methods"])
    ctx = context or profile_context(prof, dataset, weights, backbone, features=False, cnn=cnn,
                                     experiment=experiment)
    specs = plan(prof, experiment, dataset, ctx, **plan_kw)
    if plan_kw["n_tasks"] is not None:
        _check_n_tasks(plan_kw["n_tasks"], plan(prof, experiment, dataset, ctx,
                                                **{**plan_kw, "n_tasks": None}), experiment)
    todo = [s for s in specs if s.key not in done]
    if todo and not distributed and context is None and ctx.features is None and cnn \
            and dataset != "corel":
        ctx = profile_context(prof, dataset, weights, backbone, cnn=cnn, experiment=experiment)
        specs = plan(prof, experiment, dataset, ctx, **plan_kw)
        todo = [s for s in specs if s.key not in done]
    return ctx, specs, todo
