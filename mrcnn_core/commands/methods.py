"""``methods``: list the registered methods (``mrcnn_core/methods.py``)."""
from __future__ import annotations


def add_parser(sub) -> None:
    mt = sub.add_parser("methods", help="list the registered methods (mrcnn_core/methods.py): "
                        "name, label, kind, where, whether the paper ran it")
    mt.add_argument("--kind", choices=("shallow", "cnn"), help="only methods of this kind")
    mt.add_argument("--names", action="store_true", help="only the names, one per line")


def run(a) -> int:
    from ..book.registry_pages import methods_rows
    from ..methods import all_methods

    if a.names:
        print("\n".join(m.name for m in all_methods(a.kind)))
        return 0
    for row in methods_rows(a.kind):
        print("  ".join(row).rstrip())
    return 0
