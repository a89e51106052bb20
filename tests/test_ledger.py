"""The ledger of evidence (#41): five words only, pending while a plan is incomplete, one
number per cell computed once, and each front-page number on the page it links to."""
import numpy as np
import pandas as pd
import pytest

from mrcnn_core.studies import ledger as L
from mrcnn_core.book import figures
from mrcnn_core.book.figures import ledger as LP


@pytest.fixture(scope="module")
def committed():
    return L.load()  # the committed stores, as the front page reads them


def test_every_cell_says_one_of_five_words_or_is_not_tested(committed):
    assert set(committed["verdict"]) <= set(L.VERDICTS) | {""}
    assert set(committed["evidence"]) == {e.key for e in L.EVIDENCE}
    # every claim of the paper on the paper's pair, on both backbones and Corel
    for ev in ("vgg19", "vgg16", "corel"):
        assert set(committed[committed["evidence"] == ev]["claim"]) == set(L.PAPER_CLAIMS)
    # a verdict other than pending is only given on a complete plan
    done = committed[committed["verdict"].isin(L.VERDICTS[:4])]
    assert (done["covered"] >= done["planned"]).all()
    pend = committed[committed["verdict"] == "pending"]
    assert (pend["covered"] < pend["planned"]).all()


def test_a_partial_grid_is_pending_with_its_interim_number(committed):
    v = L.cell(committed, "mrcnn_vgg", "vgg19")
    if v["covered"] < 400:
        assert v["verdict"] == "pending" and np.isfinite(v["estimate"])
        assert L.coverage(v) == f"{int(v['covered'])} of 400 tasks"


def test_tsvm_lr_is_one_number_under_both_backbones(committed):
    a, b = L.cell(committed, "tsvm_lr", "vgg19"), L.cell(committed, "tsvm_lr", "vgg16")
    assert L.number(a) == L.number(b) and a["verdict"] == b["verdict"]
    assert "no backbone" in a["note"]


def test_the_held_out_cells_are_the_planned_analysis(committed):
    from mrcnn_core.studies import heldout as H
    from mrcnn_core.analysis import load_runs

    planned = H.analyse(load_runs("results/heldout-vgg16", experiment="pairs", ok_only=False))
    for r, key in zip(planned, ("mrcnn_vgg", "tsvm_lr", "epsilon")):
        c = L.cell(committed, key, "heldout")
        assert c["verdict"] == (r.verdict if r.complete else "pending")
        assert (np.isnan(c["estimate"]) and np.isnan(r.estimate)) or c["estimate"] == r.estimate


def _page_numbers(page: str) -> set[str]:
    # a toc meta page is its notebook with the toc's parameters (the others: the default)
    from mrcnn_core.book.build import pages

    src, params = next((s, p) for pg, s, p in pages() if pg == page)
    p = figures.in_the_ledger(src, params.get("profile", "imagenet-vgg19"),
                              dataset=params.get("dataset"))
    return set(p.values["ledger_numbers"]), p


def test_each_front_page_number_is_on_the_page_it_links_to(committed):
    front = LP.ledger_page(committed, "imagenet-vgg19").values["ledger"]
    for page in sorted(set(committed["page"])):
        cells = committed[(committed["page"] == page) & (committed["verdict"] != "")]
        shown, p = _page_numbers(page)
        for _, c in cells.iterrows():
            num = front[f"{c['claim']} | {c['evidence']}"]["number"]
            if num:
                assert num in shown, (page, c["claim"], c["evidence"], num)
                assert num in "\n".join(x for x in p.parts if isinstance(x, str))


def test_the_tally_and_the_matrix(committed):
    s = LP.tally_sentence(committed)
    assert s.startswith("Of the paper's 5 claims, ") and "on its own backbone (VGG19" in s
    html = LP.matrix_html(committed)
    assert html.count("<tr>") == 1 + len(L.PAPER_CLAIMS)
    assert "ledger-box" in html  # a box that scrolls, not a page wider than the screen
    words = {w for w in L.VERDICTS if f">{w}</b>" in html}
    assert words and words <= set(L.VERDICTS)


def test_a_verdict_outside_the_five_words_is_refused(monkeypatch):
    rows = pd.DataFrame({"method": ["vgg", "mrcnn"], "dataset": "cifar100"})
    bad = [L._cell("mrcnn_vgg", "vgg16", verdict="measured")]
    monkeypatch.setattr(L, "_main_cells", lambda *a, **k: bad)
    with pytest.raises(ValueError, match="measured"):
        L.ledger(rows.iloc[:0], evidence=("vgg16",))


def test_license_and_citation_name_the_repository_url_set_in_one_place():
    from pathlib import Path

    import yaml

    from mrcnn_core.book.colab import repository

    root = Path(__file__).resolve().parents[1]
    url, _ = repository()
    cff = yaml.safe_load((root / "CITATION.cff").read_text())
    assert cff["repository-code"] == url and cff["license"] == "MIT"
    assert "MIT License" in (root / "LICENSE").read_text()
    import tomllib

    assert tomllib.loads((root / "pyproject.toml").read_text())["project"]["license"]["text"] == "MIT"
    bib = LP.citation().parts[0]
    assert f"url    = {{{url}}}" in bib and "author = {{The MRCNN" in bib


def test_a_page_on_other_stores_shows_no_ledger_cells():
    """The full-baselines page (Table 1 on the baseline store alone) showed 'MRCNN beats VGG:
    pending, 0 of 400' under the ledger's name: other numbers than the front page's."""
    p = figures.in_the_ledger("20_table1", "imagenet-vgg16", "results/baselines")
    assert not p.parts and not p.values


def test_each_column_reads_its_own_stores_whatever_the_books_profile(committed):
    """A book on the paper's backbone (#43 item 5) and one on the substitute show one ledger:
    the VGG16 and Corel columns never read VGG19 rows, nor the VGG19 column VGG16's."""
    pd.testing.assert_frame_equal(L.load("imagenet-vgg16"), committed)


def test_the_vgg19_column_says_which_planned_seeds_its_cells_lack():
    from mrcnn_core.book.figures.ledger import seeds_to_come

    def cells(seeds):
        return pd.DataFrame({"claim": ["mrcnn_vgg"], "seeds": [seeds]})

    assert seeds_to_come(cells("0"), "imagenet-vgg19") == (
        " Its cells rest on seed 0; seeds 1, 2 of the profile's plan are not stored yet "
        "(the campaign's last part).")
    assert "seed 2 of the profile's plan is not" in seeds_to_come(cells("0-1"), "imagenet-vgg19")
    assert seeds_to_come(cells("0-2"), "imagenet-vgg19") == ""
    assert seeds_to_come(cells(""), "imagenet-vgg19") == ""  # nothing stored: no claim


def test_a_cells_seeds_are_named_not_counted():
    """The ledger in full read '400 x 0' for 400 tasks at seed 0 (as if no seed)."""
    from mrcnn_core.book.figures.ledger import seed_words

    assert [seed_words(s) for s in ("0", "0-2", "0, 2", "")] == [
        "seed 0", "seeds 0-2", "seeds 0, 2", "-"]
