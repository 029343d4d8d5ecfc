# Dealix — every target bootstraps .venv itself and is quick when nothing changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: venv run test lint imports typecheck pytest bench eval clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,postgres]'
	@touch $(STAMP)

venv: $(STAMP)

## the main job on embedded defaults: API, operator console and pages, with a seeded demo tenant
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(STAMP)
	$(BIN)/dealix serve --host $(HOST) --port $(PORT)

## ruff + import contracts + mypy + pytest
test: lint imports typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .

## the layer map as import contracts ([tool.importlinter] in pyproject.toml): an upward import fails
imports: $(STAMP)
	$(BIN)/lint-imports --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,postgres,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

EVAL_REPORT ?= .dealix/eval-report
EVAL_ARGS ?=

## the agent eval suite and its gates (evals/thresholds.yaml); reports in $(EVAL_REPORT)/report.{html,md,json}
eval: $(STAMP)
	$(BIN)/dealix eval --report $(EVAL_REPORT) $(EVAL_ARGS)

clean:
	rm -rf $(VENV) .dealix .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache
