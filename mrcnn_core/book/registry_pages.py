"""The book's lists of methods and stores, written from the registry and the stores themselves.

A hand-kept list misses what is added later (a new method once went missing from the
protocol's table, the glossary and the store table, and nothing failed).  So the prose
pages include files written here by ``mrcnn_core book`` before Jupyter Book runs:

- ``book/generated/methods_table.md``: the protocol page's table of methods and settings;
- ``book/generated/methods_glossary.md``: the glossary's entry of each method;
- ``book/generated/stores_table.md``: the Reproduction notes' table of every committed store
  (what it holds, counted from its rows; where it ran and from which commit, from its
  provenance).

Adding a method is its module, one registry entry (with ``about`` and ``setting``), its
profile line(s) and a store: these three lists follow without an edit.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..analysis.formatting import dataset_name, tex_power
from ..methods import REGISTRY, Method

FILES = ("methods_table.md", "methods_glossary.md", "stores_table.md", "profiles_glossary.md")
def cnn_setting(name: str) -> str:
    """A CNN method's setting: its paper hyper-parameters per data set (``hparams.PAPER``)."""
    from ..method.hparams import PAPER

    parts = []
    for (m, ds), hp in PAPER.items():
        if m != name:
            continue
        bits = [f"$r={tex_power(hp['lr'])}$", f"$\\beta={tex_power(hp['beta'])}$"]
        if hp.get("alpha"):
            bits.append(f"$\\alpha={tex_power(hp['alpha'])}$")
        if "k" in hp:
            bits.append(f"$k={hp['k']}$")
        parts.append(f"{dataset_name(ds)} " + ", ".join(bits))
    return "; ".join(parts)


def _where(m: Method) -> str:
    if m.cnn:
        return f'`fit_task(..., "{m.name}")`'
    return f"`baselines.{m.estimator.split(':')[1]}`"


def methods_rows(kind: str | None = None) -> list[tuple[str, ...]]:
    """(name, label, kind, where, paper?) of every registered method (of ``kind``)."""
    from ..methods import all_methods

    rows = [("name", "label", "kind", "where", "in the paper")]
    rows += [(m.name, m.label, m.kind, _where(m).strip("`"), "yes" if m.paper else "no")
             for m in all_methods(kind)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [tuple(c.ljust(w) for c, w in zip(r, widths)) for r in rows]


def methods_table_md() -> str:
    """The protocol page's table: one row per registered method, in Table 1's order."""
    lines = ["| method | where | setting |", "|---|---|---|"]
    for m in REGISTRY.values():
        label = m.label if m.paper else f"{m.label} (this book, not in the paper)"
        setting = cnn_setting(m.name) if m.cnn else (m.setting or "(no setting registered)")
        lines.append(f"| {label} | {_where(m)} | {setting} |")
    return "\n".join(lines) + "\n"


def methods_glossary_md() -> str:
    """The glossary's entry of every registered method."""
    return "\n\n".join(f"**{m.label}.**  {m.about or '(no description registered)'}"
                       for m in REGISTRY.values()) + "\n"


def profiles_glossary_md() -> str:
    """The glossary's list of every shipped profile: its backbone in the book's words and
    the first sentence of its description (written from the YAML files at each build)."""
    from ..experiments.profile import backbone_statement, load_profile, shipped_profiles

    lines = []
    for name in shipped_profiles():
        p = load_profile(name)
        text = " ".join(str(p.data.get("description", "")).split())
        first = re.split(r"(?<!Fig)\. ", text)[0].rstrip(".")
        bb = backbone_statement(p) if p.options.get("backbone") or p.options.get("weights") else ""
        lines.append(f"- `{name}`: {first}." + (f" {bb}" if bb else ""))
    return "\n".join(lines) + "\n"


def _provenance(folder: Path) -> list[dict]:
    f = folder / "provenance.jsonl"
    if not f.exists():
        return []
    out = []
    for line in f.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:  # a torn last line: the store's own reader reports it
            continue
    return out


def _span(values) -> str:
    vals = sorted({int(v) for v in values})
    if not vals:
        return ""
    if vals == list(range(vals[0], vals[-1] + 1)) and len(vals) > 2:
        return f"{vals[0]}-{vals[-1]}"
    return ", ".join(map(str, vals))


def store_row(folder: Path, root: Path) -> dict:
    """What one store holds (from its rows) and where it was made (from its provenance)."""
    from ..experiments.store import ResultsStore

    df = ResultsStore(folder).load()
    ok = df[df["status"] == "ok"] if "status" in df else df
    labels = [REGISTRY[m].label if m in REGISTRY else f"{m} (not registered)"
              for m in [x for x in REGISTRY if x in set(df["method"])]
              + sorted(set(df["method"]) - set(REGISTRY))]
    prov = _provenance(folder)
    devices = sorted({f"{p.get('device', '?')} ({p.get('backend', '?')})" for p in prov})
    commits = sorted({str(p.get("git_commit", ""))[:7] for p in prov if p.get("git_commit")})
    return {"store": f"`{folder.relative_to(root).as_posix()}`",
            "methods": ", ".join(labels),
            "data sets": ", ".join(dataset_name(d) for d in sorted(set(df["dataset"]))),
            "experiments": ", ".join(sorted(set(df["experiment"].astype(str)))),
            "seeds": _span(df["seed"]) if len(df) else "",
            "runs (ok)": f"{len(df):,} ({len(ok):,})",
            "made on": "; ".join(devices) or "(no provenance)",
            "commits": ", ".join(commits[:3]) + (f" (+{len(commits) - 3})" if len(commits) > 3 else "")}


def stores_table_md(results: str | Path = "results") -> str:
    """The Reproduction notes' table of every store under ``results`` (the smoke store, which
    the test build writes, is left out: it is not committed)."""
    results = Path(results)
    folders = sorted({p.parent for p in results.rglob("runs.csv")
                      if p.parent.relative_to(results).parts[:1] != ("smoke",)})
    rows = [store_row(f, results.parent) for f in folders]
    if not rows:
        return "(no stores under `results/`)\n"
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    return "\n".join(out) + "\n"


def write(out: Path, results: str | Path = "results") -> list[Path]:
    """Write the four files into ``out`` (``book/generated``); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    texts = {"methods_table.md": methods_table_md(), "methods_glossary.md": methods_glossary_md(),
             "stores_table.md": stores_table_md(results),
             "profiles_glossary.md": profiles_glossary_md()}
    paths = []
    for name, text in texts.items():
        (out / name).write_text(text)
        paths.append(out / name)
    return paths
