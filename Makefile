# 神特党建 — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install lint format check-python migrate demo serve scheduler bench clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found %s)" % sys.version.split()[0])'

$(STAMP): pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## run: virtualenv, install, migrate, demo data, serve on http://$(HOST):$(PORT) (dev defaults)
run: install
	$(BIN)/shente db upgrade
	$(BIN)/shente seed-demo
	$(BIN)/shente serve --host $(HOST) --port $(PORT)

## test: lint, type-check and the whole suite (PostgreSQL + Redis when present; required with CI=true)
test: lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/shente db upgrade

scheduler: install
	$(BIN)/shente scheduler

## bench: the callback benchmark (by hand, never in CI)
bench: install
	$(BIN)/python bench/callback.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
