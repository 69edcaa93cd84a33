"""Benchmarks of the Embeddings tab in Spanish (issue 12). Prints figures; asserts nothing.

    flock /tmp/genai-cpu.lock .venv/bin/python bench/bench_spanish.py [--calls 40] [--api]

1. The team's Spanish analogies (assets/embeddings_analogies_es.json): top-1 and top-5
   accuracy per space, GloVe (English; a question with a word GloVe lacks counts as wrong)
   and multilingual.
2. Arithmetic over the multilingual vocabulary, median (target <= 50 ms), cache cleared
   before each call, beside a plain numpy brute-force search over the same matrix in the
   same run (the ratio); with --api, also through /embeddings_arithmetic_in.
3. The word matrix: built from nothing (a fresh cache folder), then loaded from that cache;
   the resident memory the multilingual backend adds.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GENAI_PRELOAD", "0")


def ms(values) -> str:
    return f"median {1000 * statistics.median(values):6.1f} ms  (min {1000 * min(values):.1f}, n={len(values)})"


def rss_mb() -> float:
    import psutil
    return psutil.Process().memory_info().rss / 2**20


def bench_matrix():
    """Build the matrix in a fresh cache folder, then load it from there."""
    from playground.backends import multilingual

    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("GENAI_PLAYGROUND_CACHE")
        os.environ["GENAI_PLAYGROUND_CACHE"] = tmp
        try:
            before = rss_mb()
            t0 = time.perf_counter()
            built = multilingual.load()
            build = time.perf_counter() - t0
            grown = rss_mb() - before
            t0 = time.perf_counter()
            again = multilingual.load()
            load = time.perf_counter() - t0
        finally:
            if old is None:
                os.environ.pop("GENAI_PLAYGROUND_CACHE")
            else:
                os.environ["GENAI_PLAYGROUND_CACHE"] = old
    n = len(built.words)
    print(f"word matrix: {n:,} words x 512, built (encoder load + every word) {build:5.1f} s "
          f"({n / build:,.0f} words/s); loaded from the cache {load:4.2f} s; from cache: {built.from_cache}, {again.from_cache}")
    print(f"resident memory the multilingual backend adds (encoder + matrix): {grown:,.0f} MB")


def bench_analogies():
    from playground.core.errors import UserError
    from playground.text import embeddings

    questions = embeddings.analogies()
    for space in embeddings.SPACES:
        top1 = top5 = missing = 0
        for q in questions:
            try:
                words = [w for w, _ in embeddings.arithmetic(embeddings.parse(q["q"]), 5, space).neighbours]
            except UserError:
                missing += 1
                continue
            top1 += words[0] == q["answer"]
            top5 += q["answer"] in words
        n = len(questions)
        print(f"Spanish analogies, {space:12s}: top-1 {top1:2d}/{n} ({100 * top1 / n:3.0f} %), "
              f"top-5 {top5:2d}/{n} ({100 * top5 / n:3.0f} %); {missing} with a word the space lacks")
    by = {}
    for q in questions:
        by.setdefault(q["category"], []).append(q)
    for category, qs in by.items():
        hits = sum(embeddings.arithmetic(embeddings.parse(q["q"]), 5, "multilingual").neighbours[0][0] == q["answer"]
                   for q in qs)
        print(f"    multilingual top-1, {category:10s}: {hits}/{len(qs)}")


def bench_arithmetic(calls: int):
    import numpy as np

    from playground import backends
    from playground.text import embeddings

    space = backends.get("multilingual")
    expressions = [q["q"] for q in embeddings.analogies()]
    M, langs, row = space.vectors.unit, space.langs, space.vectors.index

    def ours(i):
        embeddings.arithmetic.cache_clear()
        return embeddings.arithmetic(embeddings.parse(expressions[i % len(expressions)]), 10, "multilingual")

    def numpy_reference(i):
        a, _, b, _, c = expressions[i % len(expressions)].split()
        target = M[row[a]] - M[row[b]] + M[row[c]]
        cos = M @ (target / np.linalg.norm(target))
        cos[langs != "es"] = -np.inf
        cos[[row[a], row[b], row[c]]] = -np.inf
        return np.argsort(-cos)[:10]

    ours(0), numpy_reference(0)
    t_ours, t_ref = [], []
    for i in range(calls):                              # interleaved: the same machine load
        t0 = time.perf_counter(); ours(i); t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); numpy_reference(i); t_ref.append(time.perf_counter() - t0)
    print(f"arithmetic over {len(M):,} words, in-process (target <= 50 ms): {ms(t_ours)}")
    print(f"numpy brute force (matrix product + full argsort), same run:   {ms(t_ref)}")
    print(f"  ratio numpy / ours: {statistics.median(t_ref) / statistics.median(t_ours):.2f} (above 1: ours faster)")


def bench_api(calls: int):
    import app
    from gradio_client import Client

    from playground.text import embeddings

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    try:
        client = Client(demo.local_url, verbose=False)
        expressions = [q["q"] for q in embeddings.analogies()]
        client.predict(expressions[0], "multilingual", 10, "es", api_name="/embeddings_arithmetic_in")
        api = []
        for i in range(calls):
            embeddings.arithmetic.cache_clear()
            t0 = time.perf_counter()
            client.predict(expressions[i % len(expressions)], "multilingual", 10, "es",
                           api_name="/embeddings_arithmetic_in")
            api.append(time.perf_counter() - t0)
        base = []
        for _ in range(calls):
            t0 = time.perf_counter()
            client.predict(1, 3, 2, 0, 0, 0, 0, 1, "relu", "en", api_name="/neuron")
            base.append(time.perf_counter() - t0)
        print(f"arithmetic via /embeddings_arithmetic_in, cache cleared:      {ms(api)}")
        print(f"baseline /neuron round trip (the API's own cost):             {ms(base)}")
    finally:
        demo.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--api", action="store_true", help="also time the API (launches the app)")
    args = parser.parse_args(argv)
    bench_matrix()
    bench_analogies()
    bench_arithmetic(args.calls)
    if args.api:
        bench_api(args.calls)


if __name__ == "__main__":
    main()
