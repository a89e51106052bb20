"""A page's parameters checked by value (#42): of the kind its default is, counts >= 0, a
profile that exists; before anything runs (``run_notebook``) and when papermill runs a page
itself (``check_injected_parameters``)."""
from __future__ import annotations


class NotebookParameterError(ValueError):
    """A page's parameter that the page does not take, or a value it cannot use."""


def _error():
    return NotebookParameterError


def check_values(values: dict, defaults: dict, where: str = "") -> None:
    """A parameter of the wrong kind (``-p compute_tasks two``) or an unknown profile stops a
    page before anything runs, in one line naming the value (#42): the page used to run and
    end in a raw TypeError, or as an empty page stored ok."""
    for name, v in values.items():
        if name not in defaults:
            continue
        d = defaults[name]
        kind = (bool if isinstance(d, bool) else int if isinstance(d, int)
                else (int, float) if isinstance(d, float) else str if isinstance(d, str) else None)
        if kind is not None and (not isinstance(v, kind) or (kind is int and isinstance(v, bool))):
            want = {bool: "True or False", int: "an integer", str: "text"}.get(kind, "a number")
            raise _error()(f"parameter {name}={v!r}{where}: expected {want} "
                                         f"(its default is {d!r})")
        if kind is int and v < 0:
            raise _error()(f"parameter {name}={v!r}{where}: must be >= 0")
    prof = values.get("profile")
    if isinstance(prof, str) and prof:
        from ..experiments.profile import ProfileError, load_profile

        try:
            load_profile(prof)
        except ProfileError as e:
            raise _error()(f"parameter profile={prof!r}{where}: {e}") from None


def literals(src: str) -> dict:
    """The literal values a cell's top-level assignments set (``name = 3``)."""
    import ast

    try:
        tree = ast.parse(src)
    except SyntaxError:
        return {}
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out
