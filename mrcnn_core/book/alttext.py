"""Alt text for the book's figures: what a screen reader says instead of a plot.

Matplotlib figures carry their own words (the suptitle, each panel's title and axis
labels).  :func:`install` makes every figure a page displays carry them in its output's
metadata (``{"image/png": {"alt": ...}}``), whichever way it is displayed (``Page.show``
or the inline backend at the end of a cell).  MyST-NB 1.x reads an image's alt text
only from cell-level options, so the built HTML said each image's file name instead;
:func:`apply` writes the alt text into the built pages (MyST-NB names each image file by
the sha256 of its bytes, so an image is found whatever cell it came from).
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

MAX_ALT = 400  # a screen reader reads alt text whole: a sentence or two, not a table


def plain(text: str) -> str:
    """Mathtext as words: ``$\\alpha = 10^{-5}$`` reads "alpha = 10^-5"."""
    text = re.sub(r"\\(?:mathrm|mathit|text|mathbf)\{([^}]*)\}", r"\1", text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text)
    return " ".join(text.replace("$", "").replace("{", "").replace("}", "").split())


def _panel(ax) -> str:
    """One panel in words: its title, what it plots against what, and its marks."""
    title = plain(ax.get_title() or ax.get_title(loc="left"))
    y, x = plain(ax.get_ylabel()), plain(ax.get_xlabel())
    marks = [name for name, n in (("lines", len(ax.lines)), ("points or areas", len(ax.collections)),
                                  ("bars", len(ax.patches)), ("an image", len(ax.images))) if n]
    what = f"{y} against {x}" if x and y else (y or x)
    out = ", ".join(p for p in (title, what) if p)
    return f"{out} ({', '.join(marks)})" if out and marks else out


def figure_alt(fig) -> str:
    """A figure's alt text from its own words: "Figure: <suptitle>. <panel>; <panel>"."""
    sup = plain(fig._suptitle.get_text()).rstrip(".") if getattr(fig, "_suptitle", None) else ""
    panels = [p for p in (_panel(ax) for ax in fig.axes
                          if ax.get_visible() and ax.get_label() != "<colorbar>") if p]
    alt = "Figure" + (f": {sup}." if sup else ".")
    if panels:
        alt += (" " if len(panels) == 1 else f" {len(panels)} panels: ") + "; ".join(panels) + "."
    return alt if len(alt) <= MAX_ALT else alt[:MAX_ALT - 3].rstrip() + "..."


def install() -> None:
    """Give every matplotlib figure displayed from now on its alt text (output metadata)."""
    try:
        from IPython import get_ipython
    except ImportError:  # no IPython: no notebook to display into
        return
    ip = get_ipython()
    if ip is None:
        return
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # pyplot loads its backend with the first figure; the inline backend registers its PNG
    # formatter then (replacing any registered before): load it now, then wrap its formatter
    plt.close(plt.figure())

    png = ip.display_formatter.formatters["image/png"]
    try:
        draw = png.lookup_by_type(Figure)
    except KeyError:  # no inline backend (a terminal IPython): nothing is shown as PNG
        return
    if getattr(draw, "_with_alt", False):
        return

    def with_alt(fig):
        data = draw(fig)
        return (data, {"alt": figure_alt(fig)}) if data else data

    with_alt._with_alt = True
    png.for_type(Figure, with_alt)


def alt_texts(notebooks: Path) -> dict[str, str]:
    """{sha256 of the PNG bytes: alt text} of every image output in ``notebooks``/*.ipynb."""
    out: dict[str, str] = {}
    for nb in sorted(Path(notebooks).glob("*.ipynb")):
        for cell in json.loads(nb.read_text()).get("cells", []):
            for o in cell.get("outputs", []):
                data, alt = o.get("data", {}).get("image/png"), \
                    o.get("metadata", {}).get("image/png", {}).get("alt")
                if data and alt:
                    raw = base64.b64decode("".join(data) if isinstance(data, list) else data)
                    out[hashlib.sha256(raw).hexdigest()] = alt
    return out


def apply(html_root: Path, notebooks: Path) -> int:
    """Write the figures' alt text into the built pages; how many images got one."""
    from html import escape

    alts = alt_texts(notebooks)
    tag = re.compile(r'<img alt="[^"]*" src="([^"]*_images/([0-9a-f]{64})\.png)"')
    n = 0
    for page in sorted(Path(html_root).rglob("*.html")):
        text = page.read_text()

        def swap(m):
            nonlocal n
            if m.group(2) not in alts:
                return m.group(0)
            n += 1
            return f'<img alt="{escape(alts[m.group(2)])}" src="{m.group(1)}"'

        new = tag.sub(swap, text)
        if new != text:
            page.write_text(new)
    return n
