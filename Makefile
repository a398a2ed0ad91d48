# Targets called by the README quick start and by .ci/run.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run index serve test test-fast lint typecheck eval bench-build bench-classify clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

setup: $(BIN)/python  ## install the app and its dev tools into .venv
	$(BIN)/pip install -e '.[dev]'

index: setup  ## build the index when there is no current build
	$(BIN)/innogrowth index check || $(BIN)/innogrowth index build

run: setup index  ## set up and run the service on embedded defaults (SQLite, no LLM)
	$(BIN)/innogrowth serve --host $(HOST) --port $(PORT)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

typecheck:
	$(BIN)/mypy

test-fast:
	$(BIN)/python -m pytest -q -m "not llm and not browser and not postgres and not slow"

test: setup lint typecheck  ## set up, lint, type-check and run every test tier
	$(BIN)/python -m pytest -q

eval: setup
	$(BIN)/innogrowth eval run --dataset catalog/data/judgments/dev.jsonl --folds 5

bench-build: setup
	$(BIN)/python scripts/bench_build.py

bench-classify: setup index
	$(BIN)/python scripts/bench_classify.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
