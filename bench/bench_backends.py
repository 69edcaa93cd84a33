"""Benchmarks of the shared model backends (issue 3). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_backends.py [--tokens 128] [--reps 3] [--skip-first-load]
                                             [--sections 1234]

1. Load time of each backend in a fresh process: SmolLM2's first load (dequantizing the
   GGUF into an empty cache folder) and its load from the cache (target <= 4 s); GloVe,
   MiniLM and each tokenizer (no cache of their own: a second run has the OS file cache).
2. Resident memory of one process with every default backend and tokenizer loaded
   (target <= 2 GB).
3. SmolLM2 sampling N tokens: our KV-cache loop (`stream_tokens`) against `model.generate`
   on the same weights, alternating, median of R runs (target: ours at least as fast),
   read against the memory-bandwidth bound (weight bytes per token / measured bandwidth).
4. Small figures: GloVe nearest over 400k words, MiniLM on one sentence, each tokenizer
   on 20,000 characters.

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
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Run in a child process: load one backend, print a JSON line of timings and memory.
CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
import psutil
sys.path.insert(0, {root!r})
what = sys.argv[1]
if what not in ("glove", "chars", "bytes", "gpt2", "cl100k", "o200k"):
    # the shared imports, timed apart: transformers imports its machinery lazily, on the
    # first use of a class (~3 s on an idle machine), so touch the classes loading uses
    import torch, transformers
    for cls in ("AutoTokenizer", "AutoModel", "AutoModelForCausalLM", "LlamaForCausalLM",
                "LlamaConfig", "BertModel", "BertConfig", "PreTrainedTokenizerFast"):
        getattr(transformers, cls)
t1 = time.perf_counter()
from playground import backends
from playground.backends import tokenizers
if what == "all":
    for name in backends.PRELOAD_ORDER:
        backends.get(name)
    for name in tokenizers.NAMES:
        tokenizers.get(name)
elif what in backends.DEFAULTS:
    backends.get(what)
else:
    tokenizers.get(what)
t2 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1,
                  "rss": psutil.Process().memory_info().rss}}))
"""


def child(what: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), what],
                         capture_output=True, text=True, env={**os.environ, **(env or {})})
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


def load_times(skip_first: bool) -> None:
    print(f"\n## 1. Load time in a fresh process (imports of torch + transformers apart; {load_average()})")
    print(f"{'backend':<12} {'run':<28} {'imports':>8} {'load':>8}")
    with tempfile.TemporaryDirectory() as empty_cache:
        env = {"GENAI_PLAYGROUND_CACHE": empty_cache}
        runs = [("first load (dequantize)", env), ("from the cache", env)]
        if skip_first:
            runs = [("from the cache", None)]
        for label, run_env in runs:
            r = child("smollm2", run_env)
            print(f"{'smollm2':<12} {label:<28} {r['import_s']:>7.2f}s {r['load_s']:>7.2f}s")
    for name in ("minilm", "glove", "gpt2", "cl100k", "o200k", "bert"):
        for label in ("first run", "second run (OS file cache)"):
            r = child(name)
            print(f"{name:<12} {label:<28} {r['import_s']:>7.2f}s {r['load_s']:>7.2f}s")
    print("target: SmolLM2 from the cache <= 4 s (imports are paid once per process, whichever "
          "model loads first)")


def memory() -> None:
    print(f"\n## 2. Resident memory, every default backend and tokenizer loaded ({load_average()})")
    r = child("all")
    print(f"RSS {mb(r['rss'])} (target <= 2,048 MB); loading all took {r['load_s']:.1f} s")


def bandwidth_bytes_per_s(size: int = 512 * 2**20, reps: int = 5) -> float:
    """Best of `reps` numpy copies of a large array: bytes read + written per second."""
    import numpy as np

    src = np.ones(size // 8, dtype=np.float64)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * src.nbytes / best


def torch_read_bytes_per_s(size: int = 512 * 2**20, reps: int = 5) -> float:
    """Best of `reps` sums of a large tensor: bytes read per second with torch's threads."""
    import torch

    x = torch.ones(size // 4)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        x.sum()
        best = min(best, time.perf_counter() - t)
    return x.numel() * 4 / best


def ours_and_generate(lm, prompt: list[int], n_tokens: int, reps: int, settings: dict):
    """Tokens/s of our streaming (`stream_tokens`) and of transformers' `generate`, same model,
    prompt, settings and threads, alternated `reps` times after a warm-up; printed and returned
    as (ours, generate, {name: [rates]})."""
    import torch

    def ours(seed):
        t = time.perf_counter()
        n = sum(1 for _ in lm.stream_tokens(prompt, n_tokens, seed=seed, stop_at_eos=False,
                                            **settings))
        return n / (time.perf_counter() - t)

    def generate(seed):
        torch.manual_seed(seed)
        t = time.perf_counter()
        out = lm.model.generate(torch.tensor([prompt]), max_new_tokens=n_tokens,
                                min_new_tokens=n_tokens, do_sample=True, **settings)
        return (out.shape[1] - len(prompt)) / (time.perf_counter() - t)

    ours(0), generate(0)                                   # warm up both paths
    rates = {"ours (stream_tokens)": [], "model.generate": []}
    for seed in range(reps):
        rates["ours (stream_tokens)"].append(ours(seed))
        rates["model.generate"].append(generate(seed))
    for name, values in rates.items():
        print(f"{name:<22} median {statistics.median(values):6.2f} tokens/s  "
              f"(runs: {', '.join(f'{v:.2f}' for v in values)})")
    return ours, generate, rates


def sampling_speed(n_tokens: int, reps: int) -> None:
    import torch

    from playground import backends

    print(f"\n## 3. SmolLM2 sampling {n_tokens} tokens (temperature 1, top-k 50, top-p 0.95; "
          f"{load_average()})")
    lm = backends.get("smollm2")
    prompt = lm.chat_ids([{"role": "user", "content": "Write a long story about a dragon."}])
    settings = dict(temperature=1.0, top_k=50, top_p=0.95)

    ours, _, _ = ours_and_generate(lm, prompt, n_tokens, reps, settings)

    # the same loop on 1 and on 2 torch threads (the default is compute.torch_threads())
    default_threads = torch.get_num_threads()
    for threads in (1, 2):
        torch.set_num_threads(threads)
        print(f"ours on {threads} torch thread{'s' * (threads > 1)}: {ours(100 + threads):.1f} tokens/s")
    torch.set_num_threads(default_threads)

    # two visitors streaming at once: COMPUTE_LOCK interleaves their tokens
    import threading

    counts = [0, 0]

    def visitor(i):
        for _ in lm.stream_tokens(prompt, n_tokens // 2, seed=i, stop_at_eos=False, **settings):
            counts[i] += 1

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(2)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    print(f"two visitors at once ({n_tokens // 2} tokens each): {sum(counts) / elapsed:.1f} tokens/s "
          f"in total, {counts[0] / elapsed:.1f} each")

    weight_bytes = lm.facts()["bytes_in_memory"]
    bandwidth = bandwidth_bytes_per_s()
    print(f"memory bandwidth (numpy copy, read + write): {bandwidth / 1e9:.1f} GB/s; "
          f"weights read per token: {weight_bytes / 1e6:.0f} MB (float32, tied embedding once)")
    print(f"bandwidth bound: {bandwidth / weight_bytes:.1f} tokens/s; "
          f"torch threads: {torch.get_num_threads()}, cores: {os.cpu_count()}")
    read = torch_read_bytes_per_s()
    print(f"(torch reading a 512 MB tensor on {torch.get_num_threads()} threads: {read / 1e9:.1f} GB/s, "
          f"bound {read / weight_bytes:.1f} tokens/s)")


def small_figures() -> None:
    import numpy as np

    from playground import backends
    from playground.backends import tokenizers

    print(f"\n## 4. Small figures ({load_average()})")
    glove = backends.get("glove")
    queries = [glove.vector(w) for w in ("king", "paris", "computer", "music", "river")]
    t = time.perf_counter()
    for q in queries * 10:
        glove.nearest(q, 10)
    print(f"GloVe nearest (400k x 50, k=10): {(time.perf_counter() - t) / 50 * 1e3:.1f} ms per query")
    minilm = backends.get("minilm")
    minilm.analyze("warm up")
    t = time.perf_counter()
    for _ in range(10):
        minilm.analyze("The animal didn't cross the street because it was too tired.")
    print(f"MiniLM analyze (16 tokens, attentions + embedding): "
          f"{(time.perf_counter() - t) / 10 * 1e3:.1f} ms")

    # 20,000 characters of varied English: GloVe's alphabetic words drawn by frequency rank
    rng = np.random.default_rng(0)
    alphabetic = [w for w in glove.words[:50_000] if w.isalpha()]
    weights = 1 / np.arange(1, len(alphabetic) + 1)
    words = rng.choice(alphabetic, size=6000, p=weights / weights.sum())
    text = " ".join(words)[:20_000]
    print(f"tokenizers on {len(text):,} characters (first call: caches empty; then warm):")
    for name in tokenizers.NAMES:
        tok = tokenizers.get(name)
        t = time.perf_counter()
        n = len(tok.encode(text))
        first = time.perf_counter() - t
        t = time.perf_counter()
        tok.encode(text)
        warm = time.perf_counter() - t
        print(f"  {name:<8} {n:>6} tokens  first {first * 1e3:7.1f} ms  warm {warm * 1e3:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--skip-first-load", action="store_true",
                        help="do not time the ~30 s dequantization into an empty cache")
    parser.add_argument("--sections", default="1234", help="which sections to run, e.g. 12")
    args = parser.parse_args()
    print(f"# bench_backends: {os.cpu_count()} cores, {load_average()}")
    if "1" in args.sections:
        load_times(args.skip_first_load)
    if "2" in args.sections:
        memory()
    if "3" in args.sections:
        sampling_speed(args.tokens, args.reps)
    if "4" in args.sections:
        small_figures()


if __name__ == "__main__":
    main()
