"""The campaign (issue #43): a committed plan run in chunks into a store per commit, skipping
what other stores hold, VGG trained once per source, resumable; status and summary."""
from pathlib import Path

import pytest
import yaml

from mrcnn_core.experiments import ResultsStore
from mrcnn_core.experiments.campaign import (CampaignError, chunks, load_plan, run, status,
                                             summary_line, planned_specs)
from tests.test_sweep import small


@pytest.fixture
def plan_file(tmp_path, corel_env):
    prof = small(tmp_path, steps=5, methods=("vgg", "mrcnn"), tasks=6)
    p = tmp_path / "plan.yaml"
    p.write_text(yaml.safe_dump({"name": "t", "parts": [
        {"name": "main", "profile": prof, "dataset": "corel", "experiment": "main",
         "methods": ["vgg", "mrcnn"], "seeds": [0], "chunk": 4}]}))
    return p


def test_campaign_runs_into_a_store_of_its_commit_and_skips_other_stores(plan_file, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("MRCNN_GIT_COMMIT", "abcdef0123456789")
    plan = load_plan(str(plan_file))
    _, _, specs = planned_specs(plan.parts[0])
    assert [c["n_tasks"] for c in chunks(plan.parts[0], specs)] == [4, 6]
    out = tmp_path / "results"
    # one run already stored ok in another store of the profile: the campaign skips it
    from mrcnn_core.experiments import sweep

    sweep(str(plan.parts[0].profile), dataset="corel", methods=["vgg"], n_tasks=1,
          results=out / "t" / "older", progress=False)
    lines = []
    run(plan, out, log=lines.append)
    store = out / "t" / "campaign-abcdef0-cpu"
    df = ResultsStore(store).load()
    assert len(df) == len(specs) - 1 and (df["status"] == "ok").all()
    assert not set(df["run_key"]) & ResultsStore(out / "t" / "older").done_keys()
    assert any("VGG trained once per source: yes" in x for x in lines)
    vgg = df[df["method"] == "vgg"]
    shared = vgg[vgg["trained_with"].fillna("") != ""]
    assert len(shared) >= 1  # 6 Corel tasks of 12 share sources
    assert set(shared["trained_with"]) <= set(vgg["run_key"])
    prov = ResultsStore(store).load_provenance()
    assert prov and "one training per source" in prov[-1]["vgg_training"]
    # resumable: a second run stores nothing new
    run(plan, out, log=lines.append)
    assert len(ResultsStore(store).load()) == len(df)
    (row,) = status(plan, out)
    assert row["stored"] == row["planned"] == len(specs) and row["by_campaign"] == len(df)
    assert "main 12/12 (+11 by the campaign)" in summary_line([row], "abcdef0123", "cpu x")


def test_campaign_refuses_a_dirty_tree_and_a_bad_plan(plan_file, tmp_path, monkeypatch):
    monkeypatch.setenv("MRCNN_GIT_COMMIT", "abcdef0+dirty")
    with pytest.raises(CampaignError, match="clean commit"):
        run(load_plan(str(plan_file)), tmp_path / "r")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"parts": [{"name": "x", "profile": "smoke", "typo": 1}]}))
    with pytest.raises(CampaignError, match="typo"):
        load_plan(str(bad))
    with pytest.raises(CampaignError, match="shipped: remaining"):
        load_plan("nonesuch")


def test_the_committed_plan_is_the_issue_order():
    plan = load_plan("remaining")
    assert [p.name for p in plan.parts] == ["vgg19-main-seed0", "heldout-cnn",
                                            "vgg19-main-seeds12"]
    assert plan.parts[1].profile == "heldout-vgg16" and plan.parts[1].seeds == [0, 1, 2]


def test_parts_run_in_the_order_named_and_a_chunk_for_every_part(plan_file, tmp_path, monkeypatch):
    """A GPU runs the most valuable part first and batches more tasks per sweep: ``parts`` in
    the order named, ``chunk`` for every part; a part the plan lacks is one clear error."""
    monkeypatch.setenv("MRCNN_GIT_COMMIT", "abcdef0123456789")
    plan = load_plan(str(plan_file))
    _, _, specs = planned_specs(plan.parts[0])
    assert [c["n_tasks"] for c in chunks(plan.parts[0], specs, 5)] == [5, 6]
    with pytest.raises(CampaignError, match=r"unknown part\(s\) \['nope'\].*its parts: main"):
        run(plan, tmp_path / "r", parts=["nope"])
    with pytest.raises(CampaignError, match="chunk must be >= 1"):
        run(plan, tmp_path / "r", chunk=0)


def test_resume_needs_the_state_of_a_campaign(tmp_path):
    from mrcnn_core.experiments.campaign import resume

    with pytest.raises(CampaignError, match="no campaign to resume"):
        resume(tmp_path)
    (tmp_path / ".campaign").mkdir()
    (tmp_path / ".campaign" / "campaign.json").write_text(
        '{"commit": "abc", "worktree": "%s", "plan": "remaining", "out": "r", "pid": 0}'
        % (tmp_path / "gone"))
    with pytest.raises(CampaignError, match="worktree .* is missing"):
        resume(tmp_path)


def test_status_names_a_missing_stores_folder_and_an_unknown_part(tmp_path, capsys):
    """From another folder, ``results`` is not the checkout's: status said 0 of everything."""
    from mrcnn_core.__main__ import main

    assert main(["campaign", "status", "--out", str(tmp_path / "nope")]) == 2
    assert "no stores folder" in capsys.readouterr().err
    assert main(["campaign", "status", "--out", str(tmp_path), "--parts", "x"]) == 2
    assert "unknown part(s) ['x']" in capsys.readouterr().err
