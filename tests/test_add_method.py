"""The README's "Adding a method", walked to the letter with a throwaway method (#36).

In a copy of the package: (1) its module, (2) one registry entry, (3) its profile line, then
its store from a sweep.  Every place a method must reach is then checked, each a silent miss
once (nothing failed while the method was absent there): the command line, the baselines'
exports, Table 1's column, its comparisons and its per-data-set note, the selection grids, the
colours, the book's lists of methods and stores, and the audits of stores against the
registry (a store too short, a store left behind when the method is removed).  The copy's
changed files are listed at the end: the three the README names, nothing else.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NAME, LABEL, CLASS = "throwaway", "THROWAWAY", "Throwaway"

MODULE = f'''"""A throwaway method of the walk-through test: LR under another name."""
from .lr import LR


class {CLASS}(LR):
    """LR, registered again as {LABEL}."""
'''
ENTRY = (f'    Method("{NAME}", "{LABEL}", "shallow", "#123456", '
         f'"mrcnn_core.baselines.{NAME}:{CLASS}", (("C", "{LABEL}: C"),),\n'
         f'           grids=(("C", "mrcnn_core.baselines.lr:C_GRID"),),\n'
         f'           about="A throwaway method (the walk-through test).", '
         f'setting="LR under another name"),\n')

CHECK = r'''
import json, sys
from pathlib import Path
import matplotlib; matplotlib.use("Agg")
import matplotlib.pyplot as plt
from mrcnn_core import methods
from mrcnn_core.analysis import load_runs
from mrcnn_core.studies.audit import short_coverage, unregistered_in_stores
from mrcnn_core.book import figures, plots, registry_pages as R
results, lr_store = Path(sys.argv[1]), sys.argv[2]
out = {}
import mrcnn_core.baselines as B
out["export"] = hasattr(B, "Throwaway") and B.BASELINES.get("throwaway") is B.Throwaway
out["pairs"] = [list(p) for p in methods.table1_pairs() if "throwaway" in p]
out["grids"] = [list(k) for k in figures.selection_grids() if k[0] == "throwaway"]
out["colour"] = plots.PALETTE.get("THROWAWAY")
runs = load_runs(lr_store, results / "baselines" / "throwaway", experiment="main")
page = figures.table1(runs, "unit")
out["table1_columns"] = [c for c in page.values["table1"] if "THROWAWAY" in str(c)]
out["absent"] = page.values["methods_without_runs_per_dataset"]
sel = figures.selected_hparams(runs)
figs = [p for p in sel.parts if isinstance(p, plt.Figure)]
out["selection_titles"] = [ax.get_title() for f in figs for ax in f.axes if "THROWAWAY" in ax.get_title()]
out["methods_table"] = "THROWAWAY" in R.methods_table_md()
out["glossary"] = "THROWAWAY" in R.methods_glossary_md()
out["stores_table"] = "baselines/throwaway" in R.stores_table_md(results)
out["unregistered"] = unregistered_in_stores(results)
out["short"] = [f for f in short_coverage(results / "baselines" / "throwaway", datasets=("corel",)) if f.startswith("throwaway")]
print("CHECK " + json.dumps(out, default=str))
'''


def _digests(pkg: Path) -> dict[str, str]:
    return {p.relative_to(pkg).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def _run(args, cwd, env, timeout=300):
    r = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    return r.stdout


def _check(repo, env, results):
    out = _run(["-c", CHECK, str(results), str(ROOT / "results" / "baselines" / "lr")], repo, env)
    return json.loads(next(line for line in out.splitlines() if line.startswith("CHECK "))[6:])


def test_adding_a_method_by_the_readme_misses_nothing(tmp_path, real_corel_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "mrcnn_core", repo / "mrcnn_core",
                    ignore=shutil.ignore_patterns("__pycache__"))
    pkg = repo / "mrcnn_core"
    before = _digests(pkg)
    methods_py, profile = pkg / "methods.py", pkg / "experiments" / "profiles" / "baselines.yaml"
    originals = {methods_py: methods_py.read_text(), profile: profile.read_text()}

    # 1. its module; 2. one registry entry; 3. its profile line (both data sets)
    (pkg / "baselines" / f"{NAME}.py").write_text(MODULE)
    text = originals[methods_py]
    end = text.index("\n)}\n", text.index("REGISTRY: dict[str, Method]"))
    methods_py.write_text(text[:end + 1] + ENTRY + text[end + 1:])
    listed = "methods: [lr, svm, tsvm, tca, tlda]"
    assert originals[profile].count(listed) == 2, "the baselines profile's method lists changed"
    profile.write_text(originals[profile].replace(listed, listed[:-1] + f", {NAME}]"))

    env = {**os.environ, "PYTHONPATH": str(repo), "MRCNN_WEIGHTS": "none",
           # the real Corel: the pages join the new store with the committed ones, and a
           # reader refuses rows of two versions of one data set (#42)
           "MRCNN_DATA_DIR": str(Path(real_corel_path).parent.parent),
           "MRCNN_CACHE_DIR": str(tmp_path / "cache")}
    names = _run(["-m", "mrcnn_core", "methods", "--kind", "shallow", "--names"], repo, env)
    assert NAME in names.split()

    # its store, as `make baselines METHODS=throwaway` makes it (3 Corel tasks here)
    results = repo / "results"
    _run(["-m", "mrcnn_core", "sweep", "--profile", "baselines", "--dataset", "corel",
          "--methods", NAME, "--tasks", "3", "--no-progress",
          "--results", str(results / "baselines" / NAME)], repo, env)

    got = _check(repo, env, results)
    assert got["export"], "mrcnn_core.baselines does not export it"
    assert ["throwaway", "lr"] in got["pairs"] and ["vgg", "throwaway"] in got["pairs"]
    assert got["grids"] == [["throwaway", "C"]], "no selection grid: no grid-edge line"
    assert got["colour"] == "#123456"
    assert got["table1_columns"], "no Table 1 column"
    # run on Corel only: Table 1 says it has no CIFAR-100 runs (the data sets apart)
    assert "THROWAWAY" in got["absent"].get("cifar100", []), got["absent"]
    assert "THROWAWAY" not in got["absent"].get("corel", [])
    assert got["selection_titles"], "missing from the selection page"
    assert got["methods_table"] and got["glossary"] and got["stores_table"]
    assert got["unregistered"] == []
    # 3 of 144 tasks is not a store of the method: the audit says so
    assert got["short"] == ["throwaway on corel: 3 of 144 planned tasks stored in "
                            f"{results / 'baselines' / NAME}"], got["short"]

    # the files the walk changed: the README's three, nothing else
    after = _digests(pkg)
    changed = sorted(k for k in after if before.get(k) != after[k])
    assert changed == ["baselines/throwaway.py", "experiments/profiles/baselines.yaml",
                       "methods.py"], changed

    # removed from the registry and the profile while its store stays: the audit names it
    for f, t in originals.items():
        f.write_text(t)
    got = _check(repo, env, results)
    assert len(got["unregistered"]) == 1 and "throwaway" in got["unregistered"][0]
