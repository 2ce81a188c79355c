# Two commands do everything (see README.md):
#   make serve   set up .venv and run the example server on 127.0.0.1:8000 (SQLite store, no other service)
#   make test    set up .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/uvicorn example_server.app:app --host 127.0.0.1 --port 8000

# tests/clock_shift holds a sitecustomize that moves every Python process's wall clock when
# GQLEVOLVE_TEST_SHIFT_DAYS is set (see README: "Any day"); without it, it does nothing.
test: $(STAMP)
	PYTHONPATH=$(CURDIR)/tests/clock_shift$${PYTHONPATH:+:$$PYTHONPATH} $(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (lint and import order) on everything, mypy --strict on src/ (settings in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks example_server
	$(BIN)/mypy

bench: $(STAMP)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
