"""Otter-Grader coursework: master notebooks from the chapters, `otter assign`, grading without Docker."""

import ast
import re

import nbformat
import pandas as pd
import pytest

from xai_teach import assignments, course

NOTEBOOKS = sorted(course.NOTEBOOKS.glob("*.ipynb"))


def chapter(number):
    return next(p for p in NOTEBOOKS if p.name.startswith(number))


def questions(master):
    """(name, manual) of every question in a master notebook, in order."""
    out = []
    for cell in master.cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            config = dict(line.split(": ", 1) for line in cell.source.splitlines()[1:])
            out.append((config["name"], config.get("manual") == "true"))
    return out


def solution_lines(nb):
    """Lines of every solution cell and written solution of a chapter, check calls excluded."""
    lines = set()
    for cell in nb.cells:
        if course.SOLUTION_TAG in cell.metadata.get("tags", []):
            lines |= {ln.strip() for ln in cell.source.splitlines() if "exercises.check_" not in ln}
        elif cell.cell_type == "markdown":
            for _, _, solution, _ in assignments.split_exercises(cell.source)[1]:
                lines |= {ln.strip() for ln in solution.splitlines()}
    return {ln for ln in lines if len(ln) > 12}  # short lines ("```", "plt.show()") may recur in the chapter


# --- the master notebooks: fast, no Otter needed ---


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_becomes_a_question(path):
    nb = nbformat.read(path, as_version=4)
    master = assignments.master_notebook(nb, assignments.chapter_name(path))
    labels = [label for c in nb.cells if c.cell_type == "markdown" for label in course._LABEL.findall(c.source)]
    assert [name for name, _ in questions(master)] == labels
    checked = {
        label
        for label, cell in _solution_cells(nb)
        if any(assignments.CHECK_CALL.match(ln) for ln in cell.source.splitlines())
    }
    # Autograded exactly where the chapter has an auto-check; every other exercise is graded by hand.
    assert {name for name, manual in questions(master) if not manual} == checked
    assert checked, "every chapter has at least one auto-checked exercise"
    config = master.cells[0].source
    assert config.startswith("# ASSIGNMENT CONFIG") and "run_tests: true" in config


def _solution_cells(nb):
    label = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = course._LABEL.findall(cell.source)
            label = found[-1] if found else label
        elif course.SOLUTION_TAG in cell.metadata.get("tags", []):
            yield label, cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_tests_call_the_chapters_own_checks(path):
    nb = nbformat.read(path, as_version=4)
    master = assignments.master_notebook(nb, assignments.chapter_name(path))
    calls = [
        m.group(1)
        for _, c in _solution_cells(nb)
        for ln in c.source.splitlines()
        if (m := assignments.CHECK_CALL.match(ln))
    ]
    tests = [c.source for c in master.cells if c.cell_type == "code" and c.source.startswith("def test_")]
    assert len(tests) == len(calls)
    for call, test in zip(calls, tests):
        # the test calls the very check of the solution cell (as ast writes it back: quotes may differ)
        assert f"passed = {ast.unparse(ast.parse(call.rstrip(';')))}" in test
        compile(test, "test", "exec")


def test_check_test_passes_the_names_the_call_reads(monkeypatch):
    from xai_teach import exercises

    source = assignments.check_test("ex09-x", "exercises.check_insertion_curve(curve, cnn, x[0], ig0, t0)")
    assert source.startswith("def test_ex09_x(cnn, curve, ig0, t0, x):")
    namespace = {}
    exec(source, namespace)
    seen = []

    def fake(*args):
        seen.append(args)
        print("the feedback, never the answer")
        return len(seen) > 1

    monkeypatch.setattr(exercises, "check_insertion_curve", fake)
    with pytest.raises(AssertionError, match="^the feedback, never the answer$"):
        namespace["test_ex09_x"](cnn="m", curve="c", ig0="g", t0=3, x=["first", "second"])
    namespace["test_ex09_x"](cnn="m", curve="c", ig0="g", t0=3, x=["first", "second"])  # passes: no exception
    assert seen == [("c", "m", "first", "g", 3)] * 2


def test_check_test_refuses_anything_but_a_check():
    with pytest.raises(ValueError, match="exercises.check_"):
        assignments.check_test("ex", "print(answer)")


def test_chapter_name():
    assert assignments.chapter_name("notebooks/10_self_explaining_networks.ipynb") == "ch10"
    with pytest.raises(ValueError, match="NN_title"):
        assignments.chapter_name("intro.ipynb")


def test_grade_says_what_is_missing(tmp_path):
    pytest.importorskip("otter", reason="the course extra")
    with pytest.raises(FileNotFoundError, match="autograder zip"):
        assignments.grade(tmp_path / "none.zip", tmp_path)
    (tmp_path / "a.zip").write_bytes(b"")
    with pytest.raises(ValueError, match="no .*ipynb|none in"):
        assignments.grade(tmp_path / "a.zip", tmp_path)


# --- otter assign and grading: one chapter, four submissions (slow: each submission is executed) ---

# For each chapter: a line that makes the answer wrong, and one that gives it the wrong shape.
CASES = {
    "01": (  # MNIST: predict, then verify, on the linear model and the CNN
        'prediction = {k: "smaller" if v == "larger" else "larger" for k, v in prediction.items()}',
        "prediction = list(prediction.values())",
    ),
}
# The grading path is the same for every chapter, so one chapter, the shortest, is graded here. Chapter 6 (IMDB)
# and chapter 10 (SENN) were cases too until their grading (otter assign's own run plus four submissions, each the
# whole chapter with its solutions) took most of the unit suite's time; every chapter's master notebook and tests
# are checked above without Otter, and its checks are unit-tested in tests/test_exercises_chNN.py.


@pytest.fixture(scope="module", params=sorted(CASES), ids=lambda n: f"ch{n}")
def assignment(request, tmp_path_factory):
    pytest.importorskip("otter", reason="the course extra: pip install -e '.[course]'")
    out = tmp_path_factory.mktemp("assignments")
    folder = assignments.build(out, [chapter(request.param)])[f"ch{request.param}"]
    return request.param, folder


def _with_line_before_check(nb, question, line):
    """A copy of a solved notebook with ``line`` inserted just before ``question``'s auto-check call."""
    nb = nbformat.from_dict(nb)
    test_call = f'grader.check("{question}")'
    index = next(i for i, c in enumerate(nb.cells) if c.source.strip() == test_call)
    cell = next(c for c in reversed(nb.cells[:index]) if "exercises.check_" in c.source)
    lines = cell.source.splitlines()
    at = next(i for i, ln in enumerate(lines) if "exercises.check_" in ln)
    cell.source = "\n".join(lines[:at] + [line] + lines[at:])
    return nb


@pytest.mark.slow
@pytest.mark.enable_socket  # Otter runs each submission in a kernel that talks over loopback only
def test_student_notebook_has_no_solution(assignment):
    number, folder = assignment
    student = nbformat.read(folder / "dist" / "student" / f"ch{number}.ipynb", as_version=4)
    text = "\n".join(c.source for c in student.cells)
    original = nbformat.read(chapter(number), as_version=4)
    # Lines the chapter also has outside its solutions (e.g. 'ax.axis("off")') are not a leak.
    elsewhere = "\n".join(c.source for c in course.student_notebook(original).cells)
    leaked = [ln for ln in solution_lines(original) if ln in text and ln not in elsewhere]
    assert not leaked
    assert "{solution}" not in text and "BEGIN SOLUTION" not in text
    assert 'grader.check("' in text, "students get Otter's check cells"


@pytest.mark.slow
@pytest.mark.enable_socket
def test_grades_of_four_prepared_submissions(assignment, tmp_path):
    number, folder = assignment
    wrong, shape = CASES[number]
    solved = nbformat.read(folder / "dist" / "autograder" / f"ch{number}.ipynb", as_version=4)
    master = nbformat.read(folder / f"ch{number}.ipynb", as_version=4)
    auto = [name for name, manual in questions(master) if not manual]
    first = auto[0]
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    nbformat.write(solved, submissions / "solved.ipynb")
    nbformat.write(_with_line_before_check(solved, first, wrong), submissions / "wrong_answer.ipynb")
    nbformat.write(_with_line_before_check(solved, first, shape), submissions / "wrong_shape.ipynb")
    raises = nbformat.from_dict(solved)
    at = next(i for i, c in enumerate(raises.cells) if c.source.startswith("# Setup: in Google Colab")) + 1
    raises.cells.insert(
        at, nbformat.v4.new_code_cell('raise RuntimeError("a cell that fails, unrelated to any answer")')
    )
    nbformat.write(raises, submissions / "raises_elsewhere.ipynb")

    output = tmp_path / "grades.csv"
    frame = assignments.grade(assignments.autograder_zip(folder), submissions, output, workers=2)
    grades = pd.read_csv(output).set_index("file")
    assert grades.equals(frame.set_index("file"))
    expected = {
        "solved.ipynb": {q: 1 for q in auto},
        "wrong_answer.ipynb": {q: int(q != first) for q in auto},
        "wrong_shape.ipynb": {q: int(q != first) for q in auto},
        "raises_elsewhere.ipynb": {q: 1 for q in auto},
    }
    for file, scores in expected.items():
        assert grades.loc[file, "grading_status"] == "Completed", grades.loc[file]
        assert {q: grades.loc[file, q] for q in auto} == scores, file
        assert grades.loc[file, "total_points_earned"] == sum(scores.values())
    assert re.fullmatch(r"ch\d\d-autograder_.*\.zip", assignments.autograder_zip(folder).name)


def test_init_cell_without_otter_gives_a_stand_in(monkeypatch, capsys):
    """Where Otter is missing (Colab), the student notebook still runs and says where feedback comes from."""
    monkeypatch.setitem(__import__("sys").modules, "otter", None)  # import otter -> ImportError
    namespace = {}
    exec(assignments.otter_init_cell("ch01"), namespace)
    namespace["grader"].check("ex01-contributions")
    namespace["grader"].export(pdf=False)
    out = capsys.readouterr().out
    assert "Otter is not available" in out and "ex01-contributions: run the exercises.check_" in out
    assert "Download .ipynb" in out
