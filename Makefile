# Two entry points for a fresh machine with Python 3.11: `make run` and `make test`.
# Both create the virtual environment in .venv and install replcheck into it first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.replcheck-installed
REPORTS ?= reports
REDOCLY := @redocly/cli@2.77.0

.PHONY: run test lint lint-spec bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## The main job: a conformance run against the embedded reference server, with its reports.
run: $(STAMP)
	$(BIN)/replcheck run --junit $(REPORTS)/junit.xml --json $(REPORTS)/report.json \
		--html $(REPORTS)/report.html

## The tests: lint, the spec linter, then pytest.
test: $(STAMP) lint lint-spec
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .

## Redocly CLI from the npm registry; without npx the lint is skipped, loudly.
lint-spec:
	@if command -v npx >/dev/null 2>&1; then \
		npx --yes $(REDOCLY) lint spec/openapi.yaml --config redocly.yaml --max-problems 50; \
	else \
		echo "SKIPPED lint-spec: npx (Node.js) is not installed, so Redocly CLI cannot run"; \
	fi

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(REPORTS) build *.egg-info
