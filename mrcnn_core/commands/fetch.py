"""``fetch``: get the exact data and weights of the committed numbers (online, checksummed)."""
from __future__ import annotations

from .args import names


def add_parser(sub) -> None:
    ft = sub.add_parser("fetch", help="get the exact data and weights of the committed numbers "
                        "(online): CIFAR-100 + manifests, VGG19, VGG16")
    ft.add_argument("--dest", default="mrcnn-data",
                    help="folder for data, data-pairs, data-heldout and weights (default: "
                         "./mrcnn-data); then set MRCNN_DATA_DIR=<dest>/data")
    ft.add_argument("--what", default="data,vgg19,vgg16", type=names,
                    help="steps: data, vgg19, vgg16 (default: all)")
    ft.add_argument("--official", help="an unpacked official cifar-100-python folder to use "
                                       "instead of downloading it")


def run(a) -> int:
    from ..experiments.fetch import fetch

    for line in fetch(a.dest, a.what, a.official):
        print(line)
    return 0
