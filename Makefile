# Everything a fresh machine needs is installed by `make setup` (idempotent).
PY := .venv/bin/python
SRC := retrieval bot tests benchmarks

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

# What CI runs: ruff and ruff format, then the default test run in two workers (each
# file whole on one worker; the benchmark smoke run and the tests that mostly wait on
# timers start first, see tests/conftest.py) with mypy --strict beside it; it fails if
# either does.
test: setup
	$(PY) -m ruff check $(SRC)
	$(PY) -m ruff format --check $(SRC)
	out=$$(mktemp); $(PY) -m mypy > $$out 2>&1 & mypy=$$!; \
	$(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder; tests=$$?; \
	wait $$mypy; typed=$$?; echo "mypy:"; cat $$out; rm -f $$out; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

test-all: setup
	$(PY) -m pytest -m ""

lint: setup
	$(PY) -m ruff check $(SRC)
	$(PY) -m ruff format --check $(SRC)
	$(PY) -m mypy

bench: setup
	$(PY) -m benchmarks.run

calibrate: setup
	$(PY) benchmarks/calibrate_threshold.py

# The documentation collections of the issue-13 question sets (tests/data/dev_*.jsonl),
# fetched from Debian packages into $DOCQA_COLLECTIONS or ~/.cache/docqa/collections.
# Only the slow tests and python -m benchmarks.collections read them; the bot never does.
.PHONY: collections
collections: setup
	$(PY) scripts/fetch_collections.py
