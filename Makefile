# One entry point for developers and CI: `make demo` runs the product, `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install demo serve test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install  ## load the fixture archive into SQLite, check the fixture suspect pages, print the matches
	$(BIN)/compliance demo

lint: install
	$(BIN)/ruff check compliance web tests bench
	$(BIN)/ruff format --check compliance web tests bench
	$(BIN)/mypy compliance web bench

test: lint  ## every test, with PostgreSQL and Redis when COMPLIANCE_TEST_*_URL are set
	$(BIN)/pytest

bench: install  ## speed (see bench/RESULTS.md); quality needs ../shared/data
	$(BIN)/python bench/fingerprint_bench.py
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/check_bench.py
	$(BIN)/python bench/retrieval_bench.py
	$(BIN)/python bench/scan_bench.py
	$(BIN)/python bench/pan.py ../shared/data/pan13-train --out bench/out/pan
	$(BIN)/python bench/clough.py ../shared/data/clough-stevenson

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
