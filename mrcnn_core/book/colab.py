"""Colab: the repository a page fetches and the install cell that fetches it.

A page opened on Colab has no clone beside it: its first cell clones the
repository (code **and** the committed result stores), works inside that
clone, and installs the package from it.  The repository's URL is set in one
place, ``_config.yml`` (``repository.url``); ``$MRCNN_REPO_URL`` overrides it
(a fork, or a local ``file://`` URL in the test that plays Colab).  The
install cell of every notebook is generated from it (:func:`install_cell`;
``make notebooks`` rewrites them and a test checks they agree).

The neighbours: ``book/colab_notebooks.py`` rewrites the cell into every page,
``experiments/slices.py`` re-computes a slice of a grid on the reader's machine,
``costs.py`` estimates a run's time on a T4.
"""
from __future__ import annotations

import os
from pathlib import Path


REPO_ENV = "MRCNN_REPO_URL"
DEFAULT_REPO = "https://github.com/mrcnn-repro/mrcnn-book"
DEFAULT_BRANCH = "main"
CLONE_DIR = "mrcnn-book"  # where the install cell clones to, under Colab's /content


def _config(root: Path | None = None) -> dict:
    for d in ([root] if root else []) + [Path.cwd(), Path(__file__).resolve().parents[2]]:
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
    committed stores resolve), installs the package from it and fetches what the page needs
    (``fetch.colab_fetch``: the reduced data from the official CIFAR-100, and the profile's
    weights when the page computes a slice); elsewhere it only sets the page up.  It runs
    after the parameters cell, so it sees ``compute_tasks`` and ``profile``.
    """
    from ..experiments.profile import DEFAULT_PROFILE

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
        "    # the exact data (and, for a computed slice, the weights) of the committed numbers\n"
        "    from mrcnn_core.experiments.fetch import colab_fetch\n"
        f'    colab_fetch("{page}", bool(globals().get("compute_tasks")), '
        f'globals().get("profile", "{DEFAULT_PROFILE}"))\n'
        "from mrcnn_core.book.notebook import page_setup\n"
        f'page_setup("{page}")')
