"""Peak host (and GPU) memory of a full-size sweep, measured.

A synthetic CIFAR-100 of 60,000 random images in the official format goes
through the real loader, the VGG16 feature cache (random weights: memory and
time do not depend on them) and the sweep (400 tasks of 1,200 + 1,200
images are planned; a few are run with 2 steps, which allocates everything a
full run does).  Prints one JSON line per phase with the peak resident set
size so far.

    python benchmarks/memory.py [--tasks 2] [--steps 2]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20  # KiB on Linux


def emit(phase: str, t0: float, **kw) -> None:
    print(json.dumps({"phase": phase, "seconds": round(time.perf_counter() - t0, 1),
                      "peak_host_rss_gib": round(peak_gib(), 3), **kw}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2)
    a = ap.parse_args()
    import yaml

    from mrcnn_core import cifar100_tasks, load_cifar100
    from mrcnn_core.method import backend as B
    from mrcnn_core.experiments import sweep
    from mrcnn_core.data.synthetic import write_cifar100

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        write_cifar100(tmp / "data")
        emit("write synthetic CIFAR-100 (60,000 images)", t0)
        os.environ["MRCNN_DATA_DIR"] = str(tmp / "data")
        os.environ["MRCNN_CACHE_DIR"] = str(tmp / "cache")
        t0 = time.perf_counter()
        ds = load_cifar100()
        tasks = cifar100_tasks(ds)
        emit("load", t0, images=len(ds.x), tasks=len(tasks), domain=tasks[0].n_target)
        prof = tmp / "mem.yaml"
        prof.write_text(yaml.safe_dump({"name": "mem", "experiments": {"main": {"cifar100": {
            "tasks": a.tasks, "methods": ["vgg", "mrcnn"], "seeds": [0], "steps": a.steps}}},
            "options": {"backbone": "vgg16", "weights": "none", "batch_size": "auto"}}))
        t0 = time.perf_counter()
        s = sweep(str(prof), dataset="cifar100", results=tmp / "r", progress=False)
        extra = {}
        if B.name() == "jax":
            import jax

            stats = jax.devices()[0].memory_stats() or {}
            if "peak_bytes_in_use" in stats:
                extra["peak_gpu_gib"] = round(stats["peak_bytes_in_use"] / 2 ** 30, 3)
        emit("features (cached) + sweep", t0, runs=s.done, failed=s.failed, device=B.device(),
             backend=B.name(), **extra)


if __name__ == "__main__":
    main()
