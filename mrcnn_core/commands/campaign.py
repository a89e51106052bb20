"""``campaign``: the remaining runs of a committed plan in one background process
(``start``, ``resume``, ``run``, ``status``, ``summary``; :mod:`mrcnn_core.experiments.campaign`)."""
from __future__ import annotations

import json
from pathlib import Path

from .args import names, positive, retake_sigterm


def add_parser(sub) -> None:
    from ..experiments.campaign import PLANS

    cp = sub.add_parser("campaign", help="the remaining runs in one background process: start, "
                        "resume, run, status, summary (experiments/campaigns/*.yaml)")
    cp.add_argument("action", choices=("start", "resume", "run", "status", "summary"),
                    help="start: from a worktree of HEAD, in the background; resume: the last "
                         "campaign again, from its own commit and into its stores; run: here, in "
                         "the foreground; status: runs done, rate, hours left; summary: one line "
                         "to commit the stores with")
    cp.add_argument("--plan", default="remaining", help="a plan in experiments/campaigns "
                    f"({', '.join(sorted(p.stem for p in PLANS.glob('*.yaml')))}) or a YAML file")
    cp.add_argument("--out", default="results", help="the folder of the profiles' stores "
                    "(default: results)")
    cp.add_argument("--parts", type=names, help="run only these parts, in this order "
                    "(comma-separated names)")
    cp.add_argument("--chunk", type=positive, help="run: tasks per sweep for every part (default: "
                    "each part's own; a GPU batches more)")


def run(a) -> int:
    from ..experiments import campaign as C

    plan = C.load_plan(a.plan)
    if a.action in ("start", "resume"):
        st = C.start(a.plan, a.out) if a.action == "start" else C.resume()
        done = {"start": "started", "resume": "resumed"}[a.action]
        print(f"campaign {st['plan']} {done} from {st['commit'][:7]} (pid {st['pid']}), "
              f"worktree {st['worktree']}, log {st['log']}; "
              "`python -m mrcnn_core campaign status` says how far it is")
        return 0
    if a.action == "run":
        retake_sigterm(a)
        C.run(plan, a.out, parts=a.parts, log=lambda m: print(m, flush=True), chunk=a.chunk)
        return 0
    if not Path(a.out).is_dir():  # from another folder, 'results' is not the checkout's
        raise C.CampaignError(f"no stores folder {Path(a.out).resolve()}: run from the checkout "
                              "or pass --out RESULTS")
    C.check_parts(plan, a.parts)
    rows = [r for r in C.status(plan, a.out) if not a.parts or r["part"] in a.parts]
    if a.action == "summary":
        from ..experiments.provenance import cpu_model, git_commit

        # the commit the campaign runs from (its stores' commit), not this checkout's HEAD
        state = Path(".campaign") / C.STATE
        commit = json.loads(state.read_text())["commit"] if state.is_file() else git_commit()
        print(C.summary_line(rows, commit, cpu_model()))
        return 0
    for r in rows:
        print(f"{r['part']:<20} {r['stored']:>5} of {r['planned']:<5} stored "
              f"({r['by_campaign']} by the campaign)  {r['runs_per_hour']:6.1f} runs/h of compute"
              f"  {r['hours_left']:6.1f} h left")
    return 0
