"""``python -m mrcnn_core book``: run the book's notebooks for a profile, then build it.

Computing and plotting are apart (as in showyourwork): for a profile whose
stores are committed (``options.book_computes: false``, e.g. imagenet-vgg16)
no page trains anything; the figure pages read the stores.  For the others
(smoke) the experiments page runs the sweeps first, skipping stored runs.
Executed notebooks go to ``book/generated/`` (not versioned), which
``_toc.yml`` points at.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .notebook import run_notebook

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"
OUT = ROOT / "book" / "generated"

# (page name, source notebook, extra parameters); run in this order.
PAGES = [
    ("00_quickstart", "00_quickstart", {}),
    ("01_data", "01_data", {}),
    ("10_experiments", "10_experiments", {}),
    ("20_table1", "20_table1", {}),
    ("21_fig2a", "21_fig2a", {}),
    ("22_fig2b_table2", "22_fig2b_table2", {}),
    ("23_fig3", "23_fig3", {}),
    ("24_statistics", "24_statistics", {}),
    ("25_ablations", "25_ablations", {}),
    # the committed full-grid baseline run on the reduced data (no training here)
    # the stored rows are from the paper profile (all tasks, paper settings), so say so
    ("30_full_baselines", "20_table1", {"results_dir": "results/baselines", "profile": "paper",
                                        "title": ""}),
]
# Pages that reuse a notebook get their own page title.
TITLES = {"30_full_baselines": "Table 1, all 544 tasks: the shallow baselines (committed run)"}


def _retitle(path: Path, title: str) -> None:
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    first = nb.cells[0]
    lines = first.source.splitlines()
    first.source = "\n".join([f"# {title}"] + lines[1:])
    nbformat.write(nb, str(path))


def check_environment(profile) -> None:
    """Fail within seconds, before any notebook runs, if the profile's weights can't be had."""
    from .experiments.runner import profile_weights
    from .features import check_imagenet_available, resolve_weights

    w, b, sha = profile_weights(profile)
    if resolve_weights(w, sha) == "imagenet":
        check_imagenet_available(b)


def main(args) -> int:
    from .experiments import load_profile

    prof = load_profile(args.profile)
    profile = prof.name
    compute = bool(prof.options.get("book_computes", True)) if args.compute is None else args.compute
    check_environment(prof)
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for page, src, extra in PAGES:
        if args.only and page not in args.only.split(","):
            continue
        params = {"profile": profile, **extra}
        if src == "10_experiments":
            params["compute"] = compute
        t = time.perf_counter()
        dst = run_notebook(NB / f"{src}.ipynb", OUT / f"{page}.ipynb", params, cwd=ROOT)
        if page in TITLES:
            _retitle(dst, TITLES[page])
        print(f"[book] {page}: {time.perf_counter() - t:.0f} s", flush=True)
    print(f"[book] profile {profile}: {'computed' if compute else 'read from the stores'}; "
          f"notebooks done in {time.perf_counter() - t0:.0f} s", flush=True)
    if args.no_build:
        return 0
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(ROOT), "-W", "-n", "--keep-going"]
    r = subprocess.run(cmd, cwd=ROOT)
    print(f"[book] total {time.perf_counter() - t0:.0f} s -> {ROOT / '_build' / 'html'}")
    return r.returncode
