"""Where a number came from: code, packages, backend, device, data, weights, time."""
from __future__ import annotations

import datetime as _dt
import importlib.metadata as md
import os
import platform
import subprocess
from pathlib import Path

PACKAGES = ("keras", "tensorflow", "tensorflow-cpu", "jax", "jaxlib", "numpy", "scipy",
            "scikit-learn", "skada", "pandas")


def git_commit(path: str | Path | None = None) -> str:
    if os.environ.get("MRCNN_GIT_COMMIT"):  # e.g. on a machine that got a copy without .git
        return os.environ["MRCNN_GIT_COMMIT"]
    here = Path(path or Path(__file__).resolve().parents[2])
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        # an untracked file under the package (a new module not yet committed) changes what
        # runs as much as an edit does; untracked files elsewhere (notes, stores) do not
        dirty = dirty or subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", "mrcnn_core"],
            cwd=here, capture_output=True, text=True, timeout=10).stdout.strip()
        if len(sha) != 40:
            return "unknown"
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    out = {}
    for p in PACKAGES:
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            pass
    return out


def cpu_model() -> str:
    """The CPU's model name (kernels, and so roundings, can differ between CPU models)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def provenance(**extra) -> dict:
    from .. import backend as B

    return {"git_commit": git_commit(), "packages": versions(), "backend": B.name(),
            "device": B.device(), "python": platform.python_version(),
            "host": platform.node(), "machine": platform.machine(), "cpu": cpu_model(),
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), **extra}
