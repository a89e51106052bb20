"""The cross-pair study: profile validation, the stratified sample, planning, and the page."""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from mrcnn_core.experiments import ProfileError, load_profile  # noqa: E402


def profile(tmp_path, pairs, **extra) -> str:
    p = tmp_path / "pairs.yaml"
    p.write_text(yaml.safe_dump({"name": "pp", "experiments": {"pairs": {
        "pairs": pairs, "per_target": 2, "seeds": [0, 1], "steps": 3, **extra}}}))
    return str(p)


def test_shipped_profile_is_valid():
    spec = load_profile("pairs-vgg16").data["experiments"]["pairs"]
    assert len(spec["pairs"]) == 5 and spec["per_target"] == 2


@pytest.mark.parametrize("pairs,needle", [
    ([["fish", "sharks"]], "unknown CIFAR-100 superclass 'sharks'; known: aquatic_mammals, fish"),
    ([["fish", "fish"]], "pairs a superclass with itself"),
    ([["fish", "insects"], ["fish", "insects"]], "listed twice"),
    ([["fish"]], "is not [positive, negative]"),
])
def test_bad_pairs_are_refused(tmp_path, pairs, needle):
    with pytest.raises(ProfileError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        load_profile(profile(tmp_path, pairs))


def test_plan_samples_every_target_domain(tmp_path, tiny_cifar, monkeypatch):
    """CNN methods on 2 tasks per target domain (all 25), shallow ones on all 400, seed 0."""
    from mrcnn_core.experiments import plan, profile_context

    monkeypatch.setenv("MRCNN_DATA_DIR", str(tiny_cifar))
    prof = load_profile(profile(tmp_path, [["fruit_and_vegetables", "household_electrical_devices"]],
                                shallow_methods=["lr"], data=str(tiny_cifar)))
    ctx = profile_context(prof, "cifar100", weights="none", features=False, experiment="pairs")
    specs = plan(prof, "pairs", "cifar100", ctx)
    vgg = [s for s in specs if s.method == "vgg"]
    assert len(vgg) == 50 * 2  # 50 tasks x seeds 0, 1
    per_domain = pd.Series([s.task.target_domain for s in vgg if s.seed == 0]).value_counts()
    assert len(per_domain) == 25 and (per_domain == 2).all()
    lr = [s for s in specs if s.method == "lr"]
    assert len(lr) == 400 and {s.seed for s in lr} == {0}
    # the shallow runs that pair with the CNN sample come first (a stopped sweep holds them)
    assert {s.task.id for s in lr[:50]} == {s.task.id for s in vgg}
    assert {s.variant for s in specs} == {"fruit_and_vegetables/household_electrical_devices"}
    again = plan(prof, "pairs", "cifar100", ctx)
    assert [s.key for s in again] == [s.key for s in specs]  # deterministic


def synthetic(pairs_gain: dict, domains=6, sources=3) -> pd.DataFrame:
    rows = []
    for pair, gain in pairs_gain.items():
        for d in range(domains):
            for s in range(sources):
                task = f"{pair[:3]}s{s}->{pair[:3]}t{d}"
                for m, acc in (("lr", 0.6), ("vgg", 0.7), ("mrcnn", 0.7 + gain + 0.002 * (s - 1))):
                    rows.append(dict(dataset="cifar100", task_id=task, source=f"s{s}",
                                     target=f"{pair}:t{d}", method=m, seed=0, experiment="pairs",
                                     variant=pair, accuracy=acc, epsilon=0.05 + 0.01 * d,
                                     status="ok", profile="pp", weights="w", backbone="vgg16",
                                     run_key=f"{task}|{m}", prov_id="p"))
    return pd.DataFrame(rows)


def test_pair_table_and_claims_by_hand():
    from mrcnn_core.studies import pairs as P

    runs = P.pair_runs(synthetic({"a/b": 0.03, "c/d": -0.02, "e/f": 0.0}))
    t = P.pair_table(runs)
    np.testing.assert_allclose(t.loc["a/b", "MRCNN - VGG (pp)"], 3.0)
    np.testing.assert_allclose(t.loc["c/d", "MRCNN - VGG (pp)"], -2.0)
    assert t.loc["a/b", "verdict"] == "supported" and t.loc["c/d", "verdict"] == "contradicted"
    assert t.loc["e/f", "verdict"] in ("inconclusive", "negligible")
    claims = P.pair_claims(t, P.domain_gains(runs))
    assert claims[0].startswith("MRCNN beats VGG (95% interval above zero) in 1 of 3 pairs (a/b)")
    assert "below VGG in 1 (c/d)" in claims[0]
    # why the shallow methods sit near chance, said last: LR 60 %, VGG 70 % on every pair
    assert claims[-1].startswith("LR and TSVM read pixels: on the 3 other pairs LR scores 60-60 %")
    assert "more than 5 points above LR on 3 of them (70-70 %)" in claims[-1]
    cnn, shallow = P.split_table(t)  # two narrow tables
    assert {"VGG", "MRCNN", "MRCNN - VGG (pp)", "verdict"} <= set(cnn.columns)
    assert "LR" not in cnn and "LR" in shallow


def test_shallow_runs_alone_give_tsvm_minus_lr_per_pair():
    """The CPU-only part of the study (LR and TSVM on every task) answers the paper's first
    claim per pair before any CNN run exists."""
    from mrcnn_core.studies import pairs as P

    runs = synthetic({"a/b": 0.0, "c/d": 0.0})
    runs = runs[runs["method"] == "lr"]
    tsvm = runs.assign(method="tsvm", accuracy=np.where(runs["variant"] == "a/b", 0.64, 0.57),
                       run_key=runs["run_key"] + "t")
    t = P.pair_table(P.pair_runs(pd.concat([runs, tsvm], ignore_index=True)))
    np.testing.assert_allclose(t["TSVM - LR (pp)"], [4.0, -3.0])
    assert list(t["TSVM - LR (pp) verdict"]) == ["supported", "contradicted"]
    assert "MRCNN - VGG (pp)" not in t
    claims = P.pair_claims(t, P.domain_gains(P.pair_runs(runs)))
    assert claims[0].startswith("TSVM beats LR (95% interval above zero) in 1 of 2 pairs; it is "
                                "below LR in 1 (c/d)")
    assert claims[-1] == "No pair has both VGG and MRCNN runs yet."
    # with the paper's pair's CNN runs alone (from the main store), no cross-pair sentence
    main = synthetic({P.PAPER_PAIR: 0.02})
    t = P.pair_table(P.pair_runs(pd.concat([runs, tsvm], ignore_index=True), main))
    last = P.pair_claims(t, P.domain_gains(P.pair_runs(main.iloc[:0], main)))[-1]
    assert last.startswith("No pair beside the paper's has VGG and MRCNN runs yet") and "+2.0 pp" in last


def test_lr_and_tsvm_means_are_over_the_tasks_both_hold():
    """A sweep part-way through the shallow runs (LR on every task, TSVM on some): the LR and
    TSVM columns were means over different tasks beside a paired TSVM - LR; now both are over
    the tasks both hold, and the table says how many."""
    from mrcnn_core.studies import pairs as P

    lr = synthetic({"a/b": 0.0}, domains=6, sources=3)
    lr = lr[lr["method"] == "lr"].assign(accuracy=np.linspace(0.5, 0.84, 18))
    tsvm = lr.iloc[:6].assign(method="tsvm", accuracy=lr["accuracy"].iloc[:6] + 0.02,
                              run_key=lr["run_key"].iloc[:6] + "t")
    t = P.pair_table(P.pair_runs(pd.concat([lr, tsvm], ignore_index=True)))
    np.testing.assert_allclose(t.loc["a/b", "LR"], 100 * lr["accuracy"].iloc[:6].mean())
    np.testing.assert_allclose(t.loc["a/b", "TSVM"] - t.loc["a/b", "LR"], 2.0)
    np.testing.assert_allclose(t.loc["a/b", "TSVM - LR (pp)"], 2.0)
    assert t.loc["a/b", "shallow tasks"] == 6
    _, shallow = P.split_table(t)
    assert list(shallow.columns)[-1] == "shallow tasks"


def test_page_without_a_pairs_store_says_so():
    from mrcnn_core.book import figures

    main = synthetic({"x/y": 0.01}).assign(experiment="main", variant="paper")
    page = figures.pairs_page(main.iloc[:0], main, "pairs-vgg16")
    text = " ".join(p for p in page.parts if isinstance(p, str))
    assert "no runs yet" in text
    assert page.values["table"]["pair"] == ["fruit_and_vegetables/household_electrical_devices"]


def test_front_page_row_of_the_pairs_study():
    from mrcnn_core.studies import findings as F

    main = synthetic({"x/y": 0.01}).assign(experiment="main", variant="paper")
    pairs = synthetic({"a/b": 0.03, "c/d": -0.02, "e/f": 0.0, "g/h": 0.01, "i/j": 0.02})
    f = F.findings(main, pairs)
    r = f[f["claim"] == "The gain holds on other superclass pairs"].iloc[0]
    assert r["clusters"] == 6 and r["dataset"] == "cifar100 (6 pairs)"
    from mrcnn_core.studies import pairs as P

    t = P.pair_table(P.pair_runs(pairs, main, P.paper_sample(main)))
    paper = t.loc[P.PAPER_PAIR, "MRCNN - VGG (pp)"]  # 1 pp +- the sample's jitter
    assert abs(paper - 1.0) < 0.2
    np.testing.assert_allclose(r["effect"], (3 - 2 + 0 + 1 + 2 + paper) / 6)  # each pair one point
    assert "above zero in 4 of 6 pairs" in r["detail"]


def test_a_methods_subset_stores_the_full_sweeps_keys(tmp_path, tiny_cifar, monkeypatch):
    """`--methods lr` on a profile with CNN methods runs LR in the full sweep's context: its
    rows carry the keys the full plan looks for (else a later full sweep would run them again
    and store them twice)."""
    from mrcnn_core.experiments import ResultsStore, plan, profile_context, sweep

    import io
    import json

    from mrcnn_core.studies.verify import verify

    monkeypatch.setenv("MRCNN_DATA_DIR", str(tiny_cifar))
    monkeypatch.setenv("MRCNN_CACHE_DIR", str(tmp_path / "cache"))
    p = tmp_path / "pp.yaml"
    p.write_text(yaml.safe_dump({"name": "pp", "options": {"weights": "none"}, "experiments": {
        "pairs": {"pairs": [["fruit_and_vegetables", "household_electrical_devices"]],
                  "data": str(tiny_cifar), "per_target": 2, "seeds": [0], "steps": 3,
                  "shallow_methods": ["lr"]}}}))
    prof = load_profile(str(p))
    res = tmp_path / "store"
    summ = sweep(prof, dataset="cifar100", experiment="pairs", methods=["lr"], n_tasks=2,
                 results=res, progress=False)
    assert summ.done == 2
    ctx = profile_context(prof, "cifar100", features=False, experiment="pairs")
    full = [s for s in plan(prof, "pairs", "cifar100", ctx, n_tasks=2) if s.method == "lr"]
    assert {s.key for s in full} == ResultsStore(res).done_keys()
    # verify plans such a row in the context its row names (it said "not-planned" before)
    buf = io.StringIO()
    assert verify(res, runs=1, out=buf) == 0
    assert json.loads(buf.getvalue().splitlines()[-1])["match"] == "exact"


def test_a_row_subset_cache_runs_its_tasks_and_refuses_others(tmp_path, tiny_cifar, monkeypatch):
    """A device that carries neither the weights nor the whole cache runs on the features of
    its pairs' images only (benchmarks/pack_pairs.py): same keys and features as here, and a
    task whose images are not in the subset is refused before any run, naming the cache."""
    import shutil

    from mrcnn_core.experiments import ResultsStore, SweepStopped, plan, profile_context, sweep
    from mrcnn_core.method.features import FeaturesIncomplete, rows_path, save_rows
    from test_backbone import SHA, SHARED_WEIGHTS

    if not SHARED_WEIGHTS.is_file():
        pytest.skip("needs real data: ../shared/weights not present")
    w = tmp_path / "copy.weights.h5"
    shutil.copy(SHARED_WEIGHTS, w)
    cache = tmp_path / "cache"
    monkeypatch.setenv("MRCNN_CACHE_DIR", str(cache))
    p = tmp_path / "pp.yaml"
    p.write_text(yaml.safe_dump({"name": "pp", "experiments": {"pairs": {
        "pairs": [["fruit_and_vegetables", "household_electrical_devices"]], "data": str(tiny_cifar),
        "per_target": 1, "seeds": [0], "steps": 2, "methods": ["vgg"]}},
        "options": {"backbone": "vgg16", "weights": str(w), "weights_sha256": SHA}}))
    prof = load_profile(str(p))
    full = profile_context(prof, "cifar100", experiment="pairs")
    first = plan(prof, "pairs", "cifar100", full, n_tasks=1)[0].task
    save_rows(full.features, np.concatenate([first.source_idx, first.target_idx]))
    Path(full.features.path).unlink()
    w.unlink()  # as on the device: no weights, no whole cache

    sub = profile_context(prof, "cifar100", experiment="pairs")
    assert sub.features.path == str(rows_path(full.features.path))
    assert sub.weights == full.weights and len(sub.features.rows) < len(full.features.x)
    np.testing.assert_array_equal(sub.features.x[sub.features.rows], full.features.x[sub.features.rows])
    assert np.isnan(np.delete(sub.features.x, sub.features.rows, axis=0)).all()
    res = tmp_path / "store"
    assert sweep(prof, dataset="cifar100", experiment="pairs", n_tasks=1, results=res,
                 progress=False).done == 1
    with pytest.raises(SweepStopped, match=r"row-subset feature cache .*\.rows\.npz") as e:
        sweep(prof, dataset="cifar100", experiment="pairs", n_tasks=3, results=res, progress=False)
    assert isinstance(e.value.__cause__, FeaturesIncomplete)
    assert len(ResultsStore(res).load()) == 1  # nothing lost, nothing half-written


def test_front_page_row_of_tsvm_over_lr_on_other_pairs():
    """With the shallow part of the study stored, the paper's first claim gets a row over
    pairs: each pair one point (the paper's pair from the main store included)."""
    from mrcnn_core.studies import findings as F

    main = synthetic({"x/y": 0.0}).assign(experiment="main", variant="paper")
    main = pd.concat([main, main[main["method"] == "lr"].assign(
        method="tsvm", accuracy=0.61, run_key=lambda d: d["run_key"] + "t")], ignore_index=True)
    pairs = synthetic({p: 0.0 for p in ("a/b", "c/d", "e/f", "g/h", "i/j")})
    lr = pairs[pairs["method"] == "lr"]
    gains = {"a/b": 0.02, "c/d": 0.03, "e/f": 0.01, "g/h": 0.02, "i/j": 0.04}
    tsvm = lr.assign(method="tsvm", accuracy=0.6 + lr["variant"].map(gains),
                     run_key=lr["run_key"] + "t")
    f = F.findings(main, pd.concat([pairs, tsvm], ignore_index=True))
    r = f[(f["claim"] == "TSVM beats LR") & (f["dataset"] == "cifar100 (6 pairs)")].iloc[0]
    np.testing.assert_allclose(r["effect"], (2 + 3 + 1 + 2 + 4 + 1) / 6)
    assert r["verdict"] == "supported" and r["clusters"] == 6 and r["page"] == "28_pairs"
    assert r["tasks"] == 6 * 18 and "above zero in 6 of 6 pairs" in r["detail"]


def test_front_page_pairs_row_waits_for_another_pair():
    """The paper's pair alone (from the main store) is no cross-pair finding: 'not run'."""
    from mrcnn_core.studies import findings as F

    main = synthetic({"x/y": 0.01}).assign(experiment="main", variant="paper")
    only_lr = synthetic({"a/b": 0.0})
    f = F.findings(main, only_lr[only_lr["method"] == "lr"])
    r = f[f["claim"] == "The gain holds on other superclass pairs"].iloc[0]
    assert r["verdict"] == "not run" and "no other pair has VGG and MRCNN runs" in r["detail"]
