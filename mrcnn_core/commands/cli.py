"""The dispatcher: one parser from every command's module, SIGTERM and Ctrl-C said in one
line, and the one error rule (a user's error is one line; a bug says so, with its traceback)."""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

from . import COMMANDS

#: what an interrupted command keeps, said when Ctrl-C or SIGTERM stops it
RESUMABLE = {"sweep": "the finished runs are stored; run the same command again to resume",
             "campaign": "the finished runs are stored; `campaign start` resumes",
             "batch": "finished points are stored; run the same command again to resume",
             "book": "finished pages are kept; an interrupted page is not replaced"}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m mrcnn_core",
                                 description="MRCNN reproduction: sweeps, benchmark, batch runs")
    ap.add_argument("--debug", action="store_true",
                    help="show the traceback of every error (not only of our bugs)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, mod in COMMANDS.items():
        importlib.import_module(f"{__package__}.{mod}").add_parser(sub)
    return ap


def _dispatch(a: argparse.Namespace) -> int:
    return importlib.import_module(f"{__package__}.{COMMANDS[a.cmd]}").run(a)


def _take_sigterm(a: argparse.Namespace) -> None:
    def terminated(signum, frame):
        """SIGTERM (a kill, a job scheduler): said in one line, then the process ends at once,
        as a kill would (every stored row was written whole and fsync'd; a run in progress is
        made again by the next sweep).  Raising here was lost inside JAX's GC callback (the
        sweep went on to exit 0) or crashed the teardown beside XLA's threads (exit -11)."""
        print(f"terminated ({RESUMABLE.get(a.cmd, 'nothing was half-written')})",
              file=sys.stderr, flush=True)
        os._exit(143)

    try:
        signal.signal(signal.SIGTERM, terminated)
    except ValueError:  # not the main thread (called from a test or a worker)
        pass


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    _take_sigterm(a)
    a._on_term = lambda: _take_sigterm(a)  # again after the heavy imports (args.retake_sigterm)
    try:
        return _dispatch(a)
    except KeyboardInterrupt:
        print(f"interrupted ({RESUMABLE.get(a.cmd, 'nothing was half-written')})",
              file=sys.stderr)
        return 130
    except Exception as e:  # the one rule: a user's error is one line, a bug says so
        if a.debug:
            raise
        return report(e)


def report(e: Exception) -> int:
    """Print ``e`` as the one rule says; 2 for a user's error, 3 for a bug of ours."""
    if is_user_error(e):
        from ..experiments.fetch import FetchError

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

    from ..book.batch import GridError
    from ..book.notebook import NotebookParameterError, PageInputError
    from ..data import DataError
    from ..experiments import ProfileError, StoreError
    from ..experiments.campaign import CampaignError
    from ..experiments.fetch import FetchError
    from ..method.features import WeightsUnavailable

    return (CampaignError, ProfileError, StoreError, DataError, WeightsUnavailable, GridError,
            NotebookParameterError, PageInputError, FetchError, ValueError, OSError,
            yaml.YAMLError, MemoryError)


def is_user_error(e: BaseException) -> bool:
    from ..experiments import SweepStopped

    if isinstance(e, SweepStopped):  # judged by what stopped it
        return e.__cause__ is None or is_user_error(e.__cause__)
    return isinstance(e, user_errors())


def one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__
