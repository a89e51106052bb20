"""``verify``: re-run a random sample of stored runs here and compare with the store."""
from __future__ import annotations

from .args import names


def add_parser(sub) -> None:
    vf = sub.add_parser("verify", help="re-run a random sample of stored runs here and compare")
    vf.add_argument("results", help="a results store, or a folder of stores (results/<profile>)")
    vf.add_argument("--runs", type=int, default=3, help="how many stored runs to re-run")
    vf.add_argument("--seed", type=int, default=0, help="seed of the random sample")
    vf.add_argument("--methods", type=names, help="only runs of these methods, e.g. lr or mrcnn")
    vf.add_argument("--variants", type=names,
                    help="only runs of these variants, e.g. paper (Fig. 3's paper point, the "
                         "main grid's setting) or vary:alpha")


def run(a) -> int:
    from ..studies.verify import verify

    return verify(a.results, runs=a.runs, seed=a.seed, methods=a.methods, variants=a.variants)
