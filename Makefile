# One entry point for developers and CI: `make demo` runs the product, `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install demo serve test lint bench clean browser system screenshots translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install  ## load the fixtures, check the demo pages and sites, create demo users, serve the dashboard
	$(BIN)/compliance demo --serve

serve: install  ## the dashboard and the API on 127.0.0.1:5000
	$(BIN)/compliance serve

system:  ## HarfBuzz's subsetting library, which WeasyPrint ≥ 70 warns about (the evidence pack's PDF fonts)
	@ls /usr/lib/*/libharfbuzz-subset.so.0 >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq libharfbuzz-subset0)

browser:  ## Debian's Chromium for the browser tests (Playwright's own download cannot reach its servers here)
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

screenshots: install browser  ## refresh docs/screenshots/ from a real browser
	COMPLIANCE_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/test_browser.py -q

translations: install  ## extract the dashboard's messages, update and compile the catalogues
	$(BIN)/pybabel extract -F web/babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d web/translations

lint: install
	$(BIN)/ruff check compliance web tests bench
	$(BIN)/ruff format --check compliance web tests bench
	$(BIN)/mypy compliance web bench

test: lint system browser  ## every test on SQLite (browser ones on Debian's Chromium), then again on PostgreSQL when COMPLIANCE_TEST_POSTGRES_URL is set; Redis when COMPLIANCE_TEST_REDIS_URL is
	COMPLIANCE_TEST_DATABASE=sqlite $(BIN)/pytest
	@if [ -n "$$COMPLIANCE_TEST_POSTGRES_URL" ]; then \
		echo "--- the tests that use a store, again on PostgreSQL"; \
		COMPLIANCE_TEST_DATABASE=postgresql $(BIN)/pytest; \
	fi

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
