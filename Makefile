# Member Center — the two commands: `make run` and `make test`.
# Every target sets up what it needs; a second run reinstalls nothing unchanged.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS_BIN := $(CURDIR)/tools/node_modules/.bin
export PATH := $(TOOLS_BIN):$(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1
PORT ?= 3000

.PHONY: run dev serve test test-unit test-e2e bench setup setup-python setup-tools chromium fonts nginx migrate seed clean \
	i18n-extract i18n-update i18n-compile

run: setup migrate seed ## set up, migrate, seed demo data, serve the production build on :3000
	@RXAPP_DEMO=$${RXAPP_DEMO:-1} $(PY) -m rxapp.cli banner --port $(PORT)
	RXAPP_DEMO=$${RXAPP_DEMO:-1} RXAPP_PORT=$(PORT) $(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT)

# Production: demo mode off, nothing demo loaded or printed; starts only when check-config finds nothing wrong.
serve: setup migrate ## production start (RXAPP_DEMO=0): check the configuration and data, then serve on :$(PORT)
	RXAPP_DEMO=0 $(PY) -m rxapp.cli check-config
	@RXAPP_DEMO=0 $(PY) -m rxapp.cli banner --port $(PORT)
	RXAPP_DEMO=0 RXAPP_PORT=$(PORT) $(VENV)/bin/reflex run --env prod --single-port --frontend-port $(PORT)

dev: setup migrate seed ## hot-reload dev server
	RXAPP_DEMO=$${RXAPP_DEMO:-1} $(VENV)/bin/reflex run --env dev

# Browser tests run last: their session-wide browser and in-process app must not sit under the others.
# With RXAPP_TEST_DATABASE_URL set (CI sets it), a second pass runs the database and state tests on
# PostgreSQL; with RXAPP_TEST_CLUSTER=1 and RXAPP_TEST_REDIS_URL too (.ci/run sets all three), the browser tests also run against
# two instances behind nginx on PostgreSQL + Redis (tests/distributed.py; .ci/run sets the two URLs).
test: setup chromium fonts nginx ## every test: unit, state, end-to-end (browser); then the PostgreSQL pass
	$(PY) -m pytest tests/unit tests/state tests/e2e
	@if [ -n "$$RXAPP_TEST_DATABASE_URL" ]; then \
	  echo "== second pass: the database and state tests on PostgreSQL (tests/distributed.py)"; \
	  RXAPP_TEST_PASS=distributed $(PY) -m pytest -m "not sqlite_only and not in_process" tests/unit tests/state; \
	else \
	  echo "== skipped the second pass on PostgreSQL: RXAPP_TEST_DATABASE_URL is not set (CI sets it)"; \
	fi
	@if [ -n "$$RXAPP_TEST_CLUSTER" ] && [ -n "$$RXAPP_TEST_DATABASE_URL" ] && [ -n "$$RXAPP_TEST_REDIS_URL" ]; then \
	  echo "== browser tests against two instances behind nginx, PostgreSQL + Redis (tests/e2e/cluster.py)"; \
	  RXAPP_TEST_PASS=distributed $(PY) -m pytest -m "not sqlite_only and not in_process" tests/e2e; \
	else \
	  echo "== skipped the browser tests against two instances behind nginx: set RXAPP_TEST_CLUSTER=1 with RXAPP_TEST_DATABASE_URL and RXAPP_TEST_REDIS_URL"; \
	fi

bench: setup fonts ## benchmarks, each against a baseline measured in the same run
	$(PY) -m bench

setup: setup-python setup-tools

setup-python: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup-tools: tools/.installed
tools/.installed: tools/package.json
	cd tools && npm install --no-audit --no-fund --no-package-lock --loglevel=error
	touch $@

chromium: ## Debian's chromium for browser tests (Playwright's own download does not work offline)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "chromium is missing: run 'sudo apt-get install chromium' and try again" >&2; exit 1; fi; }

# The evidence pre-check's tests draw their invoices with DejaVu and, for Traditional Chinese, WenQuanYi Micro Hei.
fonts: ## Debian's fonts for the generated invoice corpus (tests/factories/evidence_corpus.py)
	@{ command -v fc-list >/dev/null 2>&1 && fc-list | grep -q "DejaVu Sans" && fc-list | grep -q "WenQuanYi Micro Hei"; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq fontconfig fonts-dejavu-core fonts-wqy-microhei; \
	  else echo "fonts are missing: run 'sudo apt-get install fontconfig fonts-dejavu-core fonts-wqy-microhei' and try again" >&2; exit 1; fi; }

migrate: setup-python
	$(PY) -m rxapp.cli migrate

nginx: ## Debian's nginx, for the browser tests against two instances (only with RXAPP_TEST_CLUSTER=1)
	@if [ -n "$$RXAPP_TEST_CLUSTER" ]; then \
	  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx; \
	    else echo "nginx is missing: run 'sudo apt-get install nginx' and try again" >&2; exit 1; fi; }; \
	fi

# Demo data for `make run` / `make dev` (demo mode, as they run); with RXAPP_DEMO=0 it loads nothing.
# A fresh seed's claims get their evidence checks from a background process (data/backfill-evidence.log).
seed: setup-python
	RXAPP_DEMO=$${RXAPP_DEMO:-1} $(PY) -m rxapp.cli seed-if-empty --check-evidence

clean:
	rm -rf .web .states artifacts

# Translations (rxapp/i18n.py): extract the texts from the code into the template, merge it into each
# language's catalog (new texts arrive empty, changed ones fuzzy), and check/compile the catalogs.
# tests/unit/test_i18n.py fails while a text is unmarked, or a zh-TW or German entry is missing or fuzzy.
I18N_LANGS := zh_TW de
i18n-extract: setup-python ## the catalog template rxapp/locale/messages.pot from the code (babel.cfg)
	PYTHONPATH=$(CURDIR) $(VENV)/bin/pybabel extract -F babel.cfg --sort-by-file --no-wrap \
	  --project "Member Center" --copyright-holder "Member Center" -o rxapp/locale/messages.pot rxapp

i18n-update: i18n-extract ## merge the template into rxapp/locale/<lang>/LC_MESSAGES/messages.po
	for lang in $(I18N_LANGS); do \
	  if [ -f rxapp/locale/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(VENV)/bin/pybabel update --no-wrap -i rxapp/locale/messages.pot -d rxapp/locale -l $$lang; \
	  else $(VENV)/bin/pybabel init --no-wrap -i rxapp/locale/messages.pot -d rxapp/locale -l $$lang; fi; \
	done

i18n-compile: setup-python ## check every catalog and compile it (.mo, for gettext tools; the app reads the .po)
	$(VENV)/bin/pybabel compile --statistics -d rxapp/locale

