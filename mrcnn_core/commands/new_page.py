"""``new-page``: write a new page (notebook pair, toc line, test) for a contributor."""
from __future__ import annotations


def add_parser(sub) -> None:
    npg = sub.add_parser("new-page", help="write a new executed page: notebook pair, toc line, "
                         "test (then write its figure function)")
    npg.add_argument("name", help="e.g. 31_domain_gains")
    npg.add_argument("title", help="the page's title")


def run(a) -> int:
    from ..book.build import ROOT
    from ..book.newpage import new_page

    for p in new_page(a.name, a.title, ROOT):
        print("wrote", p)
    return 0
