"""The campaign: one committed, ordered plan of the remaining runs (campaigns/*.yaml), run in
one process (features loaded and steps compiled once per part), resumable, in the background
from a worktree of a clean commit (issue #43).

Each part goes into its own store, ``results/<profile>/campaign-<commit>-<cpu|gpu>``: one
commit per store, and a store of new code never extends one of old code.  Run keys that
another store of the profile holds ok are skipped (the pages join stores, one row per key).
VGG is trained once per source domain where the no-target step is bit-equal on this machine
(:func:`sharing_exact`, checked when a part starts and recorded in its provenance).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

PLANS = Path(__file__).with_name("campaigns")
STATE = "campaign.json"  # in the out folder: commit, pid, start time, log


class CampaignError(RuntimeError):
    """A campaign cannot start or its plan is malformed."""


@dataclass
class Part:
    name: str
    profile: str
    dataset: str
    experiment: str
    methods: list[str]
    seeds: list[int]
    chunk: int = 5

    def store(self, out: Path, profile_name: str, commit: str, device: str) -> Path:
        return Path(out) / profile_name / f"campaign-{commit[:7]}-{device}"


@dataclass
class Plan:
    name: str
    parts: list[Part] = field(default_factory=list)


def load_plan(name_or_path: str = "remaining") -> Plan:
    """A committed plan by name (campaigns/<name>.yaml) or a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PLANS / f"{name_or_path}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PLANS.glob("*.yaml")))
        raise CampaignError(f"no campaign plan {name_or_path!r} (shipped: {known})")
    data = yaml.safe_load(path.read_text()) or {}
    keys = set(Part.__dataclass_fields__)
    parts = []
    for i, p in enumerate(data.get("parts") or []):
        unknown = set(p) - keys
        if unknown or not {"name", "profile", "dataset", "experiment", "methods", "seeds"} <= set(p):
            raise CampaignError(f"{path}: part {i + 1} has unknown or missing fields "
                                f"({sorted(unknown) or 'missing name/profile/dataset/...'})")
        if int(p.get("chunk", 5)) < 1:
            raise CampaignError(f"{path}: part {p['name']!r}: chunk must be >= 1")
        parts.append(Part(**p))
    if not parts:
        raise CampaignError(f"{path}: no parts")
    return Plan(data.get("name", path.stem), parts)


def device_kind() -> str:
    from ..method import backend as B

    return "gpu" if B.device().startswith(("gpu", "cuda")) else "cpu"


def planned_specs(part: Part, ctx=None):
    """The part's planned run specs (on the data's identity: no features needed)."""
    from .context import profile_context
    from .planner import plan
    from .profile import load_profile

    prof = load_profile(part.profile)
    ctx = ctx or profile_context(prof, part.dataset, features=False, experiment=part.experiment)
    return prof, ctx, plan(prof, part.experiment, part.dataset, ctx, methods=part.methods,
                           seeds=part.seeds)


def stored_ok(profile_dir: Path, exclude: Path | None = None) -> set[str]:
    """Run keys stored ok in any store under ``profile_dir`` (but ``exclude``)."""
    from .store import ResultsStore, store_folders

    keys: set[str] = set()
    for f in store_folders(profile_dir):
        if exclude is not None and f.resolve() == Path(exclude).resolve():
            continue
        keys |= ResultsStore(f).done_keys()
    return keys


def chunks(part: Part, specs, chunk: int | None = None) -> list[dict]:
    """Sweep arguments, in order: each seed in turn, the task prefix growing by ``chunk``
    (the part's own unless given: a GPU batches more tasks per sweep; main: tasks in the
    profile's order; pairs: per pair), so an interrupted campaign leaves VGG and MRCNN on the
    same tasks."""
    step = chunk or part.chunk
    if part.experiment == "pairs":
        per = {}
        for s in specs:
            per.setdefault(s.variant, set()).add(s.task.id)
        n = max(len(v) for v in per.values())
    else:
        n = len({s.task.id for s in specs})
    return [{"seeds": [seed], "n_tasks": min(k, n)}
            for seed in part.seeds for k in range(step, n + step, step)]


def sharing_exact(ctx, spec, steps: int = 10) -> bool:
    """Does VGG's no-target step give bit-equal parameters to the step with the target pass,
    on this machine and backend?  (What lets one training serve every target of a source.)"""
    from ..method.fit import inputs_for
    from ..method.model import init_params
    from ..method.train import train_head

    x = inputs_for(spec.task, ctx.features)
    xs, xt = x[spec.task.source_idx][None], x[spec.task.target_idx][None]
    conv5 = ctx.features.conv5 if ctx.features is not None else None
    out = []
    for curves in (True, False):
        p = init_params([spec.seed], conv5=conv5, in_dim=None if conv5 else x.shape[-1])
        out.append(train_head(p, xs, np.asarray(spec.task.ys)[None], xt, lr=spec.hp["lr"],
                              beta=spec.hp["beta"], steps=steps, record_curves=curves).params)
    return all(np.array_equal(out[0][k], out[1][k]) for k in out[0])


def check_parts(plan: Plan, parts) -> None:
    """A part the plan lacks is one clear error (run and status share it)."""
    unknown = sorted(set(parts or ()) - {p.name for p in plan.parts})
    if unknown:
        raise CampaignError(f"unknown part(s) {unknown} of plan {plan.name!r}; its parts: "
                            + ", ".join(p.name for p in plan.parts))


def run(plan: Plan, out: str | os.PathLike = "results", *, parts: list[str] | None = None,
        log=print, chunk: int | None = None) -> None:
    """Run the plan's parts in order (each resumable; a finished part costs a plan check);
    ``parts`` in the order given when named (a GPU runs the most valuable first), ``chunk``
    overrides every part's tasks per sweep."""
    from .context import profile_context
    from .driver import sweep
    from .profile import load_profile
    from .provenance import git_commit

    commit = git_commit()
    if commit.endswith("+dirty") or commit == "unknown":
        raise CampaignError(f"the campaign runs from a clean commit (this tree: {commit}); "
                            "commit, or start it with `campaign start` (a worktree of HEAD)")
    dev = device_kind()
    check_parts(plan, parts)
    if chunk is not None and chunk < 1:
        raise CampaignError(f"chunk must be >= 1, got {chunk}")
    order = [next(p for p in plan.parts if p.name == n) for n in parts] if parts else plan.parts
    for part in order:
        prof = load_profile(part.profile)
        store = part.store(Path(out), prof.name, commit, dev)
        ctx = profile_context(prof, part.dataset, features=False, experiment=part.experiment)
        _, _, specs = planned_specs(part, ctx)
        elsewhere = stored_ok(Path(out) / prof.name, exclude=store)
        todo = [s for s in specs if s.key not in elsewhere]
        log(f"== {part.name}: {len(specs)} planned, {len(specs) - len(todo)} stored in other "
            f"stores, store {store}")
        if not todo:
            continue
        ctx = profile_context(prof, part.dataset, cnn=True, experiment=part.experiment)
        vgg = next((s for s in todo if s.method == "vgg"), None)
        exact = bool(vgg) and sharing_exact(ctx, vgg)
        extra = {"campaign": plan.name, "campaign_part": part.name,
                 "vgg_training": ("one training per source domain, seed and settings, "
                                  "evaluated on each target (no-target step bit-equal here)"
                                  if exact else "per task (no-target step not bit-equal here)")}
        log(f"   VGG trained once per source: {'yes' if exact else 'no'}")
        trained: dict = {}
        for c in chunks(part, specs, chunk):
            t0 = time.perf_counter()
            s = sweep(prof, dataset=part.dataset, experiment=part.experiment,
                      methods=part.methods, n_tasks=c["n_tasks"], seeds=c["seeds"],
                      results=store, progress=False, context=ctx, stored_elsewhere=elsewhere,
                      share_vgg=exact, trained=trained, provenance_extra=extra)
            if s.done or s.failed:
                log(f"   seed {c['seeds'][0]} tasks {c['n_tasks']}: +{s.done} ok, {s.failed} "
                    f"failed, {time.perf_counter() - t0:.0f} s ({time.strftime('%H:%M:%S')})")
            if len(trained) > 64:  # bound memory: a part's sources are few, seeds differ
                trained.clear()
    log("== campaign finished")


def status(plan: Plan, out: str | os.PathLike = "results") -> list[dict]:
    """Per part: planned, stored (any store), in the campaign's stores, rate, hours left."""
    from .store import ResultsStore, store_folders

    rows = []
    for part in plan.parts:
        prof, _, specs = planned_specs(part)
        keys = {s.key for s in specs}
        ok = stored_ok(Path(out) / prof.name) & keys
        walls, others = [], []
        for f in store_folders(Path(out) / prof.name):
            df = ResultsStore(f).load()
            df = df[df["run_key"].isin(keys) & (df["status"] == "ok")]
            (walls if f.name.startswith("campaign-") else others).append(df["wall_time"])
        by_campaign = sum(len(w) for w in walls)
        # the rate of compute: runs per hour of their summed wall time (the campaign's own,
        # else the other stores' of the same runs), not of the hours the machine sat idle
        w = [float(x) for s_ in (walls if by_campaign else others) for x in s_]
        rate = 3600 * len(w) / sum(w) if w and sum(w) > 0 else float("nan")
        rows.append({"part": part.name, "planned": len(keys), "stored": len(ok),
                     "by_campaign": by_campaign, "runs_per_hour": rate,
                     "hours_left": (len(keys) - len(ok)) / rate if rate == rate else float("nan")})
    return rows


def summary_line(rows: list[dict], commit: str, cpu: str) -> str:
    """One line to commit the stores with."""
    parts = "; ".join(f"{r['part']} {r['stored']}/{r['planned']} (+{r['by_campaign']} by the "
                      "campaign)" for r in rows)
    return f"Campaign stores at {commit[:7]} ({cpu}): {parts}"


def start(plan_name: str = "remaining", out: str | os.PathLike | None = None,
          repo: str | os.PathLike = ".", python: str = sys.executable) -> dict:
    """Start ``campaign run`` in the background from a worktree of HEAD (which must be
    clean), writing the stores under ``out`` (default: this checkout's results/)."""
    repo = Path(repo).resolve()
    dirty = _git(repo, "status", "--porcelain", "--untracked-files=no")
    if dirty:
        raise CampaignError("the campaign starts from a clean commit: commit or stash "
                            f"first ({len(dirty.splitlines())} changed files)")
    sha = _git(repo, "rev-parse", "HEAD")
    wt = repo / ".campaign" / f"wt-{sha[:7]}"
    if not wt.exists():
        _git(repo, "worktree", "add", "--detach", str(wt), sha)
    return _launch(repo, sha, wt, plan_name, Path(out or repo / "results").resolve(), python)


def resume(repo: str | os.PathLike = ".", python: str = sys.executable) -> dict:
    """Start the last campaign again from its own worktree and commit (``.campaign/campaign.json``),
    into the same stores: after a reboot or a new session, while HEAD has moved on (a new
    commit would start a new store; this one goes on with the old)."""
    repo = Path(repo).resolve()
    path = repo / ".campaign" / STATE
    if not path.is_file():
        raise CampaignError(f"no campaign to resume: {path} is missing (`campaign start` first)")
    st = json.loads(path.read_text())
    wt = Path(st["worktree"])
    if not wt.is_dir() or _git(wt, "rev-parse", "HEAD") != st["commit"]:
        raise CampaignError(f"the campaign's worktree {wt} is missing or not at {st['commit'][:7]}: "
                            "`campaign start` from a clean commit starts a new store")
    if _alive(st.get("pid")):
        raise CampaignError(f"the campaign is running (pid {st['pid']}); `campaign status`")
    return _launch(repo, st["commit"], wt, st["plan"], Path(st["out"]), python)


def _git(cwd: Path, *a: str) -> str:
    return subprocess.run(["git", *a], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout.strip()


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
        return True
    except (TypeError, ValueError, ProcessLookupError, PermissionError):
        return False


def _launch(repo: Path, sha: str, wt: Path, plan_name: str, out: Path, python: str) -> dict:
    log = repo / ".campaign" / f"log-{sha[:7]}.txt"
    from ..data.where import data_dir

    # the worktree sits inside this checkout, so "../shared/data beside the checkout" is not
    # beside it: the data folder this checkout finds is passed on
    found = data_dir()
    env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax"),
           **({"MRCNN_DATA_DIR": str(found.resolve())} if found else {})}
    with open(log, "a") as fh:
        fh.write(f"== started {time.strftime('%Y-%m-%dT%H:%M:%S%z')} from {sha[:7]}\n")
        fh.flush()
        proc = subprocess.Popen([python, "-m", "mrcnn_core", "campaign", "run", "--plan", plan_name,
                                 "--out", str(out)], cwd=wt, stdout=fh, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
    state = {"commit": sha, "pid": proc.pid, "worktree": str(wt), "log": str(log),
             "out": str(out), "plan": plan_name, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (repo / ".campaign" / STATE).write_text(json.dumps(state, indent=1))
    return state
