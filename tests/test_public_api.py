"""The public surface: ``from mrcnn_core import ...`` names stay, and the module paths before
0.2.0 keep working for one release with a warning that names the new path (#44)."""
import importlib
import subprocess
import sys
import warnings

import pytest

import mrcnn_core
from mrcnn_core._compat import MOVED

#: the names a user imports from the package (README, notebooks); removing one breaks users
PUBLIC = {"MRCNN", "VGG", "GraphSpec", "DataError", "Dataset", "FeatureSet", "Task", "TaskResult",
          "WeightsUnavailable", "cifar100_tasks", "compute_slice", "corel_or_none", "corel_tasks",
          "cross_entropy", "extract_features", "fit_task", "fit_tasks", "knn_graph", "l2_penalty",
          "laplacian", "load_cifar100", "load_corel", "load_image_folder", "manifold_term",
          "neighbour_confusion", "paper_hparams", "resolve_hparams", "select_tasks"}


def test_the_public_names_are_listed_and_importable():
    assert set(mrcnn_core.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(mrcnn_core, name) is not None, name


@pytest.mark.parametrize("old,new", sorted(MOVED.items()))
def test_an_old_module_path_gives_the_new_module_with_a_warning(old, new):
    sys.modules.pop(f"mrcnn_core.{old}", None)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        mod = importlib.import_module(f"mrcnn_core.{old}")
    assert mod is importlib.import_module(f"mrcnn_core.{new}")
    assert mod.__name__ == f"mrcnn_core.{new}" and mod.__spec__.name == f"mrcnn_core.{new}"
    assert any(issubclass(x.category, DeprecationWarning) and f"mrcnn_core.{new}" in str(x.message)
               for x in w)


def test_old_paths_work_in_a_fresh_process_as_users_wrote_them():
    """``from mrcnn_core.fit import fit_task`` and ``from mrcnn_core import stats`` as a
    script of 0.1.0 wrote them; a name that never existed still fails as it should."""
    code = ("from mrcnn_core.fit import fit_task\n"
            "from mrcnn_core import stats, ledger\n"
            "import mrcnn_core.graph as g\n"
            "assert fit_task.__module__ == 'mrcnn_core.method.fit'\n"
            "assert stats.__name__ == 'mrcnn_core.analysis.stats' and g.knn_graph\n"
            "try:\n    import mrcnn_core.nonexistent\nexcept ModuleNotFoundError:\n    print('ok')\n")
    r = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", "-c", code],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]
