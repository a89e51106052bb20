"""A check over the built HTML, as a careful reader would look (#34).

``python -m mrcnn_core check-html [_build/html]`` prints one line per fault and exits 1 if
there is any; the CI's book test runs it on the smoke build.  The faults:

- ``latex``: a ``$`` in text outside math and code (a formula that did not render);
- ``header``: a rendered table's column header with an underscore (a raw column name);
- ``decimals``: a number with more than 2 decimals in a table cell (rounded nowhere); a
  p-value (a cell that reads "p = ..." or "p < ...", or in a column headed "p") is exempt:
  its leading zeros are its value;
- ``link``: an internal link whose file (or ``#anchor`` in it) does not exist;
- ``alt``: a figure whose alt text is missing or only its file name (a screen reader would
  read the file name).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

SKIP_TAGS = ("code", "pre", "script", "style", "kbd", "samp")
#: Sphinx's own pages, not the book's
SKIP_FILES = ("genindex.html", "search.html", "py-modindex.html")
DECIMALS = re.compile(r"(?<![\w.])[-+]?\d+\.\d{3,}(?![\w.])")
#: hashes and versions look like long decimals: a commit (7+ hex), 3.11.7, 0.10.2
NOT_A_NUMBER = re.compile(r"^\d+\.\d+\.\d+")


@dataclass(frozen=True)
class Fault:
    page: str
    kind: str
    text: str

    def __str__(self) -> str:
        return f"{self.page}: {self.kind}: {self.text}"


def _in(tag, names) -> bool:
    return any(p.name in names for p in tag.parents) or tag.name in names


def _is_math(node) -> bool:
    for p in node.parents:
        cls = p.get("class") or [] if hasattr(p, "get") else []
        if "math" in cls or p.name in ("mjx-container", "math"):
            return True
    return False


def _last_header_row(table) -> list[str]:
    """The cells of the widest header row (pandas puts the index name in a row of its own)."""
    head = table.find("thead")
    rows = [[c.get_text(" ", strip=True) for c in r.find_all(["th", "td"])]
            for r in (head.find_all("tr") if head else [])]
    return max(rows, key=len) if rows else []


def _ids(path: Path, cache: dict) -> set[str]:
    from bs4 import BeautifulSoup

    if path not in cache:
        soup = BeautifulSoup(path.read_text(errors="replace"), "html.parser")
        cache[path] = {t.get("id") for t in soup.find_all(id=True)} | {
            t.get("name") for t in soup.find_all("a", attrs={"name": True})}
    return cache[path]


def check_page(path: Path, root: Path, ids: dict | None = None) -> list[Fault]:
    """The faults of one built page."""
    from bs4 import BeautifulSoup, NavigableString

    ids = {} if ids is None else ids
    name = path.relative_to(root).as_posix()
    soup = BeautifulSoup(path.read_text(errors="replace"), "html.parser")
    main = soup.find("main") or soup.find("article") or soup
    faults: list[Fault] = []
    for s in main.find_all(string=True):
        if not isinstance(s, NavigableString) or "$" not in s:
            continue
        if s.parent is None or _in(s.parent, SKIP_TAGS) or _is_math(s):
            continue
        if re.search(r"\$[^$\s][^$]*\$|\\[a-z]+|\^\{|_\{", s):
            faults.append(Fault(name, "latex", " ".join(s.split())[:100]))
    for table in main.find_all("table"):
        for th in table.find_all("th"):
            t = th.get_text(" ", strip=True)
            if "_" in t:
                faults.append(Fault(name, "header", t[:60]))
        p_cols = {i for i, h in enumerate(_last_header_row(table)) if re.search(r"(^|\s)p$", h)}
        for tr in table.find_all("tr"):
            for i, td in enumerate(tr.find_all(["td", "th"])):
                if td.name == "th" or i in p_cols or _in(td, ("code",)):
                    continue
                t = td.get_text(" ", strip=True)
                if re.match(r"p\s*[=<]", t):
                    continue
                for m in DECIMALS.finditer(t):
                    if not NOT_A_NUMBER.match(t[m.start():]):
                        faults.append(Fault(name, "decimals", t[:60]))
                        break
    for img in main.find_all("img"):
        alt, src = (img.get("alt") or "").strip(), img.get("src", "")
        if not alt or alt == src or re.fullmatch(r"\S*\.(png|jpe?g|svg|gif)", alt):
            faults.append(Fault(name, "alt", f"{src.rsplit('/', 1)[-1][:40]}: alt {alt[:40]!r}"))
    for a in main.find_all("a", href=True):
        href = a["href"].strip()
        if not href:  # a front-page row once linked to nothing
            faults.append(Fault(name, "link", f"empty link on {a.get_text(strip=True)[:40]!r}"))
            continue
        u = urlsplit(href)
        if u.scheme or href.startswith(("mailto:", "//")):
            continue
        target = path if not u.path else (path.parent / unquote(u.path)).resolve()
        if u.path and not target.exists():
            faults.append(Fault(name, "link", f"{href} (no such file)"))
        elif u.fragment and target.suffix == ".html" and unquote(u.fragment) not in _ids(target, ids):
            faults.append(Fault(name, "link", f"{href} (no such anchor)"))
    return faults


def check_html(root: str | Path = "_build/html") -> list[Fault]:
    """The faults of every built page under ``root``."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no built book at {root}: run `make book` first")
    if not (root / "index.html").is_file() and not any(root.glob("book/generated/*.html")):
        # a folder that is not a built book has no page to check: "0 faults" would be a lie
        raise FileNotFoundError(f"{root} is not a built book (no index.html, no "
                                "book/generated pages): run `make book` first, or give "
                                "the book's _build/html")
    ids: dict = {}
    out: list[Fault] = []
    for f in sorted(root.rglob("*.html")):
        rel = f.relative_to(root)
        if rel.parts[0].startswith("_") or f.name in SKIP_FILES or f.stat().st_size < 200:
            continue  # _static, _sources, Sphinx's index pages, the root's redirect
        out += check_page(f, root, ids)
    return out
