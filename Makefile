# MiMiVibes backend. `make dev` starts the whole local stack; `make test` runs the tests.
# Both set up what they need on a fresh machine: the venv, the packages and redis-server.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: dev test lint bench mutate package postgres redis-server browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

postgres: $(STAMP)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null \
	  || $(VENV)/bin/pip install -q pgserver \
	  || echo "no Postgres binaries and pgserver could not be installed"

redis-server:
	@command -v redis-server >/dev/null || ( $(SUDO) apt-get install -y -q redis-server >/dev/null 2>&1 \
	  || ( $(SUDO) apt-get update -q >/dev/null 2>&1 && $(SUDO) apt-get install -y -q redis-server >/dev/null 2>&1 ) ) \
	  || echo "redis-server could not be installed: the Redis stand-in uses its in-process fake"

BROWSER_PKGS := chromium chromium-driver fonts-tlwg-loma-ttf

browser:
	@( [ -x /usr/bin/chromium ] && fc-list :lang=th family | grep -q . ) || ( $(SUDO) apt-get install -y -q $(BROWSER_PKGS) >/dev/null 2>&1 \
	  || ( $(SUDO) apt-get update -q >/dev/null 2>&1 && $(SUDO) apt-get install -y -q $(BROWSER_PKGS) >/dev/null 2>&1 ) ) \
	  || echo "chromium could not be installed: tests/e2e/test_console.py will be skipped (CI must install it)"

dev: $(STAMP) postgres redis-server
	$(PY) -m mimi_local.dev

test: $(STAMP) postgres redis-server browser
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check lib functions tests
	$(VENV)/bin/mypy --strict lib/mimi lib/mimi_local functions

bench: $(STAMP) postgres redis-server
	$(PY) -m pytest -q tests/bench -p no:cacheprovider -s

mutate: $(STAMP) postgres redis-server
	$(PY) -m tests.mutation $(ARGS)

package: $(STAMP)
	$(PY) -m mimi_local.package --out .package --compile

clean:
	rm -rf .local .package .pytest_cache .mypy_cache .ruff_cache
