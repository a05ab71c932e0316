"""Chapters link every glossary term where they first use it (book/glossary.md)."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_spec = importlib.util.spec_from_file_location("glossary_links", ROOT / "scripts" / "glossary_links.py")
links = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(links)


def role_targets(path):
    cells = json.loads(path.read_text())["cells"]
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return {t.strip().lower() for t in links.ROLE.findall(text)}


def write_chapter(tmp_path, *markdown):
    path = tmp_path / "99_test.ipynb"
    cells = [{"cell_type": "markdown", "metadata": {}, "source": m} for m in markdown]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem[:2])
def test_chapter_links_the_first_mention_of_every_term(chapter):
    assert links.unlinked(chapter) == [], "run `python scripts/glossary_links.py --write` and review the diff"


def test_links_point_at_glossary_terms_and_every_term_is_linked():
    terms = {t.lower() for t in links.glossary_terms()}
    used = set().union(*(role_targets(c) for c in CHAPTERS))
    assert used <= terms, f"links to terms missing from the glossary: {sorted(used - terms)}"
    assert terms <= used, f"glossary terms no chapter links: {sorted(terms - used)}"


def test_checker_finds_unlinked_mentions_and_skips_code_maths_and_headings(tmp_path):
    path = write_chapter(tmp_path, "# SHAP\n`SHAP` and $SHAP$ {cite}`SHAP`", "Here SHAP values and saliency maps.")
    assert [term for term, _ in links.unlinked(path)] == ["SHAP", "Saliency map"]


def test_checker_accepts_a_link_before_later_mentions_and_writes_links(tmp_path):
    path = write_chapter(tmp_path, "{term}`SHAP` first, then SHAP again.", "A logit and Logits.")
    assert [term for term, _ in links.unlinked(path, write=True)] == ["Logit"]
    assert links.unlinked(path) == []
    assert "{term}`logit`" in path.read_text()
