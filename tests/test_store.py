import hashlib

import pytest

from mrcnn_core.experiments.store import ResultsStore, StoreError, run_key


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
