"""How the VGG19 headline (MRCNN - VGG on the paper's pair, seed 0) settles as the grid grows:
the ledger's number on the first N tasks of the profile's stratified order, for N = 100, 200,
300, 400 (those the stores hold both methods of).  Prints one line per N.

    MRCNN_DATA_DIR=../shared/data .venv/bin/python benchmarks/vgg19_settling.py
"""
from __future__ import annotations

from mrcnn_core.studies import ledger as L
from mrcnn_core.analysis import load_runs, result_folders
from mrcnn_core.experiments import load_profile, plan
from mrcnn_core.experiments.context import profile_context

prof = load_profile("imagenet-vgg19")
ctx = profile_context(prof, "cifar100", features=False)
order = [s.task.id for s in plan(prof, "main", "cifar100", ctx, methods=["vgg"], seeds=[0])]
main = load_runs(*result_folders("imagenet-vgg16"), experiment="main")
v19 = load_runs("results/imagenet-vgg19", experiment="main")
v19 = v19[(v19["dataset"] == "cifar100") & (v19["seed"] == 0)]
both = set(v19[v19["method"] == "vgg"]["task_id"]) & set(v19[v19["method"] == "mrcnn"]["task_id"])
for n in (100, 200, 300, 400):
    first = order[:n]
    if not set(first) <= both:
        print(f"N={n}: not stored yet ({len(set(first) & both)} of its {n} tasks hold both)")
        continue
    c = L.cell(L.ledger(main, v19[v19["task_id"].isin(first)], evidence=("vgg19",)),
               "mrcnn_vgg", "vgg19")
    print(f"N={n}: MRCNN - VGG {L.number(c)} over {int(c['clusters'])} target domains "
          f"({c['interval']})")
