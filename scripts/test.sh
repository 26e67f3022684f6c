#!/usr/bin/env bash
# Runs every check: architecture contracts, lint, and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
echo "== import contracts"; lint-imports
echo "== ruff"; ruff check .
echo "== mypy"; mypy
echo "== pytest"; python -m pytest "$@"
