# 神特党建 — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements-dev.lock
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000

# Bytecode for the project's own modules is written and read back. The environment may set
# PYTHONDONTWRITEBYTECODE (this machine's and CI's do): then every process compiled the ~450
# modules of app/ again (each test worker and every `shente`, uvicorn or scheduler a test
# starts: ~1 s of CPU each), and pytest rewrote the asserts of every test module again on
# each worker's collection (~7 s of CPU a worker). __pycache__/ is ignored by git.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test install lint format check-python migrate demo serve scheduler bench clean \
	browser-deps backup-deps deploy-deps screenshot lock faults faults-deps

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found %s)" % sys.version.split()[0])'

# Every package at the version (and hash) the lock file names, then the project itself.
$(STAMP): pyproject.toml $(LOCK) | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## lock: rewrite requirements-dev.lock (make run, make test, CI) and requirements.lock (Dockerfile)
# Run it after changing the dependencies in pyproject.toml, and commit the two files with it.
# Versions already locked are kept while they still fit; to move on, say so:
# `make lock LOCK_ARGS=--upgrade` (everything) or `LOCK_ARGS='--upgrade-package fastapi'`.
# The runtime lock is solved within the dev lock, so the image runs the versions tested.
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command 'make lock' --quiet $(LOCK_ARGS)
lock: | check-python
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet 'uv>=0.13.9,<1'
	$(UV_COMPILE) --extra dev -o requirements-dev.lock
	$(UV_COMPILE) -c requirements-dev.lock -o requirements.lock

## run: virtualenv, install, migrate, demo data, serve on http://$(HOST):$(PORT) (dev defaults)
# Links in replies and menus point at this server unless PUBLIC_BASE_URL says otherwise.
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/shente db upgrade
	$(BIN)/shente seed-demo
	$(BIN)/shente serve --host $(HOST) --port $(PORT)

## test: lint, type-check and the whole suite (PostgreSQL + Redis when present; required with CI=true)
# Two workers (the CI machine has two cores), each with its own databases; an idle worker
# takes tests queued for the other (worksteal), so a long test at the end does not hold the run.
test: lint browser-deps backup-deps deploy-deps
	$(BIN)/python -m compileall -q -j 0 app  # once, before two workers each compile it
	$(BIN)/pytest -n 2 --dist worksteal --durations=25

## browser-deps: Debian's Chromium and a CJK font for the browser tests (never `playwright install`)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser-deps:
	@test -x /usr/bin/chromium && test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; }

## backup-deps: pg_dump, pg_restore and psql for `shente backup` / `restore` and their tests
backup-deps:
	@test -x /usr/bin/pg_dump && test -x /usr/bin/pg_restore && test -x /usr/bin/psql || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client; }
## deploy-deps: Debian's nginx, for `nginx -t` on deploy/nginx/shente.conf (tests/infra/test_deployment.py)
deploy-deps:
	@test -x /usr/sbin/nginx || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx; }

## screenshot: refresh docs/simulator.png, console.png and broadcast.png from the browser tests
screenshot: install browser-deps
	SCREENSHOT=1 $(BIN)/pytest tests/dev/test_simulator.py tests/binding/test_browser.py \
	  tests/newsletters/test_browser.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/shente db upgrade

scheduler: install
	$(BIN)/shente scheduler

## faults-deps: Debian's haproxy, redis-server and PostgreSQL 15 binaries for the fault suite
faults-deps:
	@test -x /usr/sbin/haproxy && command -v redis-server >/dev/null && \
	  test -x /usr/lib/postgresql/15/bin/initdb || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy redis-server \
	    postgresql-15; }

## faults: the fault suite (bench/faults/): two apps behind haproxy, a scheduler and a standby,
# private PostgreSQL and Redis, each broken under load; prints figures, fails on a lost or
# doubled message. About 5 minutes; uses nothing of the machine's own PostgreSQL or Redis.
faults: install faults-deps
	$(BIN)/python -m bench.faults

## bench: the callback benchmark (by hand, never in CI); its load generator is Debian's wrk
bench: install
	@command -v wrk >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; }
	$(BIN)/python bench/callback.py --redis --stack serve

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
