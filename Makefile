# Everything a fresh machine needs is installed by `make setup` (idempotent).
PY := .venv/bin/python

.PHONY: setup run test test-all lint bench calibrate

setup: .venv/.installed node_modules/telegram-test-api

.venv/.installed: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh --no-node
	touch $@

node_modules/telegram-test-api: package.json
	npm install --no-audit --no-fund --loglevel=error

# The main job: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else the console over seeds/.
run: setup
	$(PY) -m bot --auto

# What CI runs: lint (ruff, format, mypy --strict), then the default test run.
test: lint
	$(PY) -m pytest

test-all: setup
	$(PY) -m pytest -m ""

lint: setup
	$(PY) -m ruff check retrieval bot tests benchmarks
	$(PY) -m ruff format --check retrieval bot tests benchmarks
	$(PY) -m mypy

bench: setup
	$(PY) -m benchmarks.run

calibrate: setup
	$(PY) benchmarks/calibrate_threshold.py
