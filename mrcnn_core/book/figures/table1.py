"""Table 1 (20): accuracy of every method, the claims tested, the Corel control, a compute slice."""
from __future__ import annotations


import numpy as np
import pandas as pd

from ... import analysis as A
from ...analysis.formatting import dataset_name
from ...methods import REGISTRY, CNN, table1_pairs
from ..notebook import doc_link
from .page import CONFOUND_NOTE, Page, fmt, no_runs, words


COREL_SUBSTITUTE = (
    "On Corel the CNN columns (VGG, MRCNN) are a **substitute**: the raw Corel images are not "
    "public, so they train the MRCNN head's fully connected layers on the 256-d Corel features, "
    "scaled to [0, 1], each at the paper's Corel setting, which for MRCNN also changes the "
    "learning rate and β (the Corel control, where its runs exist, separates them: the verdict \"MRCNN "
    "beats VGG\" on Corel compares two settings, not only the manifold term).  Readers who own "
    "the images can run the real CNN methods with `load_image_folder` (see {rerun}).")


def corel_substitute() -> str:
    """COREL_SUBSTITUTE with its link to *How to re-run* made where the page is read."""
    from ..notebook import doc_link

    return COREL_SUBSTITUTE.format(rerun=doc_link("rerun", "How to re-run"))


def table1(runs: pd.DataFrame, profile: str, shares: dict | None = None) -> Page:
    """Table 1 (mean target accuracy per data set and LR group) with the claims tested."""
    if (empty := no_runs(runs)) is not None:
        return empty
    every = runs
    runs = A.common_tasks(runs)  # every method of a row over the same tasks
    pt = A.add_groups(A.per_task(runs))
    t1 = A.table1(pt)
    page = Page(values={"table1": t1.reset_index().to_dict(orient="list")})
    left_out = {ds: every[every["dataset"] == ds]["task_id"].nunique() - d["task_id"].nunique()
                for ds, d in runs.groupby("dataset")}
    if any(left_out.values()):
        page.add("**Every method over the same tasks**: "
                 + "; ".join(f"{dataset_name(ds)}: the {runs[runs['dataset'] == ds]['task_id'].nunique()} "
                             f"tasks that hold a run of every method ({n} tasks where some method "
                             "has no run yet are left out)" for ds, n in left_out.items() if n)
                 + ". The table, the claims below and the download hold these tasks only.")
    page.add(fmt(t1, 1, f"Table 1 (profile {profile}): mean target accuracy (%), "
                         "tasks counted per group"))
    _methods_without_runs(page, every)
    cov = A.coverage(pt)
    if (cov.nunique(axis=1) > 1).any():
        page.add("**Not every method ran on every task**: its mean is over the tasks below.")
    page.add(words(cov).style.set_caption("tasks with a result, per method"))
    from ...studies import stability as S

    ct = S.collapse_table(runs, shares)
    if len(ct):
        page.add(fmt(ct, 1, "CNN runs that score exactly what predicting one class scores "
                             "('collapsed'), per run and per task" + S.collapse_note(ct)))
    if ((runs["dataset"] == "corel") & runs["method"].isin(CNN)).any():
        page.add(corel_substitute())
        if str(load_backbone(profile)) == "vgg19":
            page.add("**Corel on this page** is the VGG19 profile's own Corel store: Corel's CNN "
                     "rows use no backbone (an fc head on the features), so they were made "
                     "again under this profile, on another CPU: the VGG runs came out "
                     "identical to the VGG16 profile's, MRCNN runs differ where training is "
                     "chaotic (Reproduction notes: what 'deterministic' covers). The ledger's "
                     "Corel column reads the VGG16 profile's store.")
    _claims(page, runs, pt)
    return page


def _methods_without_runs(page: Page, every: pd.DataFrame) -> None:
    """Registered methods the stores lack, per data set: said, since they show as no column."""
    # per data set: a method run on CIFAR-100 only has an empty Corel cell, which says nothing
    ran = every.groupby("dataset")["method"].agg(set)
    absent_in = {ds: [x.label for m, x in REGISTRY.items() if m not in have]
                 for ds, have in ran.items()}
    absent = sorted({lab for labs in absent_in.values() for lab in labs},
                    key=[x.label for x in REGISTRY.values()].index)
    page.values["methods_without_runs"] = absent
    page.values["methods_without_runs_per_dataset"] = {ds: v for ds, v in absent_in.items() if v}
    if absent:  # a registered method the stores lack shows as no column or cell: say so
        where = "; ".join(f"{dataset_name(ds)}: {', '.join(v)}"
                          for ds, v in absent_in.items() if v)
        page.add(f"**Registered methods with no runs in these stores** ({where}): no column "
                 "or an empty cell above; " + doc_link("rerun", "How to re-run") + " says how to make them.")


def _claims(page: Page, runs: pd.DataFrame, pt: pd.DataFrame) -> None:
    """The paper's Table 1 claims tested on the table's runs: verdicts, answer, differences."""
    page.add("**What the data says about the paper's claims** (computed from the table's runs; "
             "seeds averaged per task, then paired per task.  The 16 tasks that share a "
             "CIFAR-100 target domain are not independent, so the 95% CI is a bootstrap over "
             "target domains; its p comes from the same resamples, so interval and p agree on the "
             "side of zero; a verdict needs the interval's bound clear of zero beyond its Monte "
             "Carlo error):")
    comp = A.comparisons(pt)
    lines = [f"- {A.verdict(comp, a, b, ds)}" + (CONFOUND_NOTE if (a, b, ds) == ("mrcnn", "vgg", "corel")
                                                   else "")
             for ds in sorted(pt["dataset"].unique())
             for a, b in table1_pairs() if {a, b} <= set(pt[pt["dataset"] == ds]["method"])]
    page.add("\n".join(lines) if lines else "No pair of methods to compare.")
    if not comp.empty:
        table1_answer(page, comp, runs, pt)
    if not comp.empty:
        from ...analysis.stats import p_text

        shown = comp.assign(p=[p_text(p, int(n)) for p, n in zip(comp["p"], comp["n_boot"])])
        shown = shown.drop(columns=["n_boot"]).rename(columns={
            "mean_diff_pp": "mean difference (pp)", "ci_low_pp": "CI low (pp)",
            "ci_high_pp": "CI high (pp)", "p": "bootstrap p"})
        page.add(words(shown).style.format({"mean difference (pp)": "{:+.1f}", "CI low (pp)": "{:+.1f}",
                                     "CI high (pp)": "{:+.1f}"})
                 .hide(axis="index").set_caption(
                     "Paired differences in percentage points (pp) per group; CI: bootstrap over "
                     f"target domains (clusters), {A.N_BOOT} resamples; p: two-sided, from the same "
                     "resamples (the smallest it can be is 1/resamples)"))


def load_backbone(profile: str) -> str | None:
    from ...experiments.profile import ProfileError, load_profile

    try:
        return load_profile(profile).options.get("backbone", "vgg19")
    except ProfileError:
        return None


def interim(tasks: int, planned: int | None = None) -> str:
    """What a verdict on part of the grid is: the ledger's *pending* until all tasks are in."""
    from ...studies.ledger import MAIN_TASKS

    planned = planned or MAIN_TASKS["cifar100"]
    return (f" on these {tasks} of the {planned} planned tasks (interim: the ledger says "
            "*pending* until all are stored)") if tasks < planned else ""


def table1_answer(page: Page, comp: pd.DataFrame, runs: pd.DataFrame, pt: pd.DataFrame) -> None:
    """Table 1's question and its computed answer: the central claim on CIFAR-100, and the
    count of verdicts over the paper's claims."""
    from ...analysis.formatting import interval, pct, pp
    from ...methods import LABELS, PAPER_PAIRS

    tot = comp[comp["group"] == "Total"]
    paper = {f"{LABELS[a]} - {LABELS[b]}" for a, b in PAPER_PAIRS}
    per_ds = []
    for ds, d in tot[tot["comparison"].isin(paper)].groupby("dataset"):
        tally = d["verdict"].value_counts()
        per_ds.append(f"{dataset_name(ds)}: " + ", ".join(f"{n} {w}" for w, n in tally.items()))
    counts = "; ".join(per_ds)
    central = tot[(tot["comparison"] == "MRCNN - VGG") & (tot["dataset"] == "cifar100")]
    bits = []
    if len(central):
        r = central.iloc[0]
        cnn = runs[(runs["dataset"] == "cifar100") & runs["method"].isin(CNN)]
        bb = ", ".join(sorted(cnn["backbone"].dropna().astype(str).str.upper().unique())) or "?"
        # the table's Total: seeds averaged per task, then tasks (not a mean over runs)
        acc = pt[pt["dataset"] == "cifar100"].groupby("method")["accuracy"].mean()
        bits.append(f"On CIFAR-100 ({bb}, {int(r.tasks)} tasks) MRCNN reaches "
                    f"{pct(acc.get('mrcnn', float('nan')))} and VGG {pct(acc.get('vgg', float('nan')))}: "
                    f"MRCNN - VGG {pp(r.mean_diff_pp)} {interval(r.ci_low_pp, r.ci_high_pp)}, "
                    f"**{r.verdict}**" + interim(int(r.tasks)) + ".")
    bits.append(f"Of the paper's pairwise orderings on these runs ({counts}), the front page's "
                "ledger gives each claim's verdict on every backbone and pair set.")
    page.answered("Do the orderings of the paper's Table 1 hold?", " ".join(bits))


def corel_control(runs: pd.DataFrame, control: pd.DataFrame, shares: dict | None = None) -> Page:
    """The Corel control beside Table 1: which part of MRCNN's Corel setting does what."""
    page = Page()
    if control.empty or (control["dataset"] != "corel").all():
        return page
    cr = A.control_runs(runs, control)
    t = A.control_table(cr, shares)
    page.values["control"] = t["accuracy (%)"].round(2).to_dict() if len(t) else {}
    page.add("### The Corel control: the manifold term apart from lr and beta\n\n"
             "The paper's Corel MRCNN differs from its VGG in three settings at once: the "
             "manifold term (α = 1e-3), the learning rate (10^-2.5 against "
             "10^-4) and β (0.1 against 0.01).  The control separates them on "
             f"the same {cr['task_id'].nunique()} tasks and seeds (runs of one store set, seeds "
             "averaged per task, differences paired per task, intervals a bootstrap over the "
             "target domains):")
    page.add(fmt(t, 1, "Corel control: mean accuracy and runs that predict one class"))
    claims = A.control_claims(cr)
    page.values["control_claims"] = claims
    page.add("\n".join(f"- {c}" for c in claims))
    return page


def slice_comparison(slice_runs: pd.DataFrame, committed: pd.DataFrame, profile: str,
                     folder: str) -> Page:
    """A slice re-computed here, beside the committed numbers of the same tasks and points."""
    from ...method.costs import t4_minutes

    if slice_runs.empty:
        return Page().add(f"The compute slice stored no run in `{folder}`.")
    # a study's point is its variant *and* its values (vary:alpha holds several alphas)
    keys = ["task_id", "variant", "method", "lr", "alpha", "beta", "k"]
    here = slice_runs.groupby(keys)["accuracy"].mean().rename("accuracy here")
    ref = committed[committed["task_id"].isin(slice_runs["task_id"])].groupby(keys)["accuracy"].agg(
        ["mean", "nunique"]).rename(columns={"mean": "accuracy committed", "nunique": "seeds"})
    t = here.to_frame().join(ref, how="left").reset_index()
    t["difference (pp)"] = 100 * (t["accuracy here"] - t["accuracy committed"])
    t["method"] = t["method"].map(A.METHOD_LABEL)
    one_point = t["variant"].nunique() == 1
    def point(r) -> str:
        v = str(r["variant"])
        names = (v.split(":", 1)[1].split("x") if v.startswith(("vary:", "grid:")) else [])
        vals = ",".join(f"{n}={r[n]:g}" for n in names if n in r)
        return f"{v.split(':')[0]} {vals} {r['method']}".replace("  ", " ") if vals else f"{v} {r['method']}"

    t["point"] = t["method"] if one_point else t.apply(point, axis=1)
    means = t.groupby("point")[["accuracy here", "accuracy committed"]].mean()
    steps = sorted(slice_runs["steps"].dropna().astype(int).unique())
    n_runs = len(slice_runs)
    prov = {p["prov_id"]: p for p in A.load_provenance(folder)}
    dev = sorted({f"{prov[i].get('backend')} / {prov[i].get('device')}"
                  for i in slice_runs["prov_id"].unique() if i in prov})
    wall = float(slice_runs["wall_time"].sum())
    cnn = slice_runs[slice_runs["backbone"].isin(["vgg16", "vgg19"])]
    est = (t4_minutes(n_runs, int(cnn["n_source"].max()), int(cnn["n_target"].max()), max(steps),
                      str(cnn["backbone"].iloc[0])) if len(cnn) else float("nan"))
    est_txt = ("" if not np.isfinite(est) else
               f" (a T4 in float32 would need about {f'{est:.1f} min' if est >= 1 else f'{60 * est:.1f} s'}"
               " by FLOP count: an estimate, not a measurement)")
    page = Page(values={"slice_tasks": int(t["task_id"].nunique()), "slice_runs": n_runs,
                        "slice_steps": steps,
                        "slice_mean": {m: round(float(v), 6) for m, v in means["accuracy here"].items()},
                        "committed_mean": {m: (None if pd.isna(v) else round(float(v), 6))
                                           for m, v in means["accuracy committed"].items()}})
    page.add(f"### The slice re-computed here\n\n{t['task_id'].nunique()} tasks, "
             f"{t['point'].nunique()} method(s) or point(s), {n_runs} runs of "
             f"{', '.join(map(str, steps))} steps, seed 0, on {', '.join(dev) or '?'}: {wall:.0f} s "
             f"of training here{est_txt}."
             + (" **Fewer steps than the profile's: a check that the pipeline runs, not its "
                "numbers.**" if steps and max(steps) < int(committed["steps"].max() or 0) else "")
             + f"  Store: `{folder}`.  Committed runs made before training was deterministic "
               "are one draw each: differences of a few pp are expected there (*How much one "
               "run tells*).")
    page.add(fmt(t.drop(columns="point").set_index(keys[:3]), 3,
                  "accuracy here and in the committed store (mean over its seeds), same tasks"))
    return page
