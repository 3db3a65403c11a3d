# Yanxun: two commands on a fresh Debian 12 machine.
#   make run         install what is missing, migrate, load the demo district, serve :8000
#   make test        the whole check: lint, migrations, suite on SQLite (+ browser) and PostgreSQL
# and, while working:
#   make test-fast [ARGS="tests/org -k import"]   SQLite, no browser, stop at the first failure
#   make lint        ruff check
#   make bootstrap   only install what is missing

SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=
VENV := .venv/bin
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test test-fast lint bootstrap

run: bootstrap
	@$(VENV)/python manage.py migrate --noinput --verbosity 0
	@echo "run: database migrated"
	@# `help --commands` lists command names without importing them, so a broken demo
	@# command still runs (and fails loudly); only an absent one is skipped.
	@if $(VENV)/python manage.py help --commands | grep -qx demo; then \
		$(VENV)/yanxun demo; \
	else \
		echo "run: no demo command yet, serving an empty database"; \
	fi
	@$(VENV)/yanxun serve --host $(HOST) --port $(PORT) --no-migrate

test:
	@scripts/test.sh

test-fast:
	@scripts/test.sh --fast $(ARGS)

lint: bootstrap
	$(VENV)/ruff check src tests

bootstrap:
	@scripts/bootstrap.sh
