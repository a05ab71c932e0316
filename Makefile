# Two commands set up everything on a fresh machine: `make book` and `make test`.
PYTHON ?= python3
# No progress bars in executed notebooks, the built book or test logs (live Jupyter and Colab still show them).
export XAI_TEACH_PROGRESS := 0
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# MathJax served from the book itself, so that the HTML book works offline (fetched once from npm).
MATHJAX := book/_static/mathjax/tex-mml-chtml.js

# A second environment with the oldest versions of what Colab ships (TF 2.19, Keras 3.10, numpy 2.0, ...).
OLDEST := .venv-oldest
COLAB_CHAPTERS := notebooks/01_interpretability_vs_explainability.ipynb

.PHONY: venv book book-student test test-unit test-notebooks test-oldest check-book lint format bench strip clean

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[book,dev,course]"
	touch $(STAMP)

venv: $(STAMP)

$(MATHJAX):
	mkdir -p $(dir $(MATHJAX))
	cd $(dir $(MATHJAX)) && npm pack --silent mathjax@3.2.2 >/dev/null \
		&& tar -xzf mathjax-3.2.2.tgz --strip-components=2 package/es5 && rm mathjax-3.2.2.tgz

## Execute every notebook and build the HTML book into _build/html (offline; warnings are errors).
book: $(STAMP) $(MATHJAX)
	rm -rf _build/html
	scripts/offline $(BIN)/jupyter-book build . -W -n --keep-going

## The same book for students: solutions removed, exercise stubs not executed (_student/_build/html).
book-student: $(STAMP) $(MATHJAX)
	rm -rf _student && mkdir -p _student
	cp -r book _config.yml _toc.yml _student/
	$(BIN)/python -m xai_teach.course student _student/notebooks
	$(BIN)/jupyter-book build _student -W -n --keep-going

$(OLDEST)/.installed: pyproject.toml requirements/colab-oldest.txt
	test -x $(OLDEST)/bin/python || $(PYTHON) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST)/bin/python -m pip install --quiet -c requirements/colab-oldest.txt -e ".[dev]"
	touch $@

## Everything: lint, unit tests, every notebook through nbmake, the built book in Chromium, Colab's oldest versions.
test: $(STAMP) lint test-unit test-notebooks check-book test-oldest

## ruff lint and format, and notebooks committed without outputs (the same as .pre-commit-config.yaml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/nbstripout --keep-id --verify notebooks/*.ipynb
	$(BIN)/actionlint -no-color .github/workflows/*.yml

test-unit: $(STAMP)
	scripts/offline $(BIN)/python -m pytest -q --disable-socket --allow-unix-socket -m "not book" tests

test-notebooks: $(STAMP)
	scripts/offline $(BIN)/python -m pytest -q --nbmake --nbmake-timeout=300 notebooks

## The built book in headless Chromium: every toc page, console errors, images, links, outputs, Colab buttons.
check-book: book
	$(BIN)/python -m pytest -q -m book tests/book

## Unit tests and two chapters against the oldest supported Colab versions.
test-oldest: $(OLDEST)/.installed
	scripts/offline $(OLDEST)/bin/python -m pytest -q -p no:cacheprovider -m "not book and not slow" tests
	scripts/offline $(OLDEST)/bin/python -m pytest -q -p no:cacheprovider --nbmake --nbmake-timeout=300 $(COLAB_CHAPTERS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

strip: $(STAMP)
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf _build _student $(OLDEST)

## Coursework with Otter-Grader (the course extra): `make assignments` writes, per chapter, $(ASSIGNMENTS)/chNN/ with
## the Otter master notebook and dist/student (student notebook), dist/autograder (solutions, Gradescope zip).
## `make grade CHAPTER=10 SUBMISSIONS=dir` grades a folder of submitted notebooks into $(GRADES), offline and
## without Docker (Otter's non-containerised grader); DOCKER=1 grades in Otter's Docker containers instead.
ASSIGNMENTS ?= _assignments
GRADES ?= grades.csv
WORKERS ?= 1
.PHONY: assignments grade
assignments: $(STAMP)
	$(BIN)/python -m xai_teach.assignments build $(ASSIGNMENTS)

grade: $(STAMP)
	@test -n "$(CHAPTER)" -a -d "$(SUBMISSIONS)" || { echo "usage: make grade CHAPTER=10 SUBMISSIONS=dir [DOCKER=1]"; exit 2; }
	$(if $(DOCKER),,scripts/offline) $(BIN)/python -m xai_teach.assignments grade $(ASSIGNMENTS)/ch$(CHAPTER) \
		$(SUBMISSIONS) -o $(GRADES) --workers $(WORKERS) $(if $(DOCKER),--docker)
