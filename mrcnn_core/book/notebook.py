"""Running the book's notebooks with papermill, safely.

papermill only *warns* about unknown parameters; :func:`check_parameters`
turns them into an error before anything runs.  :func:`record` writes a
value a test (or the batch driver) can read back from the executed notebook.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any

from .parameters import check_values, literals

RECORD_PREFIX = "MRCNN_RECORD "
RECORD_MIME = "application/vnd.mrcnn.record+json"


from .parameters import NotebookParameterError  # noqa: E402,F401  (defined with the checks)


def _finite(v):
    """NaN and infinities become None: notebook outputs must be strict JSON."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v


def record(**values: Any) -> None:
    """Store values in the notebook where :func:`read_records` finds them.

    Inside a notebook they go to an output of their own MIME type, which the
    rendered book does not show; elsewhere they are printed.
    """
    payload = _finite(json.loads(json.dumps(values, default=float)))
    try:
        from IPython import get_ipython

        if get_ipython() is not None:
            from IPython.display import display

            display({RECORD_MIME: payload}, raw=True)
            return
    except ImportError:
        pass
    print(RECORD_PREFIX + json.dumps(payload))


def read_records(path: str | os.PathLike) -> dict:
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    out: dict = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if RECORD_MIME in data:
                out.update(data[RECORD_MIME])
                continue
            text = o.get("text", "") if o.get("output_type") == "stream" else ""
            for line in text.splitlines():
                if line.startswith(RECORD_PREFIX):
                    out.update(json.loads(line[len(RECORD_PREFIX):]))
    return out


def as_ipynb(path: str | os.PathLike) -> Path:
    """``path`` itself for an .ipynb; a MyST/jupytext text notebook (.md, .py) is
    converted to an .ipynb in a temporary folder (the text file is the source)."""
    path = Path(path)
    if path.suffix == ".ipynb":
        return path
    import tempfile

    import jupytext

    if not path.is_file():
        raise FileNotFoundError(f"notebook not found: {path}")
    dst = Path(tempfile.mkdtemp(prefix="mrcnn-nb-")) / f"{path.stem}.ipynb"
    jupytext.write(jupytext.read(path), dst)
    return dst


def notebook_parameters(path: str | os.PathLike) -> dict:
    """The names and defaults of a notebook's ``parameters`` cell (.ipynb or MyST .md)."""
    import papermill as pm

    params = pm.inspect_notebook(str(as_ipynb(path)))
    if not params:
        raise NotebookParameterError(f"{path} has no cell tagged 'parameters'")
    return params


def _refuse_unknown(given, known, where: str = "") -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise NotebookParameterError(f"unknown parameter(s) {unknown}{where}; it takes {sorted(known)}")


def check_parameters(path: str | os.PathLike, params: dict) -> None:
    known = notebook_parameters(path)
    _refuse_unknown(params, known, f" for {Path(path).name}")
    import ast

    defaults = {}
    for name, p in known.items():
        try:
            defaults[name] = ast.literal_eval(p["default"])
        except (ValueError, SyntaxError):
            continue
    check_values(params, defaults, f" for {Path(path).name}")


def run_notebook(src: str | os.PathLike, dst: str | os.PathLike, params: dict | None = None,
                 cwd: str | os.PathLike | None = None, timeout: int = 3600) -> Path:
    """Execute ``src`` (.ipynb or MyST .md) with ``params`` into ``dst`` (parameters
    checked first)."""
    import papermill as pm

    params = dict(params or {})
    check_parameters(src, params)
    cwd = cwd or Path(src).parent
    src = as_ipynb(src)
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    # executed into a temporary file beside it, which replaces the page only when the page
    # has run to its end: a kill, Ctrl-C or an error leaves the finished page as it was
    # (it used to be replaced by an empty or half-run one that a build then published, #42)
    tmp = dst.with_name(f".{dst.stem}.{os.getpid()}.partial.ipynb")
    try:
        pm.execute_notebook(str(src), str(tmp), parameters=params, cwd=str(cwd),
                            kernel_name="python3", progress_bar=False, execution_timeout=timeout)
        complete_parameters(tmp, notebook_parameters(src), params)
        os.replace(tmp, dst)
    except pm.PapermillExecutionError as e:
        # an error of the reader's input inside the page (a corrupt store, missing data) is
        # said as itself, one line naming the page, not as a bug of ours (#36)
        if e.ename in USER_ERRORS_IN_PAGES:
            raise PageInputError(f"{Path(src).stem}: {e.ename}: {e.evalue}") from None
        raise
    finally:
        tmp.unlink(missing_ok=True)
    return dst


#: exception names that, raised inside a page, are the reader's input (data, store, profile)
USER_ERRORS_IN_PAGES = ("StoreError", "DataError", "ProfileError", "WeightsUnavailable",
                        "NotebookParameterError")


class PageInputError(RuntimeError):
    """A page stopped on the reader's input (its store, data or profile)."""


def fold_code(path: str | os.PathLike) -> int:
    """In the built book, a page's visible code sits behind a "show code" toggle (tag
    ``hide-input``): the reader sees the answer, the figure and the table first; the
    notebook on Jupyter or Colab keeps its code open.  Returns the cells folded."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    n = 0
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if cell.cell_type == "code" and not {"remove-cell", "remove-input", "hide-input"} & set(tags):
            tags.append("hide-input")
            n += 1
    if n:
        nbformat.write(nb, str(path))
    return n


def complete_parameters(path: str | os.PathLike, known: dict, params: dict) -> None:
    """Let the executed notebook show *every* parameter a visible cell may use.

    The source's ``parameters`` cell is hidden in the book, and papermill's injected cell
    holds only the values a build passed, so a visible cell used names the page never
    showed.  The injected cell (or, with no parameters passed, a new one) now lists every
    parameter: the build's value, else the notebook's default."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    lines = ["# Parameters of this run: the build's values, else the notebook's defaults"]
    lines += [f"{k} = {params[k]!r}" if k in params else f"{k} = {v['default']}"
              for k, v in known.items()]
    cells = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    if cells:
        cell = cells[0]
        cell.source = "\n".join(lines)
    else:
        at = next((i + 1 for i, c in enumerate(nb.cells)
                   if "parameters" in c.metadata.get("tags", [])), 0)
        cell = nbformat.v4.new_code_cell("\n".join(lines))
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(at, cell)
    hidden = {"remove-input", "remove-cell", "parameters", "injected-parameters"}
    if not any(c.cell_type == "code" and not hidden & set(c.metadata.get("tags", []))
               for c in nb.cells):  # no visible code uses the names: the page shows none
        cell.metadata["tags"] = ["injected-parameters", "remove-cell"]
    nbformat.write(nb, str(path))


DOWNLOADS_ENV = "MRCNN_DOWNLOADS"  # where pages write their CSV files (the book build sets it)


def offer_csv(table, name: str, what: str | None = None) -> str:
    """Write ``table`` as ``<name>.csv`` beside the page and return a link to it.

    In the book build the file goes to ``book/generated/`` and is copied next to
    the page's HTML; in Jupyter (a clone, or Colab) it lands in the working
    folder, beside the notebook (on Colab: in the Files pane).  ``what`` names a row's
    columns (default: the table's first eight).
    """
    folder = Path(os.environ.get(DOWNLOADS_ENV) or ".")
    folder.mkdir(parents=True, exist_ok=True)
    fname = re.sub(r"[^A-Za-z0-9_.-]", "-", name) + ".csv"
    table.to_csv(folder / fname, index=False)
    cols = list(getattr(table, "columns", []))
    what = what or ", ".join(cols[:8]) + (", ..." if len(cols) > 8 else "")
    return (f'<a href="{fname}" download>Download the numbers behind this page</a> '
            f"(CSV, {len(table)} rows; columns: {what}): `{fname}`")


def _repository() -> tuple[str, str]:
    """The repository URL and branch: ``$MRCNN_REPO_URL``, else ``_config.yml`` (one place)."""
    from .colab import repository

    return repository()


def colab_link(notebook: str) -> str:
    """The Colab URL of ``notebooks/<notebook>.ipynb`` (the paired notebook of a page)."""
    url, branch = _repository()
    return (f"https://colab.research.google.com/github/{url.split('github.com/')[-1]}/blob/"
            f"{branch}/notebooks/{notebook}.ipynb")


BUILD_ENV = "MRCNN_BOOK_BUILD"  # set by `python -m mrcnn_core book` while it runs the pages


def page_href(page: str) -> str:
    """Where another page of the book is, where this page is read: the page's HTML in the
    built book, its notebook in Jupyter, its Colab URL on Colab."""
    import sys

    if os.environ.get(BUILD_ENV):
        return f"{page}.html"
    if "google.colab" in sys.modules:
        return colab_link(page)
    return f"{page}.ipynb"


def page_link(page: str, text: str) -> str:
    """An HTML link to another page of the book that works where this page is read."""
    return f'<a href="{page_href(page)}">{text}</a>'


def retitle(nb, title: str | None) -> None:
    """Give notebook ``nb`` the heading ``# title`` (its first ``# `` Markdown heading); a toc
    meta page shows its own title, not its source notebook's."""
    if not title:
        return
    for c in nb.cells:
        if c.cell_type == "markdown" and c.source.lstrip().startswith("# "):
            _, _, rest = c.source.lstrip().partition("\n")
            c.source = f"# {title}\n{rest}"
            return


def doc_link(doc: str, text: str) -> str:
    """An HTML link to a prose chapter ``book/<doc>.md`` that works where this page is read:
    its HTML in the built book, the Markdown file in a clone, its GitHub page on Colab."""
    import sys

    if os.environ.get(BUILD_ENV):
        href = f"../{doc}.html"
    elif "google.colab" in sys.modules:
        url, branch = _repository()
        href = f"{url}/blob/{branch}/book/{doc}.md"
    else:
        href = f"../book/{doc}.md"
    return f'<a href="{href}">{text}</a>'


def _assigned(src: str) -> set[str]:
    """The names a cell's top-level assignments set."""
    import ast

    try:
        tree = ast.parse(src)
    except SyntaxError:
        return set()
    out = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        out |= {t.id for t in targets if isinstance(t, ast.Name)}
    return out


def check_injected_parameters(history: list[str] | None = None) -> None:
    """Refuse a parameter the page does not take, also when papermill runs the page itself.

    papermill only *warns* about an unknown parameter (``-p profle smoke``) and runs the page
    on its defaults; :func:`run_notebook` checks before it runs, but a reader's own
    ``papermill`` call does not pass through it.  Here the kernel's history (IPython's
    ``In``) holds the cell papermill injects (``# Parameters``) right after the page's
    parameters cell: every name the first sets must be one the second defines."""
    if history is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        ip = get_ipython()
        history = [str(x) for x in ip.user_ns.get("In", [])] if ip is not None else []
    for i, src in enumerate(history):
        if i and src.lstrip().startswith("# Parameters"):
            known = _assigned(history[i - 1])
            if known:  # the cell before is the page's parameters cell
                _refuse_unknown(_assigned(src), known)
                check_values(literals(src), literals(history[i - 1]))


def page_setup(notebook: str | None = None) -> None:
    """What every page does first: quiet logs, the plot style and (given the page's
    notebook name) a link that opens it on Colab.  (On Colab the page's first cell
    installs this package before importing it.)  A toc ``meta`` page gets its own line from
    the build (``build.as_meta_page``)."""
    import warnings

    check_injected_parameters()  # papermill run directly: an unknown name stops the page
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("POT_BACKEND_DISABLE_TENSORFLOW", "1")
    warnings.filterwarnings("ignore", category=FutureWarning)
    import pandas as pd

    from .alttext import install
    from .plots import style

    style()
    install()  # every figure carries its alt text (the build writes it into the HTML)
    pd.set_option("display.max_colwidth", None)  # a table cell is read whole, not cut at 50
    if notebook:
        from IPython.display import Markdown, display

        display(Markdown(colab_line(notebook)))


COLAB_LINE = "[Open this page as a notebook on Colab]"


def colab_line(notebook: str) -> str:
    """The page's Colab line: it opens ``notebooks/<notebook>.ipynb`` (a toc meta page has a
    notebook of its own, with its parameters: ``book/colab_notebooks.py``)."""
    return f"{COLAB_LINE}({colab_link(notebook)}) (its first cell installs the package)."
