"""One contract for every registered method (in the spirit of scikit-learn's
``parametrize_with_checks``): it finds the methods by itself, so a new entry in
``mrcnn_core/methods.py`` is tested without touching this file, and a derived list that
misses a method fails here."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from mrcnn_core.methods import CNN, METHODS, REGISTRY, SHALLOW, STATS_PAIRS, TABLE1_PAIRS, all_methods  # noqa: E402

ALL = [pytest.param(m, id=m.name) for m in all_methods()]
SMALL = {"tlda": dict(steps=30, pretrain_steps=10), "tsvm": {}, "tca": dict(dims=(2, 4))}


def two_blobs(seed=0, n=30, d=8, shift=0.3):
    rng = np.random.default_rng(seed)
    ys = np.repeat([0, 1], n)
    Xs = rng.normal(size=(2 * n, d)) + 2.0 * ys[:, None]
    Xt = rng.normal(size=(2 * n, d)) + 2.0 * ys[:, None] + shift
    return Xs, ys, Xt, ys.copy()


@pytest.fixture(scope="module")
def corel_task(tmp_path_factory):
    from conftest import write_corel
    from mrcnn_core import corel_tasks, load_corel

    return corel_tasks(load_corel(write_corel(tmp_path_factory.mktemp("c") / "corel.mat")))[0]


def fit(m, corel_task):
    """Fit method ``m`` on a small task; return (accuracy, what its selection recorded)."""
    if m.cnn:
        from mrcnn_core import fit_task

        r = fit_task(corel_task, m.name, steps=3)
        return r.accuracy, {}
    Xs, ys, Xt, yt = two_blobs()
    est = m.make(seed=0, **SMALL.get(m.name, {}))
    est.fit(Xs, ys, Xt)
    return est.score(Xt, yt), est.selected_


@pytest.mark.parametrize("m", ALL)
def test_fits_a_small_task_and_records_its_selection(m, corel_task):
    acc, chosen = fit(m, corel_task)
    assert 0.0 <= acc <= 1.0
    if not m.cnn:
        assert acc > 0.8, "two well-separated blobs"
        for key, _ in m.selects:
            assert key in chosen, f"{m.name} does not record {key!r}"
        json.dumps(chosen, default=str)  # storable


@pytest.mark.parametrize("m", ALL)
def test_round_trips_through_the_store(m, tmp_path, corel_task):
    from mrcnn_core.experiments.store import RUN_COLUMNS, ResultsStore

    acc, chosen = fit(m, corel_task)
    row = dict.fromkeys(RUN_COLUMNS, "")
    row.update(run_key=f"k-{m.name}", dataset="corel", task_id="t", method=m.name, seed=0,
               accuracy=acc, status="ok", chosen=chosen)
    st = ResultsStore(tmp_path)
    st.add(row)
    back = st.load().iloc[0]
    assert back["method"] == m.name and back["accuracy"] == pytest.approx(acc)
    assert json.loads(back["chosen"]) == json.loads(json.dumps(chosen, sort_keys=True, default=str))


def store_with(method: str) -> pd.DataFrame:
    """A small main-experiment store: LR (it defines Table 1's groups) and ``method``."""
    rows = []
    for t in range(6):
        for m in {"lr", method}:
            chosen = {k: 1.0 for k, _ in REGISTRY[m].selects}
            rows.append(dict(dataset="cifar100", task_id=f"s->t{t}", source="s", target=f"t{t}",
                             method=m, seed=0, experiment="main", variant="paper",
                             accuracy=0.6 + 0.01 * t, epsilon=0.1, status="ok", profile="unit",
                             weights="none", backbone="vgg16", run_key=f"{t}|{m}", prov_id="p",
                             chosen=json.dumps(chosen)))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("m", ALL)
def test_appears_in_table1_and_the_selection_page(m):
    from mrcnn_core.book import figures

    page = figures.table1(store_with(m.name), "unit")
    assert m.label in page.values["table1"], f"{m.label} missing from Table 1"
    sel = figures.selected_hparams(store_with(m.name))
    if m.selects:
        fig = next(p for p in sel.parts if isinstance(p, plt.Figure))
        titles = " ".join(ax.get_title() for ax in fig.axes)
        for _, label in m.selects:
            if label.endswith("start"):
                continue  # a name, not stored in this synthetic row as a number
            assert label in titles, f"{label} missing from the selection page"
    plt.close("all")


@pytest.mark.parametrize("m", ALL)
def test_rejects_bad_parameters_with_a_clear_error(m, corel_task):
    if m.cnn:
        from mrcnn_core import fit_task

        with pytest.raises(ValueError, match="lr"):
            fit_task(corel_task, m.name, steps=3, lr=-1.0)
    elif m.selection:
        Xs, ys, Xt, yt = two_blobs()
        with pytest.raises(ValueError, match="'bogus'"):
            m.make(select="bogus", seed=0).fit(Xs, ys, Xt)
    else:
        with pytest.raises(ValueError, match="steps=-1"):
            m.make(seed=0, steps=-1)


def test_every_derived_list_holds_every_method():
    from mrcnn_core import analysis
    from mrcnn_core.method import hparams
    from mrcnn_core.baselines import BASELINES
    from mrcnn_core.book import figures, plots
    from mrcnn_core.experiments import profile

    # one METHODS: the profile module uses the registry's own tuple, hparams holds none
    assert profile.METHODS is METHODS and not hasattr(hparams, "METHODS")
    assert analysis.METHOD_ORDER == list(METHODS)
    assert set(analysis.METHOD_LABEL) == set(METHODS)
    assert set(plots.PALETTE) == {m.label for m in all_methods()}
    assert len(set(plots.PALETTE.values())) == len(METHODS), "two methods share a colour"
    assert set(BASELINES) == set(SHALLOW)
    assert {m for m, x in REGISTRY.items() if x.selects} == set(figures.SELECTED)
    for a, b in TABLE1_PAIRS + STATS_PAIRS:
        assert a in REGISTRY and b in REGISTRY


def test_cli_help_names_every_method(capsys):
    from mrcnn_core.__main__ import main

    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "subset of " + ",".join(METHODS) in text


@pytest.mark.parametrize("cmd", ["sweep", "book"])
def test_cli_help_names_every_profile_and_experiment(cmd, capsys):
    """The help texts come from what exists: a shipped profile or an experiment the help
    leaves out fails here (they were once hand-written and went stale)."""
    from mrcnn_core.__main__ import main
    from mrcnn_core.experiments.profile import EXPERIMENTS, shipped_profiles

    with pytest.raises(SystemExit):
        main([cmd, "--help"])
    # argparse may wrap a line after a hyphen ("imagenet-\nvgg16")
    text = " ".join(capsys.readouterr().out.split()).replace("- ", "-")
    missing = [p for p in shipped_profiles() if p not in text]
    if cmd == "sweep":
        missing += [e for e in EXPERIMENTS if f"{e} (" not in text]
    assert not missing and "imagenet-vgg19" in text, missing


def test_unknown_method_is_named():
    from mrcnn_core.methods import method

    with pytest.raises(ValueError, match="unknown method 'svn'; choose from lr, svm"):
        method("svn")


def test_selection_grids_come_from_the_registry(monkeypatch):
    """A method with a grid in its registry entry appears in the selection page's grid-edge
    lines without a second hand-kept list (#36)."""
    from mrcnn_core import methods
    from mrcnn_core.baselines.lr import C_GRID
    from mrcnn_core.book.figures.supplements import selection_grids

    assert selection_grids()[("lr", "C")] == tuple(C_GRID)
    new = methods.Method("throwaway", "THROWAWAY", "shallow", "#123456",
                         "mrcnn_core.baselines.lr:LR", (("C", "THROWAWAY: C"),),
                         grids=(("C", "mrcnn_core.baselines.lr:C_GRID"),))
    monkeypatch.setitem(methods.REGISTRY, "throwaway", new)
    assert selection_grids()[("throwaway", "C")] == tuple(C_GRID)


def test_a_new_shallow_method_joins_table1s_comparisons_by_rule(monkeypatch):
    """No fixed tuple to edit: a method the paper did not run is compared with LR, and VGG
    with it (#36)."""
    from mrcnn_core import methods

    assert methods.table1_pairs()[:6] == methods.PAPER_PAIRS
    new = methods.Method("throwaway", "THROWAWAY", "shallow", "#123456",
                         "mrcnn_core.baselines.lr:LR")
    monkeypatch.setitem(methods.REGISTRY, "throwaway", new)
    pairs = methods.table1_pairs()
    assert ("throwaway", "lr") in pairs and ("vgg", "throwaway") in pairs
    assert len(pairs) == len(set(pairs))


def test_the_bench_command_prints_its_json_lines(capsys, monkeypatch):
    """``bench`` (the conv5 forms' timing) had no test: one arm, one step, its lines parse and
    the summary names the device, backend and backbone (no timing is asserted)."""
    import json

    from mrcnn_core.__main__ import main

    assert main(["bench", "--shapes", "shared", "--arms", "fast", "--steps", "1",
                 "--backbone", "vgg16"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert [x["event"] for x in lines] == ["arm", "shape", "summary"]
    s = lines[-1]
    assert s["backbone"] == "vgg16" and s["conv5_layers"] == 3 and "shared" in s["shapes"]
    assert s["shapes"]["shared"]["flops_per_task_step"] > 0
    assert main(["bench", "--shapes", "nope", "--arms", "fast", "--steps", "1"]) == 2
