"""The package's shape: no import circle, layers that only look down, no private name
crossing a module, modules of a readable size, and a method registry that cannot be
half-wired (a registered method missing from a profile that claims it, or from the stores
the book reads, fails here)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "mrcnn_core"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for f in ROOT.rglob("*.py"):
        name = ".".join(f.relative_to(ROOT.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = f
    return out


def _imports(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (anywhere in it, lazily too).  Importing
    ``a.b.c`` also runs ``a.b``'s ``__init__``, except for a module inside ``a.b`` itself."""
    graph = {}
    for m, f in mods.items():
        pkg = m if f.name == "__init__.py" else m.rsplit(".", 1)[0]
        deps = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = (".".join(pkg.split(".")[:len(pkg.split(".")) - node.level + 1])
                        if node.level else "")
                mod = ".".join(x for x in (base, node.module or "") if x)
                for a in node.names:
                    deps.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in mods else mod)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
        full = set()
        for d in (d for d in deps if d in mods):
            parts = d.split(".")
            full |= {".".join(parts[:i]) for i in range(2, len(parts) + 1)
                     if ".".join(parts[:i]) in mods and not m.startswith(".".join(parts[:i]) + ".")}
        graph[m] = full - {m}
    return graph


def _reach(graph, start) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for d in graph[todo.pop()]:
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def test_no_import_circle():
    graph = _imports(_modules())
    circles = sorted(m for m in graph if m in _reach(graph, m))
    assert not circles, f"modules on an import circle: {circles}"


@pytest.mark.parametrize("low,high", [
    ("mrcnn_core.analysis", "mrcnn_core.experiments.sweep_status"),  # the read side never runs sweeps
    ("mrcnn_core.analysis", "mrcnn_core.experiments.driver"),
    ("mrcnn_core.analysis", "mrcnn_core.stability"),  # stability, pairs, findings sit above it
    ("mrcnn_core.experiments.sweep_status", "mrcnn_core.analysis"),  # the sweep never reads analysis
    ("mrcnn_core.experiments.driver", "mrcnn_core.analysis"),
    ("mrcnn_core.experiments.distributed", "mrcnn_core.analysis"),
    ("mrcnn_core.methods", "mrcnn_core.experiments"),  # the registry is the bottom layer
    ("mrcnn_core.stats", "mrcnn_core.analysis"),
])
def test_layers_only_look_down(low, high):
    graph = _imports(_modules())
    assert low in graph and any(m == high or m.startswith(high + ".") for m in graph)
    assert not any(m == high or m.startswith(high + ".") for m in _reach(graph, low)), \
        f"{low} imports {high} (directly or through another module)"


def test_no_private_name_crosses_a_module():
    bad = []
    for m, f in _modules().items():
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                bad += [f"{m}: from {node.module} import {a.name}" for a in node.names
                        if a.name.startswith("_") and not a.name.startswith("__")]
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__") and isinstance(node.value, ast.Name)
                    and node.value.id in {"A", "S", "P", "F", "St"}):  # the module aliases we use
                bad.append(f"{m}: {node.value.id}.{node.attr}")
    assert not bad, bad


def test_modules_are_of_a_readable_size():
    long = {m: n for m, f in _modules().items() if (n := len(f.read_text().splitlines())) >= MAX_LINES}
    assert not long, f"modules of {MAX_LINES} lines or more: {long}"


# ---- the registry cannot be half-wired ---------------------------------------------------

def test_a_profile_that_covers_a_kind_must_list_each_of_its_methods(monkeypatch):
    """A new shallow method in the registry without its profile line: the baselines
    profile (``covers: shallow``) fails at load, naming the method and the data set."""
    from mrcnn_core import methods
    from mrcnn_core.experiments import load_profile
    from mrcnn_core.experiments.profile import ProfileError

    for name in ("baselines", "imagenet-vgg16", "paper", "smoke"):
        assert load_profile(name).covers  # each claims a kind, and loads today
    # a name no contributor will add (it was "coral": adding CORAL broke this test, #42)
    name = "zz_not_a_method"
    assert name not in methods.REGISTRY
    new = methods.Method(name, "ZZ", "shallow", "#123456", "mrcnn_core.baselines.lr:LR")
    monkeypatch.setitem(methods.REGISTRY, name, new)
    with pytest.raises(ProfileError, match=rf"covers 'shallow' methods.*lacks \['{name}'\]"):
        load_profile("baselines")
    assert name not in load_profile("paper").covers  # paper=False by default: not the paper's


def test_the_book_stores_hold_every_registered_method():
    """Table 1 of the default profile reads its store and the baseline store: every
    registered method has runs on both data sets (a method without runs would only be a
    missing column)."""
    from mrcnn_core.analysis import load_runs, result_folders
    from mrcnn_core.methods import REGISTRY

    runs = load_runs(*result_folders("imagenet-vgg16", ""), experiment="main")
    for ds in ("cifar100", "corel"):
        have = set(runs[runs["dataset"] == ds]["method"])
        assert set(REGISTRY) <= have, f"{ds}: no stored runs of {sorted(set(REGISTRY) - have)}"


def test_every_committed_store_holds_registered_methods_only():
    """A method removed from the registry while its store stays would leave unlabelled rows
    in every table and CSV: each committed store's methods are registered (#36)."""
    from mrcnn_core.audit import unregistered_in_stores

    assert list((ROOT.parent / "results").glob("**/runs.csv")), "no committed store found"
    assert unregistered_in_stores(ROOT.parent / "results") == []


def test_the_unregistered_check_names_the_store(tmp_path):
    from mrcnn_core.audit import unregistered_in_stores
    from mrcnn_core.experiments.store import RUN_COLUMNS, ResultsStore

    row = dict.fromkeys(RUN_COLUMNS, "")
    row.update(run_key="k", dataset="corel", task_id="t", method="ghost", seed=0, status="ok")
    ResultsStore(tmp_path / "baselines" / "ghost").add(row)
    (fault,) = unregistered_in_stores(tmp_path)
    assert "ghost" in fault and "baselines/ghost" in fault


def test_every_committed_run_has_its_provenance():
    """A row whose provenance id its store cannot find has no recorded commit or device: the
    350 H200 Fig. 3 runs whose id was all digits were such rows until ids were read as text."""
    from mrcnn_core.audit import runs_without_provenance

    assert runs_without_provenance(ROOT.parent / "results") == []


def test_the_provenance_check_finds_a_numeric_looking_id_and_a_missing_one(tmp_path):
    from mrcnn_core.audit import runs_without_provenance
    from mrcnn_core.experiments.store import RUN_COLUMNS, ResultsStore

    store = ResultsStore(tmp_path / "s")
    row = dict.fromkeys(RUN_COLUMNS, "")
    row.update(run_key="k", dataset="corel", task_id="t", method="lr", seed=0, status="ok")
    pid = store.add_provenance({"git_commit": "x"})
    store.add(row | {"prov_id": "0123456789"})  # read back as text, and not in the file
    store.add(row | {"run_key": "k2", "prov_id": pid})
    (fault,) = runs_without_provenance(tmp_path)
    assert "1 of 2 rows" in fault and "0123456789" in fault


def test_the_baseline_store_covers_every_task_its_profile_plans():
    """A registered shallow method whose store covers 3 of 400 tasks passed the store test
    (#36): each method of the baselines profile covers every task it plans, per data set."""
    from mrcnn_core.audit import planned_tasks, short_coverage

    assert len(planned_tasks("baselines", "cifar100")) == 400  # P(5,2)^2
    assert len(planned_tasks("baselines", "corel")) == 144  # P(4,2)^2
    assert short_coverage(ROOT.parent / "results" / "baselines") == []


def test_table1_page_names_registered_methods_without_runs():
    import pandas as pd
    from mrcnn_core.book import figures

    rows = [dict(dataset="cifar100", task_id=f"t{i}", source="s", target=f"d{i % 5}", method=m,
                 seed=0, accuracy=0.6 + 0.01 * i, epsilon=0.1, profile="unit", weights="w",
                 backbone="vgg16", run_key=f"{i}{m}", experiment="main", variant="paper",
                 deterministic="yes")
            for i in range(10) for m in ("lr", "vgg")]
    page = figures.table1(pd.DataFrame(rows), "unit")
    from mrcnn_core.methods import LABELS

    assert set(page.values["methods_without_runs"]) == set(LABELS.values()) - {"LR", "VGG"}
    assert any("Registered methods with no runs" in p for p in page.parts if isinstance(p, str))


def test_a_lazy_name_is_never_shadowed_by_a_submodule():
    """``experiments.status`` (a function) was once shadowed by a module ``status.py``: once the
    module was imported, ``from mrcnn_core.experiments import status`` gave the module."""
    import importlib
    import inspect

    from mrcnn_core import experiments

    for f in (ROOT / "experiments").glob("*.py"):
        importlib.import_module(f"mrcnn_core.experiments.{f.stem}")
    for name in experiments.__all__:
        assert not inspect.ismodule(getattr(experiments, name)), f"experiments.{name} is a module"


def test_the_repository_root_tracks_no_stray_output():
    """Only the project's own files sit at the top: a page's CSV download or a store written
    from the repository root (a 31_demo-smoke.csv was committed once) fails here."""
    import subprocess

    repo = ROOT.parent
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True,
                           check=True).stdout.split()
    top = {f for f in files if "/" not in f}
    assert top <= {".gitignore", "Makefile", "README.md", "_config.yml", "_toc.yml",
                   "environment.yml", "pyproject.toml", "LICENSE", "CITATION.cff"}, top
    stray = [f for f in files if f.endswith((".csv", ".csv.gz")) and not f.startswith(
        ("results/", "benchmarks/", "mrcnn_core/data/", "book/", "tests/"))]
    assert not stray, stray
