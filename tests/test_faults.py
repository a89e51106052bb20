"""Fault injection: bad files, bad profiles and grids, unreachable schedulers, wrong paths,
and kills at each write point of the store and of the batch runner.

The rule checked for every user error: the command exits non-zero and stderr is one
line that names the bad value or path, with no traceback.  For every kill: after a
resume, each run (and curve) row is stored exactly once and equals an uninterrupted run.
Grow this file when a new fault is found: one case per fault.
"""
import json
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import write_cifar, write_corel
from mrcnn_core.__main__ import main
from mrcnn_core.experiments import ResultsStore, StoreError
from mrcnn_core.experiments.store import RUN_COLUMNS
from mrcnn_core.experiments.faults import POINTS

ROOT = Path(__file__).resolve().parents[1]
CASES = []  # (name) of every case below, counted in the closing test


def one_line_error(capsys, argv, *needles, code=2):
    """Run the CLI in this process; assert the exit code and one stderr line naming needles."""
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == code, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for n in needles:
        assert str(n) in lines[0], (n, lines[0])
    return lines[0]


def profile_file(tmp_path, data, name="p") -> str:
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return str(p)


def corel_profile(tmp_path, **main):
    spec = {"tasks": 2, "methods": ["vgg", "mrcnn"], "seeds": [0], "steps": 5, **main}
    return profile_file(tmp_path, {"name": "f", "experiments": {"main": {"corel": spec}},
                                   "options": {"curves_tasks": 2}})


@pytest.fixture
def corel_dir(tmp_path, monkeypatch):
    d = tmp_path / "data"
    write_corel(d / "corel" / "corel.mat")
    monkeypatch.setenv("MRCNN_DATA_DIR", str(d))
    return d


# -- data files ---------------------------------------------------------------------------

def test_corel_file_garbage(tmp_path, capsys, corel_dir):
    (corel_dir / "corel" / "corel.mat").write_bytes(b"not a mat file" * 10)
    one_line_error(capsys, ["sweep", "--profile", corel_profile(tmp_path), "--dataset", "corel",
                            "--results", str(tmp_path / "r")], "corel.mat")
    assert not (tmp_path / "r" / "runs.csv").exists()


def test_corel_file_truncated(tmp_path, capsys, corel_dir):
    f = corel_dir / "corel" / "corel.mat"
    f.write_bytes(f.read_bytes()[:5000])
    one_line_error(capsys, ["sweep", "--profile", corel_profile(tmp_path), "--dataset", "corel",
                            "--results", str(tmp_path / "r")], "corel.mat")


def test_corel_offsets_with_an_empty_subcategory(tmp_path, capsys, corel_dir):
    """Defect 3: offsets that empty a subcategory gave one-class domains stored as ok."""
    import scipy.io

    f = corel_dir / "corel" / "corel.mat"
    m = scipy.io.loadmat(f)
    off = m["offset"].ravel().copy()
    off[2] = off[1]  # flower3 is now empty
    scipy.io.savemat(f, {"data": m["data"], "offset": off[None]})
    one_line_error(capsys, ["sweep", "--profile", corel_profile(tmp_path), "--dataset", "corel",
                            "--results", str(tmp_path / "r")], "offset", "flower3")
    assert not (tmp_path / "r" / "runs.csv").exists()


@pytest.mark.parametrize("change,needles", [
    ("nan", ("NaN or infinite", "feature 3 of image 5")),   # battery 2, defect 7
    ("shape", ("1 features per image", "256")),             # battery 2, defect 12
])
def test_corel_file_with_nan_or_the_wrong_shape(tmp_path, capsys, corel_dir, change, needles):
    """A damaged Corel file is named at load time, not after every run failed (NaN) or as a
    plausible store of a 1-feature data set (wrong shape)."""
    import scipy.io

    f = corel_dir / "corel" / "corel.mat"
    m = scipy.io.loadmat(f)
    data = m["data"].copy()
    if change == "nan":
        data[2, 4] = np.nan
    else:
        data = data[:1]
    scipy.io.savemat(f, {"data": data, "offset": m["offset"]})
    one_line_error(capsys, ["sweep", "--profile", corel_profile(tmp_path), "--dataset", "corel",
                            "--results", str(tmp_path / "r")], "corel.mat", *needles)
    assert not (tmp_path / "r" / "runs.csv").exists()


def test_task_with_a_one_class_domain_is_refused():
    from mrcnn_core.data import DataError, Dataset, make_tasks

    x = np.zeros((6, 2), np.float32)
    ds = Dataset(name="d", x=x, classes=np.array([0, 0, 1, 2, 2, 2]),
                 class_names=("a", "b", "c", "d"), groups={"p": ("a", "b"), "n": ("c", "d")},
                 kind="features", content_hash="h", source="mem")  # class d has no images
    with pytest.raises(DataError, match="has no images of d"):
        make_tasks(ds, "p", "n")


def test_cifar_meta_truncated(tmp_path, capsys, monkeypatch):
    d = write_cifar(tmp_path / "data")
    (d / "meta").write_bytes((d / "meta").read_bytes()[:40])
    monkeypatch.setenv("MRCNN_DATA_DIR", str(tmp_path / "data"))
    from mrcnn_core.data import DataError, load_cifar100

    with pytest.raises(DataError, match="meta"):
        load_cifar100(tmp_path / "data", download=False)


def test_cifar_test_split_garbage(tmp_path):
    d = write_cifar(tmp_path / "data")
    (d / "test").write_bytes(b"\x00garbage" * 100)
    from mrcnn_core.data import DataError, load_cifar100

    with pytest.raises(DataError, match="test"):
        load_cifar100(tmp_path / "data", download=False)


def test_cifar_label_beyond_meta(tmp_path):
    """Defect 7: a fine label index beyond the names in meta gave an IndexError."""
    d = write_cifar(tmp_path / "data", with_train=False)
    with open(d / "test", "rb") as f:
        obj = pickle.load(f, encoding="bytes")
    obj[b"fine_labels"][3] = 250
    with open(d / "test", "wb") as f:
        pickle.dump(obj, f, protocol=2)
    from mrcnn_core.data import DataError, load_cifar100

    with pytest.raises(DataError, match="fine label 250 is outside the 100 fine label names"):
        load_cifar100(tmp_path / "data", download=False)


def test_weights_file_garbage(tmp_path):
    from mrcnn_core.method.features import WeightsUnavailable, resolve_weights

    f = tmp_path / "w.weights.h5"
    f.write_bytes(b"garbage")
    with pytest.raises(WeightsUnavailable, match="sha256"):
        resolve_weights(str(f), "0" * 64)  # a pinned file whose bytes differ


# -- profiles -----------------------------------------------------------------------------

@pytest.mark.parametrize("data,needle", [
    ({"name": "x", "experiments": None}, "experiments must be a non-empty mapping"),
    ({"name": "x", "experiments": {"main": {"corel": None}}}, "main.corel must be a mapping"),
    ({"name": "x", "experiments": {"main": {"corel": {"seeds": [0, 0]}}}}, "seed(s) [0]"),
    ({"name": "x", "experiments": {"main": {"corel": {"tasks": ["a", "a"]}}}}, "task(s) ['a']"),
    ("name: [unclosed", "p.yaml"),
    # battery 2, defect 4: wrong-typed values end in a clear error, not "a bug in mrcnn_core"
    ({"name": "x", "experiments": {"main": {"corel": {"methods": None}}}}, "methods is empty"),
    ({"name": "x", "experiments": {"main": {"corel": {}}}, "options": None}, "options is empty"),
    ({"name": "x", "experiments": {"sensitivity": {"dataset": "corel", "vary": None}}},
     "vary is empty"),
    ({"name": "x", "experiments": {"ablation": {"variants": []}}}, "variants is empty"),
    ({"name": 123, "experiments": {"main": {"corel": {}}}}, "name must be a text"),
    ({"name": "x", "experiments": {"main": {"corel": {"tasks": {"random": 2, "seed": "abc"}}}}},
     "tasks.seed must be an integer"),
    # defect 8: YAML booleans are not integers
    ({"name": "x", "experiments": {"main": {"corel": {"seeds": [True]}}}}, "seeds must be"),
    ({"name": "x", "experiments": {"main": {"corel": {"cnn_overrides": {"k": True}}}}},
     "is not an integer"),
    # defect 10: a bad option names the option
    ({"name": "x", "experiments": {"main": {"corel": {}}}, "options": {"curves_tasks": "many"}},
     "options.curves_tasks"),
])
def test_bad_profile(tmp_path, capsys, data, needle):
    one_line_error(capsys, ["sweep", "--profile", profile_file(tmp_path, data), "--dataset",
                            "corel", "--results", str(tmp_path / "r")], needle)


@pytest.mark.parametrize("value", ["0", "-2", "x"])
def test_batch_size_below_one_is_refused(tmp_path, capsys, corel_dir, value):
    """Battery 2, defect 9: --batch-size -2 ran with 1 and 0 with auto."""
    with pytest.raises(SystemExit) as e:
        main(["sweep", "--profile", corel_profile(tmp_path), "--dataset", "corel",
              "--batch-size", value, "--results", str(tmp_path / "r")])
    assert e.value.code == 2
    assert "--batch-size" in capsys.readouterr().err and not (tmp_path / "r").exists()


def test_duplicate_seeds_on_the_command_line(tmp_path, capsys, corel_dir):
    """Defect 6: --seeds 0,0 crashed the planner with 'duplicate runs'."""
    one_line_error(capsys, ["sweep", "--profile", corel_profile(tmp_path), "--dataset", "corel",
                            "--seeds", "0,0", "--results", str(tmp_path / "r")], "--seeds", "[0]")


def test_k_too_large_for_a_corel_domain(tmp_path, capsys, corel_dir):
    """Defect 7: k >= a Corel target domain in the main grid failed only when training."""
    prof = corel_profile(tmp_path, cnn_overrides={"k": 400})
    one_line_error(capsys, ["sweep", "--profile", prof, "--dataset", "corel",
                            "--results", str(tmp_path / "r")], "k=400", "target domain size")
    assert not (tmp_path / "r" / "runs.csv").exists()


# -- paths ----------------------------------------------------------------------------------

def test_results_path_is_a_file(tmp_path, capsys, corel_dir):
    f = tmp_path / "file"
    f.write_text("x")
    one_line_error(capsys, ["sweep", "--profile", corel_profile(tmp_path), "--dataset", "corel",
                            "--results", str(f)], str(f))


def test_results_path_under_a_file(tmp_path, capsys, corel_dir):
    f = tmp_path / "file"
    f.write_text("x")
    one_line_error(capsys, ["sweep", "--profile", corel_profile(tmp_path), "--dataset", "corel",
                            "--results", str(f / "sub")], str(f))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root writes into read-only folders: the case cannot be made as root")
def test_results_path_read_only(tmp_path, capsys, corel_dir):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    one_line_error(capsys, ["sweep", "--profile", corel_profile(tmp_path), "--dataset", "corel",
                            "--results", str(ro / "r")], str(ro))


def test_store_with_a_non_numeric_accuracy(tmp_path, capsys):
    """Defect 5: a complete row with accuracy 'abc' was accepted, and failed later."""
    st = ResultsStore(tmp_path / "r")
    row = dict.fromkeys(RUN_COLUMNS, "")
    row.update(run_key="k1", dataset="corel", method="lr", seed=0, accuracy=0.5, status="ok")
    st._append(st.runs, RUN_COLUMNS, [row, {**row, "run_key": "k2", "accuracy": "abc"}])
    with pytest.raises(StoreError, match=r"runs.csv, line 3, column 'accuracy': 'abc'"):
        st.load()
    one_line_error(capsys, ["verify", str(tmp_path / "r")], "line 3", "accuracy")


def test_curves_with_a_non_numeric_value(tmp_path):
    st = ResultsStore(tmp_path)
    st.curves.write_text("run_key,step,loss,ce,omega,l2,target_acc\nk,0,1.0,x,0,0,0.5\n")
    with pytest.raises(StoreError, match="line 2, column 'ce'"):
        st.load_curves()


# -- grids, notebooks and the batch runner -----------------------------------------------------

def tiny_notebook(path: Path) -> Path:
    import nbformat as nbf

    nb = nbf.v4.new_notebook()
    p = nbf.v4.new_code_cell("x = 1\nsteps = 5")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbf.v4.new_code_cell(
        "from mrcnn_core.book.notebook import record\nrecord(x=x, steps=steps)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbf.write(nb, path)
    return path


@pytest.mark.parametrize("text,needle", [
    ("grid: [unclosed", "line"),
    ("grid: [1, 2]", "'grid' must be a mapping"),
    ("grid: {x: [1]}\nfixed: 3", "'fixed' must be a mapping"),
    ("grid: {x: 3}", "non-empty list"),
    ("- just\n- a list", "expected a mapping"),
    ("grid: {}", "grid is empty"),   # battery 2, defect 11: one default point ran as a batch
    ("", "grid is empty"),
])
def test_bad_grid_file(tmp_path, capsys, text, needle):
    g = tmp_path / "g.yaml"
    g.write_text(text)
    one_line_error(capsys, ["batch", str(tiny_notebook(tmp_path / "n.ipynb")), "--grid", str(g),
                            "--out", str(tmp_path / "o")], needle, "g.yaml")


def test_missing_notebook(tmp_path, capsys):
    g = tmp_path / "g.yaml"
    g.write_text("grid: {x: [1]}")
    one_line_error(capsys, ["batch", str(tmp_path / "none.ipynb"), "--grid", str(g), "--out",
                            str(tmp_path / "o")], "none.ipynb")


@pytest.mark.parametrize("flag,value", [("--workers", "0"), ("--workers", "-2"), ("--retries", "-1")])
def test_batch_rejects_bad_counts_at_once(tmp_path, capsys, flag, value):
    """Defect 2: --workers 0 hung forever."""
    g = tmp_path / "g.yaml"
    g.write_text("grid: {x: [1]}")
    one_line_error(capsys, ["batch", str(tiny_notebook(tmp_path / "n.ipynb")), "--grid", str(g),
                            "--out", str(tmp_path / "o"), flag, value], flag, value)


def test_unreachable_scheduler(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MRCNN_DASK_CONNECT_TIMEOUT", "2")
    g = tmp_path / "g.yaml"
    g.write_text("grid: {x: [1]}")
    one_line_error(capsys, ["batch", str(tiny_notebook(tmp_path / "n.ipynb")), "--grid", str(g),
                            "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"],
                   "cannot reach the Dask scheduler 'tcp://127.0.0.1:9'")


def test_garbage_tls_files(tmp_path, capsys):
    pytest.importorskip("cryptography")
    bad = tmp_path / "bad.pem"
    bad.write_text("garbage")
    g = tmp_path / "g.yaml"
    g.write_text("grid: {x: [1]}")
    one_line_error(capsys, ["batch", str(tiny_notebook(tmp_path / "n.ipynb")), "--grid", str(g),
                            "--out", str(tmp_path / "o"), "--tls-ca-file", str(bad),
                            "--tls-cert", str(bad), "--tls-key", str(bad)], "bad.pem")


def test_batch_refuses_stale_points(tmp_path, capsys):
    """Defect 1: a changed fixed value or notebook reused the old point's result."""
    from mrcnn_core.book.batch import _Store, run_batch

    nb = tiny_notebook(tmp_path / "n.ipynb")
    g = tmp_path / "g.yaml"
    g.write_text("grid: {x: [1, 2]}\nfixed: {steps: 5}")
    out = tmp_path / "o"
    assert run_batch(nb, g, out, workers=1, progress=False)["done"] == 2
    assert run_batch(nb, g, out, workers=1, progress=False)["skipped"] == 2  # same: skipped
    g.write_text("grid: {x: [1, 2]}\nfixed: {steps: 300}")
    one_line_error(capsys, ["batch", str(nb), "--grid", str(g), "--out", str(out)],
                   "x=1 (steps: 5 -> 300)", "new --out")
    g.write_text("grid: {x: [1, 2]}\nfixed: {steps: 5}")
    import nbformat

    book = nbformat.read(nb, as_version=4)
    book.cells[1].source += "\nrecord(changed=1)"
    nbformat.write(book, nb)
    one_line_error(capsys, ["batch", str(nb), "--grid", str(g), "--out", str(out)],
                   "the notebook's cells changed")
    assert len(_Store(out).points()) == 2  # nothing was written by the refused runs


# -- the book and the CLI's rule -----------------------------------------------------------------

def test_book_only_unknown_page(capsys):
    one_line_error(capsys, ["book", "--profile", "smoke", "--only", "nosuchpage", "--no-build"],
                   "nosuchpage", "20_table1")


def test_a_page_on_a_corrupt_store_names_the_store_not_a_bug(tmp_path):
    """Battery 2, defect 5: a StoreError inside a page came out as papermill's execution
    error (54 lines, 'a bug in mrcnn_core'); it is now one line naming the page and store."""
    import nbformat

    from mrcnn_core.__main__ import is_user_error
    from mrcnn_core.book.notebook import PageInputError, run_notebook

    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('profile = "smoke"')
    p.metadata["tags"] = ["parameters"]
    boom = nbformat.v4.new_code_cell(
        "from mrcnn_core.experiments import StoreError\n"
        "raise StoreError('results/x/runs.csv, line 3: 2 fields, expected 32')")
    nb.cells = [p, boom]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    src = tmp_path / "20_page.ipynb"
    nbformat.write(nb, str(src))
    with pytest.raises(PageInputError, match=r"20_page: StoreError: results/x/runs.csv, line 3") as e:
        run_notebook(src, tmp_path / "out.ipynb", {"profile": "smoke"}, cwd=tmp_path)
    assert is_user_error(e.value)


def test_book_outside_a_checkout(tmp_path):
    from mrcnn_core.book.build import find_root

    with pytest.raises(FileNotFoundError, match="no book checkout"):
        find_root(tmp_path, package_tree=tmp_path)


def test_a_bug_of_ours_says_so(capsys, monkeypatch):
    import mrcnn_core.commands.cli as M

    def boom(a):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(M, "_dispatch", boom)
    assert main(["verify", "x"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "This is a bug in mrcnn_core" in err
    with pytest.raises(TypeError):
        main(["--debug", "verify", "x"])


# -- kills at each write point ------------------------------------------------------------------

def sweep_cmd(prof, res):
    return [sys.executable, "-m", "mrcnn_core", "sweep", "--profile", prof, "--dataset", "corel",
            "--results", str(res), "--no-progress"]


def run(cmd, env=None):
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                       env={**os.environ, **(env or {})}, start_new_session=True)
    return p


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One uninterrupted sweep (2 tasks x VGG, MRCNN; curves kept for both tasks)."""
    tmp = tmp_path_factory.mktemp("ref")
    data = tmp / "data"
    write_corel(data / "corel" / "corel.mat")
    env = {"MRCNN_DATA_DIR": str(data), "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow")}
    prof = corel_profile(tmp)
    p = run(sweep_cmd(prof, tmp / "ref"), env)
    assert p.returncode == 0, p.stderr[-2000:]
    st = ResultsStore(tmp / "ref")
    return dict(env=env, prof=prof, runs=st.load(), curves=st.load_curves())


def same_as_reference(res: Path, ref: dict):
    st = ResultsStore(res)
    runs, curves = st.load(), st.load_curves()
    assert runs["run_key"].is_unique and len(runs) == len(ref["runs"]) == 4
    assert not curves.duplicated(["run_key", "step"]).any()
    assert len(curves) == len(ref["curves"])
    a = runs.set_index("run_key")["accuracy"].sort_index()
    b = ref["runs"].set_index("run_key")["accuracy"].sort_index()
    pd.testing.assert_series_equal(a, b)
    cols = ["run_key", "step", "loss", "ce", "omega", "l2", "target_acc"]
    pd.testing.assert_frame_equal(curves[cols].sort_values(["run_key", "step"]).reset_index(drop=True),
                                  ref["curves"][cols].sort_values(["run_key", "step"]).reset_index(drop=True))


@pytest.mark.parametrize("point,after", [("store.after_curves", 2), ("store.after_row", 1),
                                         ("store.after_provenance", 1)])
def test_kill_at_a_store_write_point_then_resume(tmp_path, reference, point, after):
    """Defect 4 (store.after_curves): the run's curves were stored twice after a resume."""
    res = tmp_path / "res"
    killed = run(sweep_cmd(reference["prof"], res),
                 {**reference["env"], "MRCNN_FAULT_KILL_AT": point, "MRCNN_FAULT_KILL_AFTER": str(after)})
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    resumed = run(sweep_cmd(reference["prof"], res), reference["env"])
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    same_as_reference(res, reference)


@pytest.mark.parametrize("point", ["batch.before_row", "batch.after_notebook"])
def test_kill_at_a_batch_write_point_then_resume(tmp_path, point):
    nb = tiny_notebook(tmp_path / "n.ipynb")
    g = tmp_path / "g.yaml"
    g.write_text("grid: {x: [1]}")
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "mrcnn_core", "batch", str(nb), "--grid", str(g), "--out", str(out)]
    env = {"MRCNN_FAULT_KILL_AT": point, "MRCNN_FAULT_ONCE": str(tmp_path / "once")}
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, **env}, start_new_session=True)
    _, err = first.communicate(timeout=600)
    try:  # the killed driver's local Dask processes (its own process group)
        os.killpg(first.pid, signal.SIGKILL)
    except OSError:
        pass
    if point == "batch.before_row":  # the driver dies: the point's row is not stored
        assert first.returncode == -signal.SIGKILL, err[-2000:]
        again = run(cmd)
        assert again.returncode == 0, again.stderr[-2000:]
    else:  # a worker dies after writing a notebook: Dask runs the point again
        assert first.returncode == 0, err[-2000:]
    assert (tmp_path / "once").exists(), "the fault fired"
    from mrcnn_core.book.batch import _Store

    pts = _Store(out).points()
    assert len(pts) == 1 and (pts["status"] == "ok").all()  # stored once, after the fault
    assert json.loads(pts["records"].iloc[0])["x"] == 1


def test_every_fault_point_is_exercised():
    """Each named hook is used by a kill test above (a new hook needs its case)."""
    text = Path(__file__).read_text()
    assert all(f'"{p}"' in text for p in POINTS)


def test_ctrl_c_while_tensorflow_starts_is_one_line(tmp_path):
    """#42: Ctrl-C during the TensorFlow import (the package's first seconds) printed a
    35-line traceback; the command line says it in one line and exits 130.  (A TensorFlow
    whose import is interrupted stands in for the key press.)"""
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise KeyboardInterrupt\n")
    env = {**os.environ, "KERAS_BACKEND": "tensorflow",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    env.pop("MRCNN_TF_LOGS", None)
    p = subprocess.run([sys.executable, "-m", "mrcnn_core", "methods", "--names"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 130, p.stderr[-2000:]
    assert p.stderr.strip().splitlines() == [
        "interrupted (while TensorFlow was starting; nothing was done)"]
