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


def code_digest(root: str | Path | None = None) -> str:
    """A digest of the package's code and shipped profiles (what a run's number depends on
    besides data, weights and machine): two sweeps from the same commit, or from the same
    edits of a dirty tree, have the same digest; an edit between them changes it."""
    import hashlib

    root = Path(root or Path(__file__).resolve().parents[1])
    h = hashlib.sha1()
    for f in sorted(root.rglob("*")):
        if f.suffix in (".py", ".yaml") and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def versions() -> dict[str, str]:
    out = {}
    for p in PACKAGES:
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            pass
    return out


#: the widest vector instruction set, from its /proc/cpuinfo flag (XLA's CPU code uses it)
ISA_LEVELS = (("avx512f", "avx512"), ("avx2", "avx2"), ("avx", "avx"), ("sse4_2", "sse4.2"))


def cpu_model(cpuinfo: str | None = None) -> str:
    """The CPU as XLA's code generation sees it: model name, family and model numbers, and the
    widest vector instruction set, e.g. "AMD EPYC (family 25, model 17, avx512)".

    Kernels, and so roundings, differ between CPU generations: two machines that both report
    "AMD EPYC" (a VM's masked name) ran the same Corel MRCNN runs to different accuracies, so
    the name alone cannot say that a CPU run is re-run on the same device (``verify``)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return platform.processor() or "unknown"
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if not key and fields:
            break  # the first processor is enough
        fields.setdefault(key, value.strip())
    name = fields.get("model name") or platform.processor() or "unknown"
    flags = set(fields.get("flags", "").split())
    isa = next((name for flag, name in ISA_LEVELS if flag in flags), "")
    detail = [f"family {fields['cpu family']}" if "cpu family" in fields else "",
              f"model {fields['model']}" if "model" in fields else "", isa]
    detail = [d for d in detail if d]
    return f"{name} ({', '.join(detail)})" if detail else name


def provenance(**extra) -> dict:
    from ..method import backend as B

    return {"git_commit": git_commit(), "code_digest": code_digest(), "packages": versions(),
            "backend": B.name(),
            "device": B.device(), "python": platform.python_version(),
            "host": platform.node(), "machine": platform.machine(), "cpu": cpu_model(),
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), **extra}
