"""``python -m mrcnn_core book``: run the book's notebooks for a profile, then build it.

Computing and plotting are apart (as in showyourwork): for a profile whose
stores are committed (``options.book_computes: false``, e.g. imagenet-vgg16)
no page trains anything; the figure pages read the stores.  For the others
(smoke) the experiments page runs the sweeps first, skipping stored runs.
The pages are the MyST notebooks ``notebooks/*.md``; executed copies go to
``book/generated/`` (not versioned), which ``_toc.yml`` (the page list) points at.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .notebook import BUILD_ENV, DOWNLOADS_ENV, fold_code, run_notebook

def find_root(start: Path | None = None, package_tree: Path | None = None) -> Path:
    """The book's checkout: the first of the working directory and its parents that
    holds ``_toc.yml`` and ``notebooks/`` (else the tree this package sits in)."""
    here = (start or Path.cwd()).resolve()
    tree = package_tree or Path(__file__).resolve().parents[2]
    for d in (here, *here.parents, tree):
        if (d / "_toc.yml").is_file() and (d / "notebooks").is_dir():
            return d
    raise FileNotFoundError(f"no book checkout (_toc.yml and notebooks/) at or above {here}; "
                            "run the book command inside a clone of the repository")


ROOT = find_root()
NB = ROOT / "notebooks"
OUT = ROOT / "book" / "generated"
GENERATED = "book/generated/"


def page_titles(toc: Path | None = None) -> dict[str, str]:
    """The ``title:`` of each toc entry that gives one (a ``meta`` page's own title)."""
    import yaml

    data = yaml.safe_load((toc or ROOT / "_toc.yml").read_text())
    out: dict[str, str] = {}

    def walk(entries):
        for e in entries or []:
            f = str(e.get("file", ""))
            if f.startswith(GENERATED) and e.get("title"):
                out[f[len(GENERATED):]] = str(e["title"])
            walk(e.get("sections"))

    for part in data.get("parts", []):
        walk(part.get("chapters"))
    walk(data.get("chapters"))
    return out


def as_meta_page(path: Path, src: str, params: dict, title: str | None) -> None:
    """An executed meta page (``src`` run with other ``params``): the toc's title as its
    heading, and a Colab line that opens the page's own notebook (``notebooks/<page>.ipynb``,
    written by ``make notebooks`` with these parameters; it opened ``src`` with its
    defaults)."""
    import nbformat

    from .notebook import COLAB_LINE, colab_line, retitle

    nb = nbformat.read(str(path), as_version=4)
    retitle(nb, title)
    for c in nb.cells:
        for o in c.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if md and COLAB_LINE in "".join(md):
                o["data"]["text/markdown"] = colab_line(path.stem)
    nbformat.write(nb, str(path))


def pages(toc: Path | None = None) -> list[tuple[str, str, dict]]:
    """The executed pages, in book order, from ``_toc.yml`` (the one page list).

    A chapter ``book/generated/<page>`` runs ``notebooks/<page>.md``; its
    ``meta`` may name another source (``notebook:``) and ``parameters:``, so a
    page that shows another store is the same notebook with other parameters.
    """
    import yaml

    data = yaml.safe_load((toc or ROOT / "_toc.yml").read_text())
    out = []

    def walk(entries):
        for e in entries or []:
            f = str(e.get("file", ""))
            if f.startswith(GENERATED):
                page = f[len(GENERATED):]
                meta = e.get("meta") or {}
                src = meta.get("notebook", page)
                if not (NB / f"{src}.md").is_file():
                    raise FileNotFoundError(f"_toc.yml page {f}: no notebook notebooks/{src}.md")
                out.append((page, src, dict(meta.get("parameters") or {})))
            walk(e.get("sections"))

    root = str(data.get("root", ""))
    if root.startswith(GENERATED):  # the front page is an executed page too
        page = root[len(GENERATED):]
        if not (NB / f"{page}.md").is_file():
            raise FileNotFoundError(f"_toc.yml root {root}: no notebook notebooks/{page}.md")
        out.append((page, page, {}))
    for part in data.get("parts", []):
        walk(part.get("chapters"))
    walk(data.get("chapters"))
    return out


def check_environment(profile) -> None:
    """Fail within seconds, before any notebook runs, if the profile's weights can't be had."""
    from ..experiments.sweep_status import profile_weights
    from ..method.features import check_imagenet_available, resolve_weights

    w, b, sha = profile_weights(profile)
    if resolve_weights(w, sha) == "imagenet":
        check_imagenet_available(b)


def build_book(profile: str, only: str | None = None, no_build: bool = False,
               compute: bool | None = None) -> int:
    """Run the pages of ``profile`` (all, or the comma-separated ``only``) into
    book/generated, then build the HTML unless ``no_build``; the build's exit status."""
    from ..experiments import load_profile

    prof = load_profile(profile)
    profile = prof.name
    compute = bool(prof.options.get("book_computes", True)) if compute is None else compute
    check_environment(prof)
    OUT.mkdir(parents=True, exist_ok=True)
    from .registry_pages import write as write_registry_pages

    write_registry_pages(OUT, ROOT / "results")  # the prose pages' lists of methods and stores
    t0 = time.perf_counter()
    known = pages()
    only = [p for p in (only or "").split(",") if p]
    unknown = sorted(set(only) - {p for p, _, _ in known})
    if unknown:
        raise ValueError(f"--only: unknown page(s) {unknown}; the pages are "
                         + ", ".join(p for p, _, _ in known))
    # the pages write their CSV files beside the executed notebooks, and link them
    os.environ[DOWNLOADS_ENV] = str(OUT)
    os.environ[BUILD_ENV] = "1"
    # the front page summarises the others' stores: it runs last (a computing profile,
    # smoke, fills its stores on the experiments page first), whatever its place in the toc
    root = known[0][0] if known and known[0][0] == "index" else None
    titles = page_titles()
    for page, src, extra in sorted(known, key=lambda p: p[0] == root):
        if only and page not in only:
            continue
        params = {"profile": profile, **extra}
        if src == "10_experiments":
            params["compute"] = compute
        t = time.perf_counter()
        run_notebook(NB / f"{src}.md", OUT / f"{page}.ipynb", params, cwd=ROOT)
        if src != page:
            as_meta_page(OUT / f"{page}.ipynb", src, params, titles.get(page))
        fold_code(OUT / f"{page}.ipynb")  # answer first: code behind a toggle in the book
        print(f"[book] {page}: {time.perf_counter() - t:.0f} s", flush=True)
    print(f"[book] profile {profile}: {'computed' if compute else 'read from the stores'}; "
          f"notebooks done in {time.perf_counter() - t0:.0f} s", flush=True)
    if no_build:
        return 0
    return jupyter_build(t0)


def jupyter_build(t0: float) -> int:
    """Jupyter Book 1.x over the executed pages; the CSV downloads copied beside them."""
    shutil.rmtree(ROOT / "_build", ignore_errors=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(ROOT), "-W", "-n", "--keep-going"]
    r = subprocess.run(cmd, cwd=ROOT)
    from .alttext import apply

    n = apply(ROOT / "_build" / "html", OUT)  # MyST-NB writes the file name as alt text
    print(f"[book] alt text written for {n} figure(s)")
    html = ROOT / "_build" / "html" / GENERATED
    for f in OUT.glob("*.csv"):  # the downloads sit next to the pages that link them
        if html.is_dir():
            shutil.copy2(f, html / f.name)
    print(f"[book] total {time.perf_counter() - t0:.0f} s -> {ROOT / '_build' / 'html'}")
    return r.returncode
