"""Versioned experiment profiles (YAML), validated strictly before any work."""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..method.ablations import VARIANTS
from ..methods import METHODS, REGISTRY

PROFILE_DIR = Path(__file__).parent / "profiles"
DEFAULT_PROFILE = "imagenet-vgg19"  #: what `make book` renders: the paper's backbone (#43)
DATASETS = ("cifar100", "corel")
# "control": a study like "sensitivity" (the same keys) on another data set, e.g. the
# Corel control (MRCNN with alpha = 0 at its own lr and beta; both methods at one setting).
#: every experiment a profile may hold, with what it makes (the CLI's help reads this)
EXPERIMENT_PAGES = {"main": "Table 1, Fig. 2, Table 2", "sensitivity": "Fig. 3",
                    "ablation": "the ablations", "control": "the Corel control",
                    "pairs": "the cross-pair and held-out studies"}
EXPERIMENTS = tuple(EXPERIMENT_PAGES)


def shipped_profiles() -> list[str]:
    """The names of the profiles in ``experiments/profiles`` (``--profile NAME``)."""
    return sorted(x.stem for x in PROFILE_DIR.glob("*.yaml"))
STUDIES = ("sensitivity", "control")
ABLATIONS = tuple(VARIANTS)  # mrcnn_core/method/ablations.py holds the table

_TOP = {"name", "description", "differences", "experiments", "options", "covers"}
#: what a profile may claim to run in every main data set (``covers:``), from the registry
COVERS = {"all": lambda m: True, "paper": lambda m: m.paper, "shallow": lambda m: not m.cnn,
          "cnn": lambda m: m.cnn}
_MAIN = {"tasks", "methods", "seeds", "steps", "cnn_overrides", "positive", "negative", "order"}
_PAIRS = {"data", "pairs", "per_target", "sample_seed", "methods", "shallow_methods", "seeds",
          "steps", "cnn_overrides"}
_SENS = {"dataset", "tasks", "seeds", "steps", "vary", "grid", "cnn_overrides"}
_VARY = {"k", "alpha", "beta", "lr"}
_ABL = {"dataset", "tasks", "seeds", "steps", "cnn_overrides", "variants", "graph_every",
        "omega_batch"}
_OPTIONS = {"alpha_scale", "baseline_select", "curves_tasks", "batch_size", "backbone",
            "weights", "weights_sha256", "baselines_store", "book_computes",
            "studies_profile", "legacy_stores",
            *(m.name for m in REGISTRY.values() if m.options)}  # e.g. options.tlda


class ProfileError(ValueError):
    """A profile or a command-line override is invalid."""


@dataclass
class Profile:
    name: str
    data: dict
    path: str

    @property
    def options(self) -> dict:
        return self.data.get("options", {})

    @property
    def backbone(self) -> str | None:
        return self.options.get("backbone")

    @property
    def weights(self) -> str | None:
        return self.options.get("weights")

    @property
    def differences(self) -> list[str]:
        """What this profile changes against the paper's protocol (shown in every banner)."""
        return list(self.data.get("differences", []))

    @property
    def covers(self) -> list[str]:
        """The registered methods this profile claims to run (``covers:``), in registry order."""
        claim = self.data.get("covers")
        return [n for n, m in REGISTRY.items() if claim and COVERS[claim](m)]

    @property
    def runs(self) -> list[tuple[str, str]]:
        """Every (data set, experiment) the profile plans, main first (`make results`)."""
        exps = self.data.get("experiments", {})
        return [(ds, "main") for ds in exps.get("main", {})] + [
            (s.get("dataset", "cifar100"), n) for n, s in exps.items() if n != "main"]

    @property
    def digest(self) -> str:
        return hashlib.sha1(json.dumps(self.data, sort_keys=True).encode()).hexdigest()[:10]


def _unknown(keys, allowed, where):
    extra = set(keys) - set(allowed)
    if extra:
        raise ProfileError(f"unknown key(s) {sorted(extra)} in {where}; allowed: {sorted(allowed)}")


def _is_int(x) -> bool:
    """An integer, not a YAML boolean (``true`` loads as a bool, which Python counts as 1)."""
    return isinstance(x, int) and not isinstance(x, bool)


def _check_tasks(v, where):
    if v == "all" or (_is_int(v) and v >= 1):
        return
    if isinstance(v, list) and all(isinstance(x, str) for x in v) and v:
        dup = sorted({x for x in v if v.count(x) > 1})
        if dup:
            raise ProfileError(f"{where}: task(s) {dup} listed more than once")
        return
    if isinstance(v, dict):
        _unknown(v, {"random", "seed"}, where)
        if not _is_int(v.get("seed", 0)):
            raise ProfileError(f"{where}: tasks.seed must be an integer, got {v.get('seed')!r}")
        if _is_int(v.get("random")) and v["random"] >= 1:
            return
    raise ProfileError(f"{where}: tasks must be 'all', an integer >= 1, a list of task ids or "
                       f"{{random: N, seed: S}}, got {v!r}")


def _check_seeds(v, where):
    if not (isinstance(v, list) and v and all(_is_int(s) and s >= 0 for s in v)):
        raise ProfileError(f"{where}: seeds must be a non-empty list of integers >= 0, got {v!r}")
    check_unique_seeds(v, where)


def check_unique_seeds(seeds, where: str) -> None:
    """A seed given twice would plan the same run twice: refuse it, naming the seed."""
    seeds = list(seeds)
    dup = sorted({s for s in seeds if seeds.count(s) > 1})
    if dup:
        raise ProfileError(f"{where}: seed(s) {dup} given more than once in {seeds}")


def _check_steps(v, where):
    if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
        raise ProfileError(f"{where}: steps must be an integer >= 1, got {v!r}")


def _check_values(name, vals, where):
    if not isinstance(vals, list) or not vals:
        raise ProfileError(f"{where}.{name} must be a non-empty list, got {vals!r}")
    for x in vals:
        if name == "k":
            if not (_is_int(x) and x >= 1):
                raise ProfileError(f"{where}.k: {x!r} is not an integer >= 1")
        elif isinstance(x, bool) or not (isinstance(x, (int, float)) and x >= 0) \
                or (name == "lr" and x == 0):
            raise ProfileError(f"{where}.{name}: {x!r} is not a valid value")


def _check_overrides(o, where):
    """``cnn_overrides``: paper hyper-parameters replaced for VGG/MRCNN (recorded per row)."""
    if not isinstance(o, dict):
        raise ProfileError(f"{where}.cnn_overrides must be a mapping, got {o!r}")
    _unknown(o, _VARY, f"{where}.cnn_overrides")
    for name, v in o.items():
        _check_values(name, [v], f"{where}.cnn_overrides")


def _no_empty(spec: dict, where: str) -> None:
    """A key written with no value (``methods:``, ``vary:``) loads as None: refuse it,
    naming the key, rather than fail later inside the planner."""
    empty = sorted(k for k, v in spec.items() if v is None or v == [] or v == {})
    if empty:
        raise ProfileError(f"{where}: {', '.join(empty)} is empty: give a value or remove the line")


def _check_study(spec: dict, allowed: set, where: str) -> None:
    """The keys shared by the one-dataset studies (sensitivity, ablation)."""
    _unknown(spec, allowed, where)
    _no_empty(spec, where)
    if spec.get("dataset", "cifar100") not in DATASETS:
        raise ProfileError(f"{where}: unknown dataset {spec.get('dataset')!r}")
    _check_tasks(spec.get("tasks", 10), where)
    _check_seeds(spec.get("seeds", [0]), where)
    _check_steps(spec.get("steps", 200), where)
    _check_overrides(spec.get("cnn_overrides", {}), where)


def _check_order(order, where: str) -> None:
    """``order: id`` (the default) or ``order: {stratified: SEED}``: one task of each target
    domain in turn, so a sweep stopped part-way still covers every domain."""
    if order == "id":
        return
    ok = (isinstance(order, dict) and set(order) == {"stratified"}
          and isinstance(order["stratified"], int) and not isinstance(order["stratified"], bool))
    if not ok:
        raise ProfileError(f"{where}.order: {order!r} is not 'id' or {{stratified: SEED}} "
                           "(an integer seed)")


def _check_pairs(spec: dict, where: str) -> None:
    """The cross-pair study: a list of CIFAR-100 superclass pairs and a stratified sample."""
    from ..data.cifar100 import SUPERCLASSES

    _unknown(spec, _PAIRS, where)
    _no_empty(spec, where)
    pairs = spec.get("pairs")
    if not isinstance(pairs, list) or not pairs:
        raise ProfileError(f"{where}.pairs must be a non-empty list of [positive, negative]")
    seen = set()
    for p in pairs:
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)):
            raise ProfileError(f"{where}.pairs: {p!r} is not [positive, negative]")
        for name in p:
            if name not in SUPERCLASSES:
                raise ProfileError(f"{where}.pairs: unknown CIFAR-100 superclass {name!r}; "
                                   f"known: {', '.join(SUPERCLASSES)}")
        if p[0] == p[1]:
            raise ProfileError(f"{where}.pairs: {p!r} pairs a superclass with itself")
        if tuple(p) in seen:
            raise ProfileError(f"{where}.pairs: {p!r} is listed twice")
        seen.add(tuple(p))
    if not isinstance(spec.get("data", ""), str):
        raise ProfileError(f"{where}.data must be a folder name or path")
    per = spec.get("per_target", 2)
    if not (isinstance(per, int) and 1 <= per <= 16):
        raise ProfileError(f"{where}.per_target must be an integer in 1..16, got {per!r}")
    for key in ("methods", "shallow_methods"):
        for m in spec.get(key, []):
            if m not in METHODS:
                raise ProfileError(f"{where}.{key}: unknown method {m!r}; choose from {METHODS}")
    _check_seeds(spec.get("seeds", [0]), where)
    _check_steps(spec.get("steps", 200), where)
    _check_overrides(spec.get("cnn_overrides", {}), where)


def validate(data: dict, where: str = "profile") -> None:
    """Check a profile mapping; a ProfileError names the first bad key or value."""
    if not isinstance(data, dict):
        raise ProfileError(f"{where} must be a mapping")
    _unknown(data, _TOP, where)
    for req in ("name", "experiments"):
        if req not in data:
            raise ProfileError(f"{where} lacks '{req}'")
    if not isinstance(data["name"], str) or not data["name"]:
        raise ProfileError(f"{where}.name must be a text, got {data['name']!r}")
    for key in ("options", "covers", "differences", "description"):
        if key in data and data[key] is None:
            raise ProfileError(f"{where}.{key} is empty: give it a value or remove the line")
    exps = data["experiments"]
    if not isinstance(exps, dict) or not exps:
        raise ProfileError(f"{where}.experiments must be a non-empty mapping of experiments "
                           f"({', '.join(EXPERIMENTS)}), got {exps!r}")
    _unknown(exps, EXPERIMENTS, f"{where}.experiments")
    for name, spec in exps.items():
        if not isinstance(spec, dict):
            raise ProfileError(f"{where}.experiments.{name} must be a mapping, got {spec!r}")
    claim = data.get("covers")
    if claim is not None and claim not in COVERS:
        raise ProfileError(f"{where}.covers: {claim!r} is not one of {sorted(COVERS)}")
    _check_main(exps.get("main", {}), claim, where)
    _check_studies(exps, where)
    _check_options(data.get("options", {}), where)
    diff = data.get("differences", [])
    if not (isinstance(diff, list) and all(isinstance(x, str) for x in diff)):
        raise ProfileError(f"{where}.differences must be a list of sentences")


def _check_main(main: dict, claim, where: str) -> None:
    for ds, spec in main.items():
        if not isinstance(spec, dict):
            raise ProfileError(f"{where}.experiments.main.{ds} must be a mapping, got {spec!r}")
        if claim is not None:  # a method added to the registry but not here fails at once
            lacks = [n for n, m in REGISTRY.items() if COVERS[claim](m)
                     and n not in spec.get("methods", METHODS)]
            if lacks:
                raise ProfileError(f"{where} covers {claim!r} methods, but "
                                   f"experiments.main.{ds}.methods lacks {lacks}")
        w = f"{where}.experiments.main.{ds}"
        if ds not in DATASETS:
            raise ProfileError(f"unknown dataset {ds!r} in {where}.experiments.main; "
                               f"choose from {DATASETS}")
        _unknown(spec, _MAIN, w)
        _no_empty(spec, w)
        _check_tasks(spec.get("tasks", "all"), w)
        _check_order(spec.get("order", "id"), w)
        for m in spec.get("methods", []):
            if m not in METHODS:
                raise ProfileError(f"{w}: unknown method {m!r}; choose from {METHODS}")
        _check_seeds(spec.get("seeds", [0]), w)
        _check_steps(spec.get("steps", 200), w)
        _check_overrides(spec.get("cnn_overrides", {}), w)


def _check_studies(exps: dict, where: str) -> None:
    if "pairs" in exps:
        _check_pairs(exps["pairs"], f"{where}.experiments.pairs")
    for study in [x for x in STUDIES if x in exps]:
        s, w = exps[study], f"{where}.experiments.{study}"
        _check_study(s, _SENS, w)
        for part in ("vary", "grid"):
            _unknown(s.get(part, {}), _VARY, f"{w}.{part}")
            for name, vals in s.get(part, {}).items():
                _check_values(name, vals, f"{w}.{part}")
        if s.get("grid") and len(s["grid"]) != 2:
            raise ProfileError(f"{w}.grid must name exactly two parameters (a heat map)")
    if "ablation" in exps:
        a, w = exps["ablation"], f"{where}.experiments.ablation"
        _check_study(a, _ABL, w)
        for v in a.get("variants", ABLATIONS):
            if v not in ABLATIONS:
                raise ProfileError(f"{w}: unknown variant {v!r}; choose from {ABLATIONS}")
        for key in ("graph_every", "omega_batch"):
            if key in a and not (_is_int(a[key]) and a[key] >= 1):
                raise ProfileError(f"{w}.{key} must be an integer >= 1, got {a[key]!r}")


def _check_options(opts, where: str) -> None:
    if not isinstance(opts, dict):
        raise ProfileError(f"{where}.options must be a mapping, got {opts!r}")
    _unknown(opts, _OPTIONS, f"{where}.options")
    ct = opts.get("curves_tasks", 3)
    if not (_is_int(ct) and ct >= 0):
        raise ProfileError(f"{where}.options.curves_tasks must be an integer >= 0, got {ct!r}")
    if opts.get("alpha_scale", "none") not in ("none", "n_target"):
        raise ProfileError(f"{where}.options.alpha_scale: {opts['alpha_scale']!r} is not "
                           "'none' or 'n_target'")
    if opts.get("baseline_select", "source_cv") not in ("source_cv", "oracle"):
        raise ProfileError(f"{where}.options.baseline_select: {opts['baseline_select']!r}")
    bs = opts.get("batch_size", "auto")
    if not (bs == "auto" or (_is_int(bs) and bs >= 1)):
        raise ProfileError(f"{where}.options.batch_size: {bs!r} is not 'auto' or an integer >= 1")
    for m in (x for x in REGISTRY.values() if x.options):  # a method's own options
        _unknown(opts.get(m.name, {}), set(m.options), f"{where}.options.{m.name}")
        for k, v in (opts.get(m.name) or {}).items():
            d = m.options.get(k)
            # a step count of 0 stored TLDA 'ok' at 0.5, untrained (#42): counts are >= 1
            if isinstance(d, int) and not isinstance(d, bool) and d >= 1 \
                    and not (_is_int(v) and v >= 1):
                raise ProfileError(f"{where}.options.{m.name}.{k}: {v!r} is not an integer "
                                   ">= 1 (a method that takes no step is not trained)")
    from ..method.features import BACKBONES

    if opts.get("backbone", "vgg19") not in BACKBONES:
        raise ProfileError(f"{where}.options.backbone: unknown backbone {opts['backbone']!r}; "
                           f"choose from {sorted(BACKBONES)}")
    sha = opts.get("weights_sha256")
    if sha is not None and not (isinstance(sha, str) and len(sha) == 64
                                and all(c in "0123456789abcdef" for c in sha.lower())):
        raise ProfileError(f"{where}.options.weights_sha256: {sha!r} is not a sha256 hex digest")
    if sha is not None and "weights" not in opts:
        raise ProfileError(f"{where}.options.weights_sha256 needs options.weights (a file name)")
    sp = opts.get("studies_profile")
    if sp is not None and not (isinstance(sp, str) and (PROFILE_DIR / f"{sp}.yaml").is_file()):
        raise ProfileError(f"{where}.options.studies_profile: {sp!r} is not a shipped profile")
    if not (isinstance(ls := opts.get("legacy_stores", []), list) and all(ls)):
        raise ProfileError(f"{where}.options.legacy_stores: {ls!r} is not a list of folders")

#: what each backbone is to this book, the same words on every page (#41)
BACKBONE_ROLE = {
    "vgg19": "ImageNet VGG19 (official Keras weights), the paper's backbone",
    "vgg16": "ImageNet VGG16 (3 conv5 layers), the book's substitute for the paper's VGG19 "
             "(4), on which the studies run",
}


def backbone_statement(prof: "Profile | str") -> str:
    """The profile's backbone in the book's words ("Backbone: ..."), from its options: what
    a page says of a backbone comes from here, not from sentences stored in provenance
    (stores of 2026-11 say VGG19 "cannot be had offline"; it can now)."""
    prof = prof if isinstance(prof, Profile) else load_profile(prof)
    b = prof.options.get("backbone", "vgg19")
    w = prof.options.get("weights", "imagenet")
    if str(w).startswith("none"):
        return f"Backbone: {b.upper()} with random weights (a pipeline check, not a result)."
    return f"Backbone: {BACKBONE_ROLE.get(b, b.upper())}."


def studies_profile(name: str) -> str:
    """The profile whose stores a book on ``name`` shows on the studies' pages: its
    ``options.studies_profile`` (imagenet-vgg19 runs no studies), else ``name`` (smoke)."""
    try:
        return load_profile(name).options.get("studies_profile") or name
    except ProfileError:  # a store folder, not a profile: its own studies
        return name


def load_profile(name_or_path: str) -> Profile:
    """``smoke``, ``paper`` (shipped) or a path to a YAML file."""
    p = Path(name_or_path)
    if not p.suffix:
        p = PROFILE_DIR / f"{name_or_path}.yaml"
        if not p.is_file():
            shipped = sorted(x.stem for x in PROFILE_DIR.glob("*.yaml"))
            raise ProfileError(f"unknown profile {name_or_path!r}; shipped: {shipped}, "
                               "or give a path to a .yaml file")
    if not p.is_file():
        raise ProfileError(f"profile file {p} does not exist")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as e:
        raise ProfileError(f"profile {p} is not valid YAML: {e}") from e
    validate(data, where=f"profile {p.name}")
    return Profile(name=data["name"], data=copy.deepcopy(data), path=str(p))
