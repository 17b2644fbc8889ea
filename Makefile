# One command runner. The README's quickstart is `make run` and `make test`; CI (.ci/run) calls `make test-all`.
# Each sets up what it needs: the Debian/Ubuntu packages (scripts/system-packages.sh: installed when run as
# root or with password-less sudo, else named; APT=no only checks), then .venv (scripts/setup-venv.sh).
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.qala-installed
PYTEST_ARGS ?=
# pytest-xdist: one test process per core (PYTEST_WORKERS=0 runs everything in one process).
# The suite lets Python cache compiled bytecode (__pycache__, ignored by git) even where PYTHONDONTWRITEBYTECODE
# is set: without the cache each of its processes (the workers, every CLI, server and Dask child) compiles
# every module it imports again, some 25 s of CPU per process (docs/development.md, "How long the suite takes").
PYTEST_WORKERS ?= auto
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: setup system run test test-all lint bench mutate clean messages

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup-venv.sh scripts/system-packages.sh
	bash scripts/system-packages.sh install run
	bash scripts/setup-venv.sh $(VENV)
	touch $(STAMP)

# the packages the tests and the benchmarks use (PostgreSQL, Chromium, fonts, poppler, wrk)
system:
	bash scripts/system-packages.sh install test

run: setup
	$(BIN)/qala serve

# the fast suite: everything but the tests marked slow (under 5 minutes on two idle cores)
test: setup system
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

# everything, slow tests included (CI)
test-all: setup system
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(PYTEST) $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m benchmarks.run

# mutation testing of a core area (economics, inventory or scenario): the survivors are missing tests;
# MUTANTS: names or globs of mutants to test alone, e.g. MUTANTS='qala.scenario.formula*'
AREA ?= economics
MUTANTS ?=
mutate: setup
	bash scripts/mutate.sh $(AREA) $(MUTANTS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .mutants

# Extract the UI strings and merge them into the kk/ru/en catalogs (translators then fill in kk and ru).
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output -o src/qala/locale/messages.pot .
	for l in kk ru en; do \
	  if [ -f src/qala/locale/$$l/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i src/qala/locale/messages.pot -d src/qala/locale -l $$l --no-fuzzy-matching; \
	  else $(BIN)/pybabel init -i src/qala/locale/messages.pot -d src/qala/locale -l $$l; fi; \
	done
