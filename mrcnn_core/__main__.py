"""Command line: ``python -m mrcnn_core {sweep,verify,bench,batch,book} ...``."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("POT_BACKEND_DISABLE_TENSORFLOW", "1")

from .methods import METHODS  # noqa: E402 (the registry: no heavy imports)


def _ints(s: str) -> list[int]:
    try:
        return [int(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {s!r}") from None


def _positive(s: str) -> int:
    """An integer >= 1 (``--batch-size 0`` or ``-2`` used to run silently as auto or 1)."""
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {s!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {v}")
    return v


#: what an interrupted command keeps, said when Ctrl-C or SIGTERM stops it
RESUMABLE = {"sweep": "the finished runs are stored; run the same command again to resume",
             "campaign": "the finished runs are stored; `campaign start` resumes",
             "batch": "finished points are stored; run the same command again to resume",
             "book": "finished pages are kept; an interrupted page is not replaced"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m mrcnn_core",
                                 description="MRCNN reproduction: sweeps, benchmark, batch runs")
    ap.add_argument("--debug", action="store_true",
                    help="show the traceback of every error (not only of our bugs)")
    sub = ap.add_subparsers(dest="cmd", required=True)

    sw = sub.add_parser("sweep", help="run a grid of experiments into a results store")
    from .experiments.profile import DATASETS, EXPERIMENT_PAGES, shipped_profiles

    profiles = f"a shipped profile ({', '.join(shipped_profiles())}) or a YAML file"
    sw.add_argument("--profile", default="smoke", help=profiles)
    sw.add_argument("--dataset", required=True, help=" or ".join(DATASETS))
    sw.add_argument("--experiment", default="main",
                    help=", ".join(f"{e} ({p})" for e, p in EXPERIMENT_PAGES.items())
                    + "; the profile says which it has")
    sw.add_argument("--methods", type=lambda s: [m.strip() for m in s.split(",") if m.strip()],
                    help="comma-separated subset of " + ",".join(METHODS))
    sw.add_argument("--tasks", type=int, help="main: the first N tasks in the profile's order (id, or "
                    "stratified: every target domain in turn); sensitivity "
                    "and ablation: the first N of the profile's task sample")
    sw.add_argument("--variants", type=lambda s: [v.strip() for v in s.split(",") if v.strip()],
                    help="sensitivity/ablation: only these points, e.g. base,vary:alpha,vary "
                    "or paper,graph_fc7")
    sw.add_argument("--seeds", type=_ints, help="e.g. 0,1,2")
    sw.add_argument("--results", help="results folder (default results/<profile>)")
    sw.add_argument("--weights", help="imagenet, a weights file or none (default: the profile's, "
                    "else $MRCNN_WEIGHTS)")
    sw.add_argument("--backbone", help="vgg19 or vgg16 (default: the profile's, else "
                    "$MRCNN_BACKBONE, else vgg19)")
    sw.add_argument("--batch-size", type=_positive, help="tasks trained together (an integer "
                    ">= 1; default: the profile's)")
    sw.add_argument("--no-progress", action="store_true")
    sw.add_argument("--mixed-store", metavar="REASON", default="",
                    help="extend a store made by another commit or code anyway, for this "
                         "reason (recorded in the provenance); rows of other data never join")
    sw.add_argument("--workers", type=int, default=0,
                    help="run on a local Dask cluster of N worker processes (loopback only)")
    sw.add_argument("--scheduler", help="run on an existing Dask scheduler (tcp://... or tls://...)")
    sw.add_argument("--chunk", type=int, help="runs per Dask task (default: about 4 per worker)")

    bn = sub.add_parser("bench", help="time the conv5 forms and task batching")
    bn.add_argument("--shapes", default="shared,paper", help="shared (200+200), paper (1200+1200)")
    bn.add_argument("--backbone", help="vgg19 (4 conv5 layers) or vgg16 (3)")
    bn.add_argument("--steps", type=int, default=3, help="timed steps per arm after warm-up")
    bn.add_argument("--batch", type=int, default=0, help="tasks per batched step (0: auto)")
    bn.add_argument("--arms", default="stock,fast,batched")
    bn.add_argument("--subset", type=int, default=32, help="tasks timed for the grid projection")

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
    for b in (sw, bt):
        b.add_argument("--tls-ca-file", help="TLS: the CA certificate (with --tls-cert, --tls-key)")
        b.add_argument("--tls-cert", help="TLS: this client's certificate")
        b.add_argument("--tls-key", help="TLS: this client's private key")

    bk = sub.add_parser("book", help="run the notebooks of a profile and build the book")
    bk.add_argument("--profile", default=os.environ.get("MRCNN_PROFILE", "imagenet-vgg16"),
                    help=profiles + " (default: $MRCNN_PROFILE, else imagenet-vgg16)")
    bk.add_argument("--only", help="comma-separated page names to (re)run")
    bk.add_argument("--no-build", action="store_true", help="run the notebooks only")
    cg = bk.add_mutually_exclusive_group()
    cg.add_argument("--compute", dest="compute", action="store_true", default=None,
                    help="run the profile's sweeps first (default: the profile's book_computes)")
    cg.add_argument("--no-compute", dest="compute", action="store_false",
                    help="only read the stores")

    vf = sub.add_parser("verify", help="re-run a random sample of stored runs here and compare")
    vf.add_argument("results", help="a results store, or a folder of stores (results/<profile>)")
    vf.add_argument("--runs", type=int, default=3, help="how many stored runs to re-run")
    vf.add_argument("--seed", type=int, default=0, help="seed of the random sample")
    vf.add_argument("--methods", type=lambda s: [m.strip() for m in s.split(",") if m.strip()],
                    help="only runs of these methods, e.g. lr or mrcnn")
    vf.add_argument("--variants", type=lambda s: [v.strip() for v in s.split(",") if v.strip()],
                    help="only runs of these variants, e.g. paper (Fig. 3's paper point, the "
                         "main grid's setting) or vary:alpha")

    ft = sub.add_parser("fetch", help="get the exact data and weights of the committed numbers "
                        "(online): CIFAR-100 + manifests, VGG19, VGG16")
    ft.add_argument("--dest", default="mrcnn-data",
                    help="folder for data, data-pairs, data-heldout and weights (default: "
                         "./mrcnn-data); then set MRCNN_DATA_DIR=<dest>/data")
    ft.add_argument("--what", default="data,vgg19,vgg16",
                    type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
                    help="steps: data, vgg19, vgg16 (default: all)")
    ft.add_argument("--official", help="an unpacked official cifar-100-python folder to use "
                                       "instead of downloading it")

    ch = sub.add_parser("check-html", help="check the built book as a reader would: raw LaTeX, "
                        "raw column names, numbers of more than 2 decimals, broken links")
    ch.add_argument("root", nargs="?", default="_build/html", help="the built HTML (default: "
                    "_build/html)")

    mt = sub.add_parser("methods", help="list the registered methods (mrcnn_core/methods.py): "
                        "name, label, kind, where, whether the paper ran it")
    mt.add_argument("--kind", choices=("shallow", "cnn"), help="only methods of this kind")
    mt.add_argument("--names", action="store_true", help="only the names, one per line")

    npg = sub.add_parser("new-page", help="write a new executed page: notebook pair, toc line, "
                         "test (then write its figure function)")
    npg.add_argument("name", help="e.g. 31_domain_gains")
    npg.add_argument("title", help="the page's title")

    from .experiments.campaign import add_parser as campaign_parser

    campaign_parser(sub)

    a = ap.parse_args(argv)
    import signal

    def _terminated(signum, frame):
        """SIGTERM (a kill, a job scheduler): said in one line, then the process ends at once,
        as a kill would (every stored row was written whole and fsync'd; a run in progress is
        made again by the next sweep).  Raising here was lost inside JAX's GC callback (the
        sweep went on to exit 0) or crashed the teardown beside XLA's threads (exit -11)."""
        print(f"terminated ({RESUMABLE.get(a.cmd, 'nothing was half-written')})",
              file=sys.stderr, flush=True)
        os._exit(143)

    def on_term() -> None:
        try:
            signal.signal(signal.SIGTERM, _terminated)
        except ValueError:  # not the main thread (called from a test or a worker)
            pass

    on_term()
    a._on_term = on_term  # again after the heavy imports: a library may install its own
    try:
        return _dispatch(a)
    except KeyboardInterrupt:
        print(f"interrupted ({RESUMABLE.get(a.cmd, 'nothing was half-written')})",
              file=sys.stderr)
        return 130
    except Exception as e:  # the one rule: a user's error is one line, a bug says so
        if a.debug:
            raise
        if is_user_error(e):
            from .fetch import FetchError

            # fetch lists one missing piece a line; every other error is one line
            lines = ([one_line(x) for x in str(e).split("\n") if x.strip()]
                     if isinstance(e, FetchError) else []) or [one_line(e)]
            print("error: " + "\n  ".join(lines), file=sys.stderr)
            return 2
        import traceback

        traceback.print_exc()
        print(f"internal error: {type(e).__name__}: {one_line(e)}\nThis is a bug in mrcnn_core, "
              "not in your input; please report it with the traceback above.", file=sys.stderr)
        return 3


def user_errors() -> tuple[type, ...]:
    """The exceptions a user's input or environment causes (bad value, file, address)."""
    import yaml

    from .batch import GridError
    from .book.notebook import NotebookParameterError, PageInputError
    from .data import DataError
    from .experiments import ProfileError, StoreError
    from .features import WeightsUnavailable

    from .fetch import FetchError
    from .experiments.campaign import CampaignError

    return (CampaignError, ProfileError, StoreError, DataError, WeightsUnavailable, GridError,
            NotebookParameterError, PageInputError, FetchError, ValueError, OSError, yaml.YAMLError, MemoryError)


def is_user_error(e: BaseException) -> bool:
    from .experiments import SweepStopped

    if isinstance(e, SweepStopped):  # judged by what stopped it
        return e.__cause__ is None or is_user_error(e.__cause__)
    return isinstance(e, user_errors())


def one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _dispatch(a) -> int:
    if a.cmd == "verify":
        from .verify import verify

        return verify(a.results, runs=a.runs, seed=a.seed, methods=a.methods,
                      variants=a.variants)
    if a.cmd == "sweep":
        from .experiments import sweep
        from .experiments.distributed import security_from_files

        if a.workers < 0 or (a.chunk is not None and a.chunk < 1):
            raise ValueError(f"--workers must be >= 0 and --chunk >= 1 "
                             f"(got {a.workers}, {a.chunk})")
        security = security_from_files(a.tls_ca_file, a.tls_cert, a.tls_key)
        import keras  # noqa: F401  (the backend's import, before SIGTERM is taken again)

        getattr(a, "_on_term", lambda: None)()
        s = sweep(a.profile, dataset=a.dataset, experiment=a.experiment, methods=a.methods,
                  n_tasks=a.tasks, seeds=a.seeds, results=a.results, weights=a.weights,
                  backbone=a.backbone, variants=a.variants, workers=a.workers,
                  scheduler=a.scheduler, security=security, chunk=a.chunk,
                  batch_size=a.batch_size, progress=not a.no_progress,
                  allow_mixed=a.mixed_store)
        print(f"planned {s.planned}, skipped {s.skipped} (already stored), done {s.done}, "
              f"failed {s.failed}" + (f" (of {s.retried} earlier failures made again: "
                                      f"{s.retried - s.failed} now ok)" if s.retried else "")
              + f", {s.wall_time:.1f} s -> {s.results}")
        for e in s.errors[:20]:
            print("  failed:", e)
        return 1 if s.failed else 0
    if a.cmd == "check-html":
        from .book.htmlcheck import check_html

        faults = check_html(a.root)
        for f in faults:
            print(f)
        print(f"{len(faults)} fault(s) in {a.root}")
        return 1 if faults else 0
    if a.cmd == "methods":
        from .book.registry_pages import methods_rows
        from .methods import all_methods

        if a.names:
            print("\n".join(m.name for m in all_methods(a.kind)))
            return 0
        for row in methods_rows(a.kind):
            print("  ".join(row).rstrip())
        return 0
    if a.cmd == "new-page":
        from .book.build import ROOT
        from .book.newpage import new_page

        for p in new_page(a.name, a.title, ROOT):
            print("wrote", p)
        return 0
    if a.cmd == "fetch":
        from .fetch import fetch

        for line in fetch(a.dest, a.what, a.official):
            print(line)
        return 0
    if a.cmd == "bench":
        from .bench import main as bench_main
        return bench_main(a)
    if a.cmd == "book":
        from .book.build import main as book_main
        return book_main(a)
    if a.cmd == "batch":
        from .batch import main as batch_main
        return batch_main(a)
    if a.cmd == "campaign":
        from .experiments.campaign import main as campaign_main

        if a.action == "run":  # SIGTERM taken again after the backend's import (as sweep does)
            import keras  # noqa: F401

            getattr(a, "_on_term", lambda: None)()
        return campaign_main(a)
    return 2


if __name__ == "__main__":
    sys.exit(main())
