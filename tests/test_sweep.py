"""The sweep runner: planning, resuming, failures, faults and bad input."""
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from mrcnn_core.experiments import ProfileError, ResultsStore, StoreError, load_profile, sweep

ROOT = Path(__file__).resolve().parents[1]


def write_profile(tmp_path, main=None, sens=None, options=None, name="t"):
    data = {"name": name, "experiments": {}}
    if main is not None:
        data["experiments"]["main"] = main
    if sens is not None:
        data["experiments"]["sensitivity"] = sens
    if options:
        data["options"] = options
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(data))
    return str(p)


def small(tmp_path, steps=5, methods=("lr", "vgg", "mrcnn"), tasks=2):
    return write_profile(tmp_path, main={"corel": {"tasks": tasks, "methods": list(methods),
                                                   "seeds": [0], "steps": steps}},
                         options={"curves_tasks": 1})


def test_shipped_profiles_are_valid():
    for name in ("smoke", "paper", "imagenet-vgg16", "imagenet-vgg19", "baselines"):
        p = load_profile(name)
        assert p.name == name and "main" in p.data["experiments"]


def test_stratified_order_covers_every_domain_first(tmp_path, tiny_cifar, monkeypatch):
    """``order: {stratified: 0}``: the first 25 tasks are one per target domain, --tasks N is a
    prefix of the full order (a stopped sweep extends, never replans), curves go with the first
    ``curves_tasks`` tasks and every seed; the keys are those of the id-ordered grid."""
    from mrcnn_core.experiments import plan, profile_context

    monkeypatch.setenv("MRCNN_DATA_DIR", str(tiny_cifar))
    main = {"cifar100": {"tasks": "all", "methods": ["vgg", "mrcnn"], "seeds": [0, 1],
                         "order": {"stratified": 0}}}
    prof = load_profile(write_profile(tmp_path, main=main, options={"curves_tasks": 25}))
    ctx = profile_context(prof, "cifar100", weights="none", features=False)
    full = plan(prof, "main", "cifar100", ctx)
    vgg0 = [s for s in full if s.method == "vgg" and s.seed == 0]
    assert len(vgg0) == 400
    assert len({s.task.target_domain for s in vgg0[:25]}) == 25
    assert len({s.task.id for s in vgg0}) == 400
    part = plan(prof, "main", "cifar100", ctx, n_tasks=30)
    assert [s.key for s in part] == [s.key for s in full if s.task.id in
                                     {x.task.id for x in vgg0[:30]}]
    curves = [s for s in full if s.keep_curves]
    assert {s.task.target_domain for s in curves} == {s.task.target_domain for s in vgg0}
    assert len(curves) == 25 * 2 * 2  # 25 tasks x 2 methods x 2 seeds
    by_id = load_profile(write_profile(tmp_path, main={"cifar100": {
        k: v for k, v in main["cifar100"].items() if k != "order"}}, name="byid"))
    assert {s.key for s in plan(by_id, "main", "cifar100", ctx)} == {s.key for s in full}
    bad = write_profile(tmp_path, main={"cifar100": {**main["cifar100"],
                                                     "order": {"stratified": "x"}}}, name="bad")
    with pytest.raises(ProfileError, match="order"):
        load_profile(bad)


def test_a_failed_run_is_retried_by_the_next_sweep(tmp_path, corel_env):
    """Failed rows are not 'done': after the cause is fixed, the same command makes them
    again, says so, and the store holds one ok row per key."""
    prof, res = small(tmp_path, methods=("lr",)), tmp_path / "res"
    assert sweep(prof, dataset="corel", results=res, progress=False).done == 2
    lines = (res / "runs.csv").read_text().splitlines()
    head = lines[0].split(",")
    first = lines[1].split(",")
    first[head.index("status")], first[head.index("accuracy")] = "failed", "nan"
    (res / "runs.csv").write_text("\n".join([lines[0], ",".join(first)]) + "\n")
    s = sweep(prof, dataset="corel", results=res, progress=False)
    # the failed run is made again, the row cut off above is made for the first time
    assert (s.planned, s.skipped, s.retried, s.done, s.failed) == (2, 0, 1, 2, 0)
    df = ResultsStore(res).load()
    assert len(df) == 2 and (df["status"] == "ok").all()


def test_sweep_stores_and_resumes(tmp_path, corel_env):
    prof, res = small(tmp_path), tmp_path / "res"
    s1 = sweep(prof, dataset="corel", results=res, progress=False)
    assert (s1.planned, s1.done, s1.skipped, s1.failed) == (6, 6, 0, 0)
    df = ResultsStore(res).load()
    assert sorted(df["method"].unique()) == ["lr", "mrcnn", "vgg"]
    assert df["epsilon"].between(0, 1).all() and df["accuracy"].between(0, 1).all()
    assert (df.loc[df.method == "mrcnn", "alpha"] == 1e-3).all()  # the paper's Corel alpha
    prov = ResultsStore(res).load_provenance()
    assert prov and {"git_commit", "backend", "device", "weights", "date"} <= set(prov[0])
    assert prov[0]["preprocessing"].startswith("minmax")  # Corel scaled to [0, 1], recorded
    assert len(ResultsStore(res).load_curves()) == 2 * 5  # curves of the first task, 2 CNN methods
    s2 = sweep(prof, dataset="corel", results=res, progress=False)
    assert (s2.planned, s2.done, s2.skipped) == (6, 0, 6)
    # more seeds: only the new runs are made
    s3 = sweep(prof, dataset="corel", results=res, seeds=[0, 1], methods=["vgg"], progress=False)
    assert (s3.planned, s3.done, s3.skipped) == (4, 2, 2)


@pytest.mark.parametrize("kw,msg", [
    (dict(methods=["lr", "svmx"]), "unknown method 'svmx'"),
    (dict(dataset="mnist"), "unknown dataset 'mnist'"),
    (dict(n_tasks=0), "--tasks must be >= 1"),
    (dict(seeds=[-1]), "seeds must be >= 0"),
    (dict(experiment="ablations"), "unknown experiment 'ablations'"),
])
def test_bad_arguments_fail_before_work(tmp_path, corel_env, kw, msg):
    res = tmp_path / "res"
    args = dict(dataset="corel", results=res, progress=False)
    args.update(kw)
    with pytest.raises(ProfileError, match=msg):
        sweep(small(tmp_path), **args)
    assert not (res / "runs.csv").exists()


@pytest.mark.parametrize("bad,msg", [
    ({"main": {"corel": {"tasks": 2, "steps": 0}}}, "steps must be an integer >= 1"),
    ({"main": {"corel": {"tasks": 2, "stepz": 3}}}, r"unknown key\(s\) \['stepz'\]"),
    ({"main": {"corel": {"methods": ["dann"]}}}, "unknown method 'dann'"),
    ({"sensitivity": {"dataset": "corel", "vary": {"alpha": [-1.0]}}}, "alpha: -1.0"),
    ({"sensitivity": {"dataset": "corel", "vary": {"k": [0]}}}, "k: 0 is not an integer >= 1"),
    ({"sensitivity": {"dataset": "corel", "vary": {"gamma": [1]}}}, "gamma"),
])
def test_bad_profiles_are_rejected(tmp_path, bad, msg):
    p = write_profile(tmp_path, main=bad.get("main"), sens=bad.get("sensitivity"))
    with pytest.raises(ProfileError, match=msg):
        load_profile(p)
    with pytest.raises(ProfileError, match="unknown profile 'nosuch'"):
        load_profile("nosuch")


def test_k_not_below_domain_size_is_rejected(tmp_path, corel_env):
    p = write_profile(tmp_path, sens={"dataset": "corel", "tasks": 1, "steps": 2,
                                      "vary": {"k": [5000]}})
    with pytest.raises(ProfileError, match="k=5000 >= target domain size"):
        sweep(p, dataset="corel", experiment="sensitivity", results=tmp_path / "r", progress=False)


def test_diverging_run_is_stored_as_failed(tmp_path, corel_env):
    p = write_profile(tmp_path, sens={"dataset": "corel", "tasks": 1, "steps": 30,
                                      "vary": {"lr": [1.0e25]}})
    s = sweep(p, dataset="corel", experiment="sensitivity", results=tmp_path / "r", progress=False)
    assert (s.planned, s.done, s.failed) == (2, 1, 1)
    df = ResultsStore(tmp_path / "r").load()
    bad = df[df["status"] == "failed"]
    assert len(bad) == 1 and "diverged" in bad["error"].iloc[0] and bad["lr"].iloc[0] == 1e25


def test_corrupt_store_is_reported_untouched(tmp_path, corel_env):
    res = tmp_path / "res"
    sweep(small(tmp_path, methods=("lr",)), dataset="corel", results=res, progress=False)
    runs = res / "runs.csv"
    runs.write_text(runs.read_text().replace("\n", "\nbroken line\n", 1))
    before = hashlib.sha256(runs.read_bytes()).hexdigest()
    with pytest.raises(StoreError, match="runs.csv, line 2"):
        sweep(small(tmp_path, methods=("lr",)), dataset="corel", results=res, progress=False)
    assert hashlib.sha256(runs.read_bytes()).hexdigest() == before


def test_second_sweep_on_same_store_refuses(tmp_path, corel_env):
    res = tmp_path / "res"
    with ResultsStore(res):
        with pytest.raises(StoreError, match="in use"):
            sweep(small(tmp_path), dataset="corel", results=res, progress=False)


def test_sigkill_midway_then_resume(tmp_path, corel_env):
    """Kill -9 a sweep while it writes; the restart completes every run exactly once."""
    prof = small(tmp_path, steps=150, methods=("vgg", "mrcnn"), tasks=6)
    res = tmp_path / "res"
    cmd = [sys.executable, "-m", "mrcnn_core", "sweep", "--profile", prof, "--dataset", "corel",
           "--results", str(res), "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = res / "runs.csv"
    t0 = time.time()
    while time.time() - t0 < 120:
        if runs.exists() and runs.read_text().count("\n") >= 3:  # header + >= 2 rows
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    n_before = len(ResultsStore(res).load())
    assert 2 <= n_before < 12, "the kill should land in the middle of the sweep"
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-1000:]
    df = ResultsStore(res).load()
    assert len(df) == 12 and df["run_key"].is_unique
    assert f"skipped {n_before}" in out.stdout
    assert runs.read_text().endswith("\n")


def test_cli_reports_errors_cleanly(tmp_path, corel_env):
    out = subprocess.run([sys.executable, "-m", "mrcnn_core", "sweep", "--profile", "smoke",
                          "--dataset", "corel", "--methods", "lr,bogus", "--results",
                          str(tmp_path / "r")], cwd=ROOT, capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items()
                              if k not in ("TF_CPP_MIN_LOG_LEVEL", "MRCNN_TF_LOGS")})
    assert out.returncode == 2 and "unknown method 'bogus'" in out.stderr
    # the one line the user needs, without TensorFlow's C++ start-up lines
    assert out.stderr.strip().splitlines() == ["error: unknown method 'bogus'; choose from "
                                               + out.stderr.split("choose from ")[1].strip()]
    assert "absl" not in out.stderr and "oneDNN" not in out.stderr


def test_ablation_variants_all_run(tmp_path, corel_env):
    p = write_profile(tmp_path, main=None)
    data = yaml.safe_load(Path(p).read_text())
    data["experiments"]["ablation"] = {"dataset": "corel", "tasks": 1, "steps": 12,
                                       "graph_every": 4, "omega_batch": 50,
                                       "cnn_overrides": {"beta": 1e-4}}
    Path(p).write_text(yaml.safe_dump(data))
    s = sweep(p, dataset="corel", experiment="ablation", results=tmp_path / "r", progress=False)
    assert (s.planned, s.done, s.failed) == (7, 7, 0)
    df = ResultsStore(tmp_path / "r").load().set_index("variant")
    assert df.loc["alpha_x10", "alpha"] == pytest.approx(10 * df.loc["paper", "alpha"])
    assert df.loc["alpha_0", "alpha"] == 0.0
    assert '"graph_on": "fc7"' in df.loc["graph_fc7", "chosen"]
    assert (df["status"] == "ok").all()


def test_fc7_graph_rebuild_and_minibatch_change_training():
    import numpy as np
    from mrcnn_core.data.tasks import Dataset, make_tasks
    from mrcnn_core.method.fit import Job, resolve_hparams, run_jobs

    rng = np.random.default_rng(0)
    classes = np.repeat(np.arange(8), 20)
    x = (rng.normal(size=(8, 6))[classes] + rng.normal(size=(160, 6))).astype(np.float32)
    names = tuple(f"c{i}" for i in range(8))
    ds = Dataset("toy", x, classes, names, {"p": names[:4], "n": names[4:]}, "features", "toy")
    task = make_tasks(ds, "p", "n")[0]
    base = resolve_hparams("mrcnn", "toy", alpha=1.0, steps=20, k=3, lr=0.05, beta=1e-4)
    out = {}
    for name, extra in (("paper", {}), ("fc7", {"graph_on": "fc7", "graph_every": 5}),
                        ("mb", {"omega_batch": 10})):
        out[name] = run_jobs([Job(task, "mrcnn", 0, {**base, **extra})], widths=(8, 8))[0]
    assert out["paper"].status == out["fc7"].status == out["mb"].status == "ok"
    # same start; the graph change shows in the manifold term after the first rebuild
    om = {k: v.curves["omega"] for k, v in out.items()}
    assert om["paper"][-1] > 1e-6, "the head must leave the uniform start for this test"
    np.testing.assert_allclose(om["fc7"][:5], om["paper"][:5], rtol=1e-4)  # same graph until step 5
    assert not np.allclose(om["fc7"][6:], om["paper"][6:], rtol=1e-2, atol=0)
    assert not np.allclose(om["mb"], om["paper"], rtol=1e-2, atol=0)


def test_unknown_superclass_rejected_before_work(tmp_path, corel_env):
    p = write_profile(tmp_path, main={"corel": {"tasks": 1, "methods": ["lr"], "positive": "flowers"}})
    with pytest.raises(ValueError, match="unknown superclass 'flowers'"):
        sweep(p, dataset="corel", results=tmp_path / "r", progress=False)
    assert not (tmp_path / "r" / "runs.csv").exists()
    # the other order of the same pair is a valid, different set of tasks
    p2 = write_profile(tmp_path, main={"corel": {"tasks": 1, "methods": ["lr"],
                                                 "positive": "traffic", "negative": "flower"}},
                       name="t2")
    sweep(p2, dataset="corel", results=tmp_path / "r2", progress=False)
    assert ResultsStore(tmp_path / "r2").load()["task_id"].iloc[0].startswith("traffic")


def test_baseline_only_sweep_needs_no_backbone(tmp_path, monkeypatch, tiny_cifar):
    """The shallow methods read pixels: a baseline-only sweep must run where no
    ImageNet weights can be had (here: a weights file that does not exist), and
    its rows say that no backbone was involved."""
    monkeypatch.setenv("MRCNN_DATA_DIR", str(tiny_cifar))
    prof = write_profile(tmp_path, main={"cifar100": {"tasks": 2, "methods": ["lr"], "seeds": [0]}},
                         options={"weights": str(tmp_path / "missing.weights.h5")})
    s = sweep(prof, dataset="cifar100", results=tmp_path / "r", progress=False)
    assert (s.planned, s.done, s.failed) == (2, 2, 0)
    df = ResultsStore(tmp_path / "r").load()
    assert set(df["weights"]) == {"n/a (pixels)"} and set(df["backbone"]) == {"n/a (pixels)"}
    assert df["epsilon"].isna().all()  # no pool4 graph without a backbone
    # asking for a CNN method on the same profile does need the weights, and says which
    with pytest.raises(Exception, match="missing.weights.h5"):
        sweep(prof, dataset="cifar100", methods=["vgg"], results=tmp_path / "r2", progress=False)


def test_corel_control_study_reuses_the_main_runs(tmp_path, corel_env):
    """A 'control' study (like Fig. 3, on Corel) stores its paper point once, as the main run."""
    from mrcnn_core.analysis import load_runs

    prof = write_profile(tmp_path, main={"corel": {"tasks": 2, "methods": ["vgg", "mrcnn"],
                                                   "seeds": [0], "steps": 4}},
                         options={"curves_tasks": 0})
    data = yaml.safe_load(Path(prof).read_text())
    data["experiments"]["control"] = {"dataset": "corel", "tasks": 2, "seeds": [0], "steps": 4,
                                      "vary": {"alpha": [0.0]},
                                      "grid": {"lr": [1e-4], "beta": [1e-2]}}
    Path(prof).write_text(yaml.safe_dump(data))
    res = tmp_path / "res"
    s1 = sweep(prof, dataset="corel", results=res, progress=False)
    s2 = sweep(prof, dataset="corel", experiment="control", results=res, progress=False)
    assert (s1.done, s2.planned, s2.skipped, s2.done) == (4, 6, 2, 4)  # base = the main MRCNN runs
    c = load_runs(res, experiment="control")
    assert sorted(c["variant"]) == ["base"] * 2 + ["grid:betaxlr"] * 2 + ["vary:alpha"] * 2
    g = c[c["variant"] == "grid:betaxlr"].iloc[0]
    assert (g["lr"], g["beta"], g["alpha"]) == (1e-4, 1e-2, 1e-3)  # MRCNN at VGG's lr, beta
    # the Table 1 page's control: four settings on the same tasks, three paired differences
    from mrcnn_core.book.figures import corel_control

    page = corel_control(load_runs(res, experiment="main"), c)
    assert len(page.values["control"]) == 4 and len(page.values["control_claims"]) == 3
    assert page.values["control_claims"][0].startswith("the manifold term (at MRCNN's lr and beta)")
    with pytest.raises(ProfileError, match="control study .* runs on 'corel'"):
        from mrcnn_core.experiments import load_profile, plan
        from mrcnn_core.experiments.sweep_status import profile_context

        plan(load_profile(prof), "control", "cifar100", profile_context(load_profile(prof), "corel"))


def test_more_tasks_than_planned_and_other_silent_cases_are_refused(tmp_path, corel_env):
    """#42 item 4: `--tasks 99999999999999999999` ran everything silently; check-html on a
    folder that is not a book printed '0 fault(s)'; a title with a newline injected a cell."""
    from mrcnn_core.book.htmlcheck import check_html
    from mrcnn_core.book.newpage import NewPageError, new_page

    prof = small(tmp_path, steps=3, methods=("lr",), tasks=2)
    with pytest.raises(ProfileError, match="--tasks 99999999999999999999: the profile plans 2"):
        sweep(prof, dataset="corel", n_tasks=99999999999999999999, results=tmp_path / "r",
              progress=False)
    assert not (tmp_path / "r" / "runs.csv").exists()
    (tmp_path / "notabook").mkdir()
    (tmp_path / "notabook" / "x.html").write_text("<html>" + "x" * 300 + "</html>")
    with pytest.raises(FileNotFoundError, match="is not a built book"):
        check_html(tmp_path / "notabook")
    with pytest.raises(NewPageError, match="newline"):
        new_page("31_x", "A title\n```{code-cell}", tmp_path)


def test_a_method_option_of_zero_steps_is_refused():
    """#42: `tlda: {pretrain_steps: 0, steps: 0}` was stored ok at 0.5, untrained."""
    from mrcnn_core.experiments.profile import validate

    data = yaml.safe_load((ROOT / "mrcnn_core/experiments/profiles/baselines.yaml").read_text())
    data["options"]["tlda"] = {"pretrain_steps": 0, "steps": 0}
    with pytest.raises(ProfileError, match="tlda.pretrain_steps: 0 is not an integer >= 1"):
        validate(data)


@pytest.mark.parametrize("opt,msg", [
    ({"studies_profile": "nosuch"}, "studies_profile: 'nosuch' is not a shipped profile"),
    ({"legacy_stores": "results/legacy/x"}, "legacy_stores: 'results/legacy/x' is not a list"),
])
def test_the_book_options_are_checked(opt, msg):
    from mrcnn_core.experiments.profile import validate

    data = yaml.safe_load((ROOT / "mrcnn_core/experiments/profiles/imagenet-vgg19.yaml").read_text())
    data["options"].update(opt)
    with pytest.raises(ProfileError, match=msg):
        validate(data)


def test_the_studies_of_the_papers_backbone_read_the_substitute():
    """#43 item 5: imagenet-vgg19 runs no studies; its book's study pages read VGG16's."""
    from mrcnn_core.analysis import result_folders
    from mrcnn_core.experiments import studies_profile

    assert studies_profile("imagenet-vgg19") == "imagenet-vgg16"
    assert studies_profile("smoke") == "smoke"  # a profile with its own studies
    assert studies_profile("results/mine") == "results/mine"  # a store folder, not a profile
    legacy = load_profile("imagenet-vgg16").options.get("legacy_stores", [])
    assert result_folders("imagenet-vgg16")[2:] == legacy
    # a reader's own store replaces the profile's folder and its legacy stores
    assert result_folders("imagenet-vgg16", "results/mine") == ["results/mine", "results/baselines"]


def test_every_legacy_store_a_shipped_profile_names_is_committed():
    """A missing legacy store would read as no rows (a column gone quiet), not as an error."""
    from mrcnn_core.experiments.profile import shipped_profiles

    named = [(p, f) for p in shipped_profiles()
             for f in load_profile(p).options.get("legacy_stores", [])]
    assert named, "imagenet-vgg16 names its moved main grid"
    for p, f in named:
        assert (ROOT / f / "runs.csv").is_file(), f"profile {p}: legacy store {f} is not here"
        assert (ROOT / f).resolve().is_relative_to((ROOT / "results" / "legacy").resolve()), f
