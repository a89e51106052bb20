"""What every page says about its numbers: the provenance banner and the per-task CSV."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .formatting import dataset_name
from ..methods import CNN, REGISTRY
from .reading import NO_GRAPH, load_provenance
from .tables import METHOD_LABEL, methods_in

def coverage_line(df: pd.DataFrame) -> str:
    """'cifar100: VGG 400 tasks x 1 seed, ...': what the numbers on a page average over."""
    parts = []
    for ds, d in df.groupby("dataset"):
        items = []
        for m in methods_in(d["method"]):
            x = d[d["method"] == m]
            seeds = x.groupby("task_id")["seed"].nunique()
            s = f"{seeds.min()}" if seeds.min() == seeds.max() else f"{seeds.min()}-{seeds.max()}"
            items.append(f"{METHOD_LABEL.get(m, m)} {x['task_id'].nunique()} tasks x {s} seed(s)")
        parts.append(f"{ds}: " + ", ".join(items))
    return "; ".join(parts)


def devices_of(df: pd.DataFrame) -> list[str]:
    """The devices that made ``df``'s runs, in words ("CPU", "NVIDIA H200"), from the
    provenance of the stores they came from (a run's device is recorded there, not in
    runs.csv); a run whose provenance is missing counts as "unknown device"."""
    if df.empty or "store" not in df:
        return []
    prov = {p["prov_id"]: p for p in load_provenance(*sorted({str(x) for x in df["store"]}))}
    out = set()
    for i in df["prov_id"].dropna().unique():
        dev = str(prov.get(i, {}).get("device", ""))
        # "cpu" or "cpu:cpu" on a CPU, "gpu:<name>" on a GPU
        out.add("CPU" if dev.startswith("cpu") else dev.split(":", 1)[1] if ":" in dev
                else "unknown device")
    if df["prov_id"].isna().any():
        out.add("unknown device")
    return sorted(out)


def provenance_banner(df: pd.DataFrame, folders: Sequence) -> str:
    """A Markdown banner: one folded ``<details>`` block whose one-line summary says the
    profile, backbone, data, coverage and commit(s), and whose body says everything else
    (stores, weights, backend, device, dates, coverage per method, determinism, the
    profile's differences from the paper); a warning where the numbers are not a result
    stays visible above it.  It renders alike in the built book, in Jupyter and on Colab."""
    if df.empty:
        return "**No results found** in " + ", ".join(map(str, folders))
    prov = {p["prov_id"]: p for p in load_provenance(*folders)}
    used = [prov[i] for i in df["prov_id"].dropna().unique() if i in prov]
    facts = _facts(df, used)
    line, warn = _visible_line(df, prov, used, facts)
    lines = _details(df, used, facts)
    # answer first (#34): the provenance is one folded line under the page's answer; a
    # warning that the numbers are not a result stays visible above it
    visible = ("⚠️ " + "; ".join(warn) + "\n\n") if warn else ""
    return (f"{visible}<details><summary>Provenance: {md_inline(line)} (stores, weights, "
            f"backend, device, dates, coverage per method, differences from the "
            f"paper)</summary>\n\n" + "\n\n".join(lines) + "\n\n</details>")


def _commit_text(p: dict, n: int) -> str:
    """A record's commit cut to ``n`` characters; a dirty tree's runs say so (#42)."""
    c = str(p.get("git_commit"))
    return c[:n] + ("+dirty" if c.endswith("+dirty") else "")


def _facts(df: pd.DataFrame, used: list[dict]) -> dict:
    """What both parts of the banner say: profiles, backbones, weights, data sizes."""
    images = df[df["method"].isin(CNN) & (df["dataset"] != "corel")]
    weights = sorted(images["weights"].dropna().unique())
    n_samples = sorted({(p.get("dataset"), p.get("n_samples")) for p in used})
    return dict(profiles=sorted(df["profile"].dropna().unique()), images=images,
                backbones=sorted({str(b) for b in images.get("backbone", pd.Series(dtype=str))
                                  .dropna() if str(b)}) or (["vgg19"] if len(images) else []),
                weights=weights, n_samples=n_samples,
                reduced=any(n and d == "cifar100" and n < 60000 for d, n in n_samples),
                random_w=any(str(w).startswith("none") for w in weights))


def _visible_line(df: pd.DataFrame, prov: dict, used: list[dict], f: dict) -> tuple[str, list]:
    """The one line (profile, backbone, data, coverage, commit) and the warnings."""
    commits = sorted({_commit_text(p, 7) for p in used})
    kind = ("random weights" if f["random_w"] else "ImageNet weights") if len(f["images"]) else ""
    data = ", ".join(dataset_name(d) + (" (reduced)" if d == "cifar100" and f["reduced"] else "")
                     for d in sorted(df["dataset"].unique()))
    short_cov = ", ".join(f"{dataset_name(d)} {x['task_id'].nunique()} tasks"
                          for d, x in df.groupby("dataset"))
    seeds = df.groupby(["dataset", "task_id", "method"])["seed"].nunique()
    seed_txt = f"{seeds.min()}" if seeds.min() == seeds.max() else f"{seeds.min()}-{seeds.max()}"
    head = [f"**{', '.join(f['profiles'])}**"]
    if f["backbones"]:
        head.append(f"backbone {', '.join(f['backbones'])} ({kind})")
    # one commit is named; several are counted (listed in the folded part)
    head += [f"data {data}", f"{short_cov}, {seed_txt} seed(s) per task, {len(df)} runs",
             f"commit {commits[0]}" if len(commits) == 1 else f"{len(commits)} commits"]
    warn = []
    lost = int((~df["prov_id"].astype(str).isin(prov)).sum())
    if lost:  # rows whose provenance the store lacks: no commit can be named for them (#42)
        head[-1] += f" ({lost} runs without a provenance record: commit unknown)"
    if f["random_w"]:
        warn.append("random backbone weights: not the paper's setting")
    if "smoke" in f["profiles"]:
        warn.append("smoke profile: a pipeline check, not a result")
    unknown = sorted(set(df["method"].astype(str)) - set(REGISTRY))
    if unknown:  # rows no table or figure shows (no label, no colour): said, not dropped (#42)
        n = int(df["method"].astype(str).isin(unknown).sum())
        warn.append(f"{n} stored runs of method(s) {unknown} that the registry does not hold "
                    "are not shown (mrcnn_core/methods.py)")
    return " · ".join(head), warn


def _details(df: pd.DataFrame, used: list[dict], f: dict) -> list[str]:
    """The folded part: stores, weights, backend, device, commits, data, dates, coverage,
    determinism and the differences from the paper."""
    def uniq(key, n=200):
        return ", ".join(sorted({str(p.get(key)) for p in used}))[:n] or "?"

    lines = ["**Stores:** " + ", ".join(f"`{x}`" for x in sorted({str(x) for x in df.get('store', [])}))]
    if len(f["images"]):
        lines.append(f"**Backbone:** {', '.join(f['backbones'])} &nbsp; **Weights:** "
                     + ", ".join(f"`{w}`" for w in f["weights"]))
    mixed = sorted({str(p["mixed_store"]) for p in used if p.get("mixed_store")})
    lines += [f"**Backend/device:** {uniq('backend')} / {uniq('device')} &nbsp; **Commits:** "
              + ", ".join(sorted({_commit_text(p, 12) for p in used}))
              + ("" if not mixed else " (**mixed store**: extended by another commit or code, "
                 "because: " + "; ".join(mixed) + ")"),
              "**Data:** " + ", ".join(f"{d} ({n} samples)" for d, n in f["n_samples"])
              + f" &nbsp; **Dates:** {date_range(used)}",
              f"**Coverage ({len(df)} runs):** {coverage_line(df)}",
              determinism_line(df)]
    # a backbone is said in the book's words of today, from the profiles (stored sentences
    # of an older book said VGG19 "cannot be had offline")
    diffs = sorted({x for p in used for x in p.get("differences", [])
                    if not x.startswith("Backbone:")})
    if len(f["images"]):
        diffs = [_backbone_words(p) for p in f["profiles"] if _backbone_words(p)] + diffs
    if f["reduced"] and not any(x.startswith("Data:") for x in diffs):
        diffs.append("Data: the reduced CIFAR-100 (100 images per class: domains of 200, not "
                     "1,200 images), where the same alpha weighs Omega about 6x less.")
    if diffs:
        lines.append("**Differences from the paper:** " + " ".join(diffs))
    return lines


def _backbone_words(profile: str) -> str:
    from ..experiments.profile import ProfileError, backbone_statement

    try:
        return backbone_statement(profile)
    except ProfileError:  # a store of a profile that is not shipped (a user's YAML)
        return ""


def md_inline(text: str) -> str:
    """Markdown bold as HTML (a ``<summary>`` is HTML: Markdown inside it is not rendered)."""
    import re

    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)


def determinism_line(df: pd.DataFrame) -> str:
    """How many of the runs re-run to themselves (the store's ``deterministic`` column)."""
    d = df.get("deterministic", pd.Series("", index=df.index)).fillna("").astype(str)
    cnn = df["method"].isin(CNN)
    n_no = int(((d == "no") & cnn).sum())
    line = (f"**Deterministic:** {int((d == 'yes').sum())} of {len(df)} runs re-run bit for bit "
            "on their backend and device")
    if n_no:
        line += (f"; **{n_no} CNN runs were made before training was deterministic**: valid "
                 "samples, but a re-run gives another draw (see *How much one run tells*)")
    replaced = int(df.attrs.get("replaced", 0))
    if replaced:
        line += (f"; {replaced} runs are stored twice (an earlier, non-deterministic run and its "
                 "deterministic re-run): the re-run is shown")
    unrec = int((d == "unrecorded").sum())
    if unrec:
        line += f"; {unrec} shallow-method runs predate the record (`verify` re-runs them exactly)"
    return line + "."


def date_range(records) -> str:
    """'2026-11-26 to 2026-12-04 (9 records)': the span of the provenance records' dates
    (the list of every time stamp was cut mid-string at a fixed length)."""
    days = sorted({str(p.get("date"))[:10] for p in records if p.get("date")})
    if not days:
        return "?"
    span = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    return f"{span} ({len(records)} provenance record{'s' if len(records) != 1 else ''})"


HP_COLUMNS = ["lr", "alpha", "beta", "k"]  # the hyper-parameters a study varies
TASK_CSV_COLUMNS = ["dataset", "experiment", "variant", "task_id", "source", "target", "method",
                    "seeds", "n_seeds", "accuracy_mean", "accuracy_std", "epsilon",
                    "epsilon_source", "profile", "store"]


def task_csv(runs: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind a page: one row per task, method and study point, with the seeds
    averaged (listed as ``0;1;2``), and the store each row came from."""
    if runs.empty:
        return pd.DataFrame(columns=TASK_CSV_COLUMNS)
    d = runs.assign(store=runs.get("store", pd.Series("", index=runs.index)).fillna(""))
    # a row made without a backbone (pixels) holds no meaningful epsilon (the old baseline
    # stores hold one constant): publish the task's epsilon measured on the backbone instead,
    # and say where each value comes from
    own = d["weights"] != NO_GRAPH if "weights" in d else pd.Series(True, index=d.index)
    d["epsilon"] = d["epsilon"].where(own)
    task_eps = d.groupby(["dataset", "task_id"])["epsilon"].transform("mean")
    d["epsilon_source"] = np.where(own & d["epsilon"].notna(), "this row (backbone)",
                                   np.where(task_eps.notna(), "the task's backbone rows",
                                            "not measured (no backbone)"))
    d["epsilon"] = d["epsilon"].fillna(task_eps)
    # a study's point is its variant *and* its values (the alpha x k grid is one variant): one
    # row per task and cell, with the hyper-parameters that make the cell
    hp = [c for c in HP_COLUMNS if c in d]
    keys = ["dataset", "experiment", "variant", "task_id", "source", "target", "method", "profile",
            "store", "epsilon_source"] + hp
    g = d.groupby(keys, dropna=False)
    out = g.agg(seeds=("seed", lambda s: ";".join(str(int(x)) for x in sorted(set(s)))),
                n_seeds=("seed", "nunique"), accuracy_mean=("accuracy", "mean"),
                accuracy_std=("accuracy", "std"), epsilon=("epsilon", "mean")).reset_index()
    cols = TASK_CSV_COLUMNS[:7] + hp + TASK_CSV_COLUMNS[7:]
    return out[cols].sort_values(["dataset", "task_id", "method", "variant"] + hp)
