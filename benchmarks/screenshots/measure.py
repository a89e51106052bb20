"""Measure built pages as a reader's browser lays them out (headless Chromium): the page's
width at a given window width with every <details> block open, and how far down the first
ledger verdict sits.  Prints one JSON line per page and width.

    python benchmarks/screenshots/measure.py _build/html 390 1280

Each page is loaded in an iframe of the given width inside a small wrapper page (headless
Chromium's window is at least 500 px wide, so a 390-px phone is an iframe); a script opens
every details block and writes the numbers into the wrapper's title, read with
`chromium --headless --dump-dom` (the wrapper is removed after).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

WRAPPER = """<html><body style="margin:0">
<iframe id="f" src="{src}" style="width:{w}px;height:800px;border:0"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {{
  var d = this.contentDocument;
  d.querySelectorAll('details').forEach(function (x) {{ x.open = true; }});
  setTimeout(function () {{
    var v = d.querySelector('table.ledger td b');
    var y = v ? Math.round(v.getBoundingClientRect().top + d.defaultView.scrollY) : -1;
    document.title = 'MEASURE ' + d.documentElement.scrollWidth + ' ' + y;
  }}, 300);
}});
</script></body></html>"""


def measure(page: Path, width: int) -> dict:
    tmp = page.with_name(f".measure-{page.stem}-{width}.html")
    tmp.write_text(WRAPPER.format(src=page.name, w=width))
    try:
        out = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                              "--allow-file-access-from-files", f"--window-size={max(width, 500) + 20},820",
                              "--virtual-time-budget=3000",
                              "--dump-dom", tmp.as_uri()], capture_output=True, text=True,
                             timeout=120).stdout
    finally:
        tmp.unlink(missing_ok=True)
    m = re.search(r"MEASURE (\d+) (-?\d+)", out)
    return {"page": str(page), "window": width, "page_width": int(m.group(1)) if m else None,
            "first_verdict_y": int(m.group(2)) if m else None}


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve()
    widths = [int(w) for w in sys.argv[2:]] or [390, 1280]
    pages = sorted((root / "book" / "generated").glob("*.html")) + sorted((root / "book").glob("*.html"))
    for p in pages:
        for w in widths:
            print(json.dumps(measure(p, w)), flush=True)
