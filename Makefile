# Two commands set up everything on a fresh machine with Python 3.11+ and make: `make book` and `make test`.
PYTHON ?= python3
# No progress bars in executed notebooks, the built book or test logs (live Jupyter and Colab still show them).
export XAI_TEACH_PROGRESS := 0
# A notebook kernel draws inline figures only when MPLBACKEND is unset: MPLBACKEND=Agg (common in CI setups) would
# build a book without a single figure. Headless tests get Agg from matplotlib on their own.
unexport MPLBACKEND
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The book's executed notebooks are cached (jupyter-cache, `execute_notebooks: cache` in _config.yml): `make book`
# runs again only the chapters whose code changed. The cache is also keyed on xai_teach itself and the pinned
# versions: when either changes, every chapter runs again.
BOOK_CACHE := _build/.jupyter_cache
BOOK_KEY = $(shell cat pyproject.toml requirements/constraints.txt xai_teach/assets/manifest.json \
	$$(find xai_teach -name '*.py' | LC_ALL=C sort) | sha256sum | cut -c1-16)

# The stacks students have besides ours (.venv: requirements/constraints.txt):
# - newest: whatever a plain `pip install` resolves today, as on a student's laptop;
# - Colab today: requirements/colab.txt (Colab's published pip freeze) on Python 3.13;
# - oldest supported: requirements/colab-oldest.txt (the lower bounds of pyproject.toml) on Python 3.12.
NEWEST := .venv-newest
COLAB  := .venv-colab
OLDEST := .venv-oldest
# The first interpreter of that version that runs (pyenv's shims answer `command -v` even when they cannot run it).
find_python = $(shell for p in $(HOME)/.pyenv/versions/$(1)*/bin/python$(1) python$(1); do \
	$$p -c 'import sys; print(sys.executable)' 2>/dev/null && break; done)
PYTHON313 ?= $(call find_python,3.13)
PYTHON312 ?= $(call find_python,3.12)
# On the other stacks: the unit tests that touch what differs between versions (model loading and predictions,
# Keras layers, widgets, every explainer's contract), and chapters: one MNIST and one IMDB (Colab: every chapter).
STACK_TESTS := tests/test_models.py tests/test_widgets.py tests/test_widgets_text.py \
	tests/test_explain_contract.py tests/test_explain_text.py tests/test_claims.py
STACK_CHAPTERS := notebooks/01_interpretability_vs_explainability.ipynb notebooks/06_imdb_models.ipynb

CHROMIUM ?= $(firstword $(shell command -v chromium chromium-browser google-chrome 2>/dev/null))
export CHROMIUM

.PHONY: venv book book-clean book-student test test-unit test-book check-book check-book-student \
	test-newest test-colab test-oldest install-stacks lint format bench strip clean

# Environments are installed with uv (pinned in requirements/constraints.txt, itself bootstrapped with pip): on 2 cores
# it installs a stack in about 1.5 min where pip takes about 7. Where a stack must be installed as its users do it
# (Colab's `pip install`), pip does that step.
UV := $(BIN)/uv
uv_install = VIRTUAL_ENV=$(1) $(UV) pip install --quiet --compile-bytecode

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $$(grep '^uv==' requirements/constraints.txt)
	$(call uv_install,$(VENV)) -c requirements/constraints.txt -e ".[book,dev,course]"
	touch $(STAMP)

venv: $(STAMP)

## Build the HTML book into _build/html (offline; warnings and cell errors, failed claims included, are errors).
## Re-executes only the chapters changed since the last build (see BOOK_CACHE), BOOK_WORKERS at a time (a chapter
## keeps about one core busy: on 2 cores all 11 take about 310 s two at a time, where one after another their
## times add up to about 420 s), then renders them.
BOOK_WORKERS ?= 2
book: $(STAMP)
	@if [ "$$(cat $(BOOK_CACHE)/xai_teach.key 2>/dev/null)" != "$(BOOK_KEY)" ]; then \
		echo "book: xai_teach or its pinned versions changed (or no cache yet): every chapter runs."; \
		rm -rf $(BOOK_CACHE); mkdir -p $(BOOK_CACHE); echo $(BOOK_KEY) > $(BOOK_CACHE)/xai_teach.key; fi
	rm -rf _build/html _build/.doctrees _build/jupyter_execute
	scripts/offline $(BIN)/python scripts/execute_book.py --workers $(BOOK_WORKERS)
	scripts/offline $(BIN)/jupyter-book build . -W -n --keep-going

## The book from clean: every chapter executed once. This is the main stack's notebook test.
book-clean: $(STAMP)
	rm -rf _build
	$(MAKE) book

## The same book for students (_student/_build/html): solutions removed, the instructors' guide left out.
## Executes nothing: every chapter's outputs come from the main build's cache (run `make book` first).
book-student: $(STAMP)
	rm -rf _student && mkdir -p _student
	cp -r book _config.yml _student/
	grep -v 'file: book/instructors' _toc.yml > _student/_toc.yml
	sed -i 's/^  execute_notebooks: .*/  execute_notebooks: "off"/' _student/_config.yml
	grep -q 'execute_notebooks: "off"' _student/_config.yml
	$(BIN)/python -m xai_teach.course student _student/notebooks --notebooks notebooks --outputs-from $(BOOK_CACHE)
	scripts/offline $(BIN)/jupyter-book build _student -W -n --keep-going

## Everything, each chapter executed once per stack: lint, unit tests, the book from clean (the notebook test),
## both books in Chromium, then the newest, Colab and oldest stacks. All of it offline once installed.
## The other stacks' environments install in the background while the browser checks run (those leave the CPU
## mostly idle; installing, mostly compiling bytecode, does not).
## Each stage's time goes to $(STAGE_TIMES) (`make bench` reports them), and the whole run's as `total`.
TEST_STAGES := lint test-unit book-clean check-book book-student check-book-student test-newest test-colab test-oldest
STAGE_TIMES := benchmarks/artifacts/stage-times.tsv
STACKS_LOG := $(VENV)/install-stacks.log
test: $(STAMP)
	@mkdir -p $(dir $(STAGE_TIMES)) && printf 'stage\tseconds\n' > $(STAGE_TIMES)
	@begin=$$(date +%s); \
	for stage in $(TEST_STAGES); do \
		if [ $$stage = check-book ]; then from=$$(date +%s); \
			{ $(MAKE) --no-print-directory install-stacks > $(STACKS_LOG) 2>&1; status=$$?; \
			printf '%s\t%s\n' "install-stacks (background)" $$(( $$(date +%s) - from )) >> $(STAGE_TIMES); \
			exit $$status; } & stacks=$$!; fi; \
		if [ $$stage = test-newest ]; then wait $$stacks || { cat $(STACKS_LOG); \
			echo "make test: installing the newest, Colab and oldest stacks failed (log above)"; exit 1; }; fi; \
		start=$$(date +%s); \
		$(MAKE) --no-print-directory $$stage || { echo "make test: stage $$stage failed"; exit 1; }; \
		seconds=$$(( $$(date +%s) - start )); printf '%s\t%s\n' $$stage $$seconds >> $(STAGE_TIMES); \
		echo "make test: stage $$stage passed in $$seconds s"; done; \
	printf 'total\t%s\n' $$(( $$(date +%s) - begin )) >> $(STAGE_TIMES)

## The newest, Colab and oldest environments (make test installs them in the background).
install-stacks: $(NEWEST)/.installed $(COLAB)/.installed $(OLDEST)/.installed

## ruff lint and format, and notebooks committed without outputs (the same as .pre-commit-config.yaml).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/nbstripout --keep-id --verify notebooks/*.ipynb
	$(BIN)/actionlint -no-color .github/workflows/*.yml

# pytest-xdist workers for the unit tests and the chapters of the other stacks (each holds TensorFlow and a few
# models: about 1.5 GB). Tests of one file stay on one worker, so a module's fixtures are built once. (The browser
# checks gain nothing from two workers: measured 154 s against 150 s for the main book.)
TEST_WORKERS ?= 2
XDIST = -n $(TEST_WORKERS) --dist loadfile

test-unit: $(STAMP)
	scripts/offline $(BIN)/python -m pytest -q $(XDIST) --disable-socket --allow-unix-socket -m "not book" tests

## Alias kept for habit: the notebooks are tested by building the book from clean.
test-book: book-clean

define need_chromium
	@test -n "$(CHROMIUM)" && test -x "$(CHROMIUM)" || { echo "$@ needs Chromium to open the built book:" \
		"install it with 'sudo apt-get install chromium' (Debian/Ubuntu), or set CHROMIUM=/path/to/chrome."; exit 1; }
endef

## The built book in headless Chromium: every toc page, console errors, images, links, outputs, Colab buttons.
check-book: $(STAMP)
	$(need_chromium)
	@test -d _build/html || { echo "check-book: _build/html is missing; run 'make book' first."; exit 1; }
	$(BIN)/python -m pytest -q -m book tests/book

## The student book in Chromium: every page renders cleanly with its figures, no solution visible, every exercise
## stub and its check shown. The book views, alt text and live widgets are the main book's outputs, checked once there.
check-book-student: $(STAMP)
	$(need_chromium)
	@test -d _student/_build/html || { echo "check-book-student: run 'make book-student' first."; exit 1; }
	BOOK_HTML=_student/_build/html $(BIN)/python -m pytest -q -m book tests/book/test_rendered_book.py

$(NEWEST)/.installed: pyproject.toml $(STAMP)
	rm -rf $(NEWEST) && $(UV) venv --quiet --python $(PYTHON) $(NEWEST)
	@# No constraints and no lock: uv resolves the newest releases, as `pip install` does.
	$(call uv_install,$(NEWEST)) -e ".[dev]"
	touch $@

## The newest releases (no constraints, as a student's `pip install` gets them): unit subset and two chapters.
test-newest: $(NEWEST)/.installed
	$(NEWEST)/bin/python -c "import keras, tensorflow, numpy; print('newest:', 'TensorFlow', tensorflow.__version__, \
		'Keras', keras.__version__, 'numpy', numpy.__version__)" 2>/dev/null
	scripts/offline $(NEWEST)/bin/python -m pytest -q -p no:cacheprovider $(XDIST) --disable-socket --allow-unix-socket \
		$(STACK_TESTS)
	scripts/offline $(NEWEST)/bin/python -m pytest -q -p no:cacheprovider $(XDIST) --nbmake --nbmake-timeout=300 \
		$(STACK_CHAPTERS)

$(COLAB)/.installed: pyproject.toml requirements/colab.txt $(STAMP)
	@test -n "$(PYTHON313)" || { echo "test-colab needs Python 3.13 (Colab's): install it (e.g. 'pyenv install 3.13')" \
		"or set PYTHON313=/path/to/python3.13."; exit 1; }
	rm -rf $(COLAB) && $(UV) venv --quiet --seed --python $(PYTHON313) $(COLAB)
	$(call uv_install,$(COLAB)) -r requirements/colab.txt
	@# As the chapters' setup cell does in Colab: a plain install, no constraints. It must replace nothing of Colab's.
	$(COLAB)/bin/python -m pip install --quiet . && rm -rf build
	$(COLAB)/bin/python scripts/check_pins.py requirements/colab.txt
	@# Test tools Colab lacks, held to Colab's versions of everything else.
	$(call uv_install,$(COLAB)) -c requirements/colab.txt nbmake pytest-socket pytest-xdist hypothesis pyyaml
	$(COLAB)/bin/python scripts/check_pins.py requirements/colab.txt
	touch $@

## Colab today (requirements/colab.txt, Python 3.13), xai_teach installed as in Colab: every chapter, unit subset.
## Runs from the installed package (not the source tree), as in Colab.
test-colab: $(COLAB)/.installed
	@# This tree's xai_teach, as a wheel (the venv keeps Colab's packages between runs).
	$(COLAB)/bin/python -m pip install --quiet --no-deps --force-reinstall . && rm -rf build
	$(COLAB)/bin/python scripts/check_pins.py requirements/colab.txt
	cd tests && ../scripts/offline ../$(COLAB)/bin/python -m pytest -q -p no:cacheprovider $(XDIST) \
		--disable-socket --allow-unix-socket $(STACK_TESTS:tests/%=%)
	scripts/offline $(COLAB)/bin/python -m pytest -q -p no:cacheprovider $(XDIST) --nbmake --nbmake-timeout=300 notebooks

$(OLDEST)/.installed: pyproject.toml requirements/colab-oldest.txt $(STAMP)
	@test -n "$(PYTHON312)" || { echo "test-oldest needs Python 3.12: install it (e.g. 'pyenv install 3.12')" \
		"or set PYTHON312=/path/to/python3.12."; exit 1; }
	rm -rf $(OLDEST) && $(UV) venv --quiet --python $(PYTHON312) $(OLDEST)
	$(call uv_install,$(OLDEST)) -c requirements/colab-oldest.txt -e ".[dev]"
	touch $@

## The oldest supported versions (pyproject.toml's lower bounds): unit subset and two chapters.
test-oldest: $(OLDEST)/.installed
	scripts/offline $(OLDEST)/bin/python -m pytest -q -p no:cacheprovider $(XDIST) --disable-socket --allow-unix-socket \
		$(STACK_TESTS)
	scripts/offline $(OLDEST)/bin/python -m pytest -q -p no:cacheprovider $(XDIST) --nbmake --nbmake-timeout=300 \
		$(STACK_CHAPTERS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

strip: $(STAMP)
	$(BIN)/nbstripout --keep-id notebooks/*.ipynb

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf _build _student $(NEWEST) $(COLAB) $(OLDEST)

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
