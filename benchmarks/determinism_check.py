"""Does a sweep batch re-run to itself on this backend and device, and at what cost?

Runs the first T tasks of a profile's sensitivity sample (the paper's MRCNN,
T tasks in one compiled step, as a sweep batches them) twice in this
process and prints one JSON line: bitwise equality of the two runs' curves
and accuracies, the step time of each, and how determinism is set here.
Run it once as is and once with ``MRCNN_NONDETERMINISTIC=1`` (a fresh process:
XLA reads its flags at start) to measure what determinism costs.

    python benchmarks/determinism_check.py [--profile imagenet-vgg16] [--tasks 64] [--steps 40]
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from mrcnn_core.method import backend as B
from mrcnn_core.method import determinism
from mrcnn_core.experiments import load_profile
from mrcnn_core.experiments.sweep_status import profile_context
from mrcnn_core.method.fit import fit_tasks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="imagenet-vgg16")
    ap.add_argument("--tasks", type=int, default=64)
    ap.add_argument("--steps", type=int, default=40)
    a = ap.parse_args()
    prof = load_profile(a.profile)
    ctx = profile_context(prof, "cifar100")
    tasks = (ctx.tasks * (1 + a.tasks // len(ctx.tasks)))[:a.tasks]
    seeds = [i // len(ctx.tasks) for i in range(a.tasks)]  # distinct (task, seed) pairs
    runs = []
    for _ in range(2):
        t0 = time.perf_counter()
        rs = []
        for s in sorted(set(seeds)):  # one batch per seed (fit_tasks takes one seed)
            sub = [t for t, x in zip(tasks, seeds) if x == s]
            rs += fit_tasks(sub, "mrcnn", ctx.features, seed=s, steps=a.steps,
                            batch_size=len(sub))
        runs.append((rs, time.perf_counter() - t0))
    (r1, w1), (r2, w2) = runs
    same_curves = all(np.array_equal(x.curves[k], y.curves[k]) for x, y in zip(r1, r2)
                      for k in x.curves)
    same_acc = [x.accuracy == y.accuracy for x, y in zip(r1, r2)]
    diff = max(float(np.max(np.abs(x.curves["loss"] - y.curves["loss"]))) for x, y in zip(r1, r2))
    acc_diff = max(abs(x.accuracy - y.accuracy) for x, y in zip(r1, r2))
    print(json.dumps({
        "check": "determinism", "backend": B.name(), "device": B.device(),
        **determinism.status(), "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "matmul_precision": os.environ.get("JAX_DEFAULT_MATMUL_PRECISION", "default"),
        "tasks": a.tasks, "steps": a.steps, "bitwise_equal_curves": same_curves,
        "equal_accuracy": f"{sum(same_acc)}/{len(same_acc)}", "max_loss_diff": diff,
        "max_acc_diff": acc_diff, "step_time_s": [r1[0].step_time, r2[0].step_time],
        "wall_s": [w1, w2]}), flush=True)


if __name__ == "__main__":
    main()
