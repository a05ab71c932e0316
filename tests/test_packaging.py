"""Project hygiene: the layout, dependency declarations, and output-free notebooks."""

import json
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from xai_teach import course

ROOT = Path(__file__).resolve().parents[1]


def test_top_level_layout():
    for name in (
        "book",
        "notebooks",
        "xai_teach",
        "tests",
        "_config.yml",
        "_toc.yml",
        "environment.yml",
        "README.md",
        "pyproject.toml",
        "Makefile",
        ".ci/run",
    ):
        assert (ROOT / name).exists(), name
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_environment_yml_agrees_with_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert python.removeprefix("python") == project["requires-python"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip == ["-e .[" + ",".join(sorted(project["optional-dependencies"])) + "]"]
    assert "conda-forge" in env["channels"]


def test_no_dependency_is_pinned_above_colab():
    """Lower bounds only (and jupyter-book < 2), so installing in Colab never replaces its TensorFlow."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dep in project["dependencies"] + sum(project["optional-dependencies"].values(), []):
        req = Requirement(dep)
        allowed = {">=", "<"} if req.name == "jupyter-book" else {">="}
        assert {s.operator for s in req.specifier} <= allowed, dep
    assert "jupyter-book>=1.0.4,<2" in project["optional-dependencies"]["book"]


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and cell.get("execution_count") is None, path.name


def test_pre_commit_runs_what_make_lint_runs():
    from pre_commit.clientlib import load_config

    hooks = {
        h["id"]: h["entry"] for repo in load_config(ROOT / ".pre-commit-config.yaml")["repos"] for h in repo["hooks"]
    }
    assert hooks == {
        "ruff-check": "ruff check --fix",
        "ruff-format": "ruff format",
        "nbstripout": "nbstripout --keep-id",
    }
    lint = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    for command in ("ruff check .", "ruff format --check .", "nbstripout --keep-id --verify notebooks/*.ipynb"):
        assert command in lint


def test_every_notebook_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"notebooks/{path.stem}" in toc, path.name


def test_every_notebook_starts_with_the_colab_setup_cell():
    setup = course.colab_setup_cell()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "".join(first_code["source"]) == setup, path.name


def test_readme_links_every_chapter_to_colab():
    readme = (ROOT / "README.md").read_text()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert course.colab_link(path) in readme, path.name
    assert course.repository_url() in (ROOT / "_config.yml").read_text()
