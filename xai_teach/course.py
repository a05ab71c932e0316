"""Student and instructor builds of the chapter notebooks.

    python -m xai_teach.course student OUTDIR     # solutions removed
    python -m xai_teach.course instructor OUTDIR  # everything kept

Conventions the chapters follow:

- an exercise is a ``{exercise}`` directive with a ``:label:``; its written answer is a
  ``{solution}`` directive, removed from the student build;
- a code cell tagged ``solution`` holds the code answer of the exercise stated last before it; the
  student build replaces it by a stub that raises ``NotImplementedError("Exercise <label> ...")``;
- the auto-check call (``exercises.check_...``) is the solution cell's last line; the stub keeps it,
  so students get feedback once they replace the ``raise`` by their answer. Later cells must not
  use names that only a solution cell defines.
"""

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOLUTION_TAG = "solution"
CLAIM_TAG = "claim"

_LABEL = re.compile(r"```\{exercise\}[^\n]*\n:label:\s*(\S+)")
_SOLUTION = re.compile(r"(`{3,})\{solution\}.*?\n\1[ \t]*(\n|$)", re.DOTALL)
_CHECK = re.compile(r"^.*\bexercises\.check_\w+\(.*$", re.MULTILINE)


def repository_url():
    """The project's repository URL, kept in one place: ``repository.url`` in ``_config.yml``."""
    match = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", (ROOT / "_config.yml").read_text(), re.MULTILINE)
    if not match:
        raise ValueError("_config.yml has no repository.url")
    return match.group(1)


def colab_setup_cell(url=None):
    """The first code cell of every chapter: install xai_teach in Colab only, and only if missing.

    pip leaves Colab's TensorFlow, Keras, numpy and ipywidgets alone because xai_teach asks only for
    lower bounds that Colab's versions already meet.
    """
    url = url or repository_url()
    return (
        "# Setup: in Google Colab, install xai_teach if it is missing; elsewhere this cell does nothing.\n"
        "import importlib.util\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules and importlib.util.find_spec("xai_teach") is None:\n'
        "    subprocess.run(\n"
        f'        [sys.executable, "-m", "pip", "install", "-q", "git+{url}"], check=True\n'
        "    )"
    )


def colab_link(notebook, url=None):
    """The 'open in Colab' address of a chapter notebook."""
    url = (url or repository_url()).removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{url}/blob/main/notebooks/{Path(notebook).name}"


def strip_solutions(markdown):
    """Remove every ``{solution}`` directive from a markdown cell's source."""
    return _SOLUTION.sub("", markdown).rstrip() + "\n" if "{solution}" in markdown else markdown


def stub(label, check_lines):
    """The code a student sees instead of a solution cell."""
    then = ", keeping the check on the last line" if check_lines else ""
    lines = [
        f"# Exercise {label}: replace the next line with your solution{then}.",
        f'raise NotImplementedError("Exercise {label}: replace this line with your solution")',
    ]
    return "\n".join(lines + check_lines)


def student_notebook(nb):
    """Return a copy of ``nb`` with solutions removed and solution cells replaced by stubs."""
    nb = copy.deepcopy(nb)
    label = None
    after_solution = False
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and CLAIM_TAG in tags and after_solution:
            # A claim right after a solution checks the solution's numbers: the book build skips it with the stub.
            cell.metadata["tags"] = tags + ["skip-execution"]
        after_solution = SOLUTION_TAG in tags or (after_solution and cell.cell_type == "code")
        if cell.cell_type == "markdown":
            labels = _LABEL.findall(cell.source)
            label = labels[-1] if labels else label
            cell.source = strip_solutions(cell.source)
        elif SOLUTION_TAG in tags:
            if label is None:
                raise ValueError(f"A cell tagged {SOLUTION_TAG!r} comes before any exercise:\n{cell.source[:200]}")
            cell.source = stub(label, _CHECK.findall(cell.source))
            tags = [t for t in cell.metadata["tags"] if t != SOLUTION_TAG]
            # The book build skips stubs (myst-nb's skip-execution); run by hand they raise.
            cell.metadata["tags"] = tags + ["skip-execution", "exercise-stub"]
            cell.outputs, cell.execution_count = [], None
    return nb


def build(kind, outdir, notebooks=None):
    """Write the student or instructor version of every chapter notebook into ``outdir``.

    Args:
        kind: ``"student"`` (solutions removed) or ``"instructor"`` (unchanged).
        outdir: folder to write the notebooks into (created if needed).
        notebooks: notebook paths; default every notebook in ``notebooks/``.
    """
    if kind not in ("student", "instructor"):
        raise ValueError(f"kind must be 'student' or 'instructor', got {kind!r}.")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = sorted(NOTEBOOKS.glob("*.ipynb")) if notebooks is None else [Path(p) for p in notebooks]
    written = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if kind == "student":
            nb = student_notebook(nb)
        target = outdir / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write student or instructor versions of the notebooks.")
    parser.add_argument("kind", choices=("student", "instructor"))
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)
    for path in build(args.kind, args.outdir):
        print(path)


if __name__ == "__main__":
    sys.exit(main())
