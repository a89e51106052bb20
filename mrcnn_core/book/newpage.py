"""``python -m mrcnn_core new-page NN_name "Title"``: a new executed page, wired in.

It writes what every page has, so a contributor writes only the page's figure function:
the MyST notebook ``notebooks/NN_name.md`` (title, the install cell of ``colab.install_cell``,
a ``parameters`` cell, a code cell that loads the profile's runs, shows the provenance
banner and the CSV link), its paired ``.ipynb`` (what Colab opens), the ``_toc.yml`` line
(last in the results part) and ``tests/test_page_NN_name.py``, which runs the page on the
book's committed stores with papermill and fails unless the page read runs.  Nothing is overwritten.
"""
from __future__ import annotations

import re
from pathlib import Path

NAME = re.compile(r"^\d\d_[a-z][a-z0-9_]*$")

PAGE = '''---
jupytext:
  formats: ipynb,md:myst
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# {title}

The question this page answers, and its answer in one or two computed sentences.

```{{code-cell}} ipython3
:tags: [parameters, remove-cell]

profile = "{profile}"  # the book's profile: its committed stores
results_dir = ""
```

```{{code-cell}} ipython3
:tags: [remove-input]

{install}
```

```{{code-cell}} ipython3
from IPython.display import Markdown, display
from mrcnn_core.analysis import load_runs, provenance_banner, result_folders
from mrcnn_core.book import figures

folders = result_folders(profile, results_dir)
runs = load_runs(*folders, experiment="main")
display(Markdown(provenance_banner(runs, folders)))
# the page's figure: a function of the runs in mrcnn_core/book/figures/, e.g.
# figures.my_figure(runs, profile).show()
figures.downloads(runs, "{name}", profile).show()
```
'''

TEST = '''"""The page {name} runs on the book's committed stores (written by `python -m mrcnn_core
new-page`): it must read runs, or its download is not offered and this test fails."""
from pathlib import Path

from mrcnn_core.book.notebook import read_records, run_notebook

ROOT = Path(__file__).resolve().parents[1]


def test_{name}_page_runs(tmp_path, real_cifar_root, monkeypatch):
    monkeypatch.setenv("MRCNN_DATA_DIR", str(real_cifar_root))
    monkeypatch.setenv("MRCNN_DOWNLOADS", str(tmp_path))
    out = run_notebook(ROOT / "notebooks" / "{name}.md", tmp_path / "{name}.ipynb",
                       {{"profile": "{profile}"}}, cwd=ROOT)
    assert read_records(out)["csv"] == "{name}-{profile}.csv"  # it read a committed store
'''


class NewPageError(ValueError):
    """A page name or title that cannot be used, or a page that exists."""


def new_page(name: str, title: str, root: str | Path) -> list[Path]:
    """Write the page, its notebook, its toc line and its test; return the files written."""
    import jupytext

    from .colab import install_cell

    root = Path(root)
    if not NAME.match(name):
        raise NewPageError(f"page name {name!r}: use two digits, an underscore and lower-case "
                           "words, e.g. 31_domain_gains")
    if not title.strip():
        raise NewPageError("the page needs a title")
    if any(c in title for c in "\n\r\t`") or any(ord(c) < 32 for c in title):
        # a newline in the title once injected a code cell into the generated page
        raise NewPageError(f"the title {title!r} holds a newline, tab, backtick or control "
                           "character: give it on one line, as plain text")
    md, ipynb = root / "notebooks" / f"{name}.md", root / "notebooks" / f"{name}.ipynb"
    test = root / "tests" / f"test_page_{name}.py"
    toc = root / "_toc.yml"
    entry = f"book/generated/{name}"
    taken = [p for p in (md, ipynb, test) if p.exists()]
    if taken or entry in toc.read_text():
        raise NewPageError(f"page {name} exists already ({', '.join(map(str, taken)) or toc})")
    from ..experiments.profile import DEFAULT_PROFILE

    md.write_text(PAGE.format(title=title.strip(), install=install_cell(name), name=name,
                              profile=DEFAULT_PROFILE))
    jupytext.write(jupytext.read(md), ipynb, fmt="ipynb")
    test.write_text(TEST.format(name=name, profile=DEFAULT_PROFILE))
    _add_to_toc(toc, entry)
    return [md, ipynb, toc, test]


def _add_to_toc(toc: Path, entry: str) -> None:
    """After the last ``book/generated/NN_...`` chapter of the results part (text edit, so the
    file's comments stay)."""
    lines = toc.read_text().splitlines(keepends=True)
    last = max(i for i, ln in enumerate(lines)
               if re.match(r"\s+- file: book/generated/\d\d_", ln))
    # the chapter's own block (its title / meta lines) ends where the next '- file' starts
    j = last + 1
    while j < len(lines) and not re.match(r"\s+- file:|\s*- caption:|\S", lines[j]):
        j += 1
    indent = re.match(r"(\s+)-", lines[last]).group(1)
    lines.insert(j, f"{indent}- file: {entry}\n")
    toc.write_text("".join(lines))
