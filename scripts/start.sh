#!/usr/bin/env bash
# Set everything up (first run only) and start the app on http://127.0.0.1:7860
# Flags go to app.py: bash scripts/start.sh --host 0.0.0.0 --port 8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
