"""On this CPU: one real task (VGG16 features), the paper's MRCNN, 200 steps, run twice per
backend; prints bitwise equality and the wall time of each run (one JSON line).

    KERAS_BACKEND=tensorflow python benchmarks/cpu_determinism.py [TASK_INDEX]
    KERAS_BACKEND=jax        python benchmarks/cpu_determinism.py [TASK_INDEX]
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np

from mrcnn_core.method import backend as B
from mrcnn_core.method import determinism
from mrcnn_core.experiments import load_profile
from mrcnn_core.experiments.sweep_status import profile_context
from mrcnn_core.method.fit import fit_task

idx = int(sys.argv[1]) if len(sys.argv) > 1 else 123
ctx = profile_context(load_profile("imagenet-vgg16"), "cifar100")
task = ctx.tasks[idx]
out = []
for _ in range(2):
    t0 = time.perf_counter()
    r = fit_task(task, "mrcnn", ctx.features, seed=0)
    out.append((r, time.perf_counter() - t0))
(a, wa), (b, wb) = out
print(json.dumps({"task": task.id, "backend": B.name(), "device": B.device(), **determinism.status(),
                  "steps": len(a.curves["loss"]), "accuracy": [a.accuracy, b.accuracy],
                  "bitwise_equal_curves": all(np.array_equal(a.curves[k], b.curves[k]) for k in a.curves),
                  "first_diff_step": {k: int(np.argmax(a.curves[k] != b.curves[k]))
                                      for k in a.curves if not np.array_equal(a.curves[k], b.curves[k])},
                  "wall_s": [round(wa, 1), round(wb, 1)], "step_s": [a.step_time, b.step_time]}))
