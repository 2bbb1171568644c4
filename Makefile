# The two commands a user needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck bench schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,test]'
	touch $(STAMP)

## run: the whole stack (embedded PostgreSQL + Redis, API, worker, beat, Flower) in the foreground
run: $(STAMP)
	$(BIN)/bulkreg up

## test: lint, type-check and the whole suite against real PostgreSQL, Redis and Celery workers
test: $(STAMP)
	tools/ensure-test-tools.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks

## schema: rewrite persistence/schema.sql from the migrations (a test compares the two)
schema: $(STAMP)
	$(BIN)/python -m bulkreg.devstack.schema

clean:
	rm -rf $(VENV) .bulkreg .pytest_cache .mypy_cache .ruff_cache
