"""How much one run tells: hand-computed seed spreads, collapse counts and half-widths."""
import numpy as np
import pandas as pd
import pytest

from mrcnn_core.studies import stability as S


def runs():
    rows = []
    acc = {("t1", "mrcnn"): [0.8, 0.6, 0.7], ("t2", "mrcnn"): [0.5, 0.5, 0.5],
           ("t1", "vgg"): [0.7, 0.7, 0.7], ("t2", "vgg"): [0.75, 0.5, 0.6]}
    for (t, m), a in acc.items():
        for s, x in enumerate(a):
            rows.append({"dataset": "cifar100", "task_id": t, "target": t.upper(), "method": m,
                         "seed": s, "accuracy": x, "profile": "p", "weights": "w",
                         "backbone": "vgg16", "run_key": f"{t}{m}{s}", "epsilon": 0.1,
                         "experiment": "main", "variant": "paper", "deterministic": "yes"})
    return pd.DataFrame(rows)


def test_seed_spread_and_pair_gaps():
    sp = S.seed_spread(runs()).set_index(["method", "task_id"])
    assert sp.loc[("mrcnn", "t1"), "std_pp"] == pytest.approx(10.0)
    assert sp.loc[("mrcnn", "t1"), "range_pp"] == pytest.approx(20.0)
    assert sp.loc[("vgg", "t1"), "std_pp"] == 0
    g = S.seed_pair_gaps(runs()).loc[("cifar100", "mrcnn")]
    assert g["tasks"] == 2 and g["mean_gap_pp"] == pytest.approx(10.0)
    assert g["share over 10 pp (%)"] == pytest.approx(50.0)  # t1: 20 pp, t2: 0 pp


def test_collapse_is_counted_per_run_and_per_task():
    ct = S.collapse_table(runs()).loc[("cifar100", "MRCNN")]
    assert ct["runs"] == 6 and ct["collapsed runs (%)"] == pytest.approx(50.0)
    assert ct["tasks with a collapsed seed (%)"] == 50 and ct["tasks collapsed at every seed (%)"] == 50
    v = S.collapse_table(runs()).loc[("cifar100", "VGG")]
    assert v["collapsed runs (%)"] == pytest.approx(100 / 6)  # t2 seed 1 only
    # an unbalanced domain: a one-class run scores that class's share, not 0.5
    r = runs().assign(accuracy=0.25)
    assert S.collapsed(r, {"t1": (0.25, 0.75)}).tolist() == [1.0] * 3 + [0.0] * 3 + [1.0] * 3 + [0.0] * 3


def test_collapse_is_not_counted_where_the_class_shares_are_unknown():
    """Corel without its data: its domains are unbalanced, so 0.5 is not what a one-class run
    scores; the share is unknown (NaN, with a note), not a smaller number."""
    corel = runs().assign(dataset="corel", accuracy=0.3)
    assert S.collapsed(corel, {}).isna().all()
    ct = S.collapse_table(corel)
    assert ct["collapsed runs (%)"].isna().all()
    assert "corel: not counted" in S.collapse_note(ct)
    known = S.collapse_table(corel, {"t1": (0.3, 0.7), "t2": (0.4, 0.6)}).loc[("corel", "MRCNN")]
    assert known["collapsed runs (%)"] == pytest.approx(50.0)  # t1's three runs
    assert S.collapse_note(S.collapse_table(runs())) == ""


def test_halfwidth_by_hand():
    t = S.halfwidth_table(seed_sd=4.0, task_sd=5.0)
    # 10 tasks (10 clusters), 3 seeds: 1.96 * sqrt(25/10 + 2*16/30)
    assert t.loc[(10, 3), "95% half-width (pp)"] == pytest.approx(1.96 * np.sqrt(2.5 + 32 / 30))
    # 400 tasks form 25 clusters
    assert t.loc[(400, 3), "clusters"] == 25
    # 50 tasks x 3 seeds: 1.96 * sqrt(25/25 + 32/150) = 2.16 < 2.5; 10 x 3 gives 3.5
    assert "needs about 50 tasks x 3 seed(s)" in S.needs_sentence(4.0, 5.0, 2.5)
    assert S.needs_sentence(4.0, 5.0, 0.1).startswith("No design")


def test_stability_page_renders():
    from mrcnn_core.book.figures import stability

    lines = pd.DataFrame([{"stored_on": "jax / gpu:H200", "here": "jax / cpu:cpu", "method": "mrcnn",
                           "diff": 0.03}, {"stored_on": "jax / gpu:H200", "here": "jax / cpu:cpu",
                                           "method": "mrcnn", "diff": -0.01}])
    page = stability(runs(), "p", lines)
    assert page.values["tasks_with_seeds"] == 4
    assert page.values["collapse"]["cifar100/MRCNN"] == pytest.approx(50.0)
    assert page.values["seed_sd_pp"] > 0
    text = " ".join(p for p in page.parts if isinstance(p, str))
    assert "What follows" in text


def test_verify_lines_split_device_spread_from_legacy_reruns():
    lines = pd.DataFrame([
        {"stored_on": "jax / gpu:H200", "here": "jax / cpu:cpu", "method": "mrcnn", "diff": -0.02,
         "match": "other-device", "stored_deterministic": "yes"},
        {"stored_on": "tensorflow / cpu", "here": "tensorflow / cpu", "method": "mrcnn",
         "diff": 0.06, "match": "differs", "stored_deterministic": "no"},
        {"stored_on": "tensorflow / cpu", "here": "tensorflow / cpu", "method": "mrcnn",
         "diff": 0.0, "match": "exact", "stored_deterministic": "no"}])
    dv = S.device_spread(lines)
    assert dv["runs"].tolist() == [1] and dv["max"].tolist() == [2.0]
    assert "3 rows" not in S.legacy_reruns(lines)
    assert S.legacy_reruns(lines).startswith("Re-run on the backend and device that made them, 2 rows")
    assert "1 different numbers (up to 6.0 pp)" in S.legacy_reruns(lines)


def test_stability_page_with_one_seed_still_shows_tables():
    from mrcnn_core.book.figures import stability

    one = runs()[lambda d: d["seed"] == 0]
    page = stability(one, "smoke")
    assert page.values["tasks_with_seeds"] == 0
    assert any(not isinstance(p, str) for p in page.parts)  # the collapse table
    assert any("more than one seed" in p for p in page.parts if isinstance(p, str))
