"""Where a sweep stands: ``status`` (planned, stored and missing runs, nothing run) and the
``SweepSummary`` the driver reports.

The sweep's stages live in their own modules: ``context`` (data, tasks, features),
``planner`` (one planner per experiment), ``executor`` (runs and rows), ``driver`` (the
loop).  This module re-exports the stages' names the driver and ``verify`` use.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


from .profile import Profile, load_profile
from .store import ResultsStore
from .context import (Context, load_context, needs_cnn, pairs_data_dir,  # noqa: F401
                      profile_context, profile_weights)
from .executor import auto_batch_size, execute, result_row, run_provenance  # noqa: F401
from .planner import PLANNERS, PlanInput, RunSpec, plan  # noqa: F401


@dataclass
class SweepSummary:
    planned: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    retried: int = 0  # planned runs whose stored row had failed: made again
    wall_time: float = 0.0
    results: str = ""
    errors: list = field(default_factory=list)


def status(profile: str | Profile, *, dataset: str, experiment: str = "main",
           results: str | os.PathLike | None = None) -> dict:
    """Planned, stored and missing runs of one experiment, without running anything."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    from ..data import DataError
    from ..method.features import WeightsUnavailable

    from .store import store_folders

    # a profile's folder may hold several stores (results/<profile>/<store>): a run counts
    # as stored if any of them holds its key, and as deterministic if one holds it so
    done, det = set(), set()
    for f in store_folders(results or Path("results") / prof.name):
        df = ResultsStore(f).load()
        done |= set(df["run_key"].astype(str))
        det |= set(df.loc[df["deterministic"] == "yes", "run_key"].astype(str))
    try:
        ctx = profile_context(prof, dataset, features=False,
                              cnn=needs_cnn(prof, experiment, dataset))
    except (DataError, WeightsUnavailable) as e:  # the stores can be shown without data
        return {"experiment": experiment, "dataset": dataset, "planned": None,
                "stored": len(done), "missing": None, "tasks stored": None,
                "note": f"plan unknown here: {type(e).__name__}: {str(e)[:120]}"}
    specs = plan(prof, experiment, dataset, ctx)
    stored = [s for s in specs if s.key in done]
    return {"experiment": experiment, "dataset": dataset, "planned": len(specs),
            "stored": len(stored), "stored deterministic": sum(s.key in det for s in specs),
            "missing": len(specs) - len(stored),
            "tasks stored": len({s.task.id for s in stored})}
