"""The book's figures and tables as package functions, checked on a small store."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from mrcnn_core.book import figures  # noqa: E402
from mrcnn_core.analysis import ABLATION_LABEL  # noqa: E402


def store_rows(methods=("lr", "tsvm", "vgg", "mrcnn"), seeds=(0, 1), domains=4):
    """A synthetic main-experiment store: 2 sources x `domains` targets, known accuracies."""
    rows = []
    for s in range(2):
        for t in range(domains):
            task = f"s{s}->t{t}"
            for m in methods:
                for seed in (seeds if m in ("vgg", "mrcnn") else (0,)):
                    acc = 0.6 + 0.05 * t + {"lr": 0.0, "tsvm": 0.02, "vgg": 0.04, "mrcnn": 0.06}[m]
                    acc += 0.01 * seed if m in ("vgg", "mrcnn") else 0.0
                    rows.append(dict(dataset="cifar100", task_id=task, source=f"s{s}", target=f"t{t}",
                                     method=m, seed=seed, experiment="main", variant="paper",
                                     accuracy=acc, epsilon=0.2 - 0.03 * t, status="ok",
                                     profile="unit", weights="none", backbone="vgg16",
                                     run_key=f"{task}|{m}|{seed}", prov_id="p"))
    return pd.DataFrame(rows)


def test_table1_page_by_hand():
    page = figures.table1(store_rows(), "unit")
    t1 = pd.DataFrame(page.values["table1"]).set_index(["dataset", "group"])
    total = t1.loc[("cifar100", "Total")]
    # per task: LR 0.6 + 0.05 t; means over t = 0..3 -> 0.675; VGG adds 0.04 and 0.005 (2 seeds)
    assert total["LR"] == pytest.approx(67.5)
    assert total["TSVM"] == pytest.approx(69.5)
    assert total["VGG"] == pytest.approx(72.0)
    assert total["MRCNN"] == pytest.approx(74.0)
    text = "\n".join(p for p in page.parts if isinstance(p, str))
    assert "MRCNN beats VGG" in text or "MRCNN" in text
    plt.close("all")


def test_fig2a_sorts_domains_and_stamps():
    page = figures.fig2a(store_rows())
    assert page.values["n_target_domains"] == 4
    # MRCNN is VGG + 2 pp on every task: below it on no domain; 10 pp off on t3: on one
    assert page.values["mrcnn_below_vgg_domains"] == 0
    rows = store_rows()
    rows.loc[(rows["method"] == "mrcnn") & (rows["target"] == "t3"), "accuracy"] -= 0.10
    low = figures.fig2a(rows)
    assert low.values["mrcnn_below_vgg_domains"] == 1
    assert low.answer.startswith("**Does MRCNN do worse than VGG") and "on 1 of 4 target" in low.answer
    fig = next(p for p in page.parts if isinstance(p, plt.Figure))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["t0", "t1", "t2", "t3"]  # sorted by LR accuracy (rising with t)
    stamps = [t for t in fig.texts if "profile unit" in t.get_text()]
    assert len(stamps) == 1 and not any("profile unit" in t.get_text() for t in ax.texts)
    # the stamp sits below the rotated tick labels (it overlapped them)
    r = fig.canvas.get_renderer()
    labels_bottom = min(t.get_window_extent(r).y0 for t in ax.get_xticklabels())
    assert stamps[0].get_window_extent(r).y1 <= labels_bottom
    # one colour per method, the registry's, in every figure
    from matplotlib.colors import to_hex
    from mrcnn_core.methods import COLOURS
    used = {to_hex(line.get_color()) for line in ax.lines}
    assert {COLOURS["MRCNN"], COLOURS["VGG"], COLOURS["LR"]} <= used
    plt.close("all")


def test_training_curve_spike_is_clipped_and_said():
    curves = pd.DataFrame([dict(run_key=f"k{s}", step=i, ce=(10.0 if i == 1 else 0.5), omega=1.0,
                                l2=0.1, target_acc=0.7) for s in range(3) for i in range(200)])
    from unittest import mock
    runs = pd.DataFrame([dict(run_key=f"k{s}", dataset="cifar100", task_id="t", method="mrcnn",
                              seed=s, profile="unit", weights="w", backbone="vgg16",
                              accuracy=0.7) for s in range(3)])
    with mock.patch.object(figures.A, "curves", return_value=curves.merge(
            runs[["run_key", "dataset", "task_id", "method", "seed"]], on="run_key")):
        page = figures.training_curves([], runs)
    fig = next(p for p in page.parts if isinstance(p, plt.Figure))
    ce = fig.axes[0]
    assert ce.get_ylim()[1] < 10 and "clipped" in ce.get_title()
    assert "clipped" not in fig.axes[1].get_title()  # omega: no spike, no clipping
    plt.close("all")


def test_fig2b_plots_the_claim_with_the_front_pages_numbers():
    """Fig. 2(b)'s gain panel shows the rho the front page tests (one function computes it)."""
    from mrcnn_core.studies import findings as F

    runs = store_rows(domains=6)
    # MRCNN's gain grows with the domain index while epsilon falls: rho(epsilon, gain) = -1
    t = runs["target"].str[1:].astype(int)
    runs.loc[runs["method"] == "mrcnn", "accuracy"] += 0.01 * t[runs["method"] == "mrcnn"]
    page = figures.fig2b(runs, "unit")
    assert page.values["gain_rho"]["cifar100"] == pytest.approx(-1.0)
    f = F.findings(runs)
    claim = next(c.text for c in F.CLAIMS if c.key == "epsilon")
    for ds, rho in page.values["gain_rho"].items():
        row = f[(f["claim"] == claim) & (f["dataset"] == ds)].iloc[0]
        assert rho == pytest.approx(row["effect"], abs=1e-3)
    plt.close("all")


def test_fig2b_and_table2():
    page = figures.fig2b(store_rows(), "unit")
    assert page.values["table2_rows"] >= 1
    text = "\n".join(p for p in page.parts if isinstance(p, str))
    # accuracy falls exactly as epsilon rises: rho = -1 over the 4 target domains
    assert "rho = -1.00" in text
    plt.close("all")


def test_statistics_differences():
    page = figures.statistics(store_rows(), "unit")
    assert page.values["n_pairs"] == 4
    from mrcnn_core.analysis import add_groups, paired_differences, per_task

    d = paired_differences(add_groups(per_task(store_rows())), [("mrcnn", "vgg")])
    np.testing.assert_allclose(d["difference (pp)"], 2.0)
    # every task gains exactly 2 pp on every seed: one and two stages give the same interval
    assert set(page.values["stage_width_ratio"].values()) <= {1.0} or all(
        np.isnan(v) for v in page.values["stage_width_ratio"].values())
    plt.close("all")


def test_fig3_and_ablations_on_small_stores():
    base = dict(dataset="cifar100", method="mrcnn", experiment="sensitivity", status="ok",
                profile="unit", weights="none", backbone="vgg16", k=3, alpha=1e-5, beta=1e-2,
                lr=10 ** -2.5, epsilon=0.1, prov_id="p")
    rows = []
    for task in ("a", "b"):
        rows.append({**base, "task_id": task, "seed": 0, "variant": "base", "accuracy": 0.8,
                     "run_key": f"{task}base"})
        for k, acc in ((1, 0.7), (10, 0.9)):
            rows.append({**base, "task_id": task, "seed": 0, "variant": "vary:k", "k": k,
                         "accuracy": acc, "run_key": f"{task}k{k}"})
    page = figures.fig3(pd.DataFrame(rows), "unit")
    assert page.values["sensitivity_params"] == ["k"]
    abl = [{**base, "experiment": "ablation", "task_id": t, "seed": 0, "variant": v,
            "accuracy": 0.8 + (0.05 if v != "paper" else 0), "run_key": f"{t}{v}"}
           for t in ("a", "b") for v in ("paper", "graph_pixels")]
    page = figures.ablations(pd.DataFrame(abl), "unit")
    assert page.values["ablation_variants"] == [ABLATION_LABEL["paper"], ABLATION_LABEL["graph_pixels"]]
    from mrcnn_core.analysis import ablation_table

    t = ablation_table(pd.DataFrame(abl))
    assert t.loc[ABLATION_LABEL["graph_pixels"], "diff vs paper (pp)"] == pytest.approx(5.0)
    plt.close("all")


def test_selected_hparams_counts_choices():
    rows = store_rows(methods=("lr", "tsvm"))
    rows["chosen"] = np.where(rows["method"] == "lr", '{"C": 100.0, "select": "source_cv:3 folds"}',
                              '{"lam": 1e-05, "start": "kmeans"}')
    page = figures.selected_hparams(rows)
    n_tasks = rows["task_id"].nunique()
    assert page.values["n_choices"] == 3 * n_tasks  # C, lambda and the winning start per task
    plt.close("all")


def test_pages_of_an_empty_store_say_so(tmp_path):
    from mrcnn_core.analysis import load_runs

    runs = load_runs(tmp_path / "nothing-here", experiment="main")
    for page in (figures.table1(runs, "unit"), figures.fig2a(runs), figures.fig2b(runs, "unit"),
                 figures.statistics(runs, "unit"), figures.fig3(runs, "unit"),
                 figures.ablations(runs, "unit"), figures.selected_hparams(runs)):
        assert any("No" in p for p in page.parts if isinstance(p, str))
    plt.close("all")


def test_one_stamp_per_figure_and_figures_at_column_width():
    from mrcnn_core.book.plots import MIN_WIDTH

    for page in (figures.fig2b(store_rows(), "unit"), figures.statistics(store_rows(), "unit")):
        for fig in (p for p in page.parts if isinstance(p, plt.Figure)):
            assert sum("profile unit" in t.get_text() for t in fig.texts) == 1
            assert not any("profile unit" in t.get_text() for ax in fig.axes for t in ax.texts)
            assert fig.get_size_inches()[0] >= MIN_WIDTH - 1e-9
    plt.close("all")


def test_banner_folds_all_but_one_line(tmp_path):
    from mrcnn_core.analysis import provenance_banner
    from mrcnn_core.experiments.store import ResultsStore

    st = ResultsStore(tmp_path)
    st.add_provenance({"dataset": "cifar100", "n_samples": 1000, "git_commit": "abcdef123456",
                       "backend": "jax", "device": "cpu", "date": "2026-11-27",
                       "differences": ["Data: the reduced CIFAR-100 (domains of 200)."]})
    pid = st.load_provenance()[0]["prov_id"]
    st.runs.write_text("run_key\n")  # a store folder is one with runs.csv
    runs = store_rows().assign(prov_id=pid, store=str(tmp_path), weights="file:w.h5")
    text = provenance_banner(runs, [tmp_path])
    visible, folded = text.split("<details>", 1)
    assert visible == ""  # answer first: the page's answer, then one folded line
    summary = folded.split("</summary>")[0]
    assert "commit abcdef1" in summary and "**" not in summary  # HTML bold inside <summary>
    assert "backbone vgg16 (ImageNet weights)" in summary and "CIFAR-100 (reduced)" in summary
    assert "CIFAR-100 8 tasks" in summary
    assert folded.rstrip().endswith("</details>") and "**Backend/device:** jax / cpu" in folded
    assert text.count("reduced CIFAR-100") == 1  # the reduced-data warning is said once
    smoke = provenance_banner(runs.assign(profile="smoke", weights="none"), [tmp_path])
    assert "⚠️" in smoke.split("<details>")[0] and "random backbone weights" in smoke


def test_per_task_csv_names_task_method_seeds_store(tmp_path, monkeypatch):
    monkeypatch.setenv("MRCNN_DOWNLOADS", str(tmp_path))
    page = figures.downloads(store_rows().assign(store="results/x"), "20_table1", "unit")
    assert 'href="20_table1-unit.csv"' in page.parts[0]
    t = pd.read_csv(tmp_path / "20_table1-unit.csv")
    assert {"task_id", "method", "seeds", "store"} <= set(t.columns)
    vgg = t[(t["task_id"] == "s0->t0") & (t["method"] == "vgg")].iloc[0]
    assert vgg["seeds"] == "0;1" and vgg["n_seeds"] == 2 and vgg["store"] == "results/x"
    assert vgg["accuracy_mean"] == pytest.approx(0.645)
    assert len(t) == 8 * 4  # 8 tasks x 4 methods


def test_selection_page_says_where_choices_pile_at_a_grid_edge():
    import json
    rows = [dict(dataset="corel", method="tsvm", task_id=f"t{i}",
                 chosen=json.dumps({"lam": 1e-5 if i < 7 else 0.1, "start": "a"})) for i in range(10)]
    rows += [dict(dataset="corel", method="lr", task_id=f"t{i}",
                  chosen=json.dumps({"C": [0.1, 1.0, 10.0][i % 3]})) for i in range(9)]
    lines = figures.grid_edge_lines(pd.DataFrame(rows))
    assert lines[0].startswith("corel, TSVM: lambda: 7 of 10 tasks chose 1e-05, the lowest value")
    assert lines[-1] == "No edge holds a third of the tasks for: corel LR: C."


def test_ablation_page_falls_back_to_the_earlier_store_only_without_deterministic_runs(tmp_path):
    legacy = "results/legacy/imagenet-vgg16-nondeterministic"
    runs, where, note = figures.ablation_runs("results/imagenet-vgg16", legacy)
    assert note == "" and where == "results/imagenet-vgg16" and (runs["deterministic"] == "yes").all()
    runs, where, note = figures.ablation_runs(str(tmp_path), legacy)  # a store with none
    assert where == legacy and len(runs) and "No deterministic ablation run" in note


def test_pair_and_group_colours_are_no_methods_colours():
    """#41: the pairs' palette reused MRCNN's orange and TCA's teal."""
    from matplotlib.colors import to_rgb

    from mrcnn_core.book.plots import GROUP_PALETTE, PALETTE, pair_palette

    methods = [to_rgb(c) for c in PALETTE.values()]
    others = list(pair_palette([f"p{i}" for i in range(7)]).values()) + list(GROUP_PALETTE.values())
    for c in others:
        near = min(sum((a - b) ** 2 for a, b in zip(to_rgb(c), m)) ** 0.5 for m in methods)
        assert near > 0.15, (c, near)


def test_a_verdict_on_part_of_the_grid_says_it_is_interim():
    """Table 1's answer said 'inconclusive' on 339 of 400 VGG19 tasks where the front page's
    ledger said 'pending' for the same number."""
    from mrcnn_core.book.figures.table1 import interim

    assert interim(400) == ""
    assert "339 of the 400 planned tasks" in interim(339) and "*pending*" in interim(339)


def test_a_study_page_says_when_it_reads_another_profile_than_the_books():
    assert figures.on_the_substitute("smoke", "smoke") == ""
    line = figures.on_the_substitute("imagenet-vgg19", "imagenet-vgg16")
    assert "profile imagenet-vgg16, not on the book's profile imagenet-vgg19" in line
    assert "VGG16" in line and line.endswith("\n\n")  # a paragraph before the provenance
