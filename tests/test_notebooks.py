"""Papermill smoke tests (recommenders style) and the whole book build."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mrcnn_core.book.notebook import NotebookParameterError, read_records, run_notebook

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"


def test_every_notebook_has_literal_parameters():
    from mrcnn_core.book.notebook import notebook_parameters

    pages = sorted(NB.glob("*.md"))
    assert len(pages) >= 9
    for nb in pages:
        params = notebook_parameters(nb)
        assert "profile" in params, nb.name


def test_paired_ipynb_are_in_sync_and_stripped():
    """Colab opens only .ipynb: each MyST source has a paired notebook with the same
    cells (sources and tags) and no outputs.  `make notebooks` re-syncs them."""
    import jupytext
    import nbformat

    for md in sorted(NB.glob("*.md")):
        ipynb = md.with_suffix(".ipynb")
        assert ipynb.is_file(), f"{md.name} has no paired {ipynb.name}"
        text = jupytext.read(md)
        nb = nbformat.read(str(ipynb), as_version=4)
        assert [(c.cell_type, c.source.strip()) for c in text.cells] == \
            [(c.cell_type, c.source.strip()) for c in nb.cells], f"{ipynb.name} is out of sync"
        assert [c.metadata.get("tags", []) for c in text.cells] == \
            [c.metadata.get("tags", []) for c in nb.cells], f"{ipynb.name}: tags differ"
        assert not any(c.get("outputs") for c in nb.cells), f"{ipynb.name} holds outputs"


def test_toc_is_the_page_list():
    from mrcnn_core.book.build import pages

    ps = pages()
    names = [p for p, _, _ in ps]
    # the front page (the _toc root) is an executed page too: it computes the findings
    assert names[:4] == ["index", "00_quickstart", "01_data", "10_experiments"]
    # the baseline page is Table 1's notebook with other parameters, not a copy
    assert ("30_full_baselines", "20_table1") in [(p, s) for p, s, _ in ps]
    assert dict((p, x) for p, _, x in ps)["30_full_baselines"]["results_dir"] == "results/baselines"
    # Table 1 on the substitute backbone: the same notebook on profile imagenet-vgg16, the
    # page the front page's VGG16 and Corel columns link to (the default page is VGG19's)
    from mrcnn_core.studies.ledger import BY_KEY

    assert ("20_table1_vgg16", "20_table1") in [(p, s) for p, s, _ in ps]
    assert dict((p, x) for p, _, x in ps)["20_table1_vgg16"]["profile"] == "imagenet-vgg16"
    assert BY_KEY["vgg16"].page == BY_KEY["corel"].page == "20_table1_vgg16"
    assert BY_KEY["vgg19"].page == "20_table1"


def test_the_data_page_runs_without_corel(tmp_path, real_cifar_root):
    """A reader who fetched the data (or a Colab session) has no corel.mat: it has no public
    download.  The data page still runs and its table says Corel is not here."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "cifar-100-python").symlink_to(real_cifar_root / "cifar-100-python")
    out = run_notebook(NB / "01_data.md", tmp_path / "d.ipynb",
                       {"data_dir": str(data), "weights": "none"}, cwd=ROOT, timeout=900)
    rec = read_records(out)
    assert rec["n_corel_tasks"] == 0 and rec["n_cifar_tasks"] == 400
    assert "not here (no public download)" in out.read_text()


def test_quickstart_records_values(tmp_path):
    out = run_notebook(NB / "00_quickstart.md", tmp_path / "q.ipynb",
                       {"steps": 150, "alpha": 0.1}, cwd=ROOT, timeout=600)
    rec = read_records(out)
    assert 0.0 <= rec["acc_plain"] <= 1.0
    # the manifold term helps on the rotated moons (the page's whole point)
    assert rec["acc_manifold"] > rec["acc_plain"]


def test_unknown_notebook_parameter_is_an_error(tmp_path):
    with pytest.raises(NotebookParameterError, match=r"unknown parameter\(s\) \['alpah'\]"):
        run_notebook(NB / "00_quickstart.md", tmp_path / "q.ipynb", {"alpah": 1.0})
    assert not (tmp_path / "q.ipynb").exists()


def test_an_unknown_parameter_stops_a_page_that_papermill_runs_itself(tmp_path):
    """papermill alone only warns ("Passed unknown parameter") and runs the page on its
    defaults: a reader's ``papermill ... -p profle smoke`` got the default profile's page.
    The page's first cell now refuses the name; a known one still runs."""
    import papermill as pm

    from mrcnn_core.book.notebook import as_ipynb, check_injected_parameters

    # the rule, on a kernel history: the injected cell follows the parameters cell
    params = 'profile = "imagenet-vgg16"  # a comment\nresults_dir = ""\n'
    check_injected_parameters(["", params, '# Parameters\nprofile = "smoke"\n'])
    with pytest.raises(NotebookParameterError, match=r"\['profle'\]"):
        check_injected_parameters(["", params, '# Parameters\nprofle = "smoke"\n'])
    check_injected_parameters(["", "x = 1", "print(x)"])  # no papermill: nothing to check
    # and in a real page run by papermill itself (not run_notebook, which checks first)
    with pytest.raises(pm.PapermillExecutionError, match="profle"):
        pm.execute_notebook(str(as_ipynb(NB / "23_fig3.md")), str(tmp_path / "f.ipynb"),
                            parameters={"profle": "smoke"}, cwd=str(ROOT), kernel_name="python3",
                            progress_bar=False)


SHARED_WEIGHTS = ROOT.parent / "shared" / "weights" / "vgg16_imagenet_notop.weights.h5"


def _errors(nb_path) -> list[str]:
    """Error outputs of an executed notebook (papermill keeps going with --keep-going off,
    but a cell that prints a traceback as text would slip through a return-code check)."""
    import nbformat

    nb = nbformat.read(str(nb_path), as_version=4)
    return [f"{o.get('ename')}: {o.get('evalue')}" for c in nb.cells for o in c.get("outputs", [])
            if o.get("output_type") == "error"]


def kept_aside(root: Path, rels=("_build", "book/generated")):
    """Move ``rels`` of ``root`` aside while the body builds in their place, and put them
    back after, whatever happens in the body: `make test` after `make book` leaves the
    reader's book as it was (#42 item 5)."""
    import contextlib
    import shutil

    @contextlib.contextmanager
    def cm():
        kept = {}
        for rel in rels:
            src = root / rel
            if src.exists():
                dst = root / f".kept-{rel.replace('/', '-')}"
                shutil.rmtree(dst, ignore_errors=True)
                src.rename(dst)
                kept[src] = dst
        try:
            yield
        finally:
            for src, dst in kept.items():
                shutil.rmtree(src, ignore_errors=True)
                dst.rename(src)
    return cm()


@pytest.fixture
def readers_book_kept():
    """The reader's book is kept aside while the test builds the smoke book."""
    with kept_aside(ROOT):
        yield


def test_the_readers_book_is_put_back_byte_equal(tmp_path):
    front = tmp_path / "_build" / "html" / "index.html"
    front.parent.mkdir(parents=True)
    front.write_text("the reader's front page")
    (tmp_path / "book" / "generated").mkdir(parents=True)
    (tmp_path / "book" / "generated" / "index.ipynb").write_text("{}")
    with pytest.raises(RuntimeError):
        with kept_aside(tmp_path):
            assert not front.exists()
            front.parent.mkdir(parents=True)
            front.write_text("the smoke book")
            raise RuntimeError("the build failed")
    assert front.read_text() == "the reader's front page"
    assert (tmp_path / "book" / "generated" / "index.ipynb").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_build", "book"]


@pytest.mark.slow
@pytest.mark.xdist_group("book")  # writes the checkout's book/generated and _build
@pytest.mark.skipif(not SHARED_WEIGHTS.is_file(), reason="needs real data: the smoke profile needs ../shared/weights")
def test_book_builds_with_every_page(real_cifar_root, real_corel_path, readers_book_kept):
    """The CI build: smoke profile (computes), shared data, the offline ImageNet VGG16.

    First the default profile's pages from the committed stores.  Both write the
    checkout's book/generated, so they run in one test, one after the other: pytest 9.2
    with pytest-xdist 3.8 does not keep an ``xdist_group`` on one worker (checked on a
    toy suite), and the two builds once read each other's half-written notebooks.
    """
    _committed_store_pages_render_without_training(real_cifar_root)
    env = dict(os.environ, MRCNN_DATA_DIR=str(real_cifar_root))
    out = subprocess.run([sys.executable, "-m", "mrcnn_core", "book", "--profile", "smoke"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, (out.stdout[-3000:] + out.stderr[-3000:])
    html = ROOT / "_build" / "html"
    from mrcnn_core.book.build import pages

    for page, _, _ in pages():
        assert not _errors(ROOT / "book" / "generated" / f"{page}.ipynb"), page
        text = (html / "book" / "generated" / f"{page}.html").read_text()
        assert "Traceback" not in text, page
        if page not in ("10_experiments",):
            assert "<img" in text or "<table" in text, f"{page} has no figure or table"
    for chapter in ("method", "protocol", "reproduction_notes", "rerun", "performance"):
        assert (html / "book" / f"{chapter}.html").exists()
    # the front page: the claims table, computed; banners folded; CSVs beside the pages
    front = (html / "book" / "generated" / "index.html").read_text()
    assert 'class="dataframe ledger"' in front and "MRCNN beats VGG" in front
    ledger = read_records(ROOT / "book" / "generated" / "index.ipynb")["ledger"]
    from mrcnn_core.studies.ledger import VERDICTS

    assert ledger["mrcnn_vgg | vgg16"]["verdict"] in VERDICTS
    # the answer (the tally) comes before the matrix, and the matrix before the provenance
    assert front.index("5 claims") < front.index("ledger-box") \
        < front.index("Provenance:")
    # the held-out page is built, and its plan page with it
    assert (html / "book" / "generated" / "29_heldout.html").exists()
    assert (html / "book" / "preregistration.html").exists()
    t1_html = (html / "book" / "generated" / "20_table1.html").read_text()
    assert "<details>" in t1_html and "Provenance:" in t1_html
    assert 'href="20_table1-smoke.csv"' in t1_html
    assert (html / "book" / "generated" / "20_table1-smoke.csv").is_file()
    # as a reader would look (#34): no raw LaTeX, raw column names, long decimals, dead links
    from mrcnn_core.book.htmlcheck import check_html

    faults = check_html(html)
    assert not faults, "\n".join(map(str, faults[:20]))
    for f in (html / "book" / "generated").glob("*.html"):  # nothing loads from the internet
        assert not re.search(r'src="https?://|<link[^>]+href="https?://', f.read_text()), f.name
    # formulas render offline: MathJax is bundled and no page loads it from a CDN
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    method = (html / "book" / "method.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in method and "cdn.jsdelivr" not in method
    rec = read_records(ROOT / "book" / "generated" / "10_experiments.ipynb")
    assert rec["computed"] is True and rec["failed"] == 0 and rec["planned"] > 0
    t1 = read_records(ROOT / "book" / "generated" / "20_table1.ipynb")["table1"]
    total = t1["group"].index("Total")
    # with real ImageNet features the head does not collapse to one class (50 %)
    assert t1["MRCNN"][total] > 60 and t1["VGG"][total] > 60 and "LR" in t1


def _committed_store_pages_render_without_training(real_cifar_root):
    """`make book`'s default profile reads the committed stores: nothing is trained."""
    import hashlib

    def stores():
        return {p: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted((ROOT / "results").rglob("runs.csv"))}

    before = stores()
    env = {k: v for k, v in os.environ.items() if k != "MRCNN_PROFILE"}  # the default profile
    env["MRCNN_DATA_DIR"] = str(real_cifar_root)
    out = subprocess.run([sys.executable, "-m", "mrcnn_core", "book",
                          "--no-build", "--only", "index,10_experiments,20_table1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, (out.stdout[-3000:] + out.stderr[-3000:])
    assert "read from the stores" in out.stdout
    assert stores() == before
    assert "profile imagenet-vgg19" in out.stdout  # the paper's backbone is the default (#43)
    gen = ROOT / "book" / "generated"
    assert not _errors(gen / "10_experiments.ipynb") and not _errors(gen / "20_table1.ipynb")
    rec = read_records(gen / "10_experiments.ipynb")
    assert rec["computed"] is False and rec["stored"] > 0
    t1 = read_records(gen / "20_table1.ipynb")["table1"]
    # the CNN columns from the committed store, the shallow ones from the baseline store
    assert {"VGG", "MRCNN", "LR", "TSVM"} <= set(t1)
    # the front page's verdicts come from the committed stores (computed, never typed)
    f = read_records(gen / "index.ipynb")
    from mrcnn_core.studies.ledger import VERDICTS

    assert f["ledger"]["tsvm_lr | vgg16"]["verdict"] in VERDICTS
    assert f["ledger"]["mrcnn_vgg | vgg19"]["number"].endswith("]")


def test_the_parameters_cell_of_a_page_lists_every_name_its_visible_cells_use(tmp_path):
    """papermill's injected cell held only the values a build passed, and the notebook's own
    parameters cell is hidden in the book: a visible cell used names the page never showed."""
    import nbformat

    from mrcnn_core.book.notebook import complete_parameters

    def nb_with(visible_tags):
        nb = nbformat.v4.new_notebook()
        p = nbformat.v4.new_code_cell('profile = "smoke"\npairs_dir = ""')
        p.metadata["tags"] = ["parameters", "remove-cell"]
        inj = nbformat.v4.new_code_cell('# Parameters\nprofile = "imagenet-vgg16"\n')
        inj.metadata["tags"] = ["injected-parameters"]
        use = nbformat.v4.new_code_cell("print(profile, pairs_dir)")
        use.metadata["tags"] = visible_tags
        nb.cells = [p, inj, use]
        path = tmp_path / f"nb{len(visible_tags)}.ipynb"
        nbformat.write(nb, str(path))
        return path

    known = {"profile": {"default": '"smoke"'}, "pairs_dir": {"default": '""'}}
    path = nb_with([])
    complete_parameters(path, known, {"profile": "imagenet-vgg16"})
    cell = nbformat.read(str(path), as_version=4).cells[1]
    assert "profile = 'imagenet-vgg16'" in cell.source and 'pairs_dir = ""' in cell.source
    assert "remove-cell" not in cell.metadata["tags"]
    path = nb_with(["remove-input"])  # no visible code: the page shows no parameters either
    complete_parameters(path, known, {"profile": "imagenet-vgg16"})
    assert "remove-cell" in nbformat.read(str(path), as_version=4).cells[1].metadata["tags"]


def test_a_meta_page_has_its_own_notebook_with_its_parameters(tmp_path):
    """Colab opened Fig. 2(a) on Corel and the 544-task baselines page as their source
    notebooks with the defaults (#35): each meta page now has ``notebooks/<page>.ipynb`` with
    the toc's parameters, in sync with ``make notebooks``."""
    import nbformat

    from mrcnn_core.book.build import pages
    from mrcnn_core.book.colab_notebooks import meta_notebook
    from mrcnn_core.book.notebook import notebook_parameters

    metas = [(p, s, x) for p, s, x in pages() if p != s]
    assert {p for p, _, _ in metas} >= {"21_fig2a_corel", "30_full_baselines"}
    for page, src, params in metas:
        committed = nbformat.read(str(NB / f"{page}.ipynb"), as_version=4)
        fresh = meta_notebook(NB / f"{src}.md", page, params)
        assert [c.source for c in committed.cells][1:] == [c.source for c in fresh.cells][1:], \
            f"notebooks/{page}.ipynb is out of sync: run `make notebooks`"
        nbformat.write(committed, str(tmp_path / f"{page}.ipynb"))
        got = notebook_parameters(tmp_path / f"{page}.ipynb")
        assert all(got[k]["default"] == repr(v) for k, v in params.items()), (page, got)
        assert f'page_setup("{page}")' in "".join(c.source for c in committed.cells)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_page_leaves_the_finished_one(tmp_path, monkeypatch, stop):
    """#42 item 2: a page executes into a temporary file; Ctrl-C, a kill or an error mid-run
    leaves the finished page byte-equal and no temporary file behind."""
    import papermill as pm

    src = ROOT / "notebooks" / "00_quickstart.md"
    dst = tmp_path / "00_quickstart.ipynb"
    dst.write_text('{"finished": "page"}')
    before = dst.read_bytes()

    def half_run(inp, out, **kw):
        Path(out).write_text('{"cells": ["half"]}')  # papermill writes as it goes
        raise stop("stopped mid-page")

    monkeypatch.setattr(pm, "execute_notebook", half_run)
    with pytest.raises(stop):
        run_notebook(src, dst)
    assert dst.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["00_quickstart.ipynb"]


def test_a_parameter_of_the_wrong_kind_or_an_unknown_profile_stops_before_anything_runs(tmp_path):
    """#42: `-p compute_tasks two` ended in a raw TypeError from data/tasks.py, and
    `-p profile smok` through papermill gave an empty page that a batch stored ok."""
    import papermill as pm

    from mrcnn_core.book.notebook import as_ipynb, check_injected_parameters

    src = NB / "20_table1.md"
    with pytest.raises(NotebookParameterError, match=r"compute_tasks='two'.*an integer"):
        run_notebook(src, tmp_path / "a.ipynb", {"compute_tasks": "two"})
    with pytest.raises(NotebookParameterError, match=r"profile='smok'.*unknown profile"):
        run_notebook(src, tmp_path / "b.ipynb", {"profile": "smok"})
    with pytest.raises(NotebookParameterError, match=r"compute_tasks=-3"):
        run_notebook(src, tmp_path / "c.ipynb", {"compute_tasks": -3})
    assert not list(tmp_path.iterdir())  # refused before anything ran
    params = 'profile = "imagenet-vgg16"\ncompute_tasks = 0\n'
    with pytest.raises(NotebookParameterError, match="compute_tasks='two'"):
        check_injected_parameters(["", params, "# Parameters\ncompute_tasks = 'two'\n"])
    check_injected_parameters(["", params, "# Parameters\ncompute_tasks = 2\n"])
    with pytest.raises(pm.PapermillExecutionError, match="unknown profile"):
        pm.execute_notebook(str(as_ipynb(NB / "23_fig3.md")), str(tmp_path / "f.ipynb"),
                            parameters={"profile": "smok"}, cwd=str(ROOT), kernel_name="python3",
                            progress_bar=False)
