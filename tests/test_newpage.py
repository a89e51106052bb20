"""new-page writes a page that is wired in: notebook pair, toc line, a test that runs it."""
import shutil
from pathlib import Path

import pytest
import yaml

from mrcnn_core.book.newpage import NewPageError, new_page
from mrcnn_core.book.notebook import notebook_parameters

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def book(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "tests").mkdir()
    shutil.copy(ROOT / "_toc.yml", tmp_path / "_toc.yml")
    return tmp_path


def test_new_page_is_wired_in(book):
    files = new_page("31_domain_gains", "Gains per domain", book)
    md = book / "notebooks" / "31_domain_gains.md"
    assert md in files and (book / "notebooks" / "31_domain_gains.ipynb").is_file()
    text = md.read_text()
    assert "# Gains per domain" in text and 'page_setup("31_domain_gains")' in text
    assert set(notebook_parameters(md)) == {"profile", "results_dir"}
    toc = yaml.safe_load((book / "_toc.yml").read_text())
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert chapters[-1] == "book/generated/31_domain_gains"  # last in the results part
    assert "book/generated/30_full_baselines" in chapters  # nothing else lost
    test = (book / "tests" / "test_page_31_domain_gains.py").read_text()
    assert "run_notebook" in test and "31_domain_gains" in test
    compile(test, "test_page.py", "exec")
    with pytest.raises(NewPageError, match="exists already"):
        new_page("31_domain_gains", "Again", book)


@pytest.mark.parametrize("name", ["domain_gains", "31-domain", "3_x", "31_Upper"])
def test_bad_page_names_are_refused(book, name):
    with pytest.raises(NewPageError, match=repr(name)):
        new_page(name, "T", book)
