"""The book build is the notebook test: a chapter whose claim fails must fail the build, cache or not."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.enable_socket,  # the notebook's kernel talks over loopback
    pytest.mark.skipif(not JUPYTER_BOOK.exists(), reason="jupyter-book is installed with the book extra"),
]


def _book(folder, claim_holds):
    """A two-page book with the project's execution settings and one chapter ending in a claim cell."""
    config = (ROOT / "_config.yml").read_text()
    config = config.split("\nrepository:", 1)[0]  # title, exclusions and `execute:` (cache mode) only
    (folder / "_config.yml").write_text(config + "\nsphinx:\n  config:\n    nb_execution_show_tb: true\n")
    (folder / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: chapter\n")
    (folder / "intro.md").write_text("# Intro\n")
    claim = nbformat.v4.new_code_cell(
        f"from xai_teach import claims\nclaims.check(x {'==' if claim_holds else '!='} 2, 'x is two', x=x)",
        metadata={"tags": ["claim", "remove-cell"]},
    )
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Chapter\n\nx is two."), nbformat.v4.new_code_cell("x = 2"), claim],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(nb, folder / "chapter.ipynb")


def _execute(folder):
    """`make book`'s first step: the chapters executed into the cache, two at a time."""
    command = [sys.executable, str(ROOT / "scripts" / "execute_book.py"), "--book", str(folder), "--workers", "2"]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def _build(folder):
    command = [str(JUPYTER_BOOK), "build", str(folder), "-W", "-n", "--keep-going"]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("claim_holds", [True, False], ids=["claim-holds", "claim-fails"])
def test_a_failed_claim_fails_the_book_build(tmp_path, claim_holds):
    _book(tmp_path, claim_holds)
    executed = _execute(tmp_path)
    log = executed.stdout + executed.stderr
    if claim_holds:
        assert executed.returncode == 0 and "1 of 1 executed" in log, log[-3000:]
        done = _build(tmp_path)
        log = done.stdout + done.stderr
        assert done.returncode == 0, log[-3000:]
        assert "Using cached notebook" in log and "Executing notebook" not in log, "the build executed again"
        assert "every chapter's outputs are cached" in _execute(tmp_path).stdout
    else:
        # The pre-execution stops `make book` with the failing chapter's traceback, which names the claim ...
        assert executed.returncode == 1 and "chapter.ipynb failed" in log and "ClaimFailed" in log, log[-3000:]
        # ... and the build on its own (nothing was cached) fails as well.
        done = _build(tmp_path)
        log = done.stdout + done.stderr
        assert done.returncode != 0 and "ClaimFailed" in log, log[-3000:]
        # A failed execution is not cached: building again as `make book` does (which also drops Sphinx's
        # environment, else Sphinx would not read the unchanged page again nor repeat its warning) fails again.
        for folder in ("html", ".doctrees", "jupyter_execute"):
            shutil.rmtree(tmp_path / "_build" / folder, ignore_errors=True)
        assert _build(tmp_path).returncode != 0
