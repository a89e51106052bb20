"""The papermill grid driver on a local Dask cluster."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat as nbf
import pytest
import yaml

from mrcnn_core.book.batch import GridError, _Store, expand, load_grid, point_name, run_batch
from mrcnn_core.book.notebook import NotebookParameterError

ROOT = Path(__file__).resolve().parents[1]


def tiny_notebook(path: Path) -> Path:
    nb = nbf.v4.new_notebook()
    p = nbf.v4.new_code_cell("x = 1\ny = 'a'\nkill_once = ''")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbf.v4.new_code_cell(
        "import os, signal, time\n"
        "from pathlib import Path\n"
        "if kill_once and not Path(kill_once).exists():\n"
        "    Path(kill_once).write_text('killed')\n"
        "    os.kill(os.getppid(), signal.SIGKILL)  # the worker running this point dies\n"
        "    time.sleep(30)\n"
        "from mrcnn_core.book.notebook import record\n"
        "record(x=x, y=y, pid=os.getpid())\n"
        "if x == 'boom':\n"
        "    raise ValueError('this point fails')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbf.write(nb, path)
    return path


def write_grid(path: Path, grid, fixed=None) -> Path:
    path.write_text(yaml.safe_dump({"grid": grid, "fixed": fixed or {}}))
    return path


def test_expand_and_names(tmp_path):
    g, f = load_grid(write_grid(tmp_path / "g.yaml", {"x": [1, 2], "y": ["a", "b c"]}, {"z": 0}))
    pts = expand(g, f)
    assert len(pts) == 4 and all(p["z"] == 0 for p in pts)
    assert point_name(pts[-1], ["x", "y"]) == "x=2_y=b-c"
    with pytest.raises(GridError, match="non-empty list"):
        load_grid(write_grid(tmp_path / "b.yaml", {"x": 3}))


def test_four_points_on_two_workers(tmp_path):
    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    grid = write_grid(tmp_path / "g.yaml", {"x": [1, 2], "y": ["a", "b"]})
    out = tmp_path / "out"
    s = run_batch(nb, grid, out, workers=2, progress=False)
    assert (s["points"], s["done"], s["failed"]) == (4, 4, 0)
    pts = _Store(out).points()
    assert len(pts) == 4 and pts["name"].is_unique
    for _, r in pts.iterrows():
        rec = json.loads(r["records"])
        params = json.loads(r["params"])
        assert (rec["x"], rec["y"]) == (params["x"], params["y"])  # injected as asked
        assert (out / f"{r['name']}.ipynb").exists()
    again = run_batch(nb, grid, out, workers=2, progress=False)
    assert (again["skipped"], again["done"]) == (4, 0)


def test_unknown_parameter_rejected_before_anything_runs(tmp_path):
    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    grid = write_grid(tmp_path / "g.yaml", {"x": [1], "zeta": [2]})
    with pytest.raises(NotebookParameterError, match="zeta"):
        run_batch(nb, grid, tmp_path / "out", workers=1, progress=False)
    assert not (tmp_path / "out" / "points.csv").exists()


def test_failing_point_recorded_and_batch_goes_on(tmp_path):
    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    grid = write_grid(tmp_path / "g.yaml", {"x": [1, "boom"]})
    s = run_batch(nb, grid, tmp_path / "out", workers=1, progress=False)
    assert (s["done"], s["failed"]) == (1, 1)
    pts = _Store(tmp_path / "out").points()
    assert "this point fails" in pts.loc[pts["status"] == "failed", "error"].iloc[0]
    out = subprocess.run([sys.executable, "-m", "mrcnn_core", "batch", str(nb), "--grid",
                          str(grid), "--out", str(tmp_path / "out")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 1 and "skipped 1" in out.stdout  # exit status = failed points


# A worker killed mid-point: tests/test_faults.py (batch.after_notebook).


def test_batch_over_tls(tmp_path):
    pytest.importorskip("cryptography")
    from dask.distributed import Security

    nb = tiny_notebook(tmp_path / "t.ipynb")
    s = run_batch(nb, write_grid(tmp_path / "g.yaml", {"x": [1]}), tmp_path / "out",
                  workers=1, progress=False, security=Security.temporary())
    assert (s["done"], s["failed"]) == (1, 0)
