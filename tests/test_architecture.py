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


#: the rooms of the package, bottom to top: a room imports only rooms below it (README: Layout)
ROOMS = ["methods", "data", "method", "baselines", "experiments", "analysis", "studies", "book",
         "commands"]


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else None


def test_rooms_only_look_down():
    """No import (eager or lazy) runs from a room up to a room above it."""
    graph = _imports(_modules())
    up = [f"{m} -> {d}" for m, deps in sorted(graph.items()) if _room(m)
          for d in sorted(deps) if _room(d) and ROOMS.index(_room(d)) > ROOMS.index(_room(m))]
    assert not up, f"imports that run back up: {up}"


@pytest.mark.parametrize("low,high", [
    ("mrcnn_core.analysis", "mrcnn_core.experiments.sweep_status"),  # the read side never runs sweeps
    ("mrcnn_core.analysis", "mrcnn_core.experiments.driver"),
    ("mrcnn_core.analysis", "mrcnn_core.studies"),  # stability, pairs, findings sit above it
    ("mrcnn_core.experiments.sweep_status", "mrcnn_core.analysis"),  # the sweep never reads analysis
    ("mrcnn_core.experiments.driver", "mrcnn_core.analysis"),
    ("mrcnn_core.experiments.distributed", "mrcnn_core.analysis"),
    ("mrcnn_core.methods", "mrcnn_core.experiments"),  # the registry is the bottom layer
    ("mrcnn_core.analysis.stats", "mrcnn_core.analysis.reading"),  # statistics reads no store
    ("mrcnn_core.method", "mrcnn_core.experiments"),  # the method knows no sweep
])
def test_layers_only_look_down(low, high):
    graph = _imports(_modules())
    assert low in graph and any(m == high or m.startswith(high + ".") for m in graph)
    assert not any(m == high or m.startswith(high + ".") for m in _reach(graph, low)), \
        f"{low} imports {high} (directly or through another module)"


def _top_level() -> set[str]:
    return {p.name for p in ROOT.iterdir() if p.name != "__pycache__"
            and (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}


def test_the_top_level_reads_as_the_architecture():
    """At most 12 entries, each a room of ROOMS or one of the four files (#44)."""
    top = _top_level()
    assert len(top) <= 12, sorted(top)
    assert top == {f"{r}.py" if r == "methods" else r for r in ROOMS} | {
        "__init__.py", "__main__.py", "_compat.py"}, sorted(top)


def test_the_readme_layout_table_matches_the_package():
    """The README's Layout rows for ``mrcnn_core/<entry>`` are exactly the package's top level,
    in the order of the rooms (bottom first)."""
    import re

    readme = (ROOT.parent / "README.md").read_text()
    rows = re.findall(r"^\| `mrcnn_core/([^`/]+)/?` \|", readme, flags=re.M)
    assert set(rows) == _top_level(), (sorted(rows), sorted(_top_level()))
    assert len(rows) == len(set(rows))
    rooms = [r.removesuffix(".py") for r in rows if r.removesuffix(".py") in ROOMS]
    assert rooms == ROOMS, rooms
    tree = re.findall(r"^[├└]── (\S+)", readme, flags=re.M)
    assert {t.rstrip("/") for t in tree} == _top_level()


def test_main_only_dispatches_and_each_command_has_its_module():
    """``__main__`` is under 40 lines; every command of the CLI is a module of ``commands``
    with ``add_parser`` and ``run`` (#44)."""
    import importlib

    from mrcnn_core.commands import COMMANDS
    from mrcnn_core.commands.cli import parser

    assert len((ROOT / "__main__.py").read_text().splitlines()) < 40
    for name, mod in COMMANDS.items():
        m = importlib.import_module(f"mrcnn_core.commands.{mod}")
        assert callable(m.add_parser) and callable(m.run), name
    sub = next(a for a in parser()._actions if a.dest == "cmd")
    assert set(sub.choices) == set(COMMANDS)
    assert {"sweep", "batch", "book", "verify", "fetch", "bench", "methods", "new-page",
            "check-html", "campaign"} <= set(COMMANDS)


#: lines of a function's body (its docstring not counted) above which its docstring says why
MAX_BODY = 60


def test_no_function_is_long_without_a_reason():
    long = []
    for m, f in _modules().items():
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node) or ""
                body = node.body[1:] if doc and len(node.body) > 1 else node.body
                n = node.end_lineno - body[0].lineno + 1
                if n > MAX_BODY and "Long because" not in doc:
                    long.append(f"{m}.{node.name}: {n} lines")
    assert not long, long


def test_the_front_page_data_flows_one_way():
    """The front page renders what the ledger computes: its figure module reaches the studies
    only through ``studies.ledger``, and nothing in the studies reaches the book."""
    graph = _imports(_modules())
    page = "mrcnn_core.book.figures.ledger"
    assert {d for d in graph[page] if _room(d) == "studies"} - {"mrcnn_core.studies"} == {
        "mrcnn_core.studies.ledger"}
    assert not any(_room(d) in ("book", "commands") for d in _reach(graph, "mrcnn_core.studies.ledger"))


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
    from mrcnn_core.experiments.profile import DEFAULT_PROFILE
    from mrcnn_core.methods import REGISTRY

    runs = load_runs(*result_folders(DEFAULT_PROFILE, ""), experiment="main")
    for ds in ("cifar100", "corel"):
        have = set(runs[runs["dataset"] == ds]["method"])
        assert set(REGISTRY) <= have, f"{ds}: no stored runs of {sorted(set(REGISTRY) - have)}"


def test_every_committed_store_holds_registered_methods_only():
    """A method removed from the registry while its store stays would leave unlabelled rows
    in every table and CSV: each committed store's methods are registered (#36)."""
    from mrcnn_core.studies.audit import unregistered_in_stores

    assert list((ROOT.parent / "results").glob("**/runs.csv")), "no committed store found"
    assert unregistered_in_stores(ROOT.parent / "results") == []


def test_the_unregistered_check_names_the_store(tmp_path):
    from mrcnn_core.studies.audit import unregistered_in_stores
    from mrcnn_core.experiments.store import RUN_COLUMNS, ResultsStore

    row = dict.fromkeys(RUN_COLUMNS, "")
    row.update(run_key="k", dataset="corel", task_id="t", method="ghost", seed=0, status="ok")
    ResultsStore(tmp_path / "baselines" / "ghost").add(row)
    (fault,) = unregistered_in_stores(tmp_path)
    assert "ghost" in fault and "baselines/ghost" in fault


def test_every_committed_run_has_its_provenance():
    """A row whose provenance id its store cannot find has no recorded commit or device: the
    350 H200 Fig. 3 runs whose id was all digits were such rows until ids were read as text."""
    from mrcnn_core.studies.audit import runs_without_provenance

    assert runs_without_provenance(ROOT.parent / "results") == []


def test_the_provenance_check_finds_a_numeric_looking_id_and_a_missing_one(tmp_path):
    from mrcnn_core.studies.audit import runs_without_provenance
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
    from mrcnn_core.studies.audit import planned_tasks, short_coverage

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
                   "environment.yml", "pyproject.toml", "LICENSE", "CITATION.cff",
                   "CHANGELOG.md"}, top
    stray = [f for f in files if f.endswith((".csv", ".csv.gz")) and not f.startswith(
        ("results/", "benchmarks/", "mrcnn_core/data/", "book/", "tests/"))]
    assert not stray, stray


def test_one_default_profile():
    """`make book`, `python -m mrcnn_core book` and every page's parameters cell render one
    profile by default: the paper's protocol on the paper's backbone (#43 item 5)."""
    import re

    from mrcnn_core.experiments.profile import DEFAULT_PROFILE, load_profile

    assert DEFAULT_PROFILE == "imagenet-vgg19" and load_profile(DEFAULT_PROFILE).backbone == "vgg19"
    top = ROOT.parent
    assert f"PROFILE ?= $(or $(MRCNN_PROFILE),{DEFAULT_PROFILE})" in (top / "Makefile").read_text()
    for md in sorted((top / "notebooks").glob("*.md")):
        found = re.findall(r'^profile = "([^"]+)"', md.read_text(), flags=re.M)
        assert found in ([], [DEFAULT_PROFILE]), (md.name, found)
