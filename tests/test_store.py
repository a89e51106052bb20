import hashlib

import pytest

from mrcnn_core.experiments.store import CURVE_COLUMNS, ResultsStore, StoreError, run_key


def row(key, acc=0.5):
    return {"run_key": key, "dataset": "corel", "task_id": "a+b->c+d", "method": "lr",
            "seed": 0, "accuracy": acc, "status": "ok", "chosen": {"C": 1.0}}


def test_roundtrip_and_keys(tmp_path):
    s = ResultsStore(tmp_path)
    s.add(row("k1", 0.25), curves={"loss": [3.0, 2.0], "ce": [1.0, 0.5]})
    s.add(row("k2", 0.75))
    df = s.load()
    assert df["run_key"].tolist() == ["k1", "k2"]
    assert df["accuracy"].tolist() == [0.25, 0.75]
    assert s.load_curves()["loss"].tolist() == [3.0, 2.0]
    assert run_key(a=1, b="x") == run_key(b="x", a=1) != run_key(a=2, b="x")


def test_partial_last_line_is_ignored_then_repaired(tmp_path):
    s = ResultsStore(tmp_path)
    s.add(row("k1"))
    with open(s.runs, "a") as f:
        f.write("k2,corel,half-writ")  # a write killed midway
    assert s.load()["run_key"].tolist() == ["k1"]
    with pytest.warns(RuntimeWarning, match="unterminated"):
        s.add(row("k3"))
    assert s.load()["run_key"].tolist() == ["k1", "k3"]
    assert "half-writ" not in s.runs.read_text()


def test_corrupt_line_is_reported_and_nothing_changes(tmp_path):
    s = ResultsStore(tmp_path)
    s.add(row("k1"))
    s.add(row("k2"))
    lines = s.runs.read_text().splitlines(keepends=True)
    lines[1] = "garbage,with,too,few,fields\n"
    s.runs.write_text("".join(lines))
    before = hashlib.sha256(s.runs.read_bytes()).hexdigest()
    with pytest.raises(StoreError, match=r"runs.csv, line 2"):
        s.load()
    assert hashlib.sha256(s.runs.read_bytes()).hexdigest() == before


def test_wrong_header_and_duplicates(tmp_path):
    s = ResultsStore(tmp_path)
    s.runs.parent.mkdir(exist_ok=True)
    s.runs.write_text("not,a,results,file\n")
    with pytest.raises(StoreError, match="header"):
        s.load()
    s.runs.unlink()
    s.add(row("k1"))
    s.add(row("k1"))
    with pytest.raises(StoreError, match="stored twice"):
        s.load()


def test_lock_refuses_a_second_writer(tmp_path):
    a, b = ResultsStore(tmp_path), ResultsStore(tmp_path)
    with a:
        with pytest.raises(StoreError, match="in use by another sweep"):
            b.lock()
    with b:  # released: now it works
        pass


def test_provenance_roundtrip(tmp_path):
    s = ResultsStore(tmp_path)
    pid = s.add_provenance({"git_commit": "abc", "backend": "tensorflow"})
    assert s.load_provenance()[0]["prov_id"] == pid


def test_gzipped_curves_are_read_with_new_ones(tmp_path):
    """A committed store keeps its curves gzipped; a resumed sweep appends to curves.csv
    and both are read."""
    import gzip

    s = ResultsStore(tmp_path / "s")
    with s:
        s.add({**row("a"), "run_key": "a"}, {"loss": [1.0, 0.5], "ce": [0.7, 0.6]})
    plain = s.curves.read_bytes()
    s.curves.with_name("curves.csv.gz").write_bytes(gzip.compress(plain))
    s.curves.unlink()
    assert list(s.load_curves()["loss"]) == [1.0, 0.5]
    with s:
        s.add({**row("b"), "run_key": "b"}, {"loss": [2.0], "ce": [0.1]})
    c = s.load_curves()
    assert list(c["run_key"]) == ["a", "a", "b"] and list(c["loss"]) == [1.0, 0.5, 2.0]


def test_full_disk_stores_nothing_and_says_so(tmp_path, monkeypatch):
    """A short write (a full disk) must not leave a partial row behind while the sweep
    reports success: the file is cut back and the error names it."""
    from mrcnn_core.experiments import store as St

    s = ResultsStore(tmp_path)
    s.add(row("k1"), curves={"loss": [3.0, 2.0]})
    before_runs, before_curves = s.runs.read_bytes(), s.curves.read_bytes()
    monkeypatch.setattr(St, "_os_write", lambda fd, data: St.os.write(fd, data[:len(data) // 2]))
    with pytest.raises(StoreError, match="disk full"):
        s.add(row("k2"), curves={"loss": [1.0, 0.5]})
    assert s.curves.read_bytes() == before_curves and s.runs.read_bytes() == before_runs
    monkeypatch.undo()
    s.add(row("k2"), curves={"loss": [1.0, 0.5]})  # space again: the run is stored whole
    assert s.load()["run_key"].tolist() == ["k1", "k2"]
    assert len(s.load_curves()) == 4


def test_a_corrupt_curves_line_is_reported_not_dropped(tmp_path):
    s = ResultsStore(tmp_path)
    s.add(row("k1"), curves={"loss": [3.0, 2.0]})
    text = s.curves.read_text().replace("k1,1,", "k1,1,2.0,extra,", 1)
    s.curves.write_text(text)
    with pytest.raises(StoreError, match="line 3"):
        s.lock()
    s.unlock()
    assert s.curves.read_text() == text  # nothing deleted


def test_a_failed_run_is_made_again_and_supersedes_its_row(tmp_path):
    s = ResultsStore(tmp_path)
    s.add({**row("k1"), "status": "failed", "accuracy": float("nan"), "error": "E: x"},
          curves={"loss": [9.0]})
    assert s.done_keys() == set() and s.failed_keys() == {"k1"}
    with s:  # taking the lock drops the failed run's curves (it runs again)
        pass
    assert s.load_curves().empty
    s.add(row("k1", 0.8), curves={"loss": [1.0]})
    df = s.load()
    assert df["status"].tolist() == ["ok"] and df["accuracy"].tolist() == [0.8]
    assert s.done_keys() == {"k1"} and s.failed_keys() == set()
    s.add(row("k1", 0.9))  # a second ok row of one key is corruption
    with pytest.raises(StoreError, match="stored twice"):
        s.load()


def test_a_kill_in_a_new_stores_first_run_leaves_no_duplicate_curves(tmp_path):
    """Curves written, then killed before runs.csv existed: the resume drops them."""
    s = ResultsStore(tmp_path)
    s._append(s.curves, CURVE_COLUMNS, [{"run_key": "k1", "step": 0, "loss": 1.0}])
    assert not s.runs.exists()
    with pytest.warns(RuntimeWarning, match="dropped 1 curve rows"):
        s.lock()
    s.unlock()
    s.add(row("k1"), curves={"loss": [1.0]})
    assert len(s.load_curves()) == 1



def test_provenance_counts_untracked_package_files_as_dirty(tmp_path):
    """A run made with an uncommitted new module is not from a clean commit (#36)."""
    import subprocess

    from mrcnn_core.experiments.provenance import git_commit

    def git(*a):
        subprocess.run(["git", "-C", str(tmp_path), *a], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@t")
    git("config", "user.name", "t")
    (tmp_path / "mrcnn_core").mkdir()
    (tmp_path / "mrcnn_core" / "a.py").write_text("x = 1\n")
    git("add", "-A")
    git("commit", "-qm", "c")
    assert not git_commit(tmp_path).endswith("+dirty")
    (tmp_path / "notes.txt").write_text("not code\n")  # untracked outside the package: clean
    assert not git_commit(tmp_path).endswith("+dirty")
    (tmp_path / "mrcnn_core" / "coral.py").write_text("y = 2\n")
    assert git_commit(tmp_path).endswith("+dirty")


@pytest.mark.parametrize("pid", ["0123456789", "12e4567890", "1e10000000", "00000000e0"])
def test_text_columns_stay_text_whatever_the_hash(tmp_path, pid):
    """CI failure of 2026-12-05: a provenance id that is all digits (or digits with one 'e')
    was read back as a number, so verify could not find the run's provenance. Ids and names
    are text: they come back exactly as written."""
    s = ResultsStore(tmp_path)
    r = row("0000000000000e12") | {"prov_id": pid, "profile": "1", "variant": "007",
                                    "source": "10", "target": "1e3", "weights": "none"}
    s.add(r)
    back = s.load().iloc[0]
    for c in ("run_key", "prov_id", "profile", "variant", "source", "target", "weights"):
        assert back[c] == r[c], (c, back[c])
    assert back["seed"] == 0 and back["accuracy"] == 0.5  # numbers stay numbers


def test_a_store_holds_one_data_set_and_one_commit(tmp_path, corel_env, monkeypatch):
    """#42 item 1: a sweep refuses, in one line naming both, to append rows of other data,
    another commit or other code to a store; --mixed-store REASON lets commits mix (said)."""
    import scipy.io

    from mrcnn_core.experiments import ProfileError, sweep
    from tests.test_sweep import small

    prof = small(tmp_path, steps=3, methods=("lr",), tasks=2)
    monkeypatch.setenv("MRCNN_GIT_COMMIT", "a" * 40)
    res = tmp_path / "r"
    sweep(prof, dataset="corel", n_tasks=1, results=res, progress=False)
    # another commit: refused, naming both
    monkeypatch.setenv("MRCNN_GIT_COMMIT", "b" * 40)
    with pytest.raises(ProfileError, match="made by commit aaaaaaa.*runs bbbbbbb"):
        sweep(prof, dataset="corel", n_tasks=2, results=res, progress=False)
    n = len(ResultsStore(res).load())
    # ... unless the reason is given, and then it is recorded
    sweep(prof, dataset="corel", n_tasks=2, results=res, progress=False, allow_mixed="test")
    assert len(ResultsStore(res).load()) > n
    assert ResultsStore(res).load_provenance()[-1]["mixed_store"] == "test"
    # other data (one value of the Corel file changed): refused whatever the flag
    import os
    from pathlib import Path

    src = Path(os.environ["MRCNN_DATA_DIR"]) / "corel" / "corel.mat"
    other = tmp_path / "other" / "corel" / "corel.mat"
    other.parent.mkdir(parents=True)
    m = scipy.io.loadmat(src)
    m["data"][0, 0] += 1e-3
    scipy.io.savemat(other, {"data": m["data"], "offset": m["offset"]})
    monkeypatch.setenv("MRCNN_DATA_DIR", str(other.parent.parent))
    monkeypatch.setenv("MRCNN_GIT_COMMIT", "a" * 40)
    before = (res / "runs.csv").read_bytes()
    with pytest.raises(ProfileError, match="rows of two data sets"):
        sweep(prof, dataset="corel", n_tasks=2, results=res, progress=False, allow_mixed="x")
    assert (res / "runs.csv").read_bytes() == before


def test_a_code_change_under_one_commit_is_refused(tmp_path, corel_env, monkeypatch):
    """#42: a method's code edited after a sweep (a dirty tree, same commit): the next sweep
    into the store stops with one line instead of mixing old and new rows."""
    from mrcnn_core.experiments import ProfileError, sweep
    from mrcnn_core.experiments import provenance as P
    from tests.test_sweep import small

    prof = small(tmp_path, steps=3, methods=("lr",), tasks=2)
    monkeypatch.setenv("MRCNN_GIT_COMMIT", "c" * 40 + "+dirty")
    res = tmp_path / "r"
    sweep(prof, dataset="corel", n_tasks=1, results=res, progress=False)
    monkeypatch.setattr(P, "code_digest", lambda root=None: "0edited0")
    with pytest.raises(ProfileError, match="the code changed since this store's runs"):
        sweep(prof, dataset="corel", n_tasks=2, results=res, progress=False)


def test_readers_never_average_two_versions_of_the_data(tmp_path):
    import json

    from mrcnn_core.analysis import load_runs
    from mrcnn_core.experiments.store import RUN_COLUMNS

    for name, h in (("a", "1111"), ("b", "2222")):
        st = ResultsStore(tmp_path / name)
        st._append(st.runs, RUN_COLUMNS, [dict.fromkeys(RUN_COLUMNS, "") | {
            "run_key": f"k{name}", "dataset": "corel", "experiment": "main", "method": "lr",
            "seed": 0, "accuracy": 0.5, "status": "ok", "prov_id": f"p{name}"}])
        (tmp_path / name / "provenance.jsonl").write_text(json.dumps(
            {"prov_id": f"p{name}", "dataset": "corel", "data_hash": h}) + "\n")
    assert len(load_runs(tmp_path / "a", experiment="main")) == 1
    with pytest.raises(StoreError, match="2 versions of the data.*1111 in .*2222 in"):
        load_runs(tmp_path, experiment="main")


def test_corrupt_bytes_and_provenance_lines_are_named_and_left_alone(tmp_path, monkeypatch):
    """#42 item 11: a non-UTF-8 byte named no file or line; a corrupt complete provenance line
    was appended after (buried mid-file); a missing data folder said 'set MRCNN_DATA_DIR'."""
    from mrcnn_core.data.tasks import DataError
    from mrcnn_core.data.where import data_dir
    from mrcnn_core.experiments.store import RUN_COLUMNS

    st = ResultsStore(tmp_path / "s")
    st._append(st.runs, RUN_COLUMNS, [dict.fromkeys(RUN_COLUMNS, "") | {"run_key": "k"}])
    with open(st.runs, "ab") as f:
        f.write(b"k2,\xff\n")
    with pytest.raises(StoreError, match=r"runs.csv, line 3: a byte that is not UTF-8"):
        st.load()
    st.provenance.write_text('{"prov_id": "a"}\n{not json}\n')
    before = st.provenance.read_bytes()
    with pytest.raises(StoreError, match=r"provenance.jsonl, line 2: not JSON"):
        st.add_provenance({"x": 1})
    assert st.provenance.read_bytes() == before
    monkeypatch.setenv("MRCNN_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match=r"MRCNN_DATA_DIR=.*nowhere is not a folder"):
        data_dir()


def test_sigterm_mid_sweep_is_said(tmp_path, corel_env):
    """SIGTERM exited 143 with no message: now one line that says what is kept."""
    import signal
    import subprocess
    import sys
    import time

    from tests.test_sweep import small

    prof = small(tmp_path, steps=400, methods=("vgg",), tasks=6)
    p = subprocess.Popen([sys.executable, "-m", "mrcnn_core", "sweep", "--profile", prof,
                          "--dataset", "corel", "--results", str(tmp_path / "r"), "--no-progress"],
                         stderr=subprocess.PIPE, text=True)
    prov = tmp_path / "r" / "provenance.jsonl"
    for _ in range(600):  # until the sweep runs (its provenance is written after the imports)
        if prov.exists() or p.poll() is not None:
            break
        time.sleep(0.2)
    time.sleep(1)
    p.send_signal(signal.SIGTERM)
    err = p.communicate(timeout=120)[1]
    assert p.returncode == 143 and "terminated (the finished runs are stored" in err, err[-500:]


def test_rows_of_an_unregistered_method_are_said_not_dropped_silently(tmp_path):
    from mrcnn_core.analysis import load_runs, provenance_banner
    from mrcnn_core.experiments.store import RUN_COLUMNS

    st = ResultsStore(tmp_path / "s")
    rows = [dict.fromkeys(RUN_COLUMNS, "") | {"run_key": k, "dataset": "corel",
                                               "experiment": "main", "method": m, "seed": 0,
                                               "accuracy": 0.5, "status": "ok", "task_id": "t",
                                               "profile": "p"}
            for k, m in (("a", "lr"), ("b", "xyz"))]
    st._append(st.runs, RUN_COLUMNS, rows)
    text = provenance_banner(load_runs(tmp_path / "s", experiment="main"), [tmp_path / "s"])
    assert "1 stored runs of method(s) ['xyz'] that the registry does not hold" in text
