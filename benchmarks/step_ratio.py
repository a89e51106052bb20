"""One real VGG19 VGG and MRCNN step on this CPU against a same-process float32 matmul of the
head's shape, in CPU-seconds (issue #43, item 4), and the campaign's runs per hour.

    MRCNN_DATA_DIR=../shared/data KERAS_BACKEND=jax .venv/bin/python benchmarks/step_ratio.py

Prints one JSON line per arm and a summary line.  CPU-seconds (time.process_time) are what a
step costs on the machine's cores whatever else runs beside it; the ratio is the step's
FLOP rate over the matmul's.  No assertion: RESULTS.md records what it printed.
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np

STEPS = 10


def cpu_seconds(f, reps: int) -> float:
    f()  # compile and warm up
    t0 = time.process_time()
    for _ in range(reps):
        f()
    return (time.process_time() - t0) / reps


def main() -> int:
    from keras import ops

    from mrcnn_core.method import backend as B
    from mrcnn_core.experiments.bench import step_flops
    from mrcnn_core.experiments.campaign import load_plan, status
    from mrcnn_core.experiments.context import profile_context
    from mrcnn_core.experiments.profile import load_profile
    from mrcnn_core.experiments.provenance import cpu_model
    from mrcnn_core.method.graph import knn_graph, laplacian
    from mrcnn_core.method.model import init_params
    from mrcnn_core.method.train import train_head

    prof = load_profile("imagenet-vgg19")
    ctx = profile_context(prof, "cifar100", cnn=True)
    task = ctx.tasks[0]
    x = ctx.features.x
    xs, xt = x[task.source_idx][None], x[task.target_idx][None]
    ys = np.asarray(task.ys)[None]
    lap = laplacian(knn_graph(xt[0].reshape(len(xt[0]), -1), 3))[None]
    ns, nt = xs.shape[1], xt.shape[1]
    layers = len(ctx.features.conv5)
    out = {"cpu": cpu_model(), "backend": B.name(), "task": task.id, "ns": ns, "nt": nt}

    mm = B.jit(lambda a, b: ops.matmul(a, b))
    a = ops.convert_to_tensor(np.random.default_rng(0).normal(size=(ns + nt, 2048)).astype(np.float32))
    b = ops.convert_to_tensor(np.random.default_rng(1).normal(size=(2048, 2048)).astype(np.float32))
    mm_s = cpu_seconds(lambda: ops.convert_to_numpy(mm(a, b)), 50)
    mm_rate = 2.0 * (ns + nt) * 2048 * 2048 / mm_s
    print(json.dumps({"arm": "matmul", "shape": [ns + nt, 2048, 2048], "cpu_s": mm_s,
                      "gflop_per_cpu_s": mm_rate / 1e9}), flush=True)
    arms = (("vgg (target pass, the old step)", True, True),
            ("vgg (no target pass)", True, False),
            ("mrcnn", False, True))
    f = step_flops(1, 0, layers=layers) / 3  # FLOPs of one sample's forward pass
    for name, vgg, curves in arms:
        def run(steps):
            return train_head(init_params([0], conv5=ctx.features.conv5), xs, ys, xt, None,
                              None if vgg else lap, alpha=0.0 if vgg else 1e-5, steps=steps,
                              record_curves=curves)
        run(2)  # compiles the step and the evaluation
        t0 = time.process_time()
        run(STEPS)
        per_step = (time.process_time() - t0) / STEPS  # (init and one evaluation included)
        # forward 1x and backward 2x per source sample; the target: forward only (VGG's
        # curve), none (VGG without curves), forward and backward (MRCNN's manifold term)
        fl = f * (3 * ns + (0 if vgg and not curves else nt if vgg else 3 * nt))
        print(json.dumps({"arm": name, "gflop": fl / 1e9, "cpu_s_per_step": per_step,
                          "ratio_to_matmul": fl / per_step / mm_rate}), flush=True)
    for r in status(load_plan("remaining")):
        print(json.dumps({"campaign_part": r["part"], "stored": r["stored"],
                          "planned": r["planned"], "runs_per_hour_of_compute": r["runs_per_hour"],
                          "hours_left": r["hours_left"]}), flush=True)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
