"""Alt text of the book's figures (mrcnn_core/book/alttext.py) and the HTML check of it."""
import base64
import hashlib
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mrcnn_core.book.alttext import apply, figure_alt  # noqa: E402
from mrcnn_core.book.htmlcheck import check_page  # noqa: E402


def test_a_figure_is_described_by_its_own_words():
    fig, (a, b) = plt.subplots(1, 2)
    fig.suptitle(r"Fig. 3: sensitivity to $\alpha$.")
    a.plot([1, 2], [3, 4])
    a.set(title="left", xlabel=r"$\alpha$", ylabel="target accuracy (%)")
    b.bar([0, 1], [1, 2])
    b.set(title="right", xlabel="k (neighbours)")
    alt = figure_alt(fig)
    plt.close(fig)
    assert alt == ("Figure: Fig. 3: sensitivity to alpha. 2 panels: left, target accuracy (%) "
                   "against alpha (lines); right, k (neighbours) (bars).")


def test_the_build_writes_each_figures_alt_text_and_the_check_finds_one_without(tmp_path):
    png = b"\x89PNG fake bytes"
    digest = hashlib.sha256(png).hexdigest()
    nb = {"cells": [{"cell_type": "code", "outputs": [{
        "output_type": "display_data", "data": {"image/png": base64.b64encode(png).decode()},
        "metadata": {"image/png": {"alt": 'Figure: a "quoted" title.'}}}]}]}
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "page.ipynb").write_text(json.dumps(nb))
    html = tmp_path / "html"
    html.mkdir()
    src = f"../../_images/{digest}.png"
    other = "../../_images/" + "0" * 64 + ".png"
    (html / "page.html").write_text(f'<main><img alt="{src}" src="{src}" />'
                                    f'<img alt="{other}" src="{other}" /></main>')
    faults = check_page(html / "page.html", html)
    assert [f.kind for f in faults] == ["alt", "alt"]  # both say their file name
    assert apply(html, tmp_path / "nb") == 1
    text = (html / "page.html").read_text()
    assert 'alt="Figure: a &quot;quoted&quot; title."' in text
    faults = check_page(html / "page.html", html)
    assert [f.kind for f in faults] == ["alt"] and "0000" in faults[0].text  # the one without
