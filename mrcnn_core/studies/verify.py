"""``python -m mrcnn_core verify RESULTS_DIR``: re-run stored runs here and compare.

A reader checks a number of the book in minutes: a random sample of stored
runs is planned again from its profile (the same run key, so the same task,
seed and hyper-parameters), trained on this machine, and compared with the
stored accuracy.  One JSON line per run, ``match`` being

* ``exact``: the same accuracy, bit for bit;
* ``close``: within one target sample (1 / n_target);
* ``differs``: further apart;
* ``other-device``: the stored run was made on another backend, device (CPU
  model included, where recorded) or matmul precision; it is re-run all the
  same and the difference reported, so that a CPU reader sees how far a GPU
  number moves;
* ``other-data``: the data here is not the data the run was made on (the run key holds the
  data's hash, so such a run is named, not re-run);
* ``other-code``: made by another commit (or edited code under one commit) and not equal
  here: reported, not a failure (a code change may change a number).

The exit status is 1 when a run made on this backend and device, by the
deterministic code, is neither exact nor close.  Rows made before training was
deterministic (``deterministic = no``) are re-run and reported but cannot fail:
they were never reproducible (the book's "How much one run tells").
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis import load_provenance, store_folders
from ..experiments.store import ResultsStore, StoreError
from ..experiments.provenance import code_digest, git_commit
from ..methods import CNN


def _current_env() -> dict:
    from ..experiments.provenance import cpu_model
    from ..experiments.executor import matmul_precision
    from ..method import backend as B

    return {"backend": B.name(), "device": B.device(), "cpu": cpu_model(),
            "matmul_precision": matmul_precision()}


def _same_env(prov: dict, here: dict, method: str = "mrcnn") -> bool:
    if method not in CNN:  # the shallow methods run in numpy / scikit-learn on the CPU
        return str(prov.get("device", "cpu")).startswith("cpu") and here["device"].startswith("cpu")
    if prov.get("backend") != here["backend"] or prov.get("device") != here["device"]:
        return False
    if here["device"].startswith("cpu"):
        # oneDNN and XLA choose kernels by instruction set: another CPU model may round differently
        return prov.get("cpu") in (None, here["cpu"])
    return prov.get("matmul_precision") == here["matmul_precision"]


def _other_code(prov: dict) -> bool:
    """Was the run made by other code than this: another commit, or (under one commit) a
    dirty tree whose code digest differs?"""
    here_commit, here_digest = git_commit(), code_digest()
    made = str(prov.get("git_commit", ""))
    if not made or made == "unknown":
        return False
    if made.split("+")[0] != here_commit.split("+")[0]:
        return True
    return bool(prov.get("code_digest")) and prov["code_digest"] != here_digest


def load_rows(results: str | Path) -> pd.DataFrame:
    folders = store_folders(results)
    if not folders:
        raise StoreError(f"no results store (runs.csv) in {results} or one level below it")
    frames = []
    for f in folders:
        df = ResultsStore(f).load()
        frames.append(df.assign(store=str(f)))
    df = pd.concat(frames, ignore_index=True)
    return df[df["status"] == "ok"].reset_index(drop=True)


def _profile(name: str, prov: dict):
    """The run's profile: shipped under its name, else the file its provenance names."""
    from ..experiments import ProfileError, load_profile

    try:
        return load_profile(name)
    except ProfileError:
        path = prov.get("profile_path")
        if path and Path(path).is_file():
            return load_profile(path)
        raise ProfileError(f"profile {name!r} of run {prov.get('prov_id', '?')} is neither shipped "
                           f"nor at {path!r}") from None


def _spec_for(row: pd.Series, cache: dict, prov: dict):
    """The run's spec, planned again from its profile (same key), and its context."""
    from ..experiments import plan
    from ..experiments.sweep_status import profile_context

    pairs = row["experiment"] == "pairs"  # the cross-pair study has data and tasks of its own
    # the context the run was planned in, as its row says: a shallow run of a profile with
    # CNN methods was planned with the backbone (context.needs_cnn), one of a shallow-only
    # profile on pixels ("n/a (pixels)"); Corel's features need neither
    cnn = row["method"] in CNN or not str(row.get("weights", "")).startswith("n/a")
    pkey = (row["profile"], row["dataset"], cnn, pairs)
    if pkey not in cache:
        prof = _profile(str(row["profile"]), prov)
        ctx = profile_context(prof, row["dataset"], cnn=cnn, experiment=row["experiment"])
        cache[pkey] = (prof, ctx, {})
    prof, ctx, planned = cache[pkey]
    # planned with the row's own method and seed, as a sweep with --methods / --seeds did:
    # a run made with a seed or method beyond the profile's list is found too (#36)
    skey = (str(row["method"]), int(row["seed"]))
    if skey not in planned:
        specs = {}
        for exp in [e for e in prof.data["experiments"] if (e == "pairs") == pairs]:
            try:
                for sp in plan(prof, exp, row["dataset"], ctx, methods=[skey[0]],
                               seeds=[skey[1]]):
                    specs[sp.key] = sp
            except Exception:  # an experiment that does not run on this dataset
                continue
        planned[skey] = specs
    return prof, ctx, planned[skey].get(str(row["run_key"]))


def verify(results: str | Path, runs: int = 3, seed: int = 0, methods=None,
           out=sys.stdout, variants=None) -> int:
    """Re-run ``runs`` stored runs drawn with ``seed`` (of ``methods`` and ``variants``, if
    given: e.g. ``paper``, Fig. 3's paper point); print JSON lines; return the exit status."""
    df = load_rows(results)
    if methods:
        df = df[df["method"].isin(methods)]
    if variants:
        df = df[df["variant"].astype(str).isin(variants)]
    if df.empty:
        what = ", ".join(f"{k} {v}" for k, v in (("methods", methods), ("variants", variants)) if v)
        raise StoreError(f"no finished runs in {results}" + (f" for {what}" if what else ""))
    if runs < 1:
        raise ValueError(f"--runs must be >= 1, got {runs}")
    pick = np.random.default_rng(seed).choice(len(df), size=min(runs, len(df)), replace=False)
    prov = {p["prov_id"]: p for p in load_provenance(*store_folders(results))}
    here = _current_env()
    cache: dict = {}
    failed = 0
    for i in sorted(pick):
        row = df.iloc[i]
        p = prov.get(row["prov_id"], {})
        line = {"run_key": row["run_key"], "store": row["store"], "task": row["task_id"],
                "method": row["method"], "seed": int(row["seed"]),
                "experiment": row["experiment"], "variant": row["variant"],
                "stored": float(row["accuracy"]), "stored_on": f"{p.get('backend')} / {p.get('device')}",
                "stored_deterministic": row["deterministic"], "here": f"{here['backend']} / {here['device']}"}
        line.update(_rerun(row, p, here, cache))
        if line["match"] == "differs" and row["deterministic"] != "no":
            failed += 1
        print(json.dumps(line), file=out, flush=True)
    return 1 if failed else 0


def _rerun(row: pd.Series, p: dict, here: dict, cache: dict) -> dict:
    """Re-run one stored row here: its ``match`` (exact, close, other-device, other-data,
    other-code, not-planned, differs), the new accuracy and the difference."""
    from ..experiments.sweep_status import execute

    prof, ctx, spec = _spec_for(row, cache, p)
    if spec is None and p.get("data_hash") not in (None, ctx.dataset.content_hash):
        # the run key holds the data's hash: other data plan other keys, so say that
        return dict(match="other-data",
                    note=f"the data here ({ctx.dataset.content_hash}, {ctx.dataset.source}) "
                         f"is not the data the run was made on ({p.get('data_hash')}): "
                         "get that data (python -m mrcnn_core fetch) to re-run it")
    if spec is None:
        return dict(match="not-planned", note="the profile no longer plans this run key")
    got: dict = {}
    execute([spec], prof, ctx, "", lambda s, r, c: got.update(r), batch_size=1)
    new = float(got["accuracy"])
    diff = new - float(row["accuracy"])
    out = {}
    if p.get("data_hash") not in (None, ctx.dataset.content_hash):
        match = "other-data"
    elif not _same_env(p, here, row["method"]):
        match = "other-device"
    elif new == float(row["accuracy"]):
        match = "exact"
    elif abs(diff) <= 1.0 / int(row["n_target"]) + 1e-12:
        match = "close"
    elif _other_code(p):
        match = "other-code"  # made by another commit or edited code: not a failure here
        out["note"] = (f"made by commit {str(p.get('git_commit'))[:12]} (code "
                       f"{p.get('code_digest', '?')}); this code is {git_commit()[:12]} "
                       f"({code_digest()})")
    else:
        match = "differs"
    return dict(out, new=new, diff=diff, match=match, wall_s=round(float(got["wall_time"]), 1))
