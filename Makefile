# One command runner: CI calls `make test`; the README quickstart is `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.qala-installed

.PHONY: setup run test lint bench clean messages

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup-venv.sh
	bash scripts/setup-venv.sh $(VENV)
	touch $(STAMP)

run: setup
	$(BIN)/qala serve

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# Extract the UI strings and merge them into the kk/ru/en catalogs (translators then fill in kk and ru).
messages: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output -o src/qala/locale/messages.pot .
	for l in kk ru en; do \
	  if [ -f src/qala/locale/$$l/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i src/qala/locale/messages.pot -d src/qala/locale -l $$l --no-fuzzy-matching; \
	  else $(BIN)/pybabel init -i src/qala/locale/messages.pot -d src/qala/locale -l $$l; fi; \
	done
