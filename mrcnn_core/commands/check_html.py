"""``check-html``: check the built book as a reader would see it."""
from __future__ import annotations


def add_parser(sub) -> None:
    ch = sub.add_parser("check-html", help="check the built book as a reader would: raw LaTeX, "
                        "raw column names, numbers of more than 2 decimals, broken links")
    ch.add_argument("root", nargs="?", default="_build/html", help="the built HTML (default: "
                    "_build/html)")


def run(a) -> int:
    from ..book.htmlcheck import check_html

    faults = check_html(a.root)
    for f in faults:
        print(f)
    print(f"{len(faults)} fault(s) in {a.root}")
    return 1 if faults else 0
