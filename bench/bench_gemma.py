"""Benchmarks of Gemma 3 270M, the Spanish-speaking causal LM (issue 12). Prints figures;
asserts nothing.

    .venv/bin/python bench/bench_gemma.py [--tokens 48] [--reps 3] [--first-load] [--sections 123]

1. Load time in a fresh process from the float32 cache folder (target <= 8 s), twice; with
   --first-load also the first start (assembling the GGUF, dequantizing, saving) into an
   empty cache folder.
2. Resident memory of one process with every backend the app preloads (backends.PRELOAD_ORDER:
   Gemma, the multilingual encoder, SmolLM2, MiniLM, GloVe; not the optional chat model, which
   bench/bench_chat_spanish.py --memory measures) and every tokenizer loaded,
   after one forward pass of each causal LM (the weights load mapped from safetensors: a
   page counts once read) (the budget: 3.5 GB), and the same without Gemma.
3. Gemma sampling N tokens after the course's Spanish prompt: our KV-cache loop
   (`stream_tokens`) against `model.generate` on the same weights and the same torch threads,
   alternating, median of R runs, the ratio ours / generate (target >= 1.0); read against
   the memory-bandwidth bound (weight bytes per token / measured bandwidth).

Run it on a quiet machine: on 2 shared cores, another heavy process halves every figure.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench_backends import bandwidth_bytes_per_s, load_average, mb, torch_read_bytes_per_s  # noqa: E402

# A child process: import torch + transformers (timed apart), load the backends named, print JSON.
CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import psutil, torch, transformers
for cls in ("AutoTokenizer", "AutoModelForCausalLM", "Gemma3ForCausalLM", "LlamaForCausalLM",
            "BertModel", "PreTrainedTokenizerFast"):
    getattr(transformers, cls)
sys.path.insert(0, {root!r})
from playground import backends
from playground.backends import tokenizers
t1 = time.perf_counter()
names = sys.argv[1].split(",")
if names == ["all"] or names == ["all-but-gemma3"]:
    skip = {{"gemma3", "gemma3-chat"}} if names == ["all-but-gemma3"] else set()   # the adapter loads Gemma too
    for name in backends.PRELOAD_ORDER:             # what the app loads at start (no optional
        if name not in skip:                        # model such as the chat's Qwen)
            backends.get(name)
    for name in tokenizers.NAMES:
        if name not in skip:
            tokenizers.get(name)
    for name in backends.names(kind="causal_lm"):   # one forward pass each: every weight
        if name not in skip:                        # page read (safetensors are mapped)
            lm = backends.get(name)
            lm.next_token_logits(lm.prompt_ids("El futuro de la IA se basa en la"))
else:
    for name in names:
        backends.get(name)
t2 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "rss": psutil.Process().memory_info().rss,
                  "names": list(backends.PRELOAD_ORDER), "from_cache": getattr(backends.get("gemma3"), "from_cache", None)
                  if "gemma3" in names else None}}))
"""


def child(what: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), what],
                         capture_output=True, text=True, env={**os.environ, **(env or {})})
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_times(first_load: bool) -> None:
    print(f"\n## 1. Gemma 3 270M: load time in a fresh process ({load_average()})")
    print(f"{'run':<34} {'imports':>8} {'load':>8}")
    if first_load:
        with tempfile.TemporaryDirectory() as empty:
            env = {"GENAI_PLAYGROUND_CACHE": empty}
            for label in ("first start (assemble, dequantize)", "then from that cache"):
                r = child("gemma3", env)
                print(f"{label:<34} {r['import_s']:>7.2f}s {r['load_s']:>7.2f}s")
    for run in (1, 2):
        r = child("gemma3")
        print(f"{'from the cache, run ' + str(run):<34} {r['import_s']:>7.2f}s {r['load_s']:>7.2f}s"
              f"  (from_cache={r['from_cache']})")
    print("target: from the cache <= 8 s (load column)")


def memory() -> None:
    print(f"\n## 2. Resident memory, every default backend and tokenizer loaded ({load_average()})")
    r = child("all")
    print(f"all of {', '.join(r['names'])}: RSS {mb(r['rss'])} (budget 3,584 MB); "
          f"loading took {r['load_s']:.1f} s")
    r = child("all-but-gemma3")
    print(f"the same without gemma3: RSS {mb(r['rss'])}")


def sampling_speed(n_tokens: int, reps: int) -> None:
    import torch

    from playground import backends
    from playground.text import generation

    print(f"\n## 3. Gemma sampling {n_tokens} tokens after the course's Spanish prompt "
          f"(temperature 1, top-k 50, top-p 0.95; {load_average()})")
    lm = backends.get("gemma3")
    prompt = list(generation.encode_prompt(generation.PROMPTS["es"], "gemma3"))
    settings = dict(temperature=1.0, top_k=50, top_p=0.95)

    from bench_backends import ours_and_generate     # bench/ is this script's folder

    _, _, rates = ours_and_generate(lm, prompt, n_tokens, reps, settings)
    ratio = statistics.median(rates["ours (stream_tokens)"]) / statistics.median(rates["model.generate"])
    print(f"ratio ours / generate: {ratio:.2f} (target >= 1.0); torch threads {torch.get_num_threads()}")

    weight_bytes = lm.facts()["bytes_in_memory"]
    bandwidth = bandwidth_bytes_per_s()
    print(f"memory bandwidth (numpy copy, read + write): {bandwidth / 1e9:.1f} GB/s; "
          f"weights read per token: {weight_bytes / 1e6:.0f} MB (float32, tied embedding once)")
    print(f"bandwidth bound: {bandwidth / weight_bytes:.1f} tokens/s; ours reach "
          f"{statistics.median(rates['ours (stream_tokens)']) / (bandwidth / weight_bytes):.0%} of it")
    read = torch_read_bytes_per_s()
    print(f"(torch reading a 512 MB tensor: {read / 1e9:.1f} GB/s, bound {read / weight_bytes:.1f} tokens/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--first-load", action="store_true")
    parser.add_argument("--sections", default="123")
    args = parser.parse_args()
    if "1" in args.sections:
        load_times(args.first_load)
    if "2" in args.sections:
        memory()
    if "3" in args.sections:
        sampling_speed(args.tokens, args.reps)


if __name__ == "__main__":
    main()
