"""``python -m mrcnn_core bench``: time the conv5 forms and task batching.

Arms, timed in one run on one machine with random weights (speed does not
depend on the weights): (a) ``stock`` per-task loop (``keras.ops.conv``, what
``Conv2D`` runs), (b) ``fast`` per-task loop (the exact dense 2048 x 2048
form), (c) ``batched``: T tasks in one compiled step.  Each arm is warmed up
(compilation + one step), a few steps are timed and the 200-step task is
extrapolated.  One JSON object per line; the last line is the summary.
"""
from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np

from ..method import backend as B
from ..method.graph import knn_graph, laplacian
from ..method.hparams import PAPER_STEPS
from ..method.model import flops_per_sample, init_params
from ..method.train import train_head

SHAPES = {"shared": (200, 200), "paper": (1200, 1200)}
N_TASKS_PAPER = 400


def _emit(obj: dict) -> None:
    print(json.dumps(obj, default=float), flush=True)


def _problem(T: int, ns: int, nt: int, seed: int = 0, layers: int = 4):
    rng = np.random.default_rng(seed)
    conv5 = [((rng.normal(size=(3, 3, 512, 512)) * 0.02).astype(np.float32),
              np.zeros(512, np.float32)) for _ in range(layers)]
    params = init_params(list(range(T)), conv5=conv5)
    xs = np.abs(rng.normal(size=(1, ns, 2, 2, 512))).astype(np.float32)
    xt = np.abs(rng.normal(size=(1, nt, 2, 2, 512))).astype(np.float32)
    ys = rng.integers(0, 2, (1, ns))
    lap = laplacian(knn_graph(xt[0], 3))[None]
    rep = lambda a: np.repeat(a, T, axis=0)  # noqa: E731
    return params, rep(xs), rep(ys), rep(xt), rep(lap)


def time_arm(impl: str, T: int, ns: int, nt: int, steps: int, vgg: bool = False,
             layers: int = 4) -> float:
    """Seconds per training step of T stacked tasks (after compilation and one step).

    Only the training loop is timed: the final evaluation (whose compilation
    for a new T once inflated the H100's MRCNN figure) is not.
    """
    params, xs, ys, xt, lap = _problem(T, ns, nt, layers=layers)
    r = train_head(params, xs, ys, xt, None, None if vgg else lap, alpha=0.0 if vgg else 1e-5,
                   steps=steps + 1, conv5_impl=impl, record_curves=False)
    return r.step_time


def step_flops(ns: int, nt: int, vgg: bool = False, layers: int = 4) -> float:
    """FLOPs of one training step of one task (forward 1x, backward 2x)."""
    f = flops_per_sample(init_params([0], conv5=[(np.zeros((3, 3, 512, 512)), np.zeros(512))] * layers))
    return float(f * (3 * ns + (nt if vgg else 3 * nt)))


def matmul_peak(n: int, reps: int = 5) -> float:
    """FLOP/s of a plain float32 (n, 2048) x (2048, 2048) product, same backend."""
    from keras import ops

    mm = B.jit(lambda a, b: ops.matmul(a, b))
    a = ops.convert_to_tensor(np.random.default_rng(0).normal(size=(n, 2048)).astype(np.float32))
    b = ops.convert_to_tensor(np.random.default_rng(1).normal(size=(2048, 2048)).astype(np.float32))
    ops.convert_to_numpy(mm(a, b))
    t0 = time.perf_counter()
    for _ in range(reps):
        out = mm(a, b)
    ops.convert_to_numpy(out)
    return 2.0 * n * 2048 * 2048 * reps / (time.perf_counter() - t0)


def _gpu_peak_bytes() -> float | None:
    try:
        if B.name() == "jax":
            import jax

            return (jax.devices()[0].memory_stats() or {}).get("peak_bytes_in_use")
    except Exception:
        return None
    return None


def bench(shapes: str = "shared,paper", backbone: str | None = None, steps: int = 3,
          batch: int = 0, arms: str = "stock,fast,batched", subset: int = 32) -> int:
    """Time each arm on each shape and print JSON lines: one per arm, per shape, the paper
    grid's projection (on a GPU) and a summary.  Returns the command's exit status."""
    from .sweep_status import auto_batch_size

    from ..method.features import BACKBONES, check_backbone

    dev, backend = B.device(), B.name()
    backbone = check_backbone(backbone)
    layers = len(BACKBONES[backbone][2])
    on_gpu = dev.startswith(("gpu", "cuda"))
    arm_list = [a.strip() for a in arms.split(",") if a.strip()]
    summary = {"event": "summary", "device": dev, "backend": backend, "backbone": backbone,
               "conv5_layers": layers, "shapes": {}}
    if backend == "jax":
        import jax
        summary["jax_matmul_precision"] = str(jax.config.jax_default_matmul_precision)
    for shape in [s.strip() for s in shapes.split(",") if s.strip()]:
        if shape not in SHAPES:
            print(f"error: unknown shape {shape!r}; choose from {sorted(SHAPES)}", file=sys.stderr)
            return 2
        ns, nt = SHAPES[shape]
        T = batch or (auto_batch_size(ns, nt) if on_gpu else 2)
        skip_stock = backend == "jax" and not on_gpu and shape == "paper"
        summary["shapes"][shape] = _time_shape(shape, arm_list, T, steps, layers, skip_stock)
    if on_gpu and "paper" in summary["shapes"] and subset:
        summary["paper_grid"] = _paper_grid(batch or auto_batch_size(*SHAPES["paper"]), subset,
                                            steps, layers)
    summary["peak_host_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    g = _gpu_peak_bytes()
    if g:
        summary["peak_gpu_gib"] = g / 2 ** 30
    _emit(summary)
    return 0


def _time_shape(shape: str, arms: list[str], T: int, steps: int, layers: int,
                skip_stock: bool) -> dict:
    """The arms of one shape: seconds per step, tasks per hour, FLOP rates and speed-ups."""
    ns, nt = SHAPES[shape]
    fl = step_flops(ns, nt, layers=layers)
    res = {}
    for arm in arms:
        impl = "stock" if arm == "stock" else "dense"
        t_arm = T if arm == "batched" else 1
        if arm == "stock" and skip_stock:
            _emit({"event": "skip", "arm": arm, "shape": shape,
                   "why": "stock conv under JAX on CPU takes minutes per step"})
            continue
        sec = time_arm(impl, t_arm, ns, nt, steps, layers=layers)
        per_task_step = sec / t_arm
        res[arm] = {"T": t_arm, "sec_per_step": sec,
                    "tasks_per_hour": 3600.0 / (PAPER_STEPS * per_task_step),
                    "flops_per_s": fl / per_task_step}
        _emit({"event": "arm", "shape": shape, "arm": arm, "impl": impl, "n_source": ns,
               "n_target": nt, **res[arm]})
    peak = matmul_peak(ns + nt)
    out = {"n_source": ns, "n_target": nt, "flops_per_task_step": fl,
           "flops_per_task": fl * PAPER_STEPS, "matmul_flops_per_s": peak,
           **{f"tasks_per_hour_{a}": r["tasks_per_hour"] for a, r in res.items()},
           **{f"flops_per_s_{a}": r["flops_per_s"] for a, r in res.items()}}
    if "stock" in res and "fast" in res:
        out["speedup_fast_vs_stock"] = res["fast"]["tasks_per_hour"] / res["stock"]["tasks_per_hour"]
    if "fast" in res and "batched" in res:
        out["speedup_batched_vs_fast"] = res["batched"]["tasks_per_hour"] / res["fast"]["tasks_per_hour"]
        out["batch_T"] = res["batched"]["T"]
    if "fast" in res:
        out["fast_vs_matmul_flops"] = res["fast"]["flops_per_s"] / peak
    _emit({"event": "shape", "shape": shape, **out})
    return out


def _paper_grid(T: int, subset: int, steps: int, layers: int) -> dict:
    """The paper grid's projected minutes (400 tasks x MRCNN and VGG) from a timed subset."""
    ns, nt = SHAPES["paper"]
    n_sub = max(subset, T)
    t0 = time.perf_counter()
    per_step = {}
    for vgg in (False, True):
        secs = [time_arm("dense", min(T, n_sub - start), ns, nt, steps, vgg=vgg, layers=layers)
                for start in range(0, n_sub, T)]
        # one step of every batch advances all n_sub tasks by one step
        per_step["vgg" if vgg else "mrcnn"] = sum(secs) / n_sub
    grid_s = N_TASKS_PAPER * PAPER_STEPS * (per_step["mrcnn"] + per_step["vgg"])
    out = {"subset_tasks": n_sub, "T": T, "sec_per_task_step": per_step,
           "projected_minutes_400x2": grid_s / 60.0, "measure_wall_s": time.perf_counter() - t0}
    _emit({"event": "paper_grid", **out})
    return out
