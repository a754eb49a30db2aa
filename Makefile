# Spine MRI Outcomes: the two commands are `make book` and `make test`.
# Both need only Python 3.11+ and make; they create .venv from the pinned lock on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.lock-stamp
JOBS   ?=

.PHONY: book book-student pdf test dist bench data check lock clean-venv help r-reference

help:
	@echo "make book   build the whole book into book/_build/html (creates .venv on first use)"
	@echo "make book-student  the student edition (no solutions) into book/_build/student/html"
	@echo "make pdf    the whole book and one handout and answer sheet per chapter into book/_build/pdf/"
	@echo "make test   run every test (helpers, chapters end to end, book build, browser)"
	@echo "make dist   write the offline bundle dist/spine-mri-outcomes-<version>.zip (site, notebooks, data, wheels)"
	@echo "make data   regenerate data/synthetic/"
	@echo "make check  check notebook pairs, table of contents and data files"
	@echo "make lock   re-resolve requirements.lock and environment.yml from pyproject.toml"
	@echo "make r-reference  recompute the committed R reference values (tests/r/results) with Rscript"

# The venv is rebuilt only when the lock or pyproject.toml changes.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned environment into $(VENV) (first run: a few minutes)..."
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

book: $(STAMP)
	$(BIN)/spinebook build $(if $(JOBS),--jobs $(JOBS))

book-student: $(STAMP)
	$(BIN)/spinebook build --edition student $(if $(JOBS),--jobs $(JOBS))

pdf: $(STAMP)
	$(BIN)/python -m helpers.book.pdf

test: $(STAMP)
	$(BIN)/python -m pytest --doctest-modules src/helpers tests

# The offline bundle for a machine without internet (builds the book first if anything changed).
dist: $(STAMP)
	$(BIN)/python -m helpers.book.dist

data: $(STAMP)
	$(BIN)/spinebook data

check: $(STAMP)
	$(BIN)/spinebook check

bench: $(STAMP)
	$(BIN)/python -m helpers.book.bench

lock:
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra bench --python-version 3.11 -o requirements.lock
	$(BIN)/python -m helpers.book.envfile requirements.lock environment.yml

# R's values for the parity tests (tests/test_r_parity.py): needs Rscript with pROC, survival, lme4,
# geepack, rms, MatchIt and jsonlite (Debian: r-cran-proc r-cran-survival ...); not part of make test.
r-reference:
	Rscript tests/r/run_all.R tests/r/results

clean-venv:
	rm -rf $(VENV)
