"""The protocol page states the code's grids and hyper-parameters (checked, not trusted)."""
import math
import re
from pathlib import Path

from mrcnn_core.baselines.lr import C_GRID
from mrcnn_core.baselines.tca import DIM_GRID
from mrcnn_core.baselines.tsvm import LAMBDA_GRID
from mrcnn_core.method.hparams import PAPER

# the protocol page's method table is written from the registry at each build (it includes
# book/generated/methods_table.md): check the text the page shows
from mrcnn_core.book.registry_pages import methods_table_md  # noqa: E402

PAGE = methods_table_md()
assert "generated/methods_table.md" in (Path(__file__).resolve().parents[1] / "book"
                                        / "protocol.md").read_text()


def row(method: str) -> str:
    return next(ln for ln in PAGE.splitlines() if ln.startswith(f"| {method} |"))


def exps(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"10\^\{(-?[\d.]+)\}", text)]


def test_lr_c_grid():
    r = row("LR")
    assert exps(r)[:2] == [math.log10(C_GRID[0]), math.log10(C_GRID[-1])]
    assert f"({len(C_GRID)} values)" in r


def test_tsvm_lambda_grid():
    assert exps(row("TSVM"))[:2] == [math.log10(LAMBDA_GRID[0]), math.log10(LAMBDA_GRID[-1])]


def test_tca_dimension_grid():
    step = DIM_GRID[1] - DIM_GRID[0]
    assert f"{DIM_GRID[0]}..{DIM_GRID[-1]} step {step}" in row("TCA")


def test_cnn_hyper_parameters():
    for method in ("VGG", "MRCNN"):
        cifar, corel = row(method).split("Corel")
        for text, ds in ((cifar, "cifar100"), (corel, "corel")):
            hp = PAPER[(method.lower(), ds)]
            found = dict(re.findall(r"\\?(r|beta|alpha)=10\^\{(-?[\d.]+)\}", text.replace("\\", "")))
            assert float(found["r"]) == round(math.log10(hp["lr"]), 2), (method, ds)
            assert float(found["beta"]) == math.log10(hp["beta"]), (method, ds)
            if method == "MRCNN":
                assert float(found["alpha"]) == math.log10(hp["alpha"]), (method, ds)
                assert f"k={hp['k']}" in text
