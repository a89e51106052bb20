"""Table 1 groups, Table 2 bins, paired statistics and the claim sentences, by hand."""
import numpy as np
import pandas as pd
import pytest

from mrcnn_core.analysis import (add_groups, by_target_domain, latest_config, paired, per_task,
                                 table1, table2, verdict)


def runs():
    rows = []
    # task a: LR 60% (Left); task b: LR 80% (Right); MRCNN has two seeds on a
    acc = {("a", "lr"): [0.60], ("a", "mrcnn"): [0.70, 0.80], ("b", "lr"): [0.80],
           ("b", "mrcnn"): [0.90], ("a", "vgg"): [0.65], ("b", "vgg"): [0.85]}
    eps = {"a": 0.05, "b": 0.2}
    for (t, m), accs in acc.items():
        for seed, a in enumerate(accs):
            rows.append({"dataset": "cifar100", "task_id": t, "target": f"T{t}", "method": m,
                         "seed": seed, "accuracy": a, "epsilon": eps[t]})
    return pd.DataFrame(rows)


def test_groups_and_table1_by_hand():
    pt = add_groups(per_task(runs()))
    assert pt.set_index(["task_id", "method"]).loc[("a", "mrcnn"), "accuracy"] == pytest.approx(0.75)
    assert dict(zip(pt["task_id"], pt["group"])) == {"a": "Left", "b": "Right"}
    t = table1(pt).loc["cifar100"]
    assert t.loc["Left", "MRCNN"] == pytest.approx(75.0)
    assert t.loc["Right", "MRCNN"] == pytest.approx(90.0)
    assert t.loc["Total", "MRCNN"] == pytest.approx(82.5)
    assert t.loc["Total", "LR"] == pytest.approx(70.0)
    assert t.loc["Total", "tasks"] == 2


def test_table2_epsilon_bins():
    t2 = table2(add_groups(per_task(runs())))
    assert t2.loc[("cifar100", "< 0.1"), "VGG"] == pytest.approx(65.0)
    assert t2.loc[("cifar100", "> 0.15"), "VGG"] == pytest.approx(85.0)


def test_paired_and_verdict():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(30):
        base = rng.uniform(0.5, 0.9)
        for m, d in (("lr", 0.0), ("tsvm", 0.05), ("vgg", -0.001 * (i % 3 - 1))):
            rows.append({"dataset": "corel", "task_id": f"t{i}", "target": f"T{i % 6}", "method": m,
                         "seed": 0, "accuracy": base + d, "epsilon": 0.1})
    pt = add_groups(per_task(pd.DataFrame(rows)))
    comp = pd.concat([paired(pt, "tsvm", "lr"), paired(pt, "vgg", "lr")])
    tot = comp[(comp.group == "Total") & (comp.comparison == "TSVM - LR")].iloc[0]
    assert tot.mean_diff_pp == pytest.approx(5.0) and tot.wins == 30
    assert "**supported**" in verdict(comp, "tsvm", "lr", "corel")
    assert "inconclusive" in verdict(comp, "vgg", "lr", "corel")
    assert "not run" in verdict(comp, "mrcnn", "vgg", "corel")


def _clustered(n_dom=5, per=16, seed=0):
    """Differences that are shared within a target domain (a domain effect), tiny noise else."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_dom):
        effect = rng.normal(0, 0.05)
        for j in range(per):
            base = rng.uniform(0.5, 0.9)
            for m, x in (("lr", base), ("vgg", base + effect + rng.normal(0, 0.002))):
                rows.append({"dataset": "cifar100", "task_id": f"d{d}t{j}", "target": f"D{d}",
                             "method": m, "seed": 0, "accuracy": x, "epsilon": 0.1})
    return add_groups(per_task(pd.DataFrame(rows)))


def test_cluster_bootstrap_is_wider_than_a_task_bootstrap():
    pt = _clustered()
    r = paired(pt, "vgg", "lr")
    tot = r[r.group == "Total"].iloc[0]
    assert tot.clusters == 5 and tot.tasks == 80
    # a bootstrap that treats the 80 tasks as independent
    w = pt.pivot_table(index="task_id", columns="method", values="accuracy")
    diff = (w["vgg"] - w["lr"]).to_numpy()
    rng = np.random.default_rng(0)
    naive = np.percentile(rng.choice(diff, (2000, len(diff))).mean(1), [2.5, 97.5]) * 100
    assert (tot.ci_high_pp - tot.ci_low_pp) > 2.5 * (naive[1] - naive[0])
    # p comes from the same cluster resamples: on the side of zero the interval is on
    assert (tot.p < 0.05) == (tot.ci_low_pp > 0 or tot.ci_high_pp < 0)


def test_comparisons_do_not_depend_on_their_order():
    pt = _clustered()
    first = paired(pt, "vgg", "lr")
    paired(pt, "lr", "vgg")  # another comparison in between draws from its own generator
    pd.testing.assert_frame_equal(first, paired(pt, "vgg", "lr"))


def test_target_domains_sorted_by_lr():
    td = by_target_domain(per_task(runs()), "cifar100")
    assert list(td["target"].cat.categories) == ["Ta", "Tb"]


def test_latest_config_drops_older_settings(capsys):
    df = runs().assign(lr=0.1, alpha=0.0, alpha_scale="none", beta=0.01, k=3, steps=5,
                       select="", weights="w")
    df.loc[df.index[-1], "beta"] = 0.5  # the newest vgg run used another beta
    kept = latest_config(df)
    assert len(kept[kept.method == "vgg"]) == 1 and "older configurations" in capsys.readouterr().out


def test_sensitivity_claims_name_the_collapse():
    from mrcnn_core.analysis import sensitivity_claims

    d = pd.DataFrame({"alpha": [1e-5, 1e-5, 1e-2, 1e-2, 1.0, 1.0, 1e-5, 1e-2],
                      "task_id": ["a", "b"] * 3 + ["c", "c"],
                      "accuracy": [0.8, 0.9, 0.95, 0.85, 0.5, 0.5, 0.1, 0.99]})
    (line,) = sensitivity_claims({"alpha": d}, {"alpha": 1e-5})
    # task c did not run alpha = 1: it is left out of every mean
    assert "paper's value 10<sup>-5</sup> gives 85.0%" in line and "highest mean is at 0.01 (90.0%)" in line
    assert "at 1 the mean accuracy is at most 55%" in line and "the 2 tasks" in line
    # two tasks give no interval (fewer than 5 clusters), so no value is called higher or lower
    assert "lower at" not in line and "higher at" not in line


def test_point_intervals_pair_by_task_and_say_indistinguishable():
    from mrcnn_core.analysis import interval_word, point_intervals

    rng = np.random.default_rng(0)
    tasks = [f"t{i}" for i in range(12)]
    base = rng.uniform(0.6, 0.9, 12)
    rows = [{"k": 3, "task_id": t, "accuracy": b} for t, b in zip(tasks, base)]
    # k = 1: every task exactly 5 pp lower (a big task spread, a constant paired shift)
    rows += [{"k": 1, "task_id": t, "accuracy": b - 0.05} for t, b in zip(tasks, base)]
    # k = 5: +-2 pp alternating, mean 0
    rows += [{"k": 5, "task_id": t, "accuracy": b + (0.02 if i % 2 else -0.02)}
             for i, (t, b) in enumerate(zip(tasks, base))]
    iv = point_intervals(pd.DataFrame(rows), "k", 3)
    assert iv.loc[1, "diff vs paper (pp)"] == pytest.approx(-5.0)
    assert iv.loc[1, "ci_low_pp"] == pytest.approx(-5.0) and iv.loc[1, "verdict"] == "lower"
    assert iv.loc[5, "verdict"] == "indistinguishable"
    assert iv.loc[5, "ci_low_pp"] < 0 < iv.loc[5, "ci_high_pp"]
    assert np.isnan(iv.loc[3].get("ci_low_pp", np.nan))  # the paper's point itself
    assert interval_word(np.nan, np.nan).startswith("too few")


def test_ablation_table_averages_seeds_before_pairing():
    from mrcnn_core.analysis import ablation_table

    rows = []
    for t, (p0, p1, c0) in {"a": (0.6, 0.8, 0.9), "b": (0.7, 0.7, 0.6)}.items():
        rows += [{"experiment": "ablation", "task_id": t, "seed": 0, "variant": "paper", "accuracy": p0},
                 {"experiment": "ablation", "task_id": t, "seed": 1, "variant": "paper", "accuracy": p1},
                 {"experiment": "ablation", "task_id": t, "seed": 0, "variant": "cosine_edges", "accuracy": c0}]
    t = ablation_table(pd.DataFrame(rows))
    row = t.loc["cosine-weighted edges"]
    # task a: 0.9 - mean(0.6, 0.8) = +0.2; task b: 0.6 - 0.7 = -0.1 -> mean +0.05
    assert row["diff vs paper (pp)"] == pytest.approx(5.0) and row["tasks"] == 2
    assert t.loc["paper (pool4 graph, binary edges, whole domain)", "runs"] == 4
    # 2 tasks are 2 clusters: no interval and no test at all (it printed a Wilcoxon p)
    assert row["95% CI (pp)"] == "n/a" and row["bootstrap p"] == "n/a"
    assert row["verdict"].startswith("too few clusters")


def test_domain_claims_list_where_mrcnn_loses():
    from mrcnn_core.analysis import domain_claims

    rows = []
    for t, dom, lr, vgg, mr in (("a", "D1", 0.6, 0.7, 0.8), ("b", "D2", 0.7, 0.8, 0.65)):
        for m, acc in (("lr", lr), ("vgg", vgg), ("mrcnn", mr)):
            rows.append({"dataset": "cifar100", "task_id": t, "target": dom, "method": m,
                         "seed": 0, "accuracy": acc, "epsilon": 0.1})
    vs_vgg, vs_lr = domain_claims(per_task(pd.DataFrame(rows)))
    assert vs_vgg == "MRCNN is below VGG on 1 of 2 target domains: D2 (65.0% vs 80.0%)."
    assert vs_lr == "MRCNN is below LR on 1 of 2 target domains: D2."


def test_sensitivity_curves_use_the_base_point_and_complete_tasks():
    from mrcnn_core.analysis import sensitivity

    base = dict(experiment="sensitivity", k=3, alpha=1e-5, beta=1e-2, lr=1e-3)
    rows = [dict(base, task_id=t, variant="base", accuracy=0.7) for t in ("a", "b")]
    rows += [dict(base, task_id="a", variant="vary:alpha", alpha=1.0, accuracy=0.5)]
    rows += [dict(base, task_id="b", variant="vary:alpha", alpha=1.0, accuracy=0.6)]
    rows += [dict(base, task_id="a", variant="vary:alpha", alpha=1e-3, accuracy=0.9)]  # b lacks it
    rows += [dict(base, task_id="a", variant="vary:k", k=10, accuracy=0.8)]
    out = sensitivity(pd.DataFrame(rows))
    # only task a ran every alpha value (1e-5 via the base point, 1e-3 and 1)
    assert set(out["alpha"]["task_id"]) == {"a"} and len(out["alpha"]) == 3
    # the k curve collects the base runs (k = 3) of a, b and the k = 10 run of a
    assert set(out["k"]["task_id"]) == {"a"}
    assert out["k"].set_index("k")["accuracy"].to_dict() == {3: 0.7, 10: 0.8}


def test_rows_without_a_backbone_take_the_tasks_epsilon():
    """A baseline-only sweep has no pool4 graph: its rows' epsilon is not used, and the
    task's epsilon comes from the rows measured on the backbone."""
    import pandas as pd
    from mrcnn_core.analysis import per_task

    df = pd.DataFrame([
        dict(dataset="cifar100", task_id="t", target="d", method="lr", seed=0, accuracy=0.7,
             epsilon=0.51, weights="n/a (pixels)"),
        dict(dataset="cifar100", task_id="t", target="d", method="vgg", seed=0, accuracy=0.8,
             epsilon=0.12, weights="file:x"),
        dict(dataset="cifar100", task_id="u", target="e", method="lr", seed=0, accuracy=0.6,
             epsilon=0.4, weights="n/a (pixels)")])
    pt = per_task(df).set_index(["task_id", "method"])
    assert pt.loc[("t", "lr"), "epsilon"] == 0.12 and pt.loc[("t", "vgg"), "epsilon"] == 0.12
    assert np.isnan(pt.loc[("u", "lr"), "epsilon"])  # no measured graph for that task


def test_per_task_csv_publishes_the_backbones_epsilon_and_its_source():
    """The CSV downloads published the old baseline stores' constant pixel epsilon (0.5075
    on every CIFAR-100 row): now a row without a backbone carries its task's measured
    epsilon, and a column says where each value comes from."""
    import pandas as pd
    from mrcnn_core.analysis import task_csv

    base = dict(dataset="cifar100", experiment="main", variant="paper", source="s",
                profile="p", store="x")
    df = pd.DataFrame([
        dict(base, task_id="t", target="d", method="lr", seed=0, accuracy=0.7,
             epsilon=0.5075, weights="n/a (pixels)"),
        dict(base, task_id="t", target="d", method="vgg", seed=0, accuracy=0.8,
             epsilon=0.12, weights="file:x"),
        dict(base, task_id="t", target="d", method="vgg", seed=1, accuracy=0.9,
             epsilon=0.12, weights="file:x"),
        dict(base, task_id="u", target="e", method="lr", seed=0, accuracy=0.6,
             epsilon=0.5075, weights="n/a (pixels)")])
    t = task_csv(df).set_index(["task_id", "method"])
    assert t.loc[("t", "lr"), "epsilon"] == 0.12
    assert t.loc[("t", "lr"), "epsilon_source"] == "the task's backbone rows"
    assert t.loc[("t", "vgg"), "epsilon_source"] == "this row (backbone)"
    assert t.loc[("t", "vgg"), "seeds"] == "0;1"
    assert np.isnan(t.loc[("u", "lr"), "epsilon"])
    assert t.loc[("u", "lr"), "epsilon_source"] == "not measured (no backbone)"
    assert 0.5075 not in set(t["epsilon"])


def test_per_task_csv_writes_one_row_per_grid_cell():
    """Fig. 3's alpha x k grid is one variant: the CSV folded its cells into one row per task."""
    import pandas as pd
    from mrcnn_core.analysis import task_csv

    rows = [dict(dataset="cifar100", experiment="sensitivity", variant="grid:alphaxk", task_id="t",
                 source="s", target="d", method="mrcnn", seed=seed, accuracy=acc + 0.01 * seed,
                 epsilon=0.1, weights="file:x", profile="p", store="x", lr=0.003, beta=0.01,
                 alpha=a, k=k)
            for a, k, acc in ((1e-5, 3, 0.8), (1e-5, 10, 0.7), (1e-3, 3, 0.6), (1e-3, 10, 0.5))
            for seed in (0, 1)]
    t = task_csv(pd.DataFrame(rows))
    assert len(t) == 4 and {"alpha", "k", "lr", "beta"} <= set(t.columns)
    cell = t[(t["alpha"] == 1e-3) & (t["k"] == 10)].iloc[0]
    assert cell["accuracy_mean"] == pytest.approx(0.505) and cell["seeds"] == "0;1"


def test_banner_dates_are_a_whole_span():
    from mrcnn_core.analysis import date_range

    recs = [{"date": "2026-11-26T15:11:09+00:00"}, {"date": "2026-12-04T14:45:43+00:00"},
            {"date": "2026-11-28T01:02:39+00:00"}]
    assert date_range(recs) == "2026-11-26 to 2026-12-04 (3 provenance records)"
    assert date_range(recs[:1]) == "2026-11-26 (1 provenance record)"
    assert date_range([]) == "?"


def test_one_formatter_writes_log_scale_settings_as_powers_of_ten():
    """A learning rate once printed as 0.00316228 in text and on Fig. 3's ticks (#34)."""
    from mrcnn_core.analysis.formatting import interval, pct, pp, tex_value, value

    assert value(10 ** -2.5) == "10<sup>-2.5</sup>" and value(1e-7) == "10<sup>-7</sup>"
    assert value(0.1) == "0.1" and value(3) == "3" and value(0.01) == "0.01"
    assert value(10 ** -1.5) == "10<sup>-1.5</sup>"  # a half power reads as one at any size
    assert tex_value(10 ** -2.5) == "$10^{-2.5}$" and tex_value(0.5) == "0.5"
    assert value(0.0031) == "0.0031"  # not a half power of ten: as it is
    assert pct(0.7789) == "77.9%" and pp(2.94) == "+2.9 pp" and pp(-0.04) == "-0.0 pp"
    assert interval(1.64, 4.16) == "[+1.6, +4.2]" and interval(float("nan"), 1) == "(no interval)"
    from mrcnn_core.analysis.formatting import cell

    assert [cell(x) for x in (400.0, 0.3, 7, None, float("nan"), "main")] == \
        ["400", "0.3", "7", "-", "-", "main"]


def test_devices_of_names_each_runs_device_from_its_stores_provenance(tmp_path):
    """The device is in provenance.jsonl, not runs.csv: a CPU store and a GPU store give
    "CPU" and the GPU's name; a run whose provenance is missing says so."""
    import json

    from mrcnn_core.analysis import devices_of

    for name, pid, dev in (("cpu", "aaaa000001", "cpu:cpu"), ("gpu", "bbbb000002", "gpu:NVIDIA H200")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "runs.csv").write_text("")  # what makes a folder a store
        (tmp_path / name / "provenance.jsonl").write_text(json.dumps({"prov_id": pid, "device": dev}) + "\n")
    df = pd.DataFrame({"store": [str(tmp_path / "cpu"), str(tmp_path / "gpu")],
                       "prov_id": ["aaaa000001", "bbbb000002"]})
    assert devices_of(df) == ["CPU", "NVIDIA H200"]
    assert devices_of(df.iloc[:1]) == ["CPU"]
    lost = pd.DataFrame({"store": [str(tmp_path / "cpu")], "prov_id": ["cccc000003"]})
    assert devices_of(lost) == ["unknown device"]
    assert devices_of(df.iloc[:0]) == []
