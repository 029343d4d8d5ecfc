# Dealix — every target bootstraps .venv itself and is quick when nothing changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: venv run test lint typecheck pytest bench eval clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,postgres]'
	@touch $(STAMP)

venv: $(STAMP)

## the main job on embedded defaults (until the API lands: the governed demo)
run: $(STAMP)
	$(BIN)/dealix demo

## ruff + mypy + pytest
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .

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

eval: $(STAMP)
	@$(BIN)/dealix eval --help >/dev/null 2>&1 || { echo "make eval: the agent eval suite (issue 8) is not built yet"; exit 2; }
	$(BIN)/dealix eval

clean:
	rm -rf $(VENV) .dealix .pytest_cache .mypy_cache .ruff_cache .hypothesis
