"""`verify` re-runs stored runs and says how they compare; the store's determinism column."""
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from mrcnn_core.experiments import ResultsStore, sweep
from test_sweep import small


def _verify(res, *args, backend="tensorflow"):
    """The CLI; the stores here are written in-process (TensorFlow), so verify runs it too."""
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    if backend:
        env["KERAS_BACKEND"] = backend
    out = subprocess.run([sys.executable, "-m", "mrcnn_core", "verify", str(res), *args],
                         capture_output=True, text=True, timeout=600, env=env)
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
    return out.returncode, lines, out.stderr


def test_verify_reruns_exactly_and_flags_a_changed_number(tmp_path, corel_env):  # noqa: F811
    prof, res = small(tmp_path, methods=("lr", "vgg", "mrcnn")), tmp_path / "res"
    sweep(prof, dataset="corel", results=res, progress=False)
    df = ResultsStore(res).load()
    assert set(df["deterministic"]) == {"yes"}
    rc, lines, err = _verify(res, "--runs", "6")
    assert rc == 0, err
    assert len(lines) == 6 and {x["match"] for x in lines} == {"exact"}, lines
    # with no backend chosen, the command line trains with JAX (the faster one on a CPU)
    rc, lines, _ = _verify(res, "--runs", "1", "--methods", "lr", backend=None)
    assert rc == 0 and lines[0]["here"].startswith("jax /") and lines[0]["match"] == "exact"
    # a stored number that the code does not reproduce fails the check
    text = (res / "runs.csv").read_text().splitlines()
    row = text[1].split(",")
    i = text[0].split(",").index("accuracy")
    row[i] = str(round(1.0 - float(row[i]), 6) if float(row[i]) != 0.5 else 0.1)
    (res / "runs.csv").write_text("\n".join([text[0], ",".join(row)] + text[2:]) + "\n")
    rc, lines, _ = _verify(res, "--runs", "6")
    assert rc == 1 and [x["match"] for x in lines].count("differs") == 1
    # a run recorded on another device is re-run and reported, never failed
    prov = (res / "provenance.jsonl").read_text().replace('"device": "cpu', '"device": "gpu:X')
    (res / "provenance.jsonl").write_text(prov)
    rc, lines, _ = _verify(res, "--runs", "6", "--methods", "vgg,mrcnn")
    assert rc == 0 and {x["match"] for x in lines} == {"other-device"}
    assert all("diff" in x and "new" in x for x in lines)


def test_verify_finds_runs_made_with_seeds_and_methods_beyond_the_profile(tmp_path, corel_env):  # noqa: F811
    """Battery 2, defect 6: a run made with --seeds 3 (the profile plans seed 0) said
    'not-planned', exit 0; it is planned again with its own seed and method and re-run."""
    prof, res = small(tmp_path, methods=("lr",)), tmp_path / "res"
    sweep(prof, dataset="corel", results=res, progress=False, seeds=[3], n_tasks=1)
    rc, lines, err = _verify(res, "--runs", "1")
    assert rc == 0, err
    assert lines[0]["seed"] == 3 and lines[0]["match"] == "exact", lines


def test_verify_bad_input_is_one_line(tmp_path):
    rc, lines, err = _verify(tmp_path / "nothing")
    assert rc == 2 and not lines and err.startswith("error: no results store")


def test_rows_without_the_column_read_as_not_deterministic(tmp_path):
    from mrcnn_core.experiments.store import RUN_COLUMNS

    old = [c for c in RUN_COLUMNS if c not in ("deterministic", "trained_with")]
    rows = [dict.fromkeys(old, "") | {"run_key": k, "method": m, "accuracy": "0.5",
                                       "status": "ok", "seed": "0"}
            for k, m in (("a", "mrcnn"), ("b", "lr"))]
    (tmp_path / "runs.csv").write_text(pd.DataFrame(rows)[old].to_csv(index=False))
    df = ResultsStore(tmp_path).load()
    assert df.set_index("run_key")["deterministic"].to_dict() == {"a": "no", "b": "unrecorded"}
    with pytest.raises(Exception, match="another version"):  # read, never extended
        ResultsStore(tmp_path).add({"run_key": "c"})


def test_loader_prefers_the_deterministic_rerun_and_adds_the_paper_point(tmp_path, capsys):
    from mrcnn_core.analysis import load_runs
    from mrcnn_core.experiments.store import RUN_COLUMNS

    def row(**kw):
        base = dict.fromkeys(RUN_COLUMNS, "")
        base.update(dataset="cifar100", method="mrcnn", status="ok", experiment="main",
                    variant="paper", seed=0, k=3, alpha=1e-5, beta=0.01, lr=0.003, steps=200,
                    profile="p", weights="w")
        base.update(kw)
        return base

    old = [row(run_key="k1", task_id="t1", accuracy=0.235, deterministic="no")]
    new = [row(run_key="k1", task_id="t1", accuracy=0.505, deterministic="yes"),
           row(run_key="s1", task_id="t1", experiment="sensitivity", variant="vary:k", k=1,
               accuracy=0.6, deterministic="yes")]
    for name, rows in (("a_old", old), ("b_new", new)):
        (tmp_path / name).mkdir()
        for r in rows:
            ResultsStore(tmp_path / name)._append(ResultsStore(tmp_path / name).runs, RUN_COLUMNS, [r])
    main = load_runs(tmp_path, experiment="main")
    assert main["accuracy"].tolist() == [0.505]  # the re-run, not the first store's row
    assert main.attrs["replaced"] == 1  # and the banner says so
    from mrcnn_core.analysis import determinism_line

    assert "1 runs are stored twice" in determinism_line(main)
    sens = load_runs(tmp_path, experiment="sensitivity")
    # the study's paper point is the main grid's run, shown under the study's name
    assert sorted(sens["variant"]) == ["base", "vary:k"]
    assert sens.set_index("variant").loc["base", "accuracy"] == 0.505


def test_verify_picks_runs_of_the_variants_asked_for(tmp_path, corel_env):  # noqa: F811
    """The re-run recipe checks Fig. 3's paper point (variant 'paper'); an unknown variant is
    one line naming it."""
    prof, res = small(tmp_path, methods=("lr",)), tmp_path / "res"
    sweep(prof, dataset="corel", results=res, progress=False, n_tasks=2)
    rc, lines, err = _verify(res, "--runs", "2", "--variants", "paper")
    assert rc == 0, err
    assert len(lines) == 2 and {x["variant"] for x in lines} == {"paper"}, lines
    rc, lines, err = _verify(res, "--variants", "vary:nothing")
    assert rc == 2 and not lines and "variants ['vary:nothing']" in err


def test_the_cpu_is_named_by_generation_not_only_by_its_masked_name():
    """Two VMs both named "AMD EPYC" re-ran Corel MRCNN runs to other accuracies (session 10):
    provenance names the family, model and widest vector ISA, and verify calls a store whose
    CPU is recorded by name only another device (it cannot know it was this one)."""
    from mrcnn_core.experiments.provenance import cpu_model
    from mrcnn_core.studies.verify import _same_env

    info = ("processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
            "model name\t: AMD EPYC\nflags\t\t: fpu sse4_2 avx avx2 avx512f avx512bw\n\n"
            "processor\t: 1\nmodel name\t: something else\n")
    assert cpu_model(info) == "AMD EPYC (family 25, model 17, avx512)"
    assert cpu_model("model name\t: Intel Xeon\nflags\t: sse4_2 avx avx2\n") == "Intel Xeon (avx2)"
    here = {"backend": "jax", "device": "cpu:cpu", "cpu": cpu_model(info),
            "matmul_precision": "default"}
    same = {"backend": "jax", "device": "cpu:cpu", "cpu": cpu_model(info)}
    assert _same_env(same, here) and not _same_env({**same, "cpu": "AMD EPYC"}, here)


def test_verify_names_other_data_and_other_code(tmp_path, corel_env, monkeypatch):
    """#42 item 3: verify said 'not-planned' for a run of other data (the run key holds the
    data's hash) and 'differs' (a failure) for a run another commit made."""
    import scipy.io

    prof, res = small(tmp_path, methods=("lr",)), tmp_path / "res"
    sweep(prof, dataset="corel", results=res, progress=False, n_tasks=1)
    # another commit made it, and the number here is not the stored one: other-code, rc 0
    prov = (res / "provenance.jsonl").read_text()
    commit = json.loads(prov.splitlines()[-1])["git_commit"]
    (res / "provenance.jsonl").write_text(prov.replace(commit, "f" * 40))
    text = (res / "runs.csv").read_text().splitlines()
    i = text[0].split(",").index("accuracy")
    row = text[1].split(",")
    row[i] = "0.01"
    (res / "runs.csv").write_text("\n".join([text[0], ",".join(row)] + text[2:]) + "\n")
    rc, lines, err = _verify(res, "--runs", "1")
    assert rc == 0 and lines[0]["match"] == "other-code", (lines, err)
    assert "made by commit ffffffffffff" in lines[0]["note"]
    # other data here (one value of the Corel file changed): other-data, named
    m = scipy.io.loadmat(next(p for p in (__import__("pathlib").Path(os.environ["MRCNN_DATA_DIR"])
                                           / "corel").glob("corel.mat")))
    m["data"][0, 0] += 1e-3
    other = tmp_path / "other" / "corel" / "corel.mat"
    other.parent.mkdir(parents=True)
    scipy.io.savemat(other, {"data": m["data"], "offset": m["offset"]})
    monkeypatch.setenv("MRCNN_DATA_DIR", str(other.parent.parent))
    rc, lines, err = _verify(res, "--runs", "1")
    assert rc == 0 and lines[0]["match"] == "other-data", (lines, err)
    assert "is not the data the run was made on" in lines[0]["note"]


def test_a_tasks_store_of_a_sampled_profile_is_its_sample_and_verifies(tmp_path, corel_env):  # noqa: F811
    """#42: ``--tasks N`` on a profile that samples its tasks ran the first N of *all* tasks
    (outside the sample), which ``verify`` could not plan again ('not-planned').  ``--tasks N``
    is the first N of the profile's own tasks, so the store verifies."""
    from mrcnn_core.experiments import load_profile, plan, profile_context
    from test_sweep import write_profile

    prof = write_profile(tmp_path, main={"corel": {"tasks": {"random": 3, "seed": 0},
                                                   "methods": ["lr"], "seeds": [0]}})
    res = tmp_path / "res"
    sweep(prof, dataset="corel", results=res, progress=False, n_tasks=2)
    p = load_profile(prof)
    sample = [s.task.id for s in plan(p, "main", "corel", profile_context(p, "corel"))]
    stored = list(ResultsStore(res).load()["task_id"])
    assert stored == sample[:2], (stored, sample)
    rc, lines, err = _verify(res, "--runs", "2")
    assert rc == 0 and [x["match"] for x in lines] == ["exact", "exact"], (lines, err)
