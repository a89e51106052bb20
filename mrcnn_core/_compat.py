"""Old module paths, kept for one release (CHANGELOG.md, 0.2.0).

Version 0.2.0 moved the 29 top-level modules into rooms named for what they hold
(``mrcnn_core.graph`` is now ``mrcnn_core.method.graph``).  Code that imports an old path
still gets the module, the same object as the new path's, with a ``DeprecationWarning`` that
names the new path.  The next release removes this file.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

#: old module (under mrcnn_core) -> its new place (under mrcnn_core)
MOVED = {
    **{m: f"method.{m}" for m in ("graph", "losses", "model", "optim", "train", "fit", "estimator",
                                  "hparams", "features", "ablations", "costs", "backend",
                                  "determinism")},
    "synthetic": "data.synthetic",
    "slices": "book.slices", "colab": "book.colab", "batch": "book.batch",
    "bench": "experiments.bench", "faults": "experiments.faults", "fetch": "experiments.fetch",
    "stats": "analysis.stats", "formatting": "analysis.formatting",
    **{m: f"studies.{m}" for m in ("ledger", "findings", "pairs", "heldout", "stability", "prereg",
                                   "audit", "verify")},
}
PACKAGE = __name__.rpartition(".")[0]


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``mrcnn_core.<old>`` to the module at its new path."""

    def find_spec(self, fullname, path=None, target=None):
        head, _, old = fullname.partition(".")
        if head == PACKAGE and old in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        new = f"{PACKAGE}.{MOVED[spec.name.partition('.')[2]]}"
        warnings.warn(f"{spec.name} moved to {new} in mrcnn_core 0.2.0; the old path goes in "
                      "the next release", DeprecationWarning, stacklevel=3)
        module = importlib.import_module(new)
        self._real = (module.__spec__, module.__loader__)
        return module

    def exec_module(self, module):
        # the import system stamped the alias's spec on the real module: give it back its own
        module.__spec__, module.__loader__ = self._real


def install() -> None:
    if not any(isinstance(f, _OldPaths) for f in sys.meta_path):
        sys.meta_path.insert(0, _OldPaths())
