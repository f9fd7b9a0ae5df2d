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

# openssl names the files of each zip's cacerts/ (lib/mimi_ops/cacerts.py): packaging, and so its tests, need it.
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

dev: $(STAMP) postgres redis-server client-deps
	$(PY) -m mimi_local.dev --port $(PORT) --data $(DATA)

test: $(STAMP) postgres redis-server browser openssl client-deps
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check lib functions tests
	$(VENV)/bin/ruff format --check lib functions tests
	$(VENV)/bin/mypy --strict lib/mimi lib/mimi_local lib/mimi_ops functions

# Every bench; figures are printed and written to tests/bench/results/ (git-ignored).
bench: $(STAMP) postgres redis-server openssl
	$(PY) -m pytest -q tests/bench -p no:cacheprovider -s

# The reading agent's golden set (lib/mimi_ops/eval): the first of LLM_PROVIDERS when it is set (a real model),
# else the harness on the local OpenAI stand-in (tests/ops/eval/stand_in.py: only tests compose mimi_ops and
# mimi_local). Writes .eval/report.md (git-ignored) with checks, latency and tokens per case.
eval: $(STAMP)
	$(PY) -m $(if $(LLM_PROVIDERS),mimi_ops.eval,tests.ops.eval.stand_in) --out .eval

# Only the cold-start bench (each function's zip in a fresh interpreter); COLDSTART_RUNS=N for more runs,
# COLDSTART_INSTRUCTIONS=1 to also count instructions under valgrind (steady whatever the load).
bench-cold: $(STAMP) postgres redis-server openssl
	$(PY) -m pytest -q tests/bench -p no:cacheprovider -s -k coldstart

mutate: $(STAMP) postgres redis-server
	$(PY) -m tests.mutation $(ARGS)

# openapi.json and README's route list, from the route tables (a test fails when either is stale).
openapi: $(STAMP)
	$(PY) -m mimi_ops.openapi

# Schemathesis against a throwaway stack on a free port: four passes (user, admin, nobody, signed), two at a time;
# reports in .fuzz/ (README "Routes and the API contract"). FUZZ_ARGS="--only admin" runs one pass.
fuzz: $(STAMP) postgres redis-server
	$(PY) -m mimi_local.fuzz $(FUZZ_ARGS)

# One zip per function in .package/, its dependencies exactly as uv.lock pins them (README "Dependencies").
package: $(STAMP) openssl
	$(PY) -m mimi_ops.package --out .package --compile

# Apply sql/migrations to a real database (README "Migrations"). The URL carries a password: it is read from the
# environment and never echoed.
migrate: $(STAMP)
	@[ -n "$$DATABASE_URL" ] || { echo "usage: DATABASE_URL=postgresql://... make migrate" >&2; exit 2; }
	@$(PY) -m mimi_ops.migrate "$$DATABASE_URL"

# What .github/workflows/deploy.yml does, from a laptop: test, package, migrate, then the stack, the QStash
# schedules and the smoke test. STAGE here names the AWS stage; it is never exported, so the tests still run as
# stage local.
unexport STAGE
AWS_REGION ?= ap-southeast-1
deploy: deploy-preflight
	$(MAKE) test
	$(MAKE) package
	$(MAKE) migrate
	$(MAKE) deploy-stack STAGE=$(STAGE)
	$(MAKE) schedules STAGE=$(STAGE)
	$(MAKE) smoke STAGE=$(STAGE)

# Refuse before anything runs when a deploy could not finish: no stage named on the command line (an exported
# STAGE, such as the dev stack's `local`, does not count), no AWS credentials, no Node, no database.
deploy-preflight: aws-preflight
	@[ -n "$$DATABASE_URL" ] || { echo "make deploy: DATABASE_URL is not set (the Supabase session pooler connection string; migrations run before the deploy)" >&2; exit 2; }

aws-preflight:
	@[ "$(origin STAGE)" = "command line" ] && [ -n "$(STAGE)" ] && [ "$(STAGE)" != local ] \
	  || { echo "usage: make $(or $(MAKECMDGOALS),deploy) STAGE=dev|prod (on the command line; with AWS credentials set)" >&2; exit 2; }
	@command -v aws >/dev/null || { echo "make $(MAKECMDGOALS): the aws CLI is not installed; it checks the credentials serverless will use" >&2; exit 2; }
	@aws sts get-caller-identity >/dev/null 2>&1 || { echo "make $(MAKECMDGOALS): no usable AWS credentials (aws sts get-caller-identity failed); log in, e.g. aws sso login --profile <profile> and export AWS_PROFILE" >&2; exit 2; }
	@command -v npm >/dev/null || { echo "make $(MAKECMDGOALS): npm (Node.js 20) is not installed; osls runs on it" >&2; exit 2; }

# osls (the deploy tool), exactly as package-lock.json pins it; never an unpinned npx.
SERVERLESS := node_modules/.bin/serverless
node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund

# The stack alone (the zips in .package/ must exist: make package).
deploy-stack: aws-preflight node_modules/.package-lock.json
	$(SERVERLESS) deploy --stage $(STAGE) --region $(AWS_REGION)

# Render the stack for a stage offline (no AWS: a local SSM stub), cfn-lint it, actionlint the workflows and check
# our own rules on the template (lib/mimi_ops/deploy_check). CI runs it for prod.
CHECK_STAGE ?= prod
deploy-check: $(STAMP) node_modules/.package-lock.json
	$(PY) -m mimi_ops.deploy_check --stage $(CHECK_STAGE)

# A stack output (a function URL) and a stage's SSM parameter, for the steps after a deploy.
STACK_OUTPUT = aws cloudformation describe-stacks --region $(AWS_REGION) --stack-name mimivibes-backend-$(STAGE) --query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text
SSM_VALUE = aws ssm get-parameter --region $(AWS_REGION) --name /mimivibes/$(STAGE)/$(1) --with-decryption --query Parameter.Value --output text

# The QStash schedules (sweep, nightly reconcile), created or updated by id: safe to run on every deploy.
schedules: aws-preflight $(STAMP)
	@QSTASH_TOKEN="$$($(call SSM_VALUE,qstash_token))" $(PY) -m mimi_ops.schedules --stage $(STAGE) \
	  --processor "$$($(call STACK_OUTPUT,ReadingProcessorUrl))" --reconcile "$$($(call STACK_OUTPUT,ReconcileUrl))"

# After a deploy: health answers ok and the processor answers one QStash-signed no-op.
smoke: aws-preflight $(STAMP)
	@QSTASH_CURRENT_SIGNING_KEY="$$($(call SSM_VALUE,qstash_current_signing_key))" $(PY) -m mimi_ops.smoke \
	  --health "$$($(call STACK_OUTPUT,HealthUrl))" --processor "$$($(call STACK_OUTPUT,ReadingProcessorUrl))"

# Back to an earlier deployment of the functions and their configuration (osls re-deploys that template and its
# zips from the deployment bucket, which keeps the last five). The database is not rolled back: migrations are
# forward-only and additive, so earlier functions work on the newer schema. Without TIMESTAMP it lists them.
rollback: aws-preflight node_modules/.package-lock.json
	@[ -n "$(TIMESTAMP)" ] || { $(SERVERLESS) deploy list --stage $(STAGE) --region $(AWS_REGION); \
	  echo "then: make rollback STAGE=$(STAGE) TIMESTAMP=<one of the timestamps above>" >&2; exit 2; }
	$(SERVERLESS) rollback --timestamp $(TIMESTAMP) --stage $(STAGE) --region $(AWS_REGION)
	$(MAKE) smoke STAGE=$(STAGE)

# Supabase accepts our app tokens: our ES256 keys as the project's JWT signing keys (lib/mimi_ops/supabase_keys.py;
# README "The first deploy", step 5). STEP=new-key|import|rotate|revoke; DRY_RUN=1 prints the calls and writes nothing.
# APP_JWT_KEYS comes from the environment, else from the stage's SSM parameter.
supabase-keys: $(STAMP)
	@[ -n "$(STAGE)" ] && [ -n "$(STEP)" ] || { echo "usage: make supabase-keys STAGE=dev|prod STEP=new-key|import|rotate|revoke [DRY_RUN=1]" >&2; exit 2; }
	@APP_JWT_KEYS="$${APP_JWT_KEYS:-$$([ "$(STEP)" = new-key ] || $(call SSM_VALUE,app_jwt_keys))}" \
	  $(PY) -m mimi_ops.supabase_keys $(STEP) $(if $(DRY_RUN),--dry-run)

# The old app's users into MiMiVibes (README "Importing the old app's users"). DRY_RUN=1 reports and writes nothing.
# The recipe is not echoed: the DSNs carry passwords.
import-legacy: $(STAMP)
	@[ -n "$(LEGACY_DSN)" ] && [ -n "$(DSN)" ] \
	  || { echo "usage: make import-legacy LEGACY_DSN=postgresql://... DSN=postgresql://... [DRY_RUN=1]" >&2; exit 2; }
	@$(PY) -m mimi_ops.legacy_import --legacy-dsn "$(LEGACY_DSN)" --dsn "$(DSN)" $(if $(DRY_RUN),--dry-run)

clean:
	rm -rf .local .package .fuzz .pytest_cache .mypy_cache .ruff_cache .serverless-check .serverless
