"""The studies beside Table 1: Fig. 3's sensitivity, the ablations, the Corel control."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..method.ablations import LABELS
from .formatting import value
from .stats import N_BOOT, cluster_bootstrap, holm, rng_for


def sensitivity(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Fig. 3: accuracy per value of each varied parameter, and the 2-D grid.

    A point is used wherever it was run: the planner stores a point once
    even when it belongs to several curves (e.g. the paper's k in the k curve
    and in the grid), so each curve collects every run whose *other*
    parameters equal the base point's.
    """
    s = df[df["experiment"] == "sensitivity"]
    out: dict = {}
    base = s[s["variant"] == "base"]
    if base.empty:
        return out
    b = base.iloc[0]
    params = ("k", "alpha", "beta", "lr")

    def at_base(d, free):
        m = pd.Series(True, index=d.index)
        for p in params:
            if p not in free:
                m &= np.isclose(d[p].astype(float), float(b[p]))
        return d[m]

    for name in params:
        if s["variant"].eq(f"vary:{name}").any():
            d = at_base(s, {name}).groupby([name, "task_id"], as_index=False)["accuracy"].mean()
            # a curve compares its values on the same tasks: those that ran every value
            n_vals = d.groupby("task_id")[name].nunique()
            full = n_vals[n_vals == d[name].nunique()].index
            out[name] = d[d["task_id"].isin(full)] if len(full) else d
    g = s[s["variant"].str.startswith("grid:")]
    if not g.empty:
        a, c = g["variant"].iloc[0].split(":", 1)[1].split("x")
        d = at_base(s, {a, c})
        # the grid's values: those of its own runs plus the base point's
        av = set(g[a].astype(float)) | {float(b[a])}
        cv = set(g[c].astype(float)) | {float(b[c])}
        d = d[d[a].astype(float).isin(av) & d[c].astype(float).isin(cv)]
        out["grid"] = d.pivot_table(index=a, columns=c, values="accuracy", aggfunc="mean")
    return out


def point_intervals(d: pd.DataFrame, param: str, base_value: float, n_boot: int = N_BOOT) -> pd.DataFrame:
    """Each value of a one-at-a-time curve against the paper's value, paired by task.

    ``d`` holds one row per (value, task) with seeds already averaged (as
    :func:`sensitivity` returns it).  Tasks are the clusters of the bootstrap;
    only tasks that ran both the value and the paper's value count.
    """
    wide = d.pivot_table(index="task_id", columns=param, values="accuracy")
    base_col = [c for c in wide.columns if np.isclose(float(c), float(base_value))]
    rows = []
    for v in wide.columns:
        r = {param: v, "tasks": int(wide[v].notna().sum()), "accuracy (%)": 100 * wide[v].mean()}
        if base_col and not np.isclose(float(v), float(base_value)):
            diff = (wide[v] - wide[base_col[0]]).dropna()
            bt = cluster_bootstrap(diff.to_numpy(), diff.index, rng_for(param, v), n_boot)
            r.update({"diff vs paper (pp)": 100 * diff.mean(), "ci_low_pp": 100 * bt.low,
                      "ci_high_pp": 100 * bt.high, "p": bt.p, "verdict": bt.word})
        rows.append(r)
    return pd.DataFrame(rows).set_index(param)


SETTING_NAMES = {"lr": "learning rate r", "alpha": "alpha", "beta": "beta", "k": "k"}


def sensitivity_claims(sens: dict[str, pd.DataFrame], base: dict, collapse: float = 0.55) -> list[str]:
    """One sentence per varied parameter: the paper's value, the best value, and where the
    mean accuracy falls to ``collapse`` or below (a head that predicts one class scores
    about 50 % on the balanced target domains).  Values are compared on the tasks
    that ran every value, so a partly run study does not mix task sets."""
    prepared = []
    for p, d in sens.items():
        if p == "grid" or d.empty:
            continue
        # compare values on the same tasks: those that ran every value of p
        per_task = d.groupby("task_id")[p].nunique()
        complete = per_task[per_task == d[p].nunique()].index
        if len(complete):
            d = d[d["task_id"].isin(complete)]
        m = d.groupby(p)["accuracy"].mean()
        iv = point_intervals(d, p, base.get(p)) if base.get(p) in m.index else pd.DataFrame()
        prepared.append((p, d, m, iv))
    # every point of the figure is one comparison with the paper's point: Holm over all of
    # them, so that a figure of ~20 comparisons does not call one of them by chance
    ps = [(i, v) for i, (_, _, _, iv) in enumerate(prepared) if "p" in iv
          for v in iv.index[iv["p"].notna()]]
    adj = dict(zip(ps, holm([prepared[i][3].loc[v, "p"] for i, v in ps]))) if ps else {}
    out = []
    for i, (p, d, m, iv) in enumerate(prepared):
        n = d["task_id"].nunique()
        at = m.get(base.get(p), np.nan) if base.get(p) in m.index else np.nan
        best = m.idxmax()
        line = (f"{SETTING_NAMES.get(p, p)}: the paper's value {value(base.get(p))} gives "
                f"{100 * at:.1f}%, the highest mean is at {value(best)} ({100 * m.max():.1f}%)")
        if "verdict" in iv:
            called = {v: (r["verdict"] if adj.get((i, v), 1.0) < 0.05 else "within noise")
                      for v, r in iv.iterrows() if (i, v) in adj}
            better = [value(v) for v, w in called.items() if w == "higher"]
            worse = [value(v) for v, w in called.items() if w == "lower"]
            same = [value(v) for v, w in called.items() if w == "within noise"]
            line += ("; against the paper's value (95% bootstrap interval over tasks, seeds "
                     "averaged first, Holm-adjusted over the figure's comparisons): " + "; ".join(
                         x for x in (f"higher at {', '.join(better)}" if better else "",
                                     f"lower at {', '.join(worse)}" if worse else "",
                                     f"within noise at {', '.join(same)}" if same else "")
                         if x))
        bad = [v for v, a in m.items() if a <= collapse]
        if bad:
            line += (f"; at {', '.join(value(v) for v in bad)} the mean accuracy is at most "
                     f"{100 * collapse:.0f}%, near chance on these balanced domains: the method "
                     "breaks there")
        else:
            line += f"; no value in the range falls to chance (all > {100 * collapse:.0f}%)"
        out.append(line + f" (mean over the {n} tasks that ran every value).")
    if adj:
        out.append(f"{len(adj)} comparisons with the paper's point in all: a point is called higher "
                   "or lower only when its Holm-adjusted bootstrap p is below 0.05; the rest are "
                   "within noise, so a lone 'lower' between two points within noise is not a "
                   "pattern.")
    return out


ABLATION_LABEL = LABELS  # the ablation table's labels (mrcnn_core/method/ablations.py)


def ablation_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy per ablation variant and its paired difference to the paper's variant."""
    a = df[df["experiment"] == "ablation"]
    if a.empty:
        return pd.DataFrame()
    # seeds are averaged per task first (as in Table 1), then variants are paired by task
    wide = a.pivot_table(index="task_id", columns="variant", values="accuracy", aggfunc="mean")
    runs = a.groupby("variant")["accuracy"].size()
    rows = []
    for v in [x for x in ABLATION_LABEL if x in wide]:
        row = {"variant": ABLATION_LABEL[v], "runs": int(runs.get(v, 0)),
               "tasks": int(wide[v].notna().sum()), "accuracy (%)": 100 * wide[v].mean()}
        if "paper" in wide and v != "paper":
            d = (wide[v] - wide["paper"]).dropna()
            # the study's tasks are its clusters; fewer than MIN_CLUSTERS give no interval and no p
            bt = cluster_bootstrap(d.to_numpy(), d.index, rng_for("ablation", v))
            row["diff vs paper (pp)"] = 100 * d.mean()
            row["95% CI (pp)"] = (f"[{100 * bt.low:+.1f}, {100 * bt.high:+.1f}]"
                                  if np.isfinite(bt.low) else "n/a")
            row["verdict"] = bt.word
            row["bootstrap p"] = f"{bt.p:.2g}" if np.isfinite(bt.p) else "n/a"
        rows.append(row)
    return pd.DataFrame(rows).set_index("variant")


# The Corel control: each setting is a (method, experiment, variant) of the stored rows.
CONTROL_SETTINGS = {
    "VGG (lr 1e-4, beta 0.01)": ("vgg", "main", "paper"),
    "MRCNN, the paper's (lr 10^-2.5, beta 0.1, alpha 1e-3)": ("mrcnn", "control", "base"),
    "MRCNN with alpha = 0 at its own lr and beta": ("mrcnn", "control", "vary:alpha"),
    "MRCNN (alpha 1e-3) at VGG's lr and beta": ("mrcnn", "control", "grid:"),  # any grid point
}
CONTROL_PAIRS = (  # (a, b, what a - b isolates)
    ("MRCNN, the paper's (lr 10^-2.5, beta 0.1, alpha 1e-3)",
     "MRCNN with alpha = 0 at its own lr and beta", "the manifold term (at MRCNN's lr and beta)"),
    ("MRCNN with alpha = 0 at its own lr and beta", "VGG (lr 1e-4, beta 0.01)",
     "MRCNN's lr and beta (no manifold term in either)"),
    ("MRCNN (alpha 1e-3) at VGG's lr and beta", "VGG (lr 1e-4, beta 0.01)",
     "the manifold term at one common lr and beta (VGG's)"),
)


def control_runs(main: pd.DataFrame, control: pd.DataFrame, dataset: str = "corel") -> pd.DataFrame:
    """Rows of the control's settings, labelled (``setting``), on the tasks the control ran."""
    both = pd.concat([main, control], ignore_index=True)
    both = both[both["dataset"] == dataset]
    frames = []
    for name, (m, e, v) in CONTROL_SETTINGS.items():
        var = both["variant"].astype(str)
        hit = var.str.startswith(v) if v.endswith(":") else var == v
        d = both[(both["method"] == m) & (both["experiment"] == e) & hit]
        frames.append(d.assign(setting=name))
    out = pd.concat(frames, ignore_index=True).drop_duplicates(["setting", "run_key"])
    tasks = set(control[control["dataset"] == dataset]["task_id"])
    seeds = set(control[control["dataset"] == dataset]["seed"])
    return out[out["task_id"].isin(tasks) & out["seed"].isin(seeds)]


def control_table(cr: pd.DataFrame, shares: dict | None = None) -> pd.DataFrame:
    """Mean accuracy and the share of collapsed (one-class) runs per control setting."""
    from .collapse import collapsed

    rows = []
    for name in CONTROL_SETTINGS:
        d = cr[cr["setting"] == name]
        if d.empty:
            continue
        per_task = d.groupby("task_id")["accuracy"].mean()
        rows.append({"setting": name, "tasks": len(per_task), "runs": len(d),
                     "accuracy (%)": 100 * per_task.mean(),
                     "collapsed runs (%)": 100 * collapsed(d, shares).mean()})
    return pd.DataFrame(rows).set_index("setting") if rows else pd.DataFrame()


def _pp(x: float) -> str:
    """A bound in pp: one decimal, or two where one would print a bound near zero as 0.0."""
    return f"{x:+.2f}" if abs(x) < 0.1 else f"{x:+.1f}"


def control_claims(cr: pd.DataFrame, n_boot: int = N_BOOT) -> list[str]:
    """What each paired difference of the control isolates, with its interval over target domains."""
    out = []
    for a, b, what in CONTROL_PAIRS:
        wa = cr[cr["setting"] == a].groupby(["task_id", "target"])["accuracy"].mean()
        wb = cr[cr["setting"] == b].groupby(["task_id", "target"])["accuracy"].mean()
        d = (wa - wb).dropna()
        if len(d) < 2:
            continue
        targets = d.index.get_level_values("target")
        bt = cluster_bootstrap(d.to_numpy(), targets, rng_for("control", a, b), n_boot)
        lo, hi, dom, word = bt.low, bt.high, bt.cluster_means, bt.verdict(+1, scale=100)
        out.append(f"{what}: {100 * d.mean():+.1f} pp (95% CI [{_pp(100 * lo)}, {_pp(100 * hi)}] "
                   f"over {len(dom)} target domains, {len(d)} tasks): 'it helps' is "
                   + {"negligible": "negligible (beyond zero, but the interval lies within "
                                    "+/-0.5 pp)",
                      "inconclusive": "inconclusive (the interval holds zero)"}.get(word, word)
                   + ".")
    return out
