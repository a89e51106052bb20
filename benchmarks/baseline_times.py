"""How long `make baselines` takes, per method, measured from the committed stores.

Each stored row records its run's wall time (`wall_time`, seconds, on the machine that made
it: the 2-core CPU, one process per store).  This prints their sums per method and data set,
and the total, so the README's estimate is a measurement, not a guess:

    .venv/bin/python benchmarks/baseline_times.py [results/baselines]
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from mrcnn_core.experiments.store import ResultsStore, store_folders
from mrcnn_core.methods import SHALLOW


def times(root: str | Path = "results/baselines") -> pd.DataFrame:
    rows = pd.concat([ResultsStore(f).load() for f in store_folders(root)], ignore_index=True)
    rows = rows[rows["method"].isin(SHALLOW) & (rows["status"] == "ok")]
    t = (rows.groupby(["method", "dataset"])["wall_time"]
         .agg(runs="count", minutes=lambda s: s.sum() / 60, median_s="median"))
    return t.round(1)


if __name__ == "__main__":
    t = times(sys.argv[1] if len(sys.argv) > 1 else "results/baselines")
    print(t.to_string())
    per = t.groupby(level="method")["minutes"].sum().round(0)
    print("\nminutes per method (both data sets):", per.to_dict())
    print(f"total: {t['minutes'].sum() / 60:.1f} h of one process "
          f"(two methods at a time on 2 cores: about {t['minutes'].sum() / 120:.1f} h)")
