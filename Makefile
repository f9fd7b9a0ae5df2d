# MiMiVibes backend. `make dev` starts the whole local stack; `make test` runs the tests.
# Both set up what they need on a fresh machine: the venv, the packages and redis-server.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Every install comes from uv.lock (hashes of every runtime and dev package), with the uv pinned in
# tools/uv-requirements.txt. `uv sync --frozen` makes .venv exactly the lock's dev set (extras local + dev);
# `make lock` upgrades everything on purpose; README "Dependencies" says how to move one package.
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
export UV_PROJECT_ENVIRONMENT := $(VENV)
STAMP := $(VENV)/.synced-$(shell cat pyproject.toml uv.lock 2>/dev/null | cksum | cut -d' ' -f1)
SYNC := $(UV) sync --frozen --all-extras --quiet

$(UV): tools/uv-requirements.txt
	rm -rf $(TOOLS) && $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --disable-pip-version-check --require-hashes --no-deps -r tools/uv-requirements.txt

# A lock that no longer satisfies pyproject.toml stops every target that installs, with one line.
check-lock: | $(UV)
	@$(UV) lock --check --offline --quiet 2>/dev/null \
	  || { echo "uv.lock is out of date with pyproject.toml: run 'make lock' (or '$(UV) lock') and commit uv.lock" >&2; exit 1; }

$(STAMP): pyproject.toml uv.lock | $(UV)
	@$(MAKE) -s check-lock
	$(SYNC)
	rm -f $(VENV)/.installed-* $(VENV)/.synced-* && touch $(STAMP)

# Upgrade every locked package to the newest release pyproject allows, in one commit of its own (README).
lock: | $(UV)
	$(UV) lock --upgrade

# apt waits up to 2 min for another apt's lock and shows its errors. Without CI a missing part is a fallback the
# tests announce; with CI set (.ci/run) it fails the run here.
APT := $(SUDO) apt-get -o DPkg::Lock::Timeout=120 -o Acquire::Retries=2
APT_INSTALL = $(APT) install -y -q --no-install-recommends $(1) >/dev/null || { $(APT) update -q >/dev/null && $(APT) install -y -q --no-install-recommends $(1) >/dev/null; }
MISSING_PART = { if [ -n "$$CI" ]; then echo "CI: $(1) could not be installed (apt output above); failing." >&2; exit 1; else echo "note: $(1) could not be installed: $(2)"; fi; }

postgres: $(STAMP)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null \
	  || $(SYNC) --group embedded-postgres \
	  || $(call MISSING_PART,Postgres (no binaries; pgserver),no database test can run)

redis-server:
	@command -v redis-server >/dev/null || $(call APT_INSTALL,redis-server) \
	  || $(call MISSING_PART,redis-server,the Redis stand-in uses its in-process fake)
	@command -v jq >/dev/null || $(call APT_INSTALL,jq) || echo "note: jq could not be installed (README examples use it)"

# openssl names the files of each zip's cacerts/ (lib/mimi_local/cacerts.py): packaging, and so its tests, need it.
openssl:
	@command -v openssl >/dev/null || $(call APT_INSTALL,openssl) \
	  || { echo "openssl could not be installed: packaging the functions needs it" >&2; exit 1; }

BROWSER_PKGS := chromium chromium-driver fonts-tlwg-loma-ttf fonts-noto-color-emoji

browser:
	@( [ -x /usr/bin/chromium ] && fc-list :lang=th family | grep -q . && fc-list | grep -qi emoji ) \
	  || $(call APT_INSTALL,$(BROWSER_PKGS)) \
	  || $(call MISSING_PART,chromium,the browser tests will be skipped)

# The typed TypeScript client for the LIFF app (clients/mimi-api, README there). Node and npm from apt when missing;
# every install is `npm ci` from its package-lock.json, redone when the lock changes.
CLIENT := clients/mimi-api
NPM_STAMP := $(CLIENT)/node_modules/.ci-$(shell cat $(CLIENT)/package-lock.json 2>/dev/null | cksum | cut -d' ' -f1)

node:
	@( command -v node && command -v npm ) >/dev/null || $(call APT_INSTALL,nodejs npm) \
	  || $(call MISSING_PART,Node.js and npm,the typed client's tests will be skipped)

$(NPM_STAMP): $(CLIENT)/package-lock.json | node
	@if command -v npm >/dev/null; then \
	  cd $(CLIENT) && npm ci --no-audit --no-fund --loglevel=error && touch $(abspath $(NPM_STAMP)); fi

client-deps: $(NPM_STAMP)

# Regenerate the client's types (src/schema.d.ts, committed) from openapi.json; run it after `make openapi`.
client: client-deps
	cd $(CLIENT) && npm run -s generate

# CI: the committed types match openapi.json, and the client and its usage example compile with tsc --strict.
client-check: client-deps
	@command -v npm >/dev/null || { echo "make client-check: Node.js and npm are needed" >&2; exit 1; }
	@cd $(CLIENT) && npm run -s types | diff -q - src/schema.d.ts >/dev/null \
	  || { echo "$(CLIENT)/src/schema.d.ts is stale against openapi.json: run make client" >&2; exit 1; }
	cd $(CLIENT) && npm run -s typecheck
	@echo "client-check: types current, client and example compile (tsc --strict)"

PORT ?= 8000
DATA ?= .local

dev: $(STAMP) postgres redis-server
	$(PY) -m mimi_local.dev --port $(PORT) --data $(DATA)

test: $(STAMP) postgres redis-server browser openssl client-deps
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check lib functions tests
	$(VENV)/bin/ruff format --check lib functions tests
	$(VENV)/bin/mypy --strict lib/mimi lib/mimi_local functions

# Every bench; figures are printed and written to tests/bench/results/ (git-ignored).
bench: $(STAMP) postgres redis-server openssl
	$(PY) -m pytest -q tests/bench -p no:cacheprovider -s

# The reading agent's golden set (lib/mimi_local/eval): the local OpenAI stand-in, or the first of LLM_PROVIDERS
# when it is set (a real model). Writes .eval/report.md (git-ignored) with checks, latency and tokens per case.
eval: $(STAMP)
	$(PY) -m mimi_local.eval --out .eval

# Only the cold-start bench (each function's zip in a fresh interpreter); COLDSTART_RUNS=N for more runs,
# COLDSTART_INSTRUCTIONS=1 to also count instructions under valgrind (steady whatever the load).
bench-cold: $(STAMP) postgres redis-server openssl
	$(PY) -m pytest -q tests/bench -p no:cacheprovider -s -k coldstart

mutate: $(STAMP) postgres redis-server
	$(PY) -m tests.mutation $(ARGS)

# openapi.json and README's route list, from the route tables (a test fails when either is stale).
openapi: $(STAMP)
	$(PY) -m mimi_local.openapi

# Schemathesis against a throwaway stack on a free port: four passes (user, admin, nobody, signed), two at a time;
# reports in .fuzz/ (README "Routes and the API contract"). FUZZ_ARGS="--only admin" runs one pass.
fuzz: $(STAMP) postgres redis-server
	$(PY) -m mimi_local.fuzz $(FUZZ_ARGS)

# One zip per function in .package/, its dependencies exactly as uv.lock pins them (README "Dependencies").
package: $(STAMP) openssl
	$(PY) -m mimi_local.package --out .package --compile

# Apply sql/migrations to a real database (README "Migrations"). The URL carries a password: it is read from the
# environment and never echoed.
migrate: $(STAMP)
	@[ -n "$$DATABASE_URL" ] || { echo "usage: DATABASE_URL=postgresql://... make migrate" >&2; exit 2; }
	@$(PY) -m mimi_local.migrate "$$DATABASE_URL"

# What .github/workflows/deploy.yml does, from a laptop: test, package, migrate, then `serverless deploy`.
# STAGE here names the AWS stage; it is never exported, so the tests still run as stage local.
unexport STAGE
AWS_REGION ?= ap-southeast-1
SERVERLESS ?= npx --yes serverless@3
deploy: deploy-preflight
	$(MAKE) test
	$(MAKE) package
	$(MAKE) migrate
	$(SERVERLESS) deploy --stage $(STAGE) --region $(AWS_REGION)

# Refuse before anything runs when a deploy could not finish: no stage named on the command line (an exported
# STAGE, such as the dev stack's `local`, does not count), no AWS credentials, no Node, no database.
deploy-preflight:
	@[ "$(origin STAGE)" = "command line" ] && [ -n "$(STAGE)" ] && [ "$(STAGE)" != local ] \
	  || { echo "usage: make deploy STAGE=dev|prod (on the command line; with AWS credentials and DATABASE_URL set)" >&2; exit 2; }
	@command -v aws >/dev/null || { echo "make deploy: the aws CLI is not installed; it checks the credentials serverless will use" >&2; exit 2; }
	@aws sts get-caller-identity >/dev/null 2>&1 || { echo "make deploy: no usable AWS credentials (aws sts get-caller-identity failed); log in, e.g. aws sso login --profile <profile> and export AWS_PROFILE" >&2; exit 2; }
	@command -v npx >/dev/null || { echo "make deploy: npx (Node.js) is not installed; serverless runs through it" >&2; exit 2; }
	@[ -n "$$DATABASE_URL" ] || { echo "make deploy: DATABASE_URL is not set (the Supabase direct connection string; migrations run before the deploy)" >&2; exit 2; }

# The old app's users into MiMiVibes (README: importing the old app's users). DRY_RUN=1 reports and writes nothing.
# The recipe is not echoed: the DSNs carry passwords.
import-legacy: $(STAMP)
	@[ -n "$(LEGACY_DSN)" ] && [ -n "$(DSN)" ] \
	  || { echo "usage: make import-legacy LEGACY_DSN=postgresql://... DSN=postgresql://... [DRY_RUN=1]" >&2; exit 2; }
	@$(PY) -m mimi_local.legacy_import --legacy-dsn "$(LEGACY_DSN)" --dsn "$(DSN)" $(if $(DRY_RUN),--dry-run)

clean:
	rm -rf .local .package .fuzz .pytest_cache .mypy_cache .ruff_cache
