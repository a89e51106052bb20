"""The notebooks Colab opens (``make notebooks``).

- ``sync_install_cells``: rewrite the Colab install cell (``colab.install_cell``) of every page;
- ``write_meta_notebooks``: a toc ``meta`` page (a notebook run with other parameters, e.g.
  Fig. 2(a) on Corel, Table 1 on all 544 baseline tasks) gets a notebook of its own,
  ``notebooks/<page>.ipynb``, whose parameters cell holds the page's parameters, so Colab
  opens it as the book shows it (it opened the source notebook with its defaults).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .colab import install_cell

_CELL_RE = re.compile(r"(```\{code-cell\} ipython3\n:tags: \[remove-input\]\n\n)(import os, subprocess, sys\n"
                      r".*?|import subprocess, sys\n.*?)(page_setup\(\"[^\"]+\"\))\n```", re.S)


def sync_install_cells(nb_dir: str | Path, url: str | None = None) -> list[str]:
    """Rewrite the install cell of every ``notebooks/*.md`` page; return the pages changed."""
    changed = []
    for md in sorted(Path(nb_dir).glob("*.md")):
        text = md.read_text()
        m = _CELL_RE.search(text)
        if not m:
            continue
        page = re.search(r'page_setup\("([^"]+)"\)', m.group(3)).group(1)
        new = text[:m.start()] + m.group(1) + install_cell(page, url) + "\n```" + text[m.end():]
        if new != text:
            md.write_text(new)
            changed.append(md.stem)
    return changed


def meta_notebook(src_md: Path, page: str, params: dict, title: str | None = None):
    """The notebook of a meta ``page``: ``src_md`` with ``params`` in its parameters cell, its
    own heading, and its own name in the install cell (its Colab link and what it fetches)."""
    import jupytext

    from .notebook import retitle

    nb = jupytext.read(src_md)
    src = src_md.stem
    retitle(nb, title)
    done = set()
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        if "parameters" in c.metadata.get("tags", []):
            lines = c.source.splitlines()
            for i, line in enumerate(lines):
                name = line.split("=", 1)[0].strip()
                if "=" in line and name in params:
                    lines[i] = f"{name} = {params[name]!r}  # this page's value"
                    done.add(name)
            c.source = "\n".join(lines)
        c.source = c.source.replace(f'page_setup("{src}")', f'page_setup("{page}")').replace(
            f'colab_fetch("{src}"', f'colab_fetch("{page}"')
    if missing := set(params) - done:
        raise ValueError(f"meta page {page}: {src}'s parameters cell has no {sorted(missing)}")
    for i, c in enumerate(nb.cells):  # a stripped notebook, like the paired ones
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
        # ids from the page and the cell's place: `make notebooks` writes the same file again
        c.id = hashlib.sha1(f"{page}:{i}".encode()).hexdigest()[:8]
    return nb


def write_meta_notebooks(nb_dir: str | Path, toc: Path | None = None) -> list[str]:
    """Write ``notebooks/<page>.ipynb`` of every toc meta page; return the pages written."""
    import jupytext

    from .build import page_titles, pages

    nb_dir = Path(nb_dir)
    titles = page_titles(toc) if toc else page_titles()
    out = []
    for page, src, params in (pages(toc) if toc else pages()):
        if page == src:
            continue
        nb = meta_notebook(nb_dir / f"{src}.md", page, params, titles.get(page))
        jupytext.write(nb, nb_dir / f"{page}.ipynb", fmt="ipynb")
        out.append(page)
    return out
