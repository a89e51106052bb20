"""``batch``: run one page over a parameter grid (papermill + Dask), resumable."""
from __future__ import annotations

from .args import add_tls


def add_parser(sub) -> None:
    bt = sub.add_parser("batch", help="run a notebook over a parameter grid (papermill + Dask)",
                        description="Run one page (notebook) once per point of a parameter "
                        "grid, each an executed notebook in --out; resumable (finished points "
                        "are skipped); README: 'Batch runs'.")
    bt.add_argument("notebook", help="a page, e.g. notebooks/23_fig3.md")
    bt.add_argument("--grid", required=True, help="a YAML file: parameter name -> list of "
                    "values (every combination is one run)")
    bt.add_argument("--out", required=True, help="the folder of the executed notebooks")
    bt.add_argument("--workers", type=int, default=1, help="local Dask worker processes")
    bt.add_argument("--scheduler", help="an existing Dask scheduler (tcp://... or tls://...)")
    bt.add_argument("--retries", type=int, default=2, help="tries of a failing point")
    add_tls(bt)


def run(a) -> int:
    from ..book.batch import run_batch
    from ..experiments.distributed import security_from_files

    security = security_from_files(a.tls_ca_file, a.tls_cert, a.tls_key)
    s = run_batch(a.notebook, a.grid, a.out, workers=a.workers, scheduler=a.scheduler,
                  retries=a.retries, security=security)
    print(f"points {s['points']}: done {s['done']}, skipped {s['skipped']}, failed {s['failed']}, "
          f"wall time {s['wall_time']:.1f} s")
    for e in s["errors"][:20]:
        print("  failed:", e)
    return min(s["failed"], 100)
