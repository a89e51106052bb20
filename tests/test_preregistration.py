"""The pre-registered plan is frozen: checked on this repository and on tiny ones."""
import json
import zlib
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mrcnn_core.studies import heldout as H
from mrcnn_core.studies import prereg

ROOT = Path(__file__).resolve().parents[1]


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def commit(repo, msg):
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", msg)
    return git(repo, "rev-parse", "HEAD")


def write(repo, path, text):
    p = Path(repo) / path
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def store(repo, name, commit_id):
    write(repo, f"{prereg.STORES}/{name}/provenance.jsonl",
          json.dumps({"git_commit": commit_id, "profile": "heldout-vgg16"}) + "\n")


@pytest.fixture
def repo(tmp_path):
    """code, then the plan and profile in a commit of their own."""
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@t")
    git(tmp_path, "config", "user.name", "t")
    write(tmp_path, "code.py", "x = 1\n")
    commit(tmp_path, "code")
    write(tmp_path, prereg.PLAN, "# plan\nH1: MRCNN beats VGG\n")
    write(tmp_path, prereg.PROFILE, "name: heldout-vgg16\n")
    return tmp_path, commit(tmp_path, "plan")


def test_runs_after_an_unchanged_plan_pass(repo):
    r, pc = repo
    write(r, "code.py", "x = 2\n")
    run_at = commit(r, "more code")
    store(r, "cpu", run_at)
    commit(r, "store")
    assert prereg.violations(r) == []


def test_editing_the_plan_before_a_run_fails(repo):
    r, pc = repo
    write(r, prereg.PLAN, "# plan\nH1: MRCNN beats VGG by 3 pp\n")
    run_at = commit(r, "edit the plan")
    store(r, "cpu", run_at)
    commit(r, "store")
    v = prereg.violations(r)
    assert any("differs from the plan's commit" in x for x in v)
    assert any("has changed since the plan's commit" in x for x in v)


def test_editing_the_plan_after_the_runs_fails(repo):
    r, pc = repo
    store(r, "cpu", pc)
    commit(r, "store")
    assert prereg.violations(r) == []
    write(r, prereg.PROFILE, "name: heldout-vgg16\nseeds: [0]\n")  # the work tree alone
    assert any("has changed" in x for x in prereg.violations(r))
    commit(r, "edit the profile after the runs")
    assert any("has changed" in x for x in prereg.violations(r))


def test_runs_before_the_plan_or_dirty_fail(tmp_path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@t")
    git(tmp_path, "config", "user.name", "t")
    write(tmp_path, "code.py", "x = 1\n")
    early = commit(tmp_path, "code")
    store(tmp_path, "early", early)  # a held-out run before there was any plan
    commit(tmp_path, "store first")
    write(tmp_path, prereg.PLAN, "# plan\n")
    write(tmp_path, prereg.PROFILE, "name: heldout-vgg16\n")
    pc = commit(tmp_path, "plan")
    store(tmp_path, "dirty", pc + "+dirty")
    commit(tmp_path, "a dirty store")
    v = prereg.violations(tmp_path)
    assert any("does not descend" in x for x in v)
    assert any("not after the plan" in x for x in v)
    assert any("dirty" in x for x in v)


def test_a_plan_commit_with_other_files_fails(tmp_path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@t")
    git(tmp_path, "config", "user.name", "t")
    write(tmp_path, prereg.PLAN, "# plan\n")
    write(tmp_path, prereg.PROFILE, "name: heldout-vgg16\n")
    write(tmp_path, "code.py", "x = 1\n")
    commit(tmp_path, "plan with code")
    assert any("not exactly" in x for x in prereg.violations(tmp_path))


def test_this_repository_keeps_its_plan():
    """The real history: the plan's commit holds only the plan and the profile, and every
    held-out run (once any exists) was made after it, with both unchanged."""
    if (ROOT / ".git" / "shallow").exists():
        pytest.fail("a shallow clone cannot show the plan's history: clone with full history")
    assert prereg.plan_commit(ROOT) is not None
    assert prereg.violations(ROOT) == []


def _synthetic_runs(gain: float, n_pairs: int = 3, seeds=(0, 1, 2)) -> pd.DataFrame:
    """Runs on the planned sample of made-up pairs: MRCNN = VGG + gain (pp), with noise."""
    rng = np.random.default_rng(0)
    rows = []
    for p in range(n_pairs):
        pos = [f"p{p}a{i}" for i in range(5)]
        neg = [f"p{p}b{i}" for i in range(5)]
        pair = f"P{p}/N{p}"
        for ps in pos:
            for pt in pos:
                for ns in neg:
                    for nt in neg:
                        if ps == pt or ns == nt:
                            continue
                        tid, tgt = f"{ps}+{ns}->{pt}+{nt}", f"{pt}+{nt}"
                        eps = 0.05 + 0.01 * (zlib.crc32(tgt.encode()) % 10)
                        base = {"variant": pair, "task_id": tid, "source": f"{ps}+{ns}",
                                "target": tgt, "status": "ok", "epsilon": eps}
                        for m, extra in (("lr", 0.0), ("tsvm", 0.01)):
                            rows.append({**base, "method": m, "seed": 0,
                                         "accuracy": 0.6 + extra + rng.normal(0, 0.02)})
                        for s in seeds:
                            v = 0.7 + rng.normal(0, 0.03)
                            rows.append({**base, "method": "vgg", "seed": s, "accuracy": v})
                            rows.append({**base, "method": "mrcnn", "seed": s,
                                         "accuracy": v + gain / 100 + rng.normal(0, 0.02)})
    return pd.DataFrame(rows)


def test_analysis_on_the_planned_sample():
    """The analysis reads only the planned 50 tasks per pair, and its words follow the
    effect: a clear gain is supported, none is inconclusive; pending until complete."""
    runs = _synthetic_runs(gain=3.0)
    pairs = [(f"P{p}", f"N{p}") for p in range(3)]
    sample = H.planned_sample(runs, pairs)
    assert all(len(v) == 50 for v in sample.values())
    res = H.analyse(runs, pairs, n_boot=2000)
    h1, h2, h3 = res
    assert (h1.tasks, h1.domains, h1.runs, h1.planned_runs) == (150, 75, 900, 900)
    assert h1.complete and h1.verdict == "supported" and h1.estimate == pytest.approx(3.0, abs=0.5)
    assert h2.planned_runs == 300 and h2.verdict == "supported"
    none = H.analyse(_synthetic_runs(gain=0.0), pairs, n_boot=2000)[0]
    assert none.verdict in ("inconclusive", "negligible")
    part = H.analyse(_synthetic_runs(gain=3.0, seeds=(0,)), pairs, n_boot=2000)[0]
    assert not part.complete and part.runs == 300
    table = H.results_table([part, h2, h3])
    assert table.loc[0, "verdict"] == "pending"  # no verdict word before the sample is complete


def test_front_page_rows_say_pending_until_complete():
    from mrcnn_core.studies import findings as F

    def real_pairs(runs):
        names = {f"P{p}/N{p}": H.pair_name(*H.PAIRS[p]) for p in range(3)}
        return runs.assign(variant=runs["variant"].map(names))

    rows = F.heldout_rows(real_pairs(_synthetic_runs(gain=3.0)))
    assert [r["verdict"] for r in rows[:2]] == ["supported", "supported"]
    assert all(r["page"] == "29_heldout" and "pre-registered" in r["claim"] for r in rows)
    part = F.heldout_rows(real_pairs(_synthetic_runs(gain=3.0, seeds=(0,))))
    assert part[0]["verdict"] == "pending" and part[0]["coverage"] == "300 of 900 planned runs"
