"""``make notebooks``: rewrite the Colab install cell (``colab.install_cell``) of every page."""
from __future__ import annotations

import re
from pathlib import Path

from ..colab import install_cell

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
