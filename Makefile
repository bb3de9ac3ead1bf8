# Chores for developers, CI and clinic IT. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install lock check-latest demo test lint typecheck check schedule-check \
        i18n-extract i18n-update i18n-compile i18n-stale bench worker beat clean chaos chaos-short

help: ## list every chore
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

# Installs come from the lock only: exact versions, every file's hash checked, nothing resolved
# here. The project itself goes in last without touching its dependencies.
$(STAMP): pyproject.toml requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the service with its development tools (from the lock)

# `make lock` re-resolves within pyproject.toml's ranges, keeping every other pin;
# `make lock UPGRADE=babel` moves one dependency to its newest allowed version.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" --quiet \
	$(if $(UPGRADE),--upgrade-package $(UPGRADE))
lock: $(STAMP) ## regenerate requirements.txt and requirements-dev.txt from pyproject.toml
	$(UV_COMPILE) --group build -o requirements.txt
	$(UV_COMPILE) --group dev -o requirements-dev.txt

check-latest: $(STAMP) ## the suite on the newest versions pyproject.toml allows (a throwaway venv)
	$(BIN)/python .ci/check_latest.py

demo: $(STAMP) ## the main job: a real worker and beat play sample patients' timelines (~1 min)
	$(BIN)/reminders demo

test: $(STAMP) ## run the whole test suite (real Redis, real Celery worker)
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff, mypy, the import contracts, schedule files and the catalogs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/reminders schedule check
	$(MAKE) --no-print-directory i18n-stale
	$(MAKE) --no-print-directory i18n-check

typecheck: $(STAMP) ## mypy only
	$(BIN)/mypy

check: lint test ## everything CI runs

schedule-check: $(STAMP) ## validate the shipped schedule files
	$(BIN)/reminders schedule check

i18n-extract: $(STAMP) ## rewrite locales/messages.pot from the code
	$(BIN)/reminders i18n extract

i18n-update: $(STAMP) ## merge messages.pot into every locales/<ll>/LC_MESSAGES/messages.po
	$(BIN)/reminders i18n update

i18n-compile: $(STAMP) ## build the .mo files
	$(BIN)/reminders i18n compile

i18n-stale: $(STAMP) ## fail when locales/messages.pot does not match the code
	@$(BIN)/python -c "import sys; from pathlib import Path; \
	from reminders.i18n.tools.tooling import pot_is_stale; \
	stale = pot_is_stale(Path('locales')); \
	print('locales/messages.pot is stale: run make i18n-extract' if stale else 'messages.pot is up to date'); \
	sys.exit(1 if stale else 0)"

.PHONY: i18n-check i18n-stats
i18n-check: $(STAMP) ## fail on a broken, missing, fuzzy or too long translation, or a stale .pot
	$(BIN)/reminders i18n check

i18n-stats: $(STAMP) ## per language: translated, fuzzy, missing, review status, longest SMS
	$(BIN)/reminders i18n stats

# Real Redis (AOF), workers, beat, API and a fault-injecting fake Twilio; workers and Redis
# killed while appointments change; judged from outside. CHAOS_SEED=n repeats a run's plan.
chaos: $(STAMP) ## the chaos test: 150 appointments, kills, edits in flight, 0 duplicates/lost (~6 min)
	$(BIN)/python -m reminders.devtools.chaos

chaos-short: $(STAMP) ## the shortened chaos test CI runs (100 appointments, ~3 min)
	$(BIN)/python -m reminders.devtools.chaos --short

bench: $(STAMP) ## print the engine's speed and memory figures beside plain Celery ETA tasks
	$(BIN)/python bench/bench_engine.py

worker: $(STAMP) ## run a Celery worker in the foreground (uses REDIS_URL)
	$(BIN)/celery -A reminders.celery_app worker --loglevel=INFO --without-gossip --without-mingle \
		-Q $${REMINDERS_QUEUE:-reminders},$${REMINDERS_QUEUE:-reminders}.dispatch

beat: $(STAMP) ## run the one Celery beat in the foreground (uses REDIS_URL)
	$(BIN)/celery -A reminders.celery_app beat --loglevel=INFO

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
