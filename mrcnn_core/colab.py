"""Colab: the repository a page fetches, its install cell, and a compute slice.

A page opened on Colab has no clone beside it: its first cell clones the
repository (code **and** the committed result stores), works inside that
clone, and installs the package from it.  The repository's URL is set in one
place, ``_config.yml`` (``repository.url``); ``$MRCNN_REPO_URL`` overrides it
(a fork, or a local ``file://`` URL in the test that plays Colab).  The
install cell of every notebook is generated from it (:func:`install_cell`;
``make notebooks`` rewrites them and a test checks they agree).

A result page can also re-compute a small, stated slice of the grid on the
reader's machine (``compute_tasks``): a stratified sample of tasks that
covers the target domains, run with the profile's settings into a store of
its own, and shown beside the committed numbers of the same tasks.
"""
from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Sequence

from .data.tasks import stratified_tasks  # noqa: F401 (the slice's sample; re-exported)
from .methods import CNN

REPO_ENV = "MRCNN_REPO_URL"
DEFAULT_REPO = "https://github.com/mrcnn-repro/mrcnn-book"
DEFAULT_BRANCH = "main"
CLONE_DIR = "mrcnn-book"  # where the install cell clones to, under Colab's /content
SLICE_RESULTS = "results/slices"  # compute slices go here, one store per profile


def _config(root: Path | None = None) -> dict:
    for d in ([root] if root else []) + [Path.cwd(), Path(__file__).resolve().parents[1]]:
        cfg = Path(d) / "_config.yml"
        if cfg.is_file():
            import yaml

            return (yaml.safe_load(cfg.read_text()) or {}).get("repository", {}) or {}
    return {}


def repository(root: Path | None = None) -> tuple[str, str]:
    """(URL, branch): ``$MRCNN_REPO_URL``, else ``_config.yml``'s ``repository``, else defaults."""
    repo = _config(root)
    url = os.environ.get(REPO_ENV) or repo.get("url") or DEFAULT_REPO
    return url.rstrip("/"), repo.get("branch") or DEFAULT_BRANCH


INSTALL_MARK = "# Colab: no clone here."


def install_cell(page: str, url: str | None = None) -> str:
    """The first code cell of every page (with ``url`` baked in from ``_config.yml``).

    On Colab it clones the repository shallowly, works inside the clone (so the
    committed stores resolve) and installs the package from it; elsewhere it
    only sets the page up.
    """
    url = url or repository()[0]
    return (
        "import os, subprocess, sys\n"
        f'if "google.colab" in sys.modules and not os.path.isfile("_toc.yml"):\n'
        f"    {INSTALL_MARK} Fetch the book's repository (code and committed results).\n"
        f'    repo = os.environ.get("{REPO_ENV}", "{url}")\n'
        f'    if not os.path.isdir("{CLONE_DIR}"):\n'
        f'        subprocess.run(["git", "clone", "-q", "--depth", "1", repo, "{CLONE_DIR}"], check=True)\n'
        f'    os.chdir("{CLONE_DIR}")\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", ".[colab]"], check=True)\n'
        "from mrcnn_core.book.notebook import page_setup\n"
        f'page_setup("{page}")')


_CELL_RE = re.compile(r"(```\{code-cell\} ipython3\n:tags: \[remove-input\]\n\n)(import os, subprocess, sys\n"
                      r".*?|import subprocess, sys\n.*?)(page_setup\(\"[^\"]+\"\))\n```", re.S)


def sync_install_cells(nb_dir: str | Path, url: str | None = None) -> list[str]:
    """Rewrite the install cell of every ``notebooks/*.md`` page; return the pages changed."""
    changed = []
    for md in sorted(Path(nb_dir).glob("*.md")):
        text = md.read_text()
        m = _CELL_RE.search(text)
        if not m:
            continue
        page = re.search(r'page_setup\("([^"]+)"\)', m.group(3)).group(1)
        new = text[:m.start()] + m.group(1) + install_cell(page, url) + "\n```" + text[m.end():]
        if new != text:
            md.write_text(new)
            changed.append(md.stem)
    return changed


# -- the compute slice ------------------------------------------------------------------------


def slice_profile(prof, task_ids: Sequence[str], dataset: str = "cifar100",
                  methods: Sequence[str] = CNN, steps: int | None = None,
                  seeds: Sequence[int] = (0,)):
    """The profile's main grid restricted to ``task_ids`` (and ``steps``, if given).

    Its weights: the profile's file where it can be found; else (on Colab) Keras's own
    ImageNet download of the same backbone, which ``features.build_backbone`` checks
    by its probe values (the same weights in another container).
    """
    from .experiments.profile import Profile, validate
    from .features import WeightsUnavailable, resolve_weights

    data = copy.deepcopy(prof.data)
    spec = dict(data["experiments"]["main"][dataset])
    spec.update(tasks=list(task_ids), methods=list(methods), seeds=list(seeds))
    if steps:
        spec["steps"] = int(steps)
    data["experiments"] = {"main": {dataset: spec}}
    data["name"] = f"{prof.name}-slice"
    opts = data.setdefault("options", {})
    opts["curves_tasks"] = 0
    if opts.get("weights"):
        try:
            resolve_weights(opts["weights"], opts.get("weights_sha256"))
        except WeightsUnavailable:
            opts["weights"] = "imagenet"
            opts.pop("weights_sha256", None)
            data.setdefault("differences", []).append(
                f"Weights: Keras's ImageNet {opts.get('backbone', 'vgg19').upper()} download "
                "(checked by its probe values), not the profile's converted file.")
    validate(data, where=f"profile {data['name']}")
    return Profile(name=data["name"], data=data, path=prof.path)


def compute_slice(profile: str, n_tasks: int, steps: int | None = None, seed: int = 0,
                  results: str | None = None, progress: bool = True, experiment: str = "main"):
    """Re-compute a slice of ``profile``'s ``experiment`` here, seed 0, into a store of its own.

    main: VGG and MRCNN on a stratified sample of ``n_tasks`` CIFAR-100 tasks (one per
    target domain in turn); a study (sensitivity, ablation, control): all its points on
    the first ``n_tasks`` tasks of the study's own sample.  Returns (runs, folder).
    Resumable: a slice run again skips what its store holds.
    """
    from .analysis import load_runs
    from .experiments import load_profile, profile_context, sweep
    from .experiments.profile import Profile, validate
    from .experiments.planner import pick_tasks

    prof = load_profile(profile)
    exps = prof.data["experiments"]
    if experiment not in exps:
        raise ValueError(f"profile {prof.name!r} has no {experiment!r} experiment to slice")
    folder = results or f"{SLICE_RESULTS}/{prof.name}"
    if experiment == "main":
        ctx = profile_context(prof, "cifar100", features=False, cnn=False)
        pool = pick_tasks(ctx.tasks, exps["main"]["cifar100"].get("tasks", "all"))
        ids = [t.id for t in stratified_tasks(pool, n_tasks, seed)]  # tasks the store has
        sp, dataset = slice_profile(prof, ids, steps=steps), "cifar100"
    else:
        spec = dict(exps[experiment])
        dataset = spec.get("dataset", "cifar100")
        ctx = profile_context(prof, dataset, features=False, cnn=False)
        ids = [t.id for t in pick_tasks(ctx.tasks, spec.get("tasks", 10))[:n_tasks]]
        spec.update(tasks=ids, seeds=[0], **({"steps": int(steps)} if steps else {}))
        base = slice_profile(prof, ids, dataset=dataset, steps=steps) if dataset in exps.get(
            "main", {}) else prof
        data = copy.deepcopy(base.data)
        data["experiments"] = {experiment: spec}  # its paper point runs as a study point
        data["name"] = f"{prof.name}-slice"
        validate(data, where=f"profile {data['name']}")
        sp = Profile(name=data["name"], data=data, path=prof.path)
    sweep(sp, dataset=dataset, experiment=experiment, results=folder, progress=progress)
    runs = load_runs(folder, experiment=experiment)
    return runs[runs["task_id"].isin(ids) & (runs["profile"] == sp.name)], folder


# -- time on a T4 (an estimate) ----------------------------------------------------------------

T4_FP32_FLOPS = 8.1e12  # NVIDIA's peak float32 rate of a T4
T4_EFFICIENCY = 0.4  # the share of the peak a small conv net reaches (assumed, not measured)


def run_flops(n_source: int, n_target: int, steps: int, backbone: str = "vgg19") -> float:
    """FLOPs of one CNN run: conv5 (3x3, 512 -> 512, on 2 x 2 maps) and the head, forward and
    backward (3x the forward), over source and target every full-batch step."""
    from .features import BACKBONES

    conv5 = len(BACKBONES[backbone][2]) * 2 * (3 * 3 * 512 * 512) * 4  # per image, 4 positions
    head = 2 * (512 * 512 + 512 * 512 + 512 * 2)  # fc6-fc8 (512, 512, 2) on the pooled 512
    return 3.0 * (conv5 + head) * (n_source + n_target) * steps


def t4_minutes(n_runs: int, n_source: int, n_target: int, steps: int,
               backbone: str = "vgg19") -> float:
    """An estimate (not a measurement) of the minutes ``n_runs`` take on a T4 in float32."""
    return n_runs * run_flops(n_source, n_target, steps, backbone) / (T4_FP32_FLOPS * T4_EFFICIENCY) / 60
