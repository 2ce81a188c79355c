# Two commands do everything (see README.md):
#   make serve   set up .venv and run the example server on 127.0.0.1:8000 (SQLite store, no other service)
#   make test    set up .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint install bench clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(MAKE) --no-print-directory chromium
	touch $(STAMP)

# The dashboard's browser tests drive Debian's Chromium; installed here where it is missing (needs root and apt).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
				|| echo "could not install chromium: the dashboard's browser tests will be skipped"; \
		else echo "no /usr/bin/chromium and no root apt-get: the dashboard's browser tests will be skipped"; fi; \
	fi

install: $(STAMP)

serve: $(STAMP)
	@if [ -n "$$GQLEVOLVE_DASHBOARD_TOKEN" ]; then echo "dashboard: http://127.0.0.1:8000/dashboard/"; \
	else echo "dashboard: set GQLEVOLVE_DASHBOARD_TOKEN to serve it at http://127.0.0.1:8000/dashboard/"; fi
	$(BIN)/uvicorn example_server.app:app --host 127.0.0.1 --port 8000

# tests/clock_shift holds a sitecustomize that moves every Python process's wall clock when
# GQLEVOLVE_TEST_SHIFT_DAYS is set (see README: "Any day"); without it, it does nothing.
test: $(STAMP) chromium
	PYTHONPATH=$(CURDIR)/tests/clock_shift$${PYTHONPATH:+:$$PYTHONPATH} $(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (lint and import order) on everything, mypy --strict on src/ (settings in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks example_server
	$(BIN)/mypy

# The Graphene adapter and the core on graphql-core 3.2 (Graphene 3 requires < 3.3, Strawberry >= 3.3), in a venv of
# its own without Strawberry; the root conftest.py (the doctests' Strawberry schema) is left out by --confcutdir.
GRAPHENE_VENV  := .venv-graphene
GRAPHENE_STAMP := $(GRAPHENE_VENV)/.installed
GRAPHENE_TESTS := tests/test_adapter_graphene.py tests/test_monitor.py tests/test_operation_analysis.py \
	tests/test_lifecycle_headers.py tests/test_lifecycle_records.py tests/test_advisor.py tests/test_reports.py \
	tests/test_usage_store.py tests/test_usage_store_reads.py tests/test_cli_monitoring.py \
	tests/test_schema_diff_extensions.py tests/test_schema_diff_versioned.py tests/test_adapter_shared.py
.PHONY: test-graphene

$(GRAPHENE_STAMP): pyproject.toml
	$(PYTHON) -m venv $(GRAPHENE_VENV)
	$(GRAPHENE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test-graphene]'
	touch $(GRAPHENE_STAMP)

test-graphene: $(GRAPHENE_STAMP)
	PYTHONPATH=$(CURDIR)/tests/clock_shift$${PYTHONPATH:+:$$PYTHONPATH} $(GRAPHENE_VENV)/bin/python -m pytest \
		--confcutdir=tests -o addopts="-ra --strict-markers" $(GRAPHENE_TESTS) $(PYTEST_ARGS)

bench: $(STAMP)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(GRAPHENE_VENV) .pytest_cache
