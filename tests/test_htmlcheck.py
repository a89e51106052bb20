"""The check over the built HTML finds each fault a reader found (#34), and only those."""
from pathlib import Path

from mrcnn_core.book.htmlcheck import check_html

PAGE = """<html><body><main><h1 id="top">Page</h1>
<p>The learning rate changes $\\beta$ and here $x$ renders: <span class="math">\\(\\beta\\)</span></p>
<pre>export X=$HOME</pre>
<table><thead><tr><th></th><th>mean_diff_pp</th><th>bootstrap p</th></tr></thead>
<tbody><tr><th>a</th><td>75.240000</td><td>0.0048</td></tr>
<tr><th>b</th><td>75.2</td><td>p &lt; 0.0001</td></tr>
<tr><th>c</th><td>commit 3.11.7</td><td>-</td></tr></tbody></table>
<a href="other.html">ok</a> <a href="missing.html">dead</a> <a href="other.html#here">anchor</a>
<a href="other.html#nowhere">bad anchor</a> <a href="https://example.org">external</a>
<a href="#top">self</a> <a href="">nowhere</a>
</main></body></html>"""
OTHER = "<html><body><main><h1 id='here'>Here</h1>" + "x" * 300 + "</main></body></html>"


def test_each_fault_is_found_once_and_the_rest_pass(tmp_path: Path):
    (tmp_path / "index.html").write_text("<html></html>")  # a book's root redirect
    (tmp_path / "page.html").write_text(PAGE + " " * 200)
    (tmp_path / "other.html").write_text(OTHER)
    faults = check_html(tmp_path)
    kinds = sorted((f.kind, f.text.split(" (")[0]) for f in faults)
    assert ("latex", "The learning rate changes $\\beta$ and here $x$ renders:") in kinds
    assert ("header", "mean_diff_pp") in kinds
    assert ("decimals", "75.240000") in kinds
    assert ("link", "missing.html") in kinds and ("link", "other.html#nowhere") in kinds
    # p-values, versions, code, rendered math, external links and good anchors pass
    assert ("link", "empty link on 'nowhere'") in kinds
    assert len(faults) == 6, faults


def test_no_built_book_is_a_clear_error(tmp_path: Path):
    import pytest

    with pytest.raises(FileNotFoundError, match="make book"):
        check_html(tmp_path / "nowhere")
