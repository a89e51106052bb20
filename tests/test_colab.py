"""Colab, played offline: a fresh environment, no clone beside the notebook, google.colab present.

The page's install cell must clone the repository (here from a local ``file://`` URL),
install the package from the clone, and show the committed numbers; with
``compute_tasks`` it re-computes a small slice beside them.
"""
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from mrcnn_core.book.notebook import read_records
from mrcnn_core.book.colab import install_cell, repository
from mrcnn_core.data.tasks import stratified_tasks

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def test_install_cells_follow_config_yml():
    """The repository URL is set in _config.yml; every page's install cell carries it."""
    url, _ = repository(ROOT)
    for md in sorted((ROOT / "notebooks").glob("*.md")):
        page = md.stem
        assert install_cell(page, url) in md.read_text(), (
            f"{md.name}: its install cell differs from colab.install_cell; run `make notebooks`")
    assert url in (ROOT / "README.md").read_text()


def test_repo_url_override(monkeypatch):
    monkeypatch.setenv("MRCNN_REPO_URL", "https://example.org/fork/")
    assert repository(ROOT)[0] == "https://example.org/fork"
    from mrcnn_core.book.notebook import colab_link

    assert colab_link("20_table1").endswith("fork/blob/main/notebooks/20_table1.ipynb")


def test_stratified_slice_covers_target_domains_and_is_deterministic(tiny_cifar):
    from mrcnn_core import cifar100_tasks, load_cifar100

    tasks = cifar100_tasks(load_cifar100(tiny_cifar, download=False))
    a = stratified_tasks(tasks, 25, seed=3)
    assert len({t.target_domain for t in a}) == len({t.target_domain for t in tasks}) == 25
    assert [t.id for t in a] == [t.id for t in stratified_tasks(tasks, 25, seed=3)]
    assert [t.id for t in a] != [t.id for t in stratified_tasks(tasks, 25, seed=4)]
    with pytest.raises(ValueError, match="compute_tasks must be >= 1"):
        stratified_tasks(tasks, 0)


def test_t4_estimate_by_hand():
    from mrcnn_core.method.costs import run_flops

    # VGG19 conv5: 4 layers x 2 x 9 x 512 x 512 x 4 positions; head 2 x (2 x 512^2 + 1024)
    per_image = 4 * 2 * 9 * 512 * 512 * 4 + 2 * (2 * 512 * 512 + 1024)
    assert run_flops(1, 1, 1) == 3 * per_image * 2


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """A fresh venv that sees the test environment's packages but not this checkout, and an
    IPython startup file that registers a stand-in google.colab module."""
    if not (ROOT / ".git").exists():
        pytest.skip("the checkout is not a git repository: nothing to clone")
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    tmp = tmp_path_factory.mktemp("colab")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # the packages of this environment (not this checkout's mrcnn_core: the clone brings it)
    Path(site, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    ipy = tmp / "ipython" / "profile_default" / "startup"
    ipy.mkdir(parents=True)
    (ipy / "00-colab.py").write_text(
        "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n")
    content = tmp / "content"  # Colab's working folder: empty, no clone
    content.mkdir()
    env = {**os.environ, "MRCNN_REPO_URL": f"file://{ROOT}", "IPYTHONDIR": str(tmp / "ipython"),
           "JUPYTER_DATA_DIR": str(tmp / "jupyter"), "PIP_NO_INDEX": "1",
           "PIP_NO_BUILD_ISOLATION": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PYTHONPATH": ""}
    return dict(py=py, content=content, env=env, dirty=dirty)


def papermill(colab, notebook: str, out: Path, **params) -> dict:
    args = [str(colab["py"]), "-m", "papermill", str(ROOT / "notebooks" / f"{notebook}.ipynb"),
            str(out), "-k", "python3", "--cwd", str(colab["content"])]
    for k, v in params.items():
        args += ["-p", k, str(v)]
    p = subprocess.run(args, env=colab["env"], capture_output=True, text=True, timeout=1200)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    return read_records(out)


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "weights" / "vgg16_imagenet_notop.weights.h5").is_file()
                    or not (SHARED / "data" / "cifar-100-python").is_dir(),
                    reason="needs real data: the compute slice needs ../shared/data and weights")
def test_colab_page_shows_the_committed_numbers_and_computes_a_slice(colab, tmp_path):
    """One page run as on Colab: the committed Table 1, and a 2-task slice computed beside it."""
    if colab["dirty"]:
        pytest.skip("uncommitted changes: the clone would not hold them (CI runs on a clean clone)")
    from mrcnn_core.analysis import add_groups, load_runs, per_task, result_folders, table1

    colab["env"]["MRCNN_DATA_DIR"] = str(SHARED / "data")
    rec = papermill(colab, "20_table1", tmp_path / "t1.ipynb", profile="imagenet-vgg16",
                    compute_tasks=2, compute_steps=3)
    clone = colab["content"] / "mrcnn-book"
    assert (clone / "results" / "imagenet-vgg16").is_dir(), "the install cell cloned the stores"
    text = (tmp_path / "t1.ipynb").read_text()
    assert "No results found" not in text and "No runs in this store" not in text
    # the numbers the page recorded are those of the committed stores, computed here
    here = table1(add_groups(per_task(load_runs(
        *[str(ROOT / f) for f in result_folders("imagenet-vgg16")], experiment="main"))))
    got = rec["table1"]
    total = [i for i, (d, g) in enumerate(zip(got["dataset"], got["group"]))
             if (d, g) == ("cifar100", "Total")][0]
    for col in ("LR", "TSVM", "VGG", "MRCNN"):
        assert got[col][total] == pytest.approx(here.loc[("cifar100", "Total"), col]), col
    # the slice: 2 tasks x VGG, MRCNN, 3 steps, beside the committed runs of the same tasks
    assert rec["slice_tasks"] == 2 and rec["slice_runs"] == 4 and rec["slice_steps"] == [3]
    assert set(rec["slice_mean"]) == {"VGG", "MRCNN"}
    assert all(0.0 <= v <= 1.0 for v in rec["slice_mean"].values())
    assert all(v is not None for v in rec["committed_mean"].values())
    assert (clone / "results" / "slices" / "imagenet-vgg16" / "runs.csv").is_file()


def test_slice_comparison_keys_study_points_by_their_values(tmp_path):
    """vary:alpha holds several alphas: each value is its own point, here and committed."""
    import pandas as pd

    from mrcnn_core.book import figures

    def rows(acc_by_alpha, seeds=(0,)):
        return pd.DataFrame([dict(task_id="t", target="d", variant="vary:alpha", method="mrcnn",
                                  lr=0.003, alpha=a, beta=0.01, k=3, seed=s, accuracy=acc,
                                  steps=200, wall_time=1.0, prov_id="", backbone="vgg16",
                                  n_source=200, n_target=200)
                             for a, acc in acc_by_alpha.items() for s in seeds])

    here = rows({0.0: 0.6, 1e-3: 0.7}).assign(variant=["base", "vary:alpha"])
    committed = rows({0.0: 0.5, 1e-3: 0.8}, seeds=(0, 1)).assign(
        variant=["base", "base", "vary:alpha", "vary:alpha"])
    page = figures.slice_comparison(here, committed, "unit", str(tmp_path))
    assert page.values["slice_mean"] == {"base MRCNN": 0.6, "vary alpha=0.001 MRCNN": 0.7}
    assert page.values["committed_mean"] == {"base MRCNN": 0.5, "vary alpha=0.001 MRCNN": 0.8}
