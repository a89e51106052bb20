"""``bench``: time the conv5 forms and task batching (prints JSON lines; RESULTS.md)."""
from __future__ import annotations


def add_parser(sub) -> None:
    bn = sub.add_parser("bench", help="time the conv5 forms and task batching")
    bn.add_argument("--shapes", default="shared,paper", help="shared (200+200), paper (1200+1200)")
    bn.add_argument("--backbone", help="vgg19 (4 conv5 layers) or vgg16 (3)")
    bn.add_argument("--steps", type=int, default=3, help="timed steps per arm after warm-up")
    bn.add_argument("--batch", type=int, default=0, help="tasks per batched step (0: auto)")
    bn.add_argument("--arms", default="stock,fast,batched")
    bn.add_argument("--subset", type=int, default=32, help="tasks timed for the grid projection")


def run(a) -> int:
    from ..experiments.bench import bench

    return bench(shapes=a.shapes, backbone=a.backbone, steps=a.steps, batch=a.batch,
                 arms=a.arms, subset=a.subset)
