"""Publishing: the CI workflows lint clean and use what exists, the book is citable and shows its edition."""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
# The Citation File Format 1.2.0 schema (CC-BY-4.0, citation-file-format.github.io), vendored: tests run offline.
CFF_SCHEMA = ROOT / "tests" / "data" / "citation-file-format-1.2.0.schema.json"


def actionlint():
    """The actionlint binary that `make venv` installs next to this Python (dev extra), or on PATH."""
    path = Path(sys.executable).parent / "actionlint"
    found = str(path) if path.exists() else shutil.which("actionlint")
    assert found, "actionlint is missing: it comes with the dev extra (pip install -e '.[dev]')"
    return found


def run_actionlint(*paths):
    return subprocess.run([actionlint(), "-no-color", *map(str, paths)], capture_output=True, text=True, cwd=ROOT)


def make_targets():
    return set(re.findall(r"^(\w[\w.-]*)\s*:(?!=)", (ROOT / "Makefile").read_text(), re.MULTILINE))


def steps(workflow):
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    return [step for job in jobs.values() for step in job.get("steps", [])]


def test_there_are_two_workflows():
    assert [w.name for w in WORKFLOWS] == ["book.yml", "colab-weekly.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow):
    done = run_actionlint(workflow)
    assert done.returncode == 0, done.stdout + done.stderr


def test_broken_workflow_fails_actionlint(tmp_path):
    """A job that needs a job that does not exist, and an expression with an unknown context, must be caught."""
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    text = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    text = text.replace("needs: test", "needs: tests").replace("github.event_name", "gihtub.event_name", 1)
    broken.write_text(text)
    done = run_actionlint(broken)
    assert done.returncode != 0
    assert '"tests"' in done.stdout and "gihtub" in done.stdout, done.stdout


def test_lint_target_runs_actionlint_on_the_workflows():
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    assert re.search(r"actionlint .*\.github/workflows", lint), lint
    assert any(re.match(r"actionlint(-py)?\b", dep) for dep in PYPROJECT["project"]["optional-dependencies"]["dev"])


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_use_only_make_targets_that_exist(workflow):
    used = {t for step in steps(workflow) for t in re.findall(r"\bmake ([\w.-]+)", step.get("run", ""))}
    assert used, f"{workflow.name} runs no make target"
    assert used <= make_targets(), f"{workflow.name} uses make targets the Makefile lacks: {used - make_targets()}"


def test_book_workflow_tests_then_deploys_what_make_book_writes():
    workflow = ROOT / ".github" / "workflows" / "book.yml"
    assert "make test" in [s.get("run") for s in steps(workflow)]
    upload = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert len(upload) == 1 and upload[0]["with"]["path"] == "_build/html"
    # `make book` writes there: jupyter-book's default output folder of the project root, cleaned first.
    book = re.search(r"^book:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1)
    assert "rm -rf _build/html" in book and re.search(r"jupyter-book build \. ", book), book
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    deploy = [s for s in jobs["deploy"]["steps"] if s.get("uses", "").startswith("actions/deploy-pages@")]
    assert deploy and jobs["deploy"]["needs"] == "test"
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_colab_weekly_runs_on_a_schedule_with_colabs_python():
    workflow = ROOT / ".github" / "workflows" / "colab-weekly.yml"
    data = yaml.safe_load(workflow.read_text())
    triggers = data[True]  # YAML 1.1 reads the key `on` as True
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    setup = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup and str(setup[0]["with"]["python-version"]) == "3.13"


def citation():
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def test_citation_cff_is_valid():
    schema = json.loads(CFF_SCHEMA.read_text())
    data = json.loads(json.dumps(citation(), default=str))  # dates as strings, as the schema expects
    jsonschema.validate(data, schema)


def test_citation_cff_rejects_what_the_schema_forbids():
    """The schema check is real: a citation without authors fails it."""
    data = citation()
    del data["authors"]
    with pytest.raises(jsonschema.ValidationError, match="authors"):
        jsonschema.validate(data, json.loads(CFF_SCHEMA.read_text()))


def test_citation_matches_the_book_and_the_package():
    cff = citation()
    assert cff["title"] == CONFIG["title"]
    assert [a["name"] for a in cff["authors"]] == [CONFIG["author"]]
    assert cff["version"] == PYPROJECT["project"]["version"]
    assert cff["license"] == PYPROJECT["project"]["license"]
    assert cff["repository-code"] == CONFIG["repository"]["url"] == PYPROJECT["project"]["urls"]["Repository"]
    owner, name = CONFIG["repository"]["url"].removeprefix("https://github.com/").split("/")
    assert cff["url"] == f"https://{owner}.github.io/{name}/", "the Pages address of repository.url"


def test_footer_shows_the_version_from_pyproject():
    footer = CONFIG["html"]["extra_footer"]
    assert f"edition {PYPROJECT['project']['version']}" in footer


def test_readme_bibtex_cites_this_edition():
    readme = (ROOT / "README.md").read_text()
    bibtex = re.search(r"```bibtex\n(.*?)```", readme, re.DOTALL).group(1)
    assert f"version = {{{PYPROJECT['project']['version']}}}" in bibtex
    assert f"url     = {{{CONFIG['repository']['url']}}}" in bibtex
