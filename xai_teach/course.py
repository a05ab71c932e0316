"""Student and instructor builds of the chapter notebooks.

    python -m xai_teach.course student OUTDIR     # solutions removed
    python -m xai_teach.course instructor OUTDIR  # everything kept
    python -m xai_teach.course student OUTDIR --notebooks path/to/notebooks --outputs-from _build/.jupyter_cache

The chapters are read from ``--notebooks`` (default: the repository's ``notebooks/`` when xai_teach is installed
from a clone with ``pip install -e``, else ``./notebooks``); an installed package ships no notebooks, so the
command refuses to run without them rather than write nothing. ``--outputs-from`` copies each chapter's outputs
from the book's jupyter-cache (``make book`` fills it), so the student book shows the same outputs without
executing anything again.

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
import importlib.metadata
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
    """The project's repository URL, kept in one place: ``repository.url`` in ``_config.yml``.

    An installed xai_teach (no ``_config.yml`` beside it) reads the same URL from its package metadata
    (``[project.urls] Repository`` in ``pyproject.toml``; ``tests/test_packaging.py`` checks the two agree).
    """
    config = ROOT / "_config.yml"
    if config.exists():
        match = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", config.read_text(), re.MULTILINE)
        if not match:
            raise ValueError(f"{config} has no repository.url")
        return match.group(1)
    for entry in importlib.metadata.metadata("xai_teach").get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip()
    raise ValueError("xai_teach's package metadata has no Repository URL and there is no _config.yml beside it.")


def default_notebooks():
    """The chapter folder used when none is given: the repository's, else ``./notebooks``.

    Raises:
        FileNotFoundError: neither exists (an installed package ships no notebooks).
    """
    for folder in (NOTEBOOKS, Path.cwd() / "notebooks"):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(
        f"No notebooks folder: neither {NOTEBOOKS} nor ./notebooks exists. xai_teach installed from a wheel ships "
        "no chapters: pass the folder of a clone, e.g. `python -m xai_teach.course student OUT --notebooks "
        "xai-teach/notebooks`."
    )


def notebook_paths(notebooks=None):
    """The chapter notebooks to build: a folder's ``*.ipynb`` or a list of paths (default :func:`default_notebooks`).

    Raises:
        FileNotFoundError: a folder or notebook that does not exist, or a folder with no notebook.
    """
    if notebooks is None:
        notebooks = default_notebooks()
    if isinstance(notebooks, (str, Path)):
        folder = Path(notebooks)
        if not folder.is_dir():
            raise FileNotFoundError(f"Notebook folder {folder} does not exist.")
        paths = sorted(folder.glob("*.ipynb"))
        if not paths:
            raise FileNotFoundError(f"Notebook folder {folder} has no *.ipynb file.")
        return paths
    paths = [Path(p) for p in notebooks]
    if not paths:
        raise ValueError("notebooks is an empty list; expected a folder or at least one .ipynb path.")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"Notebooks not found: {', '.join(missing)}.")
    return paths


def with_cached_outputs(nb, cache_path, name="notebook"):
    """``nb`` with the outputs of its executed copy in the jupyter-cache at ``cache_path`` (the book's cache).

    Raises:
        FileNotFoundError: there is no cache at ``cache_path``.
        LookupError: the cache holds no execution of this exact notebook (its code changed since ``make book``).
    """
    from jupyter_cache import get_cache  # installed with the book extra (jupyter-book)

    if not Path(cache_path).is_dir():
        raise FileNotFoundError(f"No jupyter-cache at {cache_path}: build the book first (`make book`).")
    try:
        return get_cache(cache_path).merge_match_into_notebook(nb)[1]
    except KeyError:
        raise LookupError(
            f"{name}: the cache {cache_path} has no execution of this version of the notebook; "
            "run `make book` first (it executes what changed)."
        ) from None


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


def build(kind, outdir, notebooks=None, outputs_from=None):
    """Write the student or instructor version of every chapter notebook into ``outdir``.

    Args:
        kind: ``"student"`` (solutions removed) or ``"instructor"`` (unchanged).
        outdir: folder to write the notebooks into (created if needed).
        notebooks: a folder or a list of notebook paths; default :func:`default_notebooks`.
        outputs_from: a jupyter-cache folder (the book's ``_build/.jupyter_cache``) to take each chapter's
            outputs from; default: the notebooks as they are (committed without outputs).

    Returns:
        the paths written, one per notebook (never empty: no notebook is an error).
    """
    if kind not in ("student", "instructor"):
        raise ValueError(f"kind must be 'student' or 'instructor', got {kind!r}.")
    paths = notebook_paths(notebooks)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if outputs_from is not None:
            nb = with_cached_outputs(nb, outputs_from, path.name)
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
    parser.add_argument("--notebooks", type=Path, help="folder of the chapter notebooks (default: the repository's)")
    parser.add_argument("--outputs-from", type=Path, help="jupyter-cache folder to copy outputs from (the book's)")
    args = parser.parse_args(argv)
    try:
        written = build(args.kind, args.outdir, args.notebooks, args.outputs_from)
    except (FileNotFoundError, LookupError, ValueError) as error:
        print(f"xai_teach.course: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    print(f"{len(written)} {args.kind} notebooks written to {args.outdir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
