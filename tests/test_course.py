"""Student and instructor builds: no solution survives, every stub is reachable, checks stay."""

import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from xai_teach import course

NOTEBOOKS = sorted(course.NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    course.build("student", out)
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_solution_survives(path, student_dir):
    original = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    assert len(student.cells) == len(original.cells)
    labels = set()
    for before, after in zip(original.cells, student.cells):
        assert "{solution}" not in after.source
        labels.update(re.findall(r":label:\s*(\S+)", after.source))
        if "solution" in before.metadata.get("tags", []):
            assert "exercise-stub" in after.metadata["tags"] and "solution" not in after.metadata["tags"]
            label = re.search(r'NotImplementedError\("Exercise (\S+):', after.source).group(1)
            assert label in labels, f"stub for {label} comes before its exercise"
            # The answer is gone; the auto-check calls are kept.
            solution_lines = {ln for ln in before.source.splitlines() if "exercises.check_" not in ln}
            assert not solution_lines & set(after.source.splitlines())
            checks = [ln for ln in before.source.splitlines() if "exercises.check_" in ln]
            assert all(ln in after.source for ln in checks)
        else:
            assert after.cell_type == "markdown" or after.source == before.source


def test_every_chapter_has_a_stub(student_dir):
    for path in NOTEBOOKS:
        nb = nbformat.read(student_dir / path.name, as_version=4)
        assert any("exercise-stub" in c.metadata.get("tags", []) for c in nb.cells), path.name


@pytest.mark.enable_socket  # a kernel talks to the test over loopback only
def test_first_stub_is_reached_when_run(student_dir):
    """Run the student chapter 1: everything before the first stub works, the stub raises."""
    nb = nbformat.read(student_dir / NOTEBOOKS[0].name, as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if "exercise-stub" in c.metadata.get("tags", []))
    nb.cells = nb.cells[: first + 1]
    with pytest.raises(CellExecutionError, match="NotImplementedError.*Exercise ex01-predict-halves"):
        NotebookClient(nb, timeout=300, kernel_name="python3", skip_cells_with_tag="run-never").execute()


def test_instructor_build_is_unchanged(tmp_path):
    course.build("instructor", tmp_path)
    for path in NOTEBOOKS:
        assert nbformat.read(tmp_path / path.name, as_version=4) == nbformat.read(path, as_version=4)


def test_bad_kind():
    with pytest.raises(ValueError, match="'student' or 'instructor'"):
        course.build("teacher", "unused")


def test_solution_cell_before_any_exercise_is_refused():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"]})])
    with pytest.raises(ValueError, match="before any exercise"):
        course.student_notebook(nb)


def test_claims_about_a_solution_are_skipped_with_it():
    """A claim cell right after a solution checks the solution's numbers: the student book skips it like the stub."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("```{exercise}\n:label: ex99-a\nDo it.\n```"),
            nbformat.v4.new_code_cell("answer = 42", metadata={"tags": ["solution"]}),
            nbformat.v4.new_code_cell("claims.check(answer == 42, 'x')", metadata={"tags": ["claim", "remove-cell"]}),
            nbformat.v4.new_markdown_cell("Text."),
            nbformat.v4.new_code_cell("claims.check(True, 'y')", metadata={"tags": ["claim", "remove-cell"]}),
        ]
    )
    student = course.student_notebook(nb)
    assert [c.source for c in student.cells][2:] == [c.source for c in nb.cells][2:]
    assert "skip-execution" in student.cells[2].metadata["tags"]
    assert "skip-execution" not in student.cells[4].metadata["tags"]
    assert "skip-execution" not in nb.cells[2].metadata["tags"]  # the instructor notebook is unchanged
