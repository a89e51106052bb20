"""Write the book's notebooks (thin: all logic lives in mrcnn_core).

Run ``python tools/make_notebooks.py`` after editing; the .ipynb files are
versioned without outputs.
"""
from pathlib import Path

import nbformat as nbf
import yaml

ROOT = Path(__file__).resolve().parents[1]
REPO = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")
BRANCH = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"].get("branch", "main")

COLAB = '''# On Colab: install the package (Colab already has TensorFlow); elsewhere nothing happens.
import subprocess, sys
if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "mrcnn-core[book] @ git+{repo}"], check=True)'''.format(repo=REPO)

SETUP = '''import os, warnings
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("POT_BACKEND_DISABLE_TENSORFLOW", "1")
warnings.filterwarnings("ignore", category=FutureWarning)
from IPython.display import Markdown, display'''

RESULTS = '''folders = result_folders(profile, results_dir)  # the profile's store (+ its baseline store)
results = folders[0]'''


def nb(name, title, intro, params, cells):
    n = nbf.v4.new_notebook()
    badge = (f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             f"(https://colab.research.google.com/github/{REPO.split('github.com/')[-1]}/blob/"
             f"{BRANCH}/notebooks/{name}.ipynb)")
    n.cells.append(nbf.v4.new_markdown_cell(f"# {title}\n\n{badge}\n\n{intro}"))
    p = nbf.v4.new_code_cell(params)
    # The book shows papermill's injected cell (the values used) instead.
    p.metadata["tags"] = ["parameters", "remove-cell"]
    n.cells.append(p)
    c = nbf.v4.new_code_cell(COLAB)
    c.metadata["tags"] = ["remove-cell"]
    n.cells.append(c)
    s = nbf.v4.new_code_cell(SETUP)
    s.metadata["tags"] = ["remove-cell"]
    n.cells.append(s)
    for kind, src, *tags in cells:
        cell = nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src)
        if tags:
            cell.metadata["tags"] = tags[0]
        n.cells.append(cell)
    n.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbf.write(n, ROOT / "notebooks" / f"{name}.ipynb")


nb("00_quickstart", "Quick start: manifold regularisation on two moons",
   "No download needed. A source domain (two moons) is labelled; the target domain is the same "
   "moons rotated. The MRCNN head (here: its fully connected layers on 2-d inputs) is trained "
   "with and without the manifold term $\\alpha\\,\\mathrm{tr}(F^\\top L F)$ of eq. (7), "
   "whose graph links each target point to its $k$ nearest neighbours.",
   'profile = "smoke"\nangle = 30.0\nalpha = 0.1\nk = 5\nsteps = 400\nseed = 0',
   [("code", '''import numpy as np
import matplotlib.pyplot as plt
from mrcnn_core import MRCNN, knn_graph
from mrcnn_core.synthetic import rotated_moons
from mrcnn_core.plots import style
from mrcnn_core.notebook import record
style()
Xs, ys, Xt, yt = rotated_moons(n=300, angle=angle, seed=seed)
common = dict(k=k, steps=steps, lr=1e-2, beta=1e-4, widths=(64, 64), seed=seed)
plain = MRCNN(alpha=0.0, **common).fit(Xs, ys, Xt)
manifold = MRCNN(alpha=alpha, **common).fit(Xs, ys, Xt)
acc_plain, acc_mr = plain.score(Xt, yt), manifold.score(Xt, yt)
record(acc_plain=acc_plain, acc_manifold=acc_mr)
display(Markdown(f"Target accuracy without the manifold term: **{acc_plain:.1%}**; "
                 f"with it (alpha = {alpha}, k = {k}): **{acc_mr:.1%}** "
                 f"(seed {seed}, {steps} full-batch Adam steps, CPU, computed when this page was built)."))'''),
    ("code", '''xx, yy = np.meshgrid(np.linspace(-2.5, 3.5, 200), np.linspace(-2.5, 2.5, 200))
grid = np.c_[xx.ravel(), yy.ravel()].astype("float32")
M = knn_graph(Xt, k)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, model, name in zip(axes, (plain, manifold), (r"$\\alpha = 0$ (plain)", rf"$\\alpha = {alpha}$, $k = {k}$")):
    ax.contourf(xx, yy, model.predict_proba(grid)[:, 1].reshape(xx.shape), levels=20, cmap="RdBu_r", alpha=0.35)
    i, j = np.nonzero(np.triu(M))
    ax.plot(np.c_[Xt[i, 0], Xt[j, 0]].T, np.c_[Xt[i, 1], Xt[j, 1]].T, color="0.7", lw=0.4, zorder=1)
    ax.scatter(*Xs.T, c=ys, cmap="RdBu_r", marker="x", s=12, label="source (labelled)")
    ax.scatter(*Xt.T, c=yt, cmap="RdBu_r", edgecolor="k", s=14, label="target (true label)")
    ax.set_title(f"{name}: target accuracy {model.score(Xt, yt):.1%}")
    ax.set_xlabel("$x_1$")
axes[0].set_ylabel("$x_2$"); axes[0].legend(loc="lower left", fontsize=8)
fig.suptitle(f"Decision boundary (colour = P(y=1)); grey lines: the target kNN graph. Synthetic data, profile-independent.")
plt.show()'''),
    ("md", "The manifold term pulls the predictions of neighbouring target points together, "
           "so the boundary moves into the low-density gap between the rotated moons. "
           "With $\\alpha$ too large every target point gets the same label; "
           "the sensitivity chapter measures this on CIFAR-100.")])

nb("01_data", "The data and the transfer tasks",
   "Sample images of the ten CIFAR-100 classes of the paper's tasks, the number of tasks, "
   "and the kNN graph of one target domain with its neighbour confusion $\\epsilon$ (eq. 9).",
   'profile = "smoke"\ndata_dir = ""\nweights = ""\nk = 3\ntarget_task = 0',
   [("code", '''import numpy as np, pandas as pd
import matplotlib.pyplot as plt
from mrcnn_core import (load_cifar100, cifar100_tasks, load_corel, corel_tasks, extract_features,
                        knn_graph, neighbour_confusion)
from mrcnn_core.plots import style
from mrcnn_core.notebook import record
style()
if data_dir:
    os.environ["MRCNN_DATA_DIR"] = data_dir
cifar = load_cifar100()
tasks = cifar100_tasks(cifar)
corel = load_corel()
ctasks = corel_tasks(corel)
record(n_cifar_tasks=len(tasks), n_corel_tasks=len(ctasks), n_images=len(cifar.x))
summary = pd.DataFrame([
    {"dataset": "CIFAR-100", "source": cifar.source, "samples": len(cifar.x),
     "classes used": 10, "tasks": len(tasks), "source domain": tasks[0].n_source, "target domain": tasks[0].n_target},
    {"dataset": "Corel (256-d features)", "source": corel.source, "samples": len(corel.x),
     "classes used": 8, "tasks": len(ctasks), "source domain": f"{min(t.n_source for t in ctasks)}-{max(t.n_source for t in ctasks)}",
     "target domain": f"{min(t.n_target for t in ctasks)}-{max(t.n_target for t in ctasks)}"}])
display(summary)'''),
    ("code", '''classes = cifar.groups["fruit_and_vegetables"] + cifar.groups["household_electrical_devices"]
fig, axes = plt.subplots(len(classes), 8, figsize=(8, 10.5))
for r, c in enumerate(classes):
    idx = cifar.indices_of(c)[:8]
    for j, i in enumerate(idx):
        axes[r, j].imshow(cifar.x[i]); axes[r, j].axis("off")
    axes[r, 0].set_title(c, fontsize=8, loc="left")
fig.suptitle("CIFAR-100: positive = fruit_and_vegetables (top 5 rows), negative = household_electrical_devices")
plt.show()'''),
    ("code", '''from mrcnn_core import WeightsUnavailable
from mrcnn_core.experiments import load_profile, profile_context
try:
    feats = profile_context(load_profile(profile), "cifar100", weights or None).features
except WeightsUnavailable as e:  # e.g. on Colab without the offline VGG16 file
    display(Markdown(f"**The profile's backbone weights are not here** ({e}); this figure uses "
                     "random weights instead."))
    feats = profile_context(load_profile(profile), "cifar100", "none").features
task = tasks[target_task]
X = feats.x[task.target_idx].reshape(task.n_target, -1)
M = knn_graph(X, k)
eps = neighbour_confusion(M, task.yt)
record(epsilon=eps, weights=feats.weights)
from sklearn.decomposition import PCA
Z = PCA(2, random_state=0).fit_transform(X)
fig, ax = plt.subplots(figsize=(6, 5))
i, j = np.nonzero(np.triu(M))
same = task.yt[i] == task.yt[j]
for mask, col, lab in ((same, "0.75", "edge, same class"), (~same, "tab:red", "edge, different class")):
    ax.plot(np.c_[Z[i[mask], 0], Z[j[mask], 0]].T, np.c_[Z[i[mask], 1], Z[j[mask], 1]].T, color=col, lw=0.5)
    ax.plot([], [], color=col, label=lab)
for y, m, name in ((1, "o", task.target_classes[0]), (0, "s", task.target_classes[1])):
    ax.scatter(*Z[task.yt == y].T, marker=m, s=14, label=name)
ax.set_xlabel("PC 1 of pool4 features"); ax.set_ylabel("PC 2")
ax.set_title(f"target domain {task.target_domain}: k = {k}, epsilon = {eps:.3f}")
ax.legend(fontsize=8)
fig.text(0.01, -0.02, f"profile {profile}; backbone {feats.backbone}, weights {feats.weights[:60]}", fontsize=7, color="0.35")
plt.show()''')])

nb("10_experiments", "Running the experiments",
   "The computing side of the book. For a profile whose stores are committed "
   "(`imagenet-vgg16`), this page only lists what the stores hold against what the profile "
   "plans: building the book trains nothing, and `make results PROFILE=...` re-runs the "
   "computation. For the other profiles (`smoke`) it runs the sweeps, skipping every run already "
   "stored. The figure pages that follow only read the stores.",
   'profile = "smoke"\nresults_dir = ""\ndatasets = ["cifar100", "corel"]\nexperiments = ["main", "sensitivity", "ablation"]\nweights = ""\ncompute = True',
   [("code", '''import pandas as pd
from mrcnn_core.experiments import load_profile, status, sweep
from mrcnn_core.analysis import result_folders
from mrcnn_core.notebook import record
''' + RESULTS + '''
prof = load_profile(profile)
rows = []
for experiment in experiments:
    for dataset in datasets:
        if experiment not in prof.data["experiments"]:
            continue
        if experiment == "main" and dataset not in prof.data["experiments"]["main"]:
            continue
        if experiment != "main" and dataset != prof.data["experiments"][experiment].get("dataset", "cifar100"):
            continue
        # a committed store may keep one sub-store per experiment (results/<profile>/<experiment>)
        where = f"{results}/{experiment}" if os.path.isdir(f"{results}/{experiment}") else results
        if not compute:
            rows.append({**status(prof, dataset=dataset, experiment=experiment, results=where),
                         "store": where})
            continue
        s = sweep(prof, dataset=dataset, experiment=experiment, results=where,
                  weights=weights or None, progress=False)
        rows.append({"experiment": experiment, "dataset": dataset, "planned": s.planned,
                     "already stored": s.skipped, "run now": s.done, "failed": s.failed,
                     "wall time (s)": round(s.wall_time, 1), "store": where})
        for e in s.errors[:5]:
            print("failed:", e)
table = pd.DataFrame(rows)
record(planned=int(table["planned"].sum()), results=results, computed=bool(compute),
       failed=int(table["failed"].sum()) if "failed" in table else 0,
       stored=int(table["stored"].sum()) if "stored" in table else None)
display(Markdown(f"Profile **{prof.name}** (`{os.path.relpath(prof.path)}`): {prof.data.get('description', '')}"))
if prof.differences:
    display(Markdown("Differences from the paper, as the profile states them:\\n"
                     + "\\n".join(f"- {d}" for d in prof.differences)))
display(Markdown("**Computed now**" if compute else
                 "**Read from the committed stores** (nothing trained while building this page); "
                 "a run that is planned but not stored is *missing*, and the pages show only what "
                 "is stored."))
display(table)''')])

nb("20_table1", "Table 1: accuracy of all methods",
   "Mean accuracy on the whole target domain, per data set, in the paper's three groups: tasks "
   "where LR reaches less than 70% (Left), at least 70% (Right), and all (Total). "
   "Every number below comes from the results store named in the banner.",
   'profile = "smoke"\nresults_dir = ""\ntitle = ""',
   [("code", '''from mrcnn_core.analysis import (load_runs, per_task, add_groups, table1, comparisons,
                                  verdict, provenance_banner, coverage, result_folders)
from mrcnn_core.notebook import record
''' + RESULTS + '''
runs = load_runs(*folders, experiment="main")
if title:
    display(Markdown(f"## {title}"))
display(Markdown(provenance_banner(runs, folders)))
pt = add_groups(per_task(runs))
t1 = table1(pt)
record(table1=t1.reset_index().to_dict(orient="list"))
display(t1.style.format(precision=1, na_rep="-").set_caption(
    f"Table 1 (profile {profile}): mean target accuracy (%), tasks counted per group"))
cov = coverage(pt)
if (cov.nunique(axis=1) > 1).any():
    display(Markdown("**Not every method ran on every task**: its mean is over the tasks below."))
display(cov.style.set_caption("tasks with a result, per method"))'''),
    ("md", "**What the data says about the paper's claims** (computed from the table's runs; "
           "seeds averaged per task, then paired per task. The 16 tasks that share a CIFAR-100 "
           "target domain are not independent, so the 95% CI is a bootstrap over target domains "
           "and the Wilcoxon signed-rank test runs on the per-domain mean differences):"),
    ("code", '''comp = comparisons(pt)
lines = []
for ds in sorted(pt["dataset"].unique()):
    for a, b in (("tsvm", "lr"), ("vgg", "lr"), ("vgg", "tsvm"), ("vgg", "tca"), ("vgg", "tlda"), ("mrcnn", "vgg")):
        if {a, b} <= set(pt[pt["dataset"] == ds]["method"]):
            lines.append("- " + verdict(comp, a, b, ds))
display(Markdown("\\n".join(lines) if lines else "No pair of methods to compare."))
if not comp.empty:
    display(comp.style.format({"mean_diff_pp": "{:+.1f}", "ci_low_pp": "{:+.1f}", "ci_high_pp": "{:+.1f}",
                               "wilcoxon_p": "{:.2g}"}).hide(axis="index").set_caption(
        "Paired differences in percentage points (pp) per group; CI: bootstrap over target domains "
        "(clusters); p: Wilcoxon on the domain means"))'''),
    ("md", "On Corel the CNN columns (VGG, MRCNN) are a **substitute**: the raw Corel images are "
           "not public, so they train the MRCNN head's fully connected layers (with and without the "
           "manifold term) on the 256-d Corel features. Readers who own the images can run the real "
           "CNN methods with `load_image_folder` (see *How to re-run*).")])

nb("21_fig2a", "Fig. 2(a): accuracy per target domain, and training curves",
   "CIFAR-100: accuracy of LR, VGG and MRCNN averaged over the tasks that share a target domain "
   "(16 tasks share each of the 25 target domains in the full grid), domains sorted by LR accuracy. Then the per-step loss terms and "
   "target accuracy of a few tasks.",
   'profile = "smoke"\nresults_dir = ""\ndataset = "cifar100"',
   [("code", '''import matplotlib.pyplot as plt, seaborn as sns
from mrcnn_core.analysis import load_runs, per_task, by_target_domain, curves, provenance_banner, result_folders
from mrcnn_core.plots import style, stamp, stamp_text, labelled
from mrcnn_core.notebook import record
style()
''' + RESULTS + '''
runs = load_runs(*folders, experiment="main")
runs = runs[runs["dataset"] == dataset]
display(Markdown(provenance_banner(runs, folders)))
td = labelled(by_target_domain(per_task(runs), dataset))
record(n_target_domains=int(td["target"].nunique()))
fig, ax = plt.subplots(figsize=(10, 4))
sns.pointplot(data=td, x="target", y="accuracy", hue="Method", ax=ax, markersize=4, linewidth=1.2)
ax.set_xlabel("target domain (sorted by LR accuracy)"); ax.set_ylabel("mean target accuracy")
ax.tick_params(axis="x", rotation=75)
ax.set_title(f"Fig. 2(a), {dataset}: tasks per domain: {td['tasks'].min()}-{td['tasks'].max()}")
stamp(ax, stamp_text(runs))
plt.show()
from mrcnn_core.analysis import domain_claims
claims = domain_claims(per_task(runs), dataset)
if claims:
    display(Markdown("**Per target domain** (computed; seeds averaged per task, then tasks per domain):\\n"
                     + "\\n".join(f"- {c}" for c in claims)))'''),
    ("code", '''c = curves(folders, runs)
if c.empty:
    display(Markdown("No training curves stored."))
else:
    long = c.melt(id_vars=["task_id", "method", "seed", "step"], value_vars=["ce", "omega", "l2", "target_acc"],
                  var_name="term", value_name="value")
    long["Method"] = long["method"].str.upper()
    g = sns.relplot(data=long, x="step", y="value", hue="task_id", style="Method", col="term", kind="line",
                    facet_kws={"sharey": False}, col_wrap=2, height=3.0, aspect=1.5)
    sns.move_legend(g, "upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=8)
    names = {"ce": "source cross-entropy", "omega": r"$\\Omega = \\mathrm{tr}(F^\\top L F)$",
             "l2": "R (sum of squared weights / 2)", "target_acc": "target accuracy"}
    for ax in g.axes.flat:
        t = ax.get_title().split(" = ")[-1]
        ax.set_title(names.get(t, t)); ax.set_xlabel("full-batch step")
    g.fig.suptitle(f"Training curves ({dataset}; {stamp_text(runs)})", y=1.03, fontsize=9)
    plt.show()''')])

nb("22_fig2b_table2", "Fig. 2(b) and Table 2: accuracy against neighbour confusion",
   "Neighbour confusion $\\epsilon$ (eq. 9) of each task's target-domain kNN graph ($k = 3$, on "
   "pool4 features for CIFAR-100, on the features for Corel) against accuracy, and the mean "
   "accuracy in the paper's three $\\epsilon$ groups.",
   'profile = "smoke"\nresults_dir = ""',
   [("code", '''import matplotlib.pyplot as plt, seaborn as sns
from mrcnn_core.analysis import load_runs, per_task, add_groups, table2, provenance_banner, result_folders
from mrcnn_core.plots import style, stamp, stamp_text, labelled
from mrcnn_core.notebook import record
style()
''' + RESULTS + '''
runs = load_runs(*folders, experiment="main")
display(Markdown(provenance_banner(runs, folders)))
pt = labelled(add_groups(per_task(runs)))
g = sns.relplot(data=pt, x="epsilon", y="accuracy", hue="Method", col="dataset", kind="scatter",
                height=3.6, aspect=1.3, s=25, facet_kws={"sharex": False})
for ax in g.axes.flat:
    ax.axvline(0.10, color="0.6", ls=":"); ax.axvline(0.15, color="0.6", ls=":")
    ax.set_xlabel(r"neighbour confusion $\\epsilon$ of the target graph"); ax.set_ylabel("target accuracy")
g.fig.suptitle("Fig. 2(b): accuracy against epsilon", y=1.04)
for ax in g.axes.flat:
    stamp(ax, stamp_text(runs))
plt.show()
t2 = table2(pt)
record(table2_rows=int(len(t2)))
display(t2.style.format(precision=1, na_rep="-").set_caption(f"Table 2 (profile {profile}): mean accuracy (%) per epsilon group"))'''),
    ("code", '''import numpy as np
from scipy.stats import spearmanr
rows = []
# epsilon belongs to the target domain (all its tasks share it): correlate per domain
for (ds, m), d in pt.groupby(["dataset", "Method"]):
    dom = d.groupby("target")[["epsilon", "accuracy"]].mean()
    if len(dom) > 2:
        r = spearmanr(dom["epsilon"], dom["accuracy"])
        word = "supports it" if r.statistic < 0 and r.pvalue < 0.05 else "does not support it"
        rows.append(f"- {ds}, {m}: Spearman rho = {r.statistic:+.2f} (p = {r.pvalue:.2g}, "
                    f"{len(dom)} target domains, {len(d)} tasks): {word}")
display(Markdown("Claim 'accuracy drops as epsilon grows' (tested on target-domain means, since a "
                 "domain's tasks share its epsilon; a significantly negative rank correlation "
                 "supports it):\\n" + "\\n".join(rows)))''')])

nb("23_fig3", "Fig. 3: sensitivity to r, alpha, beta and k",
   "MRCNN on a fixed random sample of CIFAR-100 tasks, varying one hyper-parameter at a time around "
   "the paper's setting ($r = 10^{-2.5}$, $\\alpha = 10^{-5}$, $\\beta = 10^{-2}$, $k = 3$), and a "
   "two-parameter grid as a heat map.",
   'profile = "smoke"\nresults_dir = ""',
   [("code", '''import numpy as np, pandas as pd
import matplotlib.pyplot as plt, seaborn as sns
from mrcnn_core.analysis import load_runs, sensitivity, provenance_banner, result_folders
from mrcnn_core.plots import style, stamp, stamp_text
from mrcnn_core.notebook import record
style()
''' + RESULTS + '''
runs = load_runs(results, experiment="sensitivity")
display(Markdown(provenance_banner(runs, [results])))
sens = sensitivity(runs)
names = {"lr": "learning rate $r$", "alpha": r"$\\alpha$", "beta": r"$\\beta$", "k": "$k$ (neighbours)"}
params = [p for p in ("lr", "alpha", "beta", "k") if p in sens]
record(sensitivity_params=params, n_tasks=int(runs["task_id"].nunique()))
fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), sharey=True)
for ax, p in zip(axes.flat, params):
    d = sens[p].copy()
    vals = sorted(d[p].unique())
    d["value"] = pd.Categorical(d[p].map(lambda v: f"{v:g}"), categories=[f"{v:g}" for v in vals], ordered=True)
    sns.pointplot(data=d, x="value", y="accuracy", errorbar=("ci", 95), ax=ax, markersize=5)
    ax.set_xlabel(names[p] + ("" if p == "k" else " (log-spaced values)")); ax.set_ylabel("target accuracy")
    ax.tick_params(axis="x", rotation=30)
for ax in list(axes.flat)[len(params):]:
    ax.set_visible(False)
n_curve = {p: sens[p]["task_id"].nunique() for p in params}
fig.suptitle(f"Fig. 3: MRCNN, mean over {', '.join(f'{n} tasks ({p})' for p, n in n_curve.items())}; "
             "95% CI over tasks", y=1.05, fontsize=10)
fig.tight_layout()
stamp(axes.flat[0], stamp_text(runs))
plt.show()'''),
    ("code", '''from mrcnn_core.analysis import sensitivity_claims
base = runs[runs["variant"] == "base"].iloc[0]
claims = sensitivity_claims(sens, {p: float(base[p]) for p in ("k", "alpha", "beta", "lr")})
display(Markdown("**What the runs show** (computed):\\n" + "\\n".join(f"- {c}" for c in claims)))
if "grid" in sens:
    fig, ax = plt.subplots(figsize=(5, 3.5))
    sns.heatmap(sens["grid"] * 100, annot=True, fmt=".1f", cmap="viridis", ax=ax,
                cbar_kws={"label": "target accuracy (%)"})
    ax.set_title(f"accuracy (%) over the grid (profile {profile})")
    plt.show()''')])

nb("24_statistics", "Statistics: seeds, paired tests and per-task differences",
   "The paper reports single means. Here every comparison is paired by task: the distribution of "
   "per-task differences, and, for the CNN methods, the spread over seeds.",
   'profile = "smoke"\nresults_dir = ""',
   [("code", '''import matplotlib.pyplot as plt, seaborn as sns
from mrcnn_core.analysis import load_runs, per_task, add_groups, METHOD_LABEL, provenance_banner, result_folders
from mrcnn_core.plots import style, stamp, stamp_text
from mrcnn_core.notebook import record
style()
''' + RESULTS + '''
runs = load_runs(*folders, experiment="main")
display(Markdown(provenance_banner(runs, folders)))
pt = add_groups(per_task(runs))
wide = pt.pivot_table(index=["dataset", "task_id", "group"], columns="method", values="accuracy").reset_index()
pairs = [(a, b) for a, b in (("mrcnn", "vgg"), ("tsvm", "lr"), ("vgg", "lr"), ("vgg", "tsvm")) if a in wide and b in wide]
long = []
for a, b in pairs:
    d = wide[["dataset", "task_id", "group"]].copy()
    d["comparison"] = f"{METHOD_LABEL[a]} - {METHOD_LABEL[b]}"
    d["difference (pp)"] = 100 * (wide[a] - wide[b])
    long.append(d)
import pandas as pd
long = pd.concat(long).dropna() if long else pd.DataFrame()
record(n_pairs=len(pairs))
if not long.empty:
    g = sns.catplot(data=long, x="difference (pp)", y="comparison", hue="group", col="dataset",
                    kind="strip", height=3.2, aspect=1.4, dodge=True, alpha=0.6, s=12)
    for ax in g.axes.flat:
        ax.axvline(0, color="k", lw=0.8)
    g.fig.suptitle("per-task accuracy differences (percentage points)", y=1.05)
    for ax in g.axes.flat:
        stamp(ax, stamp_text(runs))
    plt.show()'''),
    ("code", '''cnn = pt[pt["method"].isin(["vgg", "mrcnn"])]
seeds = int(runs[runs["method"].isin(["vgg", "mrcnn"])]["seed"].nunique()) if len(cnn) else 0
if seeds > 1:
    s = cnn.groupby(["dataset", "method"])["accuracy_std"].describe()[["mean", "50%", "max"]] * 100
    display(s.style.format(precision=2).set_caption(f"std of accuracy over {seeds} seeds, per task (pp)"))
else:
    display(Markdown(f"The CNN methods were run with {seeds} seed(s) in profile **{profile}**; "
                     "the seed spread needs the paper profile (3 seeds)."))''')])
nb("25_ablations", "Ablations: where the manifold term's graph comes from, and how it is used",
   "MRCNN on a fixed random sample of CIFAR-100 tasks, changing one design choice at a time: the "
   "graph built on raw pixels or on the current model's fc7 output (rebuilt every few steps) "
   "instead of the frozen pool4 features; cosine-weighted instead of binary edges; the manifold "
   "term on random mini-batches of target nodes instead of the whole domain; and alpha = 0 or "
   "10 x the paper's alpha.",
   'profile = "smoke"\nresults_dir = ""',
   [("code", '''import matplotlib.pyplot as plt, seaborn as sns
from mrcnn_core.analysis import load_runs, ablation_table, ABLATION_LABEL, provenance_banner, result_folders
from mrcnn_core.plots import style, stamp, stamp_text
from mrcnn_core.notebook import record
style()
''' + RESULTS + '''
runs = load_runs(results, experiment="ablation")
display(Markdown(provenance_banner(runs, [results])))
t = ablation_table(runs)
record(ablation_variants=list(t.index))
if t.empty:
    display(Markdown("No ablation runs in this store."))
else:
    display(t.style.format(precision=2, na_rep="-").set_caption(
        f"Ablations (profile {profile}): mean target accuracy and paired difference to the paper's variant"))
    d = runs.assign(Variant=runs["variant"].map(ABLATION_LABEL))
    fig, ax = plt.subplots(figsize=(8, 3.5))
    sns.stripplot(data=d, y="Variant", x="accuracy", hue="task_id", ax=ax, s=6)
    sns.pointplot(data=d, y="Variant", x="accuracy", color="k", markers="|", linestyles="none", ax=ax, errorbar=None)
    ax.set_xlabel("target accuracy"); ax.set_ylabel("")
    ax.legend(fontsize=7, title="task", loc="lower left")
    stamp(ax, stamp_text(runs))
    plt.show()''')])
print("notebooks written")
