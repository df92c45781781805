#!/usr/bin/env bash
# Creates .venv with everything the project and its tests need, and installs the
# Telegram Bot API emulator used by the end-to-end tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The CPU build of torch first: otherwise sentence-transformers pulls a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[test]"

if [ "${1:-}" != "--no-node" ] && command -v npm >/dev/null 2>&1; then
  if [ ! -d node_modules/telegram-test-api ]; then
    npm install --no-audit --no-fund --loglevel=error
  fi
fi
