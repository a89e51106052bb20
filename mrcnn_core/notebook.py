"""Running the book's notebooks with papermill, safely.

papermill only *warns* about unknown parameters; :func:`check_parameters`
turns them into an error before anything runs.  :func:`record` writes a
value a test (or the batch driver) can read back from the executed notebook.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

RECORD_PREFIX = "MRCNN_RECORD "
RECORD_MIME = "application/vnd.mrcnn.record+json"


class NotebookParameterError(ValueError):
    pass


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


def notebook_parameters(path: str | os.PathLike) -> dict:
    """The names and defaults of a notebook's ``parameters`` cell."""
    import papermill as pm

    params = pm.inspect_notebook(str(path))
    if not params:
        raise NotebookParameterError(f"{path} has no cell tagged 'parameters'")
    return params


def check_parameters(path: str | os.PathLike, params: dict) -> None:
    known = notebook_parameters(path)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise NotebookParameterError(
            f"unknown parameter(s) {unknown} for {Path(path).name}; it takes {sorted(known)}")


def run_notebook(src: str | os.PathLike, dst: str | os.PathLike, params: dict | None = None,
                 cwd: str | os.PathLike | None = None, timeout: int = 3600) -> Path:
    """Execute ``src`` with ``params`` into ``dst`` (parameters checked first)."""
    import papermill as pm

    params = dict(params or {})
    check_parameters(src, params)
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(str(src), str(dst), parameters=params, cwd=str(cwd or Path(src).parent),
                        kernel_name="python3", progress_bar=False, execution_timeout=timeout)
    return dst
