"""Student and instructor builds: no solution survives, every stub is reachable, checks stay."""

import copy
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from xai_teach import course

# The repository's chapters, found from this file: the tests also run against an installed xai_teach (make test-colab).
CHAPTERS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    assert len(course.build("student", out, CHAPTERS)) == len(NOTEBOOKS) > 0
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
    course.build("instructor", tmp_path, CHAPTERS)
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


def test_no_notebooks_is_an_error_not_an_empty_success(tmp_path, monkeypatch, capsys):
    """An installed package ships no notebooks: the command must fail, never exit 0 having written nothing."""
    monkeypatch.setattr(course, "NOTEBOOKS", tmp_path / "site-packages" / "notebooks")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="ships no chapters: pass the folder"):
        course.build("student", tmp_path / "out")
    assert course.main(["student", str(tmp_path / "out")]) == 1
    assert "--notebooks" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert course.main(["student", str(tmp_path / "out"), "--notebooks", str(tmp_path / "empty")]) == 1
    assert "has no *.ipynb" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    with pytest.raises(FileNotFoundError, match="not found"):
        course.build("student", tmp_path / "out", [tmp_path / "missing.ipynb"])


def test_main_writes_every_chapter_and_says_so(tmp_path, capsys):
    assert course.main(["student", str(tmp_path), "--notebooks", str(CHAPTERS)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    assert f"{len(NOTEBOOKS)} student notebooks written" in capsys.readouterr().err


def test_repository_url_without_config_comes_from_package_metadata(tmp_path, monkeypatch):
    url = course.repository_url()
    monkeypatch.setattr(course, "ROOT", tmp_path)  # as installed: no _config.yml beside the package
    assert course.repository_url() == url


def _executed(nb):
    """``nb`` as if executed: every code cell prints its own index."""
    done = copy.deepcopy(nb)
    for i, cell in enumerate(done.cells):
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"cell {i}\n")]
            cell.execution_count = i
    return done


def test_student_build_takes_outputs_from_the_book_cache(tmp_path):
    jupyter_cache = pytest.importorskip("jupyter_cache")  # installed with the book extra
    from jupyter_cache.base import CacheBundleIn

    source = NOTEBOOKS[0]
    nb = nbformat.read(source, as_version=4)
    cache = jupyter_cache.get_cache(tmp_path / "cache")
    cache.cache_notebook_bundle(CacheBundleIn(_executed(nb), str(source)), check_validity=False)
    out = tmp_path / "student"
    course.build("student", out, [source], outputs_from=tmp_path / "cache")
    student = nbformat.read(out / source.name, as_version=4)
    for i, (before, after) in enumerate(zip(nb.cells, student.cells)):
        if after.cell_type != "code":
            continue
        if "exercise-stub" in after.metadata.get("tags", []):
            assert after.outputs == [] and "solution" in before.metadata["tags"]
        else:
            assert after.outputs[0]["text"] == f"cell {i}\n" and after.source == before.source
    changed = tmp_path / source.name
    nb.cells[1].source += "\nprint('edited since the book was built')"
    nbformat.write(nb, changed)
    with pytest.raises(LookupError, match="run `make book` first"):
        course.build("student", out, [changed], outputs_from=tmp_path / "cache")
    with pytest.raises(FileNotFoundError, match="No jupyter-cache"):
        course.build("student", out, [source], outputs_from=tmp_path / "nowhere")
