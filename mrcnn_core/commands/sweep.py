"""``sweep``: run a grid of experiments into a results store (resumable)."""
from __future__ import annotations


from .args import add_tls, ints, names, positive, profiles_help, retake_sigterm


def add_parser(sub) -> None:
    from ..experiments.profile import DATASETS, EXPERIMENT_PAGES
    from ..methods import METHODS

    sw = sub.add_parser("sweep", help="run a grid of experiments into a results store")
    sw.add_argument("--profile", default="smoke", help=profiles_help())
    sw.add_argument("--dataset", required=True, help=" or ".join(DATASETS))
    sw.add_argument("--experiment", default="main",
                    help=", ".join(f"{e} ({p})" for e, p in EXPERIMENT_PAGES.items())
                    + "; the profile says which it has")
    sw.add_argument("--methods", type=names, help="comma-separated subset of " + ",".join(METHODS))
    sw.add_argument("--tasks", type=int, help="main: the first N of the profile's tasks (its sample, if it samples), in its order (id, or "
                    "stratified: every target domain in turn); sensitivity "
                    "and ablation: the first N of the profile's task sample")
    sw.add_argument("--variants", type=names,
                    help="sensitivity/ablation: only these points, e.g. base,vary:alpha,vary "
                    "or paper,graph_fc7")
    sw.add_argument("--seeds", type=ints, help="e.g. 0,1,2")
    sw.add_argument("--results", help="results folder (default results/<profile>)")
    sw.add_argument("--weights", help="imagenet, a weights file or none (default: the profile's, "
                    "else $MRCNN_WEIGHTS)")
    sw.add_argument("--backbone", help="vgg19 or vgg16 (default: the profile's, else "
                    "$MRCNN_BACKBONE, else vgg19)")
    sw.add_argument("--batch-size", type=positive, help="tasks trained together (an integer "
                    ">= 1; default: the profile's)")
    sw.add_argument("--no-progress", action="store_true")
    sw.add_argument("--mixed-store", metavar="REASON", default="",
                    help="extend a store made by another commit or code anyway, for this "
                         "reason (recorded in the provenance); rows of other data never join")
    sw.add_argument("--workers", type=int, default=0,
                    help="run on a local Dask cluster of N worker processes (loopback only)")
    sw.add_argument("--scheduler", help="run on an existing Dask scheduler (tcp://... or tls://...)")
    sw.add_argument("--chunk", type=int, help="runs per Dask task (default: about 4 per worker)")
    add_tls(sw)


def run(a) -> int:
    from ..experiments import sweep
    from ..experiments.distributed import security_from_files

    if a.workers < 0 or (a.chunk is not None and a.chunk < 1):
        raise ValueError(f"--workers must be >= 0 and --chunk >= 1 (got {a.workers}, {a.chunk})")
    security = security_from_files(a.tls_ca_file, a.tls_cert, a.tls_key)
    retake_sigterm(a)
    s = sweep(a.profile, dataset=a.dataset, experiment=a.experiment, methods=a.methods,
              n_tasks=a.tasks, seeds=a.seeds, results=a.results, weights=a.weights,
              backbone=a.backbone, variants=a.variants, workers=a.workers,
              scheduler=a.scheduler, security=security, chunk=a.chunk,
              batch_size=a.batch_size, progress=not a.no_progress, allow_mixed=a.mixed_store)
    print(f"planned {s.planned}, skipped {s.skipped} (already stored), done {s.done}, "
          f"failed {s.failed}" + (f" (of {s.retried} earlier failures made again: "
                                  f"{s.retried - s.failed} now ok)" if s.retried else "")
          + f", {s.wall_time:.1f} s -> {s.results}")
    for e in s.errors[:20]:
        print("  failed:", e)
    return 1 if s.failed else 0


