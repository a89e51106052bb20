"""``book``: run the pages of a profile (papermill) and build the book (Jupyter Book 1.x)."""
from __future__ import annotations

import os

from ..experiments.profile import DEFAULT_PROFILE
from .args import profiles_help


def add_parser(sub) -> None:
    bk = sub.add_parser("book", help="run the notebooks of a profile and build the book")
    bk.add_argument("--profile", default=os.environ.get("MRCNN_PROFILE", DEFAULT_PROFILE),
                    help=profiles_help() + f" (default: $MRCNN_PROFILE, else {DEFAULT_PROFILE})")
    bk.add_argument("--only", help="comma-separated page names to (re)run")
    bk.add_argument("--no-build", action="store_true", help="run the notebooks only")
    cg = bk.add_mutually_exclusive_group()
    cg.add_argument("--compute", dest="compute", action="store_true", default=None,
                    help="run the profile's sweeps first (default: the profile's book_computes)")
    cg.add_argument("--no-compute", dest="compute", action="store_false",
                    help="only read the stores")


def run(a) -> int:
    from ..book.build import build_book

    return build_book(a.profile, only=a.only, no_build=a.no_build, compute=a.compute)
