"""The hardware calculator against this machine: predicted memory and speed bound beside what
the app's models measure. Prints figures; asserts nothing.

    flock /tmp/genai-cpu.lock .venv/bin/python bench/bench_hardware.py [--tokens 48]

For SmolLM2 and Gemma 3 (float32, as the app runs them): the calculator's weights and KV cache
beside the tensors' bytes and the real cache after a prompt; the bandwidth bound (this
machine's measured read bandwidth / bytes read per token) beside the measured greedy tokens/s
(one thread, as the app serves), and their ratio. The GGUF files' measured bits per weight.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench_backends import load_average, torch_read_bytes_per_s  # noqa: E402
from playground import backends  # noqa: E402
from playground.backends import gguf as gguf_files  # noqa: E402
from playground.lifecycle import hardware as hw  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=48)
    args = parser.parse_args()
    import torch

    for name, source in (("smollm2", gguf_files.smollm2_gguf), ("gemma3", gguf_files.gemma3_gguf)):
        folder, file = source()
        bits, numbers = hw.gguf_bits(folder / file)
        print(f"{name} GGUF {file}: {bits:.2f} bits per weight measured; types {numbers}")
    read = torch_read_bytes_per_s()
    print(f"read bandwidth (torch sum, {torch.get_num_threads()} threads): {read / 1e9:.1f} GB/s; {load_average()}")
    for name in hw.APP_MODELS:
        lm = backends.get(name)
        model = hw.from_loaded(name, lm.model)
        prompt = lm.prompt_ids("El futuro de la IA se basa en la")
        tensors = sum({p.data_ptr(): p.numel() * p.element_size() for p in lm.model.parameters()}.values())
        e = hw.estimate(model, 32, len(prompt) + args.tokens, kv_bytes=4, bandwidth_gbs=read / 1e9)
        lm.generate_ids(prompt, 4, temperature=0)                   # warm up
        start = time.perf_counter()
        new = lm.generate_ids(prompt, args.tokens, temperature=0)
        speed = len(new) / (time.perf_counter() - start)
        print(f"{name}: weights predicted {e.weights / 2**20:,.1f} MiB, tensors {tensors / 2**20:,.1f} MiB; "
              f"bound {e.tokens_per_s:.1f} tokens/s, measured {speed:.1f} tokens/s "
              f"(ratio {speed / e.tokens_per_s:.2f})", flush=True)


if __name__ == "__main__":
    main()
