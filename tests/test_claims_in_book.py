"""The book tests its own sentences: claim cells are well formed, every chapter has them, and a broken one fails the run.

A claim cell is a code cell tagged ``claim`` (and ``remove-cell``, so the rendered book hides it) that
calls ``claims.check(condition, "the sentence", **numbers)`` right after the output it describes.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MIN_CLAIMS = 3


def claim_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "claim" in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem[:2])
def test_claim_cells_are_hidden_and_check_something(chapter):
    for cell in claim_cells(chapter):
        source = "".join(cell["source"])
        assert "remove-cell" in cell["metadata"]["tags"], f"{chapter.name}: claim cell {cell.get('id')} not hidden"
        assert "claims.check(" in source, f"{chapter.name}: claim cell {cell.get('id')} calls no claims.check"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem[:2])
def test_every_chapter_checks_its_conclusions(chapter):
    assert len(claim_cells(chapter)) >= MIN_CLAIMS, f"{chapter.name} has fewer than {MIN_CLAIMS} claim cells"


# ---------------------------------------------------------------------------------------- a broken claim fails

CHAPTER = ROOT / "notebooks" / "01_interpretability_vs_explainability.ipynb"
FLIP = {" > ": " < ", " < ": " > ", " == ": " != "}


def first_flippable_claim(cells):
    """Index of the first claim cell with a comparison, the comparison's flipped source, and the claim's text."""
    for i, cell in enumerate(cells):
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or "claim" not in cell.get("metadata", {}).get("tags", []):
            continue
        for op, flipped in FLIP.items():
            if op in source:
                text = re.search(r'claims\.check\(.*?"([^"]+)"', source, re.DOTALL).group(1)
                return i, source.replace(op, flipped, 1), text
    raise AssertionError("no claim cell with a comparison to flip")


def run_copy(folder, flip):
    """Execute chapter 1 up to its first flippable claim cell in a copy in ``folder``; return the run and the claim."""
    folder.mkdir()
    nb = json.loads(CHAPTER.read_text())
    i, flipped, text = first_flippable_claim(nb["cells"])
    if flip:
        nb["cells"][i]["source"] = flipped
    nb["cells"] = nb["cells"][: i + 1]  # the chapter's own cells up to the claim, nothing after it
    path = folder / CHAPTER.name
    path.write_text(json.dumps(nb))
    cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--output", "out.ipynb"]
    done = subprocess.run([*cmd, str(path)], cwd=folder, capture_output=True, text=True, timeout=600)
    return done, text


@pytest.mark.enable_socket  # a kernel talks to the test over loopback only
def test_a_broken_claim_fails_the_run_and_names_the_sentence(tmp_path):
    intact, text = run_copy(tmp_path / "intact", flip=False)
    assert intact.returncode == 0, intact.stderr[-2000:]  # the same cells, unbroken, run: the test can fail
    broken, _ = run_copy(tmp_path / "broken", flip=True)
    assert broken.returncode != 0
    assert "ClaimFailed" in broken.stderr and text in broken.stderr, broken.stderr[-2000:]
