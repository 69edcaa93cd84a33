#!/usr/bin/env bash
# Set up what the tests need (first run only: .venv, dev tools, Debian's chromium) and run
# the whole suite: unit, API and browser tests. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python -m pytest -q tests "$@"
