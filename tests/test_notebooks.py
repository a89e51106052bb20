"""Papermill smoke tests (recommenders style) and the whole book build."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mrcnn_core.notebook import NotebookParameterError, read_records, run_notebook

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"


def test_every_notebook_has_literal_parameters():
    from mrcnn_core.notebook import notebook_parameters

    for nb in sorted(NB.glob("*.ipynb")):
        params = notebook_parameters(nb)
        assert "profile" in params, nb.name


def test_quickstart_records_values(tmp_path):
    out = run_notebook(NB / "00_quickstart.ipynb", tmp_path / "q.ipynb",
                       {"steps": 150, "alpha": 0.1}, cwd=ROOT, timeout=600)
    rec = read_records(out)
    assert 0.0 <= rec["acc_plain"] <= 1.0
    # the manifold term helps on the rotated moons (the page's whole point)
    assert rec["acc_manifold"] > rec["acc_plain"]


def test_unknown_notebook_parameter_is_an_error(tmp_path):
    with pytest.raises(NotebookParameterError, match=r"unknown parameter\(s\) \['alpah'\]"):
        run_notebook(NB / "00_quickstart.ipynb", tmp_path / "q.ipynb", {"alpah": 1.0})
    assert not (tmp_path / "q.ipynb").exists()


@pytest.mark.slow
def test_book_builds_with_every_page(shared_cifar_root, corel_path):
    """The CI build: smoke profile, shared data, random weights (README's make book)."""
    env = dict(os.environ, MRCNN_WEIGHTS="none", MRCNN_PROFILE="smoke",
               MRCNN_DATA_DIR=str(shared_cifar_root))
    out = subprocess.run([sys.executable, "-m", "mrcnn_core", "book", "--profile", "smoke"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, (out.stdout[-3000:] + out.stderr[-3000:])
    html = ROOT / "_build" / "html"
    from mrcnn_core.book import PAGES

    for page, _, _ in PAGES:
        text = (html / "book" / "generated" / f"{page}.html").read_text()
        assert "Traceback" not in text and "Error" not in re.sub(r"<[^>]+>", "", text)[:0]
        if page not in ("10_experiments",):
            assert "<img" in text or "<table" in text, f"{page} has no figure or table"
    for chapter in ("intro", "method", "protocol", "reproduction_notes", "rerun", "performance"):
        assert (html / "book" / f"{chapter}.html").exists()
    rec = read_records(ROOT / "book" / "generated" / "10_experiments.ipynb")
    assert rec["failed"] == 0 and rec["planned"] > 0
    t1 = read_records(ROOT / "book" / "generated" / "20_table1.ipynb")["table1"]
    assert "MRCNN" in t1 and "LR" in t1
