"""Otter-Grader coursework built from the chapters as they are.

    python -m xai_teach.assignments build OUTDIR [--chapters 01 10]   # master notebooks + `otter assign`
    python -m xai_teach.assignments grade AUTOGRADER.zip SUBMISSIONS [-o grades.csv] [--docker]

``build`` turns each chapter into an Otter Assign master notebook (``OUTDIR/<chapter>/master.ipynb``):
every ``{exercise}`` becomes a question; an exercise whose solution cell ends in an
``exercises.check_...`` call is autograded by a test that calls that same check function (one source
of truth for what is right); the others become manually graded questions (``manual: true``) whose
written ``{solution}`` and solution code are the reference answer. It then runs ``otter assign``,
which executes the master notebook, runs the tests against its solutions and writes
``OUTDIR/<chapter>/dist/autograder/`` (solutions notebook and the Gradescope autograder zip) and
``OUTDIR/<chapter>/dist/student/`` (the student notebook, with no solution in it).

``grade`` grades a folder of submitted notebooks with Otter and writes ``grades.csv`` (one row per
submission, one column per autograded question, the total and the percentage). Without ``--docker``
it runs Otter's non-containerised grader (``otter run``, the same code that runs inside Otter's
containers and on Gradescope) once per submission in this Python environment; with ``--docker`` it
calls ``otter grade``, which grades in parallel Docker containers.

Otter is an optional dependency: ``pip install "xai_teach[course]"``.
"""

import argparse
import ast
import contextlib
import io
import re
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from . import course

CHECK_CALL = re.compile(r"^\s*(exercises\.check_\w+\(.*\))\s*;?\s*$")
_SOLUTION_BODY = re.compile(r"(`{3,})\{solution\}[^\n]*\n(.*?)\n\1[ \t]*(?:\n|$)", re.DOTALL)
_EXERCISE_BLOCK = re.compile(r"(`{3,})\{exercise\}.*?\n\1[ \t]*(?:\n|$)", re.DOTALL)
_SOLUTION_OPTION = re.compile(r"^:\w+:.*$\n?", re.MULTILINE)


def _raw(source):
    return nbformat.v4.new_raw_cell(source)


def _requirements(url=None):
    """What the autograder installs: xai_teach as the chapters' setup cell does, with no constraints."""
    return [f"xai_teach @ git+{url or course.repository_url()}"]


def _config(name, url=None):
    config = {
        "name": name,
        "requirements": _requirements(url),
        "run_tests": True,  # otter assign grades its own solutions before writing anything
        "solutions_pdf": False,
        "init_cell": False,  # ours (otter_init_cell) also works where Otter is not installed, e.g. Colab
        "export_cell": {"pdf": False, "run_tests": False},
        "generate": {"pdf": False, "show_stdout": True, "show_hidden": True},
        "tests": {"files": False, "ok_format": False},
    }
    import yaml

    return "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False).strip()


def otter_init_cell(name):
    """The student notebook's Otter cell: ``grader`` from Otter where it is installed, else a stand-in.

    Colab students do not get Otter: otter-grader 7 requires ipywidgets >= 8.1.5, so installing it would
    replace Colab's ipywidgets 7.7.1, and its ``grader.check`` cannot read tests stored in the notebook
    there. They keep the ``exercises.check_...`` line of each exercise, which gives the same feedback.
    """
    return textwrap.dedent(
        f"""\
        # Otter-Grader: grader.check("question") runs the tests the grader will run. Where Otter is not
        # installed (e.g. Colab) the exercises.check_... line in each exercise gives the same feedback.
        try:
            import otter

            grader = otter.Notebook("{name}.ipynb")
        except (ImportError, ValueError) as err:
            print(f"Otter is not available here ({{err}}); use the exercises.check_... lines for feedback.")

            class _NoOtter:
                def check(self, question):
                    print(f"{{question}}: run the exercises.check_... line of this exercise for feedback.")

                def check_all(self):
                    print("Otter is not available here; submit the notebook as your course asks.")

                def export(self, *args, **kwargs):
                    print("Save the notebook (File > Download .ipynb) and submit that file.")

            grader = _NoOtter()
        """
    ).strip()


def split_exercises(markdown):
    """Split a markdown cell into (text before the first exercise, [(label, prompt, solution, after)]).

    ``prompt`` is the ``{exercise}`` directive, ``solution`` the body of its ``{solution}`` directive
    without options (or ``""``), ``after`` the rest of the text up to the next exercise (e.g. the
    chapter's next section).
    """
    blocks = list(_EXERCISE_BLOCK.finditer(markdown))
    if not blocks:
        return markdown, []
    head, parts = markdown[: blocks[0].start()], []
    for block, end in zip(blocks, [b.start() for b in blocks[1:]] + [len(markdown)]):
        labels = course._LABEL.findall(block.group(0))
        if len(labels) != 1:
            raise ValueError(f"An {{exercise}} block needs exactly one :label:, found {labels!r}:\n{block.group(0)}")
        rest = markdown[block.end() : end]
        solutions = [_SOLUTION_OPTION.sub("", m.group(2)).strip() for m in _SOLUTION_BODY.finditer(rest)]
        after = course.strip_solutions(rest).strip()
        parts.append((labels[0], block.group(0).strip() + "\n", "\n\n".join(solutions), after))
    return head, parts


def check_test(label, call):
    """The source of an exception-based Otter test that passes exactly when ``call`` (a check) returns True.

    The check's feedback (which never reveals the expected answer) becomes the failure message. The
    test's arguments are the names the call reads from the notebook, so Otter passes them in.
    """
    expr = ast.parse(call, mode="eval").body
    if not (isinstance(expr, ast.Call) and ast.unparse(expr.func).startswith("exercises.check_")):
        raise ValueError(f"Expected an exercises.check_...(...) call, got {call!r}.")
    names = sorted(
        {n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - {"exercises"}
    )
    func = "test_" + re.sub(r"\W", "_", label)
    return textwrap.dedent(
        f"""\
        def {func}({", ".join(names)}):
            import contextlib
            import io

            from xai_teach import exercises

            feedback = io.StringIO()
            with contextlib.redirect_stdout(feedback):
                passed = {ast.unparse(expr)}
            assert passed, feedback.getvalue().strip()
        """
    ).strip()


def _checks(source):
    return [m.group(1) for line in source.splitlines() if (m := CHECK_CALL.match(line))]


def _solution_code(label, source):
    """A solution cell in Otter's format: the answer between SOLUTION markers, the check call kept after it."""
    body = [ln for ln in source.splitlines() if not CHECK_CALL.match(ln)]
    checks = [ln for ln in source.splitlines() if CHECK_CALL.match(ln)]
    lines = [f"# Exercise {label}: replace the ... with your solution.", "# BEGIN SOLUTION", *body, "# END SOLUTION"]
    return "\n".join(lines + checks)


def _take_solutions(markdown, questions):
    """``markdown`` without its ``{solution}`` blocks, each block's body added to its question's written solution."""
    for m in _SOLUTION_BODY.finditer(markdown):
        label = m.group(0).split("{solution}", 1)[1].split("\n", 1)[0].strip()
        matching = [q for q in questions if q[0] == label]
        if not matching:
            raise ValueError(f"A {{solution}} for {label!r} comes before its exercise.")
        body = _SOLUTION_OPTION.sub("", m.group(2)).strip()
        matching[-1][2] = f"{matching[-1][2]}\n\n{body}" if matching[-1][2] else body
    return course.strip_solutions(markdown) if "{solution}" in markdown else markdown


def master_notebook(nb, name, url=None):
    """The Otter Assign master notebook of one chapter (``nb`` as read by nbformat)."""
    cells = [_raw(_config(name, url))]
    init = nbformat.v4.new_code_cell(otter_init_cell(name))
    questions = []  # [label, prompt, solution_text, [code cells between], [solution cells]]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            head, parts = split_exercises(cell.source)
            head = _take_solutions(head, questions)  # a solution written after its exercise's cell
            if not parts:
                if head.strip():
                    (questions[-1][3] if questions else cells).append(nbformat.v4.new_markdown_cell(head.strip()))
                continue
            if head.strip():
                (questions[-1][3] if questions else cells).append(nbformat.v4.new_markdown_cell(head.strip()))
            for label, prompt, solution, after in parts:
                questions.append([label, prompt, solution, [nbformat.v4.new_markdown_cell(after)] if after else [], []])
        elif course.SOLUTION_TAG in cell.metadata.get("tags", []):
            if not questions:
                raise ValueError(f"A solution cell comes before any exercise:\n{cell.source[:200]}")
            questions[-1][4].append(cell)
            questions[-1][3].append(cell)
        else:
            new = nbformat.v4.new_code_cell(cell.source) if cell.cell_type == "code" else cell
            (questions[-1][3] if questions else cells).append(new)
            if init is not None and cell.cell_type == "code":  # right after the chapter's setup cell
                cells.append(init)
                init = None
    for label, prompt, solution, between, solution_cells in questions:
        cells.extend(_question(label, prompt, solution, between, solution_cells))
    return nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)


def _question(label, prompt, solution, between, solution_cells):
    """One exercise in Otter Assign's format, followed by the chapter's cells that come after its answer."""
    checks = [c for cell in solution_cells for c in _checks(cell.source)]
    config = f"# BEGIN QUESTION\nname: {label}\npoints: 1"
    out = [_raw(config + ("\nmanual: true" if not checks else "")), nbformat.v4.new_markdown_cell(prompt)]
    last = max((i for i, c in enumerate(between) if c in solution_cells), default=-1)
    inside, tail = between[: last + 1], between[last + 1 :]
    if not checks:  # a manual question: the written answer is a markdown cell the student replaces
        out += [_raw("# BEGIN SOLUTION"), nbformat.v4.new_markdown_cell(solution or "(open answer)")]
        out.append(_raw("# END SOLUTION"))
    for cell in inside:
        if cell in solution_cells:
            code = nbformat.v4.new_code_cell(_solution_code(label, cell.source))
            out += [_raw("# BEGIN SOLUTION"), code, _raw("# END SOLUTION")]
        else:
            out.append(cell)
    if checks:
        if solution:  # the written explanation stays out of the student notebook
            out += [_raw("# BEGIN SOLUTION"), nbformat.v4.new_markdown_cell(solution), _raw("# END SOLUTION")]
        out += [_raw("# BEGIN TESTS"), *[nbformat.v4.new_code_cell(check_test(label, c)) for c in checks]]
        out.append(_raw("# END TESTS"))
    out.append(_raw("# END QUESTION"))
    return out + tail


def chapter_name(path):
    """``notebooks/10_self_explaining_networks.ipynb`` -> ``ch10``."""
    match = re.match(r"(\d+)_", Path(path).name)
    if not match:
        raise ValueError(f"Expected a chapter notebook named NN_title.ipynb, got {Path(path).name!r}.")
    return f"ch{match.group(1)}"


def _otter(*args):
    cmd = [sys.executable, "-m", "otter", *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def build(outdir, notebooks=None, url=None):
    """Write the master notebook of each chapter and run ``otter assign`` on it.

    Args:
        outdir: folder that receives one subfolder per chapter (``ch01``, ...).
        notebooks: chapter notebook paths; default every notebook in ``notebooks/``.
        url: repository the autograder installs ``xai_teach`` from; default ``repository.url``.

    Returns:
        dict chapter name -> its folder (``master.ipynb``, ``student/``, ``autograder/``).
    """
    _require_otter()
    outdir = Path(outdir)
    paths = sorted(course.NOTEBOOKS.glob("*.ipynb")) if notebooks is None else [Path(p) for p in notebooks]
    built = {}
    for path in paths:
        name = chapter_name(path)
        folder = outdir / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        master = folder / f"{name}.ipynb"
        nbformat.write(master_notebook(nbformat.read(path, as_version=4), name, url), master)
        _otter("assign", "-v", master, folder / "dist")
        built[name] = folder
    return built


def _require_otter():
    try:
        import otter  # noqa: F401
    except ImportError as err:
        raise ImportError('Coursework needs Otter-Grader: pip install "xai_teach[course]"') from err


def _run_one(args):
    submission, autograder = args
    from otter.run import main as otter_run

    with contextlib.redirect_stdout(io.StringIO()):
        return otter_run(str(submission), autograder=str(autograder), output_dir=None, no_logo=True)


def grade(autograder, submissions, output="grades.csv", docker=False, workers=1):
    """Grade every ``*.ipynb`` in ``submissions`` with Otter and write ``output`` (CSV).

    Without Docker each submission is executed by Otter's non-containerised grader in this Python
    environment, ``workers`` at a time; submissions run as the grading user, unsandboxed, so grade
    only notebooks you would run yourself. With ``docker=True``, ``otter grade`` runs them in
    parallel containers (needs Docker and network to build the image once).

    Returns:
        pandas DataFrame of the grades (first row: points possible).
    """
    _require_otter()
    autograder, submissions, output = Path(autograder), Path(submissions), Path(output)
    if not autograder.is_file():
        raise FileNotFoundError(f"No autograder zip at {autograder} (make assignments writes one per chapter).")
    paths = sorted(submissions.glob("*.ipynb")) if submissions.is_dir() else []
    if not paths:
        raise ValueError(f"Expected a folder of submitted .ipynb notebooks, found none in {submissions}.")
    output.parent.mkdir(parents=True, exist_ok=True)
    if docker:
        with_docker = Path(output.parent) / "otter-grade"
        with_docker.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]", "-", autograder.parent.parent.name or "assignment")
        _otter("grade", "-n", name, "-a", autograder, "-o", with_docker, submissions)
        shutil.copy(with_docker / "final_grades.csv", output)
        import pandas as pd

        return pd.read_csv(output)
    from otter.grade.utils import merge_scores_to_df

    jobs = [(p, autograder) for p in paths]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_run_one, jobs))
    else:
        results = [_run_one(job) for job in jobs]
    for path, result in zip(paths, results):
        result.file = path.name
    frame = merge_scores_to_df(results)
    frame.to_csv(output, index=False)
    return frame


def autograder_zip(folder):
    """The Gradescope autograder zip that ``otter assign`` wrote into a chapter's folder."""
    zips = sorted((Path(folder) / "dist" / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise FileNotFoundError(f"Expected one autograder zip in {folder}/dist/autograder, found {len(zips)}.")
    return zips[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Otter-Grader assignments from the chapters, and grading.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="master notebooks + otter assign, one folder per chapter")
    b.add_argument("outdir", type=Path)
    b.add_argument("--chapters", nargs="*", help="chapter numbers, e.g. 01 10 (default: all)")
    g = sub.add_parser("grade", help="grade a folder of submitted notebooks into grades.csv")
    g.add_argument("autograder", type=Path, help="a chapter's autograder zip, or its folder from build")
    g.add_argument("submissions", type=Path)
    g.add_argument("-o", "--output", type=Path, default=Path("grades.csv"))
    g.add_argument("--docker", action="store_true", help="grade in Otter's Docker containers (otter grade)")
    g.add_argument("--workers", type=int, default=1, help="submissions graded at once without Docker")
    args = parser.parse_args(argv)
    if args.command == "build":
        paths = None
        if args.chapters:
            paths = [p for p in sorted(course.NOTEBOOKS.glob("*.ipynb")) if p.name[:2] in args.chapters]
            if len(paths) != len(args.chapters):
                raise ValueError(f"Unknown chapter among {args.chapters}.")
        for name, folder in build(args.outdir, paths).items():
            print(f"{name}: {folder}")
    else:
        zip_path = args.autograder if args.autograder.suffix == ".zip" else autograder_zip(args.autograder)
        frame = grade(zip_path, args.submissions, args.output, docker=args.docker, workers=args.workers)
        print(frame.to_string(index=False))
        print(f"wrote {args.output}")


if __name__ == "__main__":
    sys.exit(main())
