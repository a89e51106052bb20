"""Frozen means frozen: the pre-registered plan against the git history.

``book/preregistration.md`` and the profile ``heldout-vgg16.yaml`` were committed together,
in a commit of their own, before any run on the held-out data.  :func:`violations` reads
the history and lists every way that promise is broken:

- the plan's commit touches other files, or does not add both files;
- a held-out run names a commit that is dirty, unknown, does not descend from the plan's
  commit, or at which either file differs from the plan's commit;
- a held-out store was committed in (or before) the plan's commit;
- held-out runs exist and either file has changed since (in a later commit or the work
  tree): a deviation belongs on the results page, dated, not in the plan.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

PLAN = "book/preregistration.md"
PROFILE = "mrcnn_core/experiments/profiles/heldout-vgg16.yaml"
STORES = "results/heldout-vgg16"


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=check)


def plan_commit(repo: Path, plan: str = PLAN) -> str | None:
    """The commit that added the plan (the first in history), or None."""
    out = _git(repo, "log", "--diff-filter=A", "--format=%H", "--", plan).stdout.split()
    return out[-1] if out else None


def run_commits(repo: Path, stores: str = STORES) -> dict[str, str]:
    """{commit named by a held-out store's provenance: that store's folder}."""
    out: dict[str, str] = {}
    for prov in sorted((repo / stores).glob("**/provenance.jsonl")):
        for line in prov.read_text().splitlines():
            if line.strip():
                out.setdefault(json.loads(line).get("git_commit", "?"), str(prov.parent))
    return out


def _same(repo: Path, a: str, b: str | None, path: str) -> bool:
    """Is ``path`` the same at commits a and b (b None: the work tree)?"""
    args = ["diff", "--quiet", a] + ([b] if b else []) + ["--", path]
    return _git(repo, *args, check=False).returncode == 0


def violations(repo: str | Path = ".", plan: str = PLAN, profile: str = PROFILE,
               stores: str = STORES) -> list[str]:
    """Every broken promise of the pre-registration (empty: the plan is intact)."""
    repo = Path(repo)
    pc = plan_commit(repo, plan)
    if pc is None:
        return [f"{plan} is not in the git history"]
    out = []
    touched = set(_git(repo, "show", "--format=", "--name-only", pc).stdout.split())
    if touched != {plan, profile}:
        out.append(f"the plan's commit {pc[:7]} holds {sorted(touched)}, not exactly "
                   f"{plan} and {profile}")
    commits = run_commits(repo, stores)
    for c, store in commits.items():
        base = c.split("+")[0]
        if c.endswith("+dirty"):
            out.append(f"{store}: runs from a dirty tree ({c[:7]}+dirty)")
        if _git(repo, "cat-file", "-e", f"{base}^{{commit}}", check=False).returncode != 0:
            out.append(f"{store}: commit {base[:7]} is not in this repository's history")
            continue
        if _git(repo, "merge-base", "--is-ancestor", pc, base, check=False).returncode != 0:
            out.append(f"{store}: commit {base[:7]} does not descend from the plan's {pc[:7]}")
        for f in (plan, profile):
            if not _same(repo, pc, base, f):
                out.append(f"{store}: {f} at {base[:7]} differs from the plan's commit {pc[:7]}")
    first_store = _git(repo, "log", "--diff-filter=A", "--format=%H", "--", stores).stdout.split()
    if first_store:
        s0 = first_store[-1]
        if s0 == pc or _git(repo, "merge-base", "--is-ancestor", s0, pc,
                            check=False).returncode == 0:
            out.append(f"a held-out store was committed at {s0[:7]}, not after the plan {pc[:7]}")
    if commits or first_store:  # runs exist: the plan stays as it was, at HEAD and in the tree
        for f in (plan, profile):
            if not _same(repo, pc, None, f):
                out.append(f"{f} has changed since the plan's commit {pc[:7]} while held-out "
                           "runs exist: a deviation goes on the results page, dated")
    return out
