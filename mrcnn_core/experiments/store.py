"""The results store: one CSV row per run, appended atomically, plus provenance.

Layout of a results folder::

    runs.csv           one row per (dataset, task, method, seed, hyper-parameters);
                       ``trained_with`` names the run whose training a VGG row's model is
                       (VGG trained once per source domain: fit.run_jobs), else empty
    curves.csv         per-step training curves of the runs that keep them
                       (a committed store may hold them as curves.csv.gz)
    provenance.jsonl   one record per sweep invocation (rows point to it by id)
    .lock              held while a sweep writes (a second sweep refuses to start)

Every row is written with a single ``os.write`` on an ``O_APPEND`` file, so a
killed process leaves at most one unterminated line, which the next writer
cuts off (it was never a complete row) and readers ignore.  A malformed
complete line is corruption: it is reported with file and line, and the file
is left untouched.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import warnings
from pathlib import Path
from typing import Iterable

import pandas as pd

from .faults import checkpoint
from ..methods import CNN

RUN_COLUMNS = ("run_key", "dataset", "task_id", "source", "target", "method", "seed",
               "experiment", "variant", "lr", "alpha", "alpha_eff", "alpha_scale", "beta", "k",
               "steps", "select", "accuracy", "epsilon", "status", "error", "wall_time",
               "step_time", "batch_size", "n_source", "n_target", "chosen", "profile",
               "backbone", "weights", "prov_id", "deterministic", "trained_with")
# Headers of earlier versions that are still read (missing columns come back empty;
# rows without ``deterministic`` were made before training was deterministic: "no";
# rows without ``trained_with`` each trained their own model).
LEGACY_RUN_COLUMNS = (RUN_COLUMNS[:-1], RUN_COLUMNS[:-2],
                      tuple(c for c in RUN_COLUMNS[:-2] if c != "backbone"))
CURVE_COLUMNS = ("run_key", "step", "loss", "ce", "omega", "l2", "target_acc")


class StoreError(RuntimeError):
    """The results store is corrupt or locked."""


# Columns that must hold numbers (or be empty / nan) in every complete row.
NUMERIC = {
    RUN_COLUMNS: ("seed", "lr", "alpha", "alpha_eff", "beta", "k", "steps", "accuracy", "epsilon",
                  "wall_time", "step_time", "n_source", "n_target"),
    CURVE_COLUMNS: ("step", "loss", "ce", "omega", "l2", "target_acc"),
}


# Columns that hold ids, names or labels: read as text, never converted to numbers.
TEXT_COLUMNS = ("run_key", "dataset", "task_id", "source", "target", "method", "experiment",
                "variant", "status", "error", "chosen", "profile", "backbone", "weights",
                "prov_id", "deterministic", "trained_with")


def _check_numeric(df: pd.DataFrame, path: Path, cols) -> None:
    """A complete row with a non-number where a number belongs is corruption: name the
    file, line and column (the file is left as it is)."""
    for c in cols:
        if c not in df or pd.api.types.is_numeric_dtype(df[c]):
            continue
        bad = pd.to_numeric(df[c], errors="coerce").isna() & df[c].notna() & (df[c].astype(str) != "")
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise StoreError(f"{path}, line {i + 2}, column {c!r}: {df[c].iloc[i]!r} is not a "
                             "number; the file is corrupt (nothing was changed)")


def run_key(**fields) -> str:
    """Stable id of a run from what defines it (not from what it produced)."""
    canon = json.dumps({k: fields[k] for k in sorted(fields)}, sort_keys=True, default=str)
    return hashlib.sha1(canon.encode()).hexdigest()[:16]


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "nan" if math.isnan(v) else repr(v)
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v, sort_keys=True, default=str)
    return str(v)


def _write_all(path: Path, data: bytes) -> None:
    """Append ``data`` whole, or not at all.

    One ``os.write`` on an ``O_APPEND`` file: a kill leaves whole lines or one partial tail.
    A short write (a full disk) or a write error cuts the file back to its old size and
    raises :class:`StoreError`, so a run is never reported stored while its lines are not."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    size = os.fstat(fd).st_size
    try:
        written = 0
        try:
            written = _os_write(fd, data)
            if written != len(data):
                raise OSError(f"wrote {written} of {len(data)} bytes")
            os.fsync(fd)
        except OSError as e:
            os.ftruncate(fd, size)
            raise StoreError(f"{path}: could not store {len(data)} bytes ({e}; is the disk "
                             "full?); the file is as it was before this write, and the run "
                             "will be made again by the next sweep") from e
    finally:
        os.close(fd)


def _os_write(fd: int, data: bytes) -> int:
    """``os.write`` (a seam for the fault tests: a full disk writes short)."""
    return os.write(fd, data)


class ResultsStore:
    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.runs = self.folder / "runs.csv"
        self.curves = self.folder / "curves.csv"
        self.provenance = self.folder / "provenance.jsonl"
        self._lock = None

    # -- locking -------------------------------------------------------------------------
    def lock(self):
        """Take the store's lock or fail at once naming the other holder's pid."""
        from filelock import FileLock, Timeout

        self.folder.mkdir(parents=True, exist_ok=True)
        lk = FileLock(str(self.folder / ".lock"))
        try:
            lk.acquire(timeout=0)
        except Timeout:
            holder = (self.folder / ".lock.pid").read_text() if (self.folder / ".lock.pid").exists() else "?"
            raise StoreError(f"results store {self.folder} is in use by another sweep "
                             f"(pid {holder.strip()}); wait for it or use another --results") from None
        (self.folder / ".lock.pid").write_text(str(os.getpid()))
        self._lock = lk
        # a kill between a run's curves and its row, even in a new store's very first run
        # (curves written, runs.csv not yet created): those curves go, the run is made again
        self.drop_orphan_curves()
        return self

    def unlock(self):
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self):
        return self.lock()

    def __exit__(self, *exc):
        self.unlock()

    # -- raw line IO -----------------------------------------------------------------------
    def _repair_tail(self, path: Path) -> None:
        """Cut an unterminated last line (a write killed midway)."""
        if not path.exists() or path.stat().st_size == 0:
            return
        with open(path, "rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) == b"\n":
                return
            data = path.read_bytes()
            keep = data.rfind(b"\n") + 1
            warnings.warn(f"{path}: dropping an unterminated last line ({len(data) - keep} "
                          "bytes) left by an interrupted write", RuntimeWarning, stacklevel=3)
            f.truncate(keep)

    def _append(self, path: Path, columns: tuple, rows: Iterable[dict]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._repair_tail(path)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        if not path.exists() or path.stat().st_size == 0:
            w.writerow(columns)
        else:
            with open(path, newline="") as f:
                header = next(csv.reader([f.readline()]), [])
            if tuple(header) != tuple(columns):
                raise StoreError(f"{path} was written by another version of this package "
                                 f"(header {header[:3]}...); it can be read but not extended: "
                                 "write to a new results folder")
        for r in rows:
            unknown = set(r) - set(columns)
            if unknown:
                raise ValueError(f"unknown result fields {sorted(unknown)}")
            w.writerow([_fmt(r.get(c)) for c in columns])
        _write_all(path, buf.getvalue().encode())

    def _read(self, path: Path, columns: tuple) -> pd.DataFrame:
        if not path.exists():
            return pd.DataFrame(columns=list(columns))
        raw = path.read_bytes()
        if path.suffix == ".gz":
            import gzip

            raw = gzip.decompress(raw)
        try:
            text = raw.decode()
        except UnicodeDecodeError as e:  # name the file and line, not only the byte (#42)
            line = raw[:e.start].count(b"\n") + 1
            raise StoreError(f"{path}, line {line}: a byte that is not UTF-8 ({raw[e.start:e.start + 1]!r}); "
                             "the file is corrupt (nothing was changed)") from None
        complete = text if text.endswith("\n") else text[:text.rfind("\n") + 1]
        rows = list(csv.reader(io.StringIO(complete)))
        if not rows:
            return pd.DataFrame(columns=list(columns))
        header = tuple(rows[0])
        legacy = LEGACY_RUN_COLUMNS if columns == RUN_COLUMNS else ()
        if header != tuple(columns) and header not in legacy:
            raise StoreError(f"{path}: header {rows[0][:4]}... does not match this version's "
                             "columns; the file is corrupt or from another version")
        for i, r in enumerate(rows[1:], start=2):
            if len(r) != len(header):
                raise StoreError(f"{path}, line {i}: {len(r)} fields, expected {len(header)}; "
                                 "the file is corrupt (nothing was changed)")
        # ids, names and labels are text whatever they look like: a provenance id of ten hex
        # digits that happens to be all digits, or digits and one "e", is not a number
        df = pd.read_csv(io.StringIO(complete), keep_default_na=False, na_values=["nan", ""],
                         dtype={c: str for c in TEXT_COLUMNS if c in header})
        for c in columns:
            if c not in df:
                df[c] = ""  # a column an older version did not write
        _check_numeric(df, path, NUMERIC.get(columns, ()))
        if columns == RUN_COLUMNS and "deterministic" not in header:
            # Written before the column existed: the CNN methods' training was not
            # deterministic then; the shallow methods' code did not change, but
            # whether a row re-runs to itself was not recorded.
            cnn = df["method"].isin(CNN)
            df["deterministic"] = cnn.map({True: "no", False: "unrecorded"})
        return df[list(columns)]

    # -- public API --------------------------------------------------------------------------
    def load(self) -> pd.DataFrame:
        """All complete rows; raises :class:`StoreError` on corruption."""
        df = self._read(self.runs, RUN_COLUMNS)
        if len(df) and df["run_key"].duplicated().any():
            # a failed run made again after its cause was fixed: the later row supersedes
            # the failed one; two rows of one key where an earlier one is ok is corruption
            later = df["run_key"].duplicated(keep="last")
            bad = later & (df["status"] == "ok")
            if bad.any():
                raise StoreError(f"{self.runs}: run {df.loc[bad, 'run_key'].iloc[0]} is "
                                 "stored twice")
            df = df[~later]
        return df

    def load_curves(self) -> pd.DataFrame:
        """The curves; a committed store may hold them gzipped (``curves.csv.gz``, a
        third of the size), and a sweep that resumes it appends to ``curves.csv``."""
        gz = self.curves.with_name("curves.csv.gz")
        parts = [self._read(p, CURVE_COLUMNS) for p in (gz, self.curves) if p.exists()]
        if not parts:
            return pd.DataFrame(columns=list(CURVE_COLUMNS))
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]

    def done_keys(self) -> set[str]:
        """Keys of the runs stored **ok**: a failed run is made again by the next sweep
        (its new row supersedes the failed one, see :meth:`load`)."""
        df = self.load()
        return set(df.loc[df["status"] == "ok", "run_key"].astype(str))

    def failed_keys(self) -> set[str]:
        df = self.load()
        return set(df.loc[df["status"] != "ok", "run_key"].astype(str))

    def add(self, row: dict, curves: dict | None = None) -> None:
        """Store one run (and its curves first, so a row implies its curves).

        A kill between the two leaves curve rows without a run row: the next
        writer drops them (:meth:`drop_orphan_curves`, when it takes the lock)
        before the run is made again, so no curve is stored twice.
        """
        if curves:
            n = len(next(iter(curves.values())))
            self._append(self.curves, CURVE_COLUMNS,
                         ({"run_key": row["run_key"], "step": s,
                           **{k: float(curves[k][s]) for k in CURVE_COLUMNS[2:] if k in curves}}
                          for s in range(n)))
            checkpoint("store.after_curves")
        self._append(self.runs, RUN_COLUMNS, [row])
        checkpoint("store.after_row")

    def drop_orphan_curves(self) -> int:
        """Remove curve rows whose run has no row (left by a kill between the two writes).

        The file is rewritten to a temporary name and renamed over the old one,
        so a kill here leaves either the old file or the new one.
        """
        if not self.curves.exists() or self.curves.stat().st_size == 0:
            return 0
        self._repair_tail(self.curves)
        self._read(self.curves, CURVE_COLUMNS)  # a malformed complete line is corruption:
        # raise naming it, rather than drop it as an orphan while its run stays stored
        df = self.load()
        keys = set(df.loc[df["status"] == "ok", "run_key"].astype(str))
        lines = self.curves.read_text().splitlines(keepends=True)
        keep = lines[:1] + [ln for ln in lines[1:] if ln.split(",", 1)[0] in keys]
        dropped = len(lines) - len(keep)
        if dropped:
            tmp = self.curves.with_name(f".curves.{os.getpid()}.tmp")
            tmp.write_text("".join(keep))
            os.replace(tmp, self.curves)
            warnings.warn(f"{self.curves}: dropped {dropped} curve rows of runs not stored "
                          "ok (interrupted before their row, or failed): they run again",
                          RuntimeWarning, stacklevel=2)
        return dropped

    def add_provenance(self, record: dict) -> str:
        pid = hashlib.sha1(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:10]
        self.folder.mkdir(parents=True, exist_ok=True)
        self._repair_tail(self.provenance)
        # a complete last line that is not JSON is corruption, not an interrupted write:
        # appending after it would bury it mid-file (#42); say so and change nothing
        lines = self.provenance.read_text().splitlines() if self.provenance.exists() else []
        if lines and lines[-1].strip():
            try:
                json.loads(lines[-1])
            except json.JSONDecodeError as e:
                raise StoreError(f"{self.provenance}, line {len(lines)}: not JSON ({e}); the "
                                 "file is corrupt (nothing was changed)") from None
        line = json.dumps({"prov_id": pid, **record}, sort_keys=True, default=str) + "\n"
        _write_all(self.provenance, line.encode())
        checkpoint("store.after_provenance")
        return pid

    def load_provenance(self) -> list[dict]:
        if not self.provenance.exists():
            return []
        out = []
        for i, line in enumerate(self.provenance.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                if i == len(self.provenance.read_text().splitlines()):
                    continue  # an interrupted last line
                raise StoreError(f"{self.provenance}, line {i}: not JSON ({e})") from e
        return out


def one_store(records: list[dict], new: dict, allow_mixed: str = "") -> str:
    """Why ``new`` (a sweep's provenance record) may not extend a store whose records are
    ``records``: '' when it may.  One data set per store, always (rows of two data hashes
    would be averaged as seeds of one run); one commit and one code digest per store unless
    ``allow_mixed`` gives the reason (it is recorded in the provenance)."""
    same = [r for r in records if r.get("dataset") == new.get("dataset")]
    hashes = sorted({str(r.get("data_hash")) for r in same if r.get("data_hash")})
    if hashes and str(new.get("data_hash")) not in hashes:
        return (f"the store holds {new.get('dataset')} rows of data {', '.join(hashes)}, this "
                f"sweep reads data {new.get('data_hash')} ({new.get('data_source')}): rows of two "
                "data sets would be averaged as one; write to a new store (--results)")
    if allow_mixed:
        return ""
    commits = sorted({str(r.get("git_commit")) for r in records if r.get("git_commit")})
    if commits and str(new.get("git_commit")) not in commits:
        return (f"the store was made by commit {', '.join(c[:7] + ('+dirty' if c.endswith('+dirty') else '') for c in commits)}, "
                f"this sweep runs {str(new.get('git_commit'))[:7]}"
                f"{'+dirty' if str(new.get('git_commit')).endswith('+dirty') else ''}: one store "
                "holds one commit's runs; write to a new store (--results), or pass "
                "--mixed-store REASON (recorded in the provenance)")
    digests = sorted({str(r.get("code_digest")) for r in records if r.get("code_digest")})
    if digests and str(new.get("code_digest")) not in digests:
        return (f"the code changed since this store's runs (code digest {', '.join(digests)} "
                f"there, {new.get('code_digest')} here, commit {str(new.get('git_commit'))[:7]}"
                "+dirty): stored rows would not be re-made and new ones would come from other "
                "code; commit and write to a new store (--results), or pass --mixed-store REASON")
    return ""


def store_folders(*folders) -> list[Path]:
    """Each folder that is a store, or holds stores one level down (results/<profile>/<part>)."""
    out = []
    for f in folders:
        if f is None:
            continue
        f = Path(f)
        if (f / "runs.csv").exists():
            out.append(f)
        out += sorted(p.parent for p in f.glob("*/runs.csv"))
    return out
