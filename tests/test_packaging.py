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


def _imports(tree):
    """Top-level module names imported by a module: (at module level, inside functions)."""
    import ast

    top, nested = set(), set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        target = top if node in tree.body else nested
        target.update(n.split(".")[0] for n in names)
    return top, nested - top


def test_every_import_of_the_package_is_declared():
    """Module-level imports need a dependency; imports inside functions may come from an extra (e.g. book)."""
    import ast
    import importlib.metadata
    import sys

    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {canonicalize_name(Requirement(d).name) for d in project["dependencies"]}
    extras = {canonicalize_name(Requirement(d).name) for d in sum(project["optional-dependencies"].values(), [])}
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for path in sorted((ROOT / "xai_teach").rglob("*.py")):
        top, nested = _imports(ast.parse(path.read_text()))
        for module, allowed in [(m, required) for m in top] + [(m, required | extras) for m in nested]:
            if module in sys.stdlib_module_names or module == "xai_teach":
                continue
            dists = {canonicalize_name(d) for d in distributions.get(module, [module])}
            if not dists & allowed:
                missing.append(f"{path.relative_to(ROOT)} imports {module} ({', '.join(sorted(dists))})")
    assert not missing, "undeclared imports:\n" + "\n".join(missing)


def test_repository_url_is_the_same_in_config_and_package_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["urls"]["Repository"] == course.repository_url()


def test_book_needs_no_node_mathjax_is_vendored_with_its_licence():
    makefile = (ROOT / "Makefile").read_text()
    assert "npm" not in makefile and "npx" not in makefile
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    mathjax = ROOT / "book" / "_static" / config["sphinx"]["config"]["mathjax_path"]
    assert mathjax.stat().st_size > 1_000_000
    assert "Apache License" in (mathjax.parent / "LICENSE").read_text()
    assert list((mathjax.parent / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))


def test_stacks_pin_what_they_claim():
    """Colab's file pins Colab's published versions; the oldest stack sits at pyproject.toml's lower bounds."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_pins", ROOT / "scripts" / "check_pins.py")
    check_pins = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_pins)
    pins = check_pins.pins

    colab = pins(ROOT / "requirements" / "colab.txt")
    assert {k: colab[k] for k in ("tensorflow", "keras", "numpy", "ipywidgets", "shap", "ipython")} == {
        "tensorflow": "2.20.0",
        "keras": "3.13.2",
        "numpy": "2.1.3",
        "ipywidgets": "7.7.1",
        "shap": "0.52.0",
        "ipython": "7.34.0",
    }
    assert "2026-08-19" in (ROOT / "requirements" / "colab.txt").read_text()
    oldest = pins(ROOT / "requirements" / "colab-oldest.txt")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dep in map(Requirement, project["dependencies"]):
        if dep.name in ("tensorflow", "keras", "numpy"):
            (spec,) = dep.specifier
            assert oldest[dep.name].startswith(spec.version), (dep, oldest[dep.name])
