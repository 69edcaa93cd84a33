"""Benchmarks of the Tokens and Embeddings tabs (issue 4). Prints figures; asserts nothing.

    flock /tmp/genai-cpu.lock .venv/bin/python bench/bench_tokens_embeddings.py [--calls 40]

1. Vector arithmetic over all 400,000 GloVe words, median through the API
   (/embeddings_arithmetic, target <= 50 ms), with the cache cleared before each call so
   every call searches the vocabulary; the same search in-process; and gensim's
   `KeyedVectors.most_similar` on the same vectors in the same run, when gensim is
   importable (bench-only: `pip install -r requirements-bench.txt`).
2. The Tokens tab on a 2,000-character text through all seven tokenizers, median through
   the API (/tokens_compare, target <= 200 ms): cold (cache cleared) and cached (a
   language switch).
The app is launched in-process, as tests/conftest.py does. The /neuron round trip is
printed first as a baseline: on a busy machine it is most of every figure below.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from harness import free_port  # noqa: E402 - bench/harness.py
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GENAI_PRELOAD", "0")

EXPRESSIONS = ["king - man + woman", "paris - france + italy", "walked - walk + swim",
               "tokyo - japan + spain", "actor - man + woman", "better - good + bad",
               "went - go + take", "summer - hot + cold"]

TEXT_2000 = ("Los modelos de lenguaje no leen letras: leen tokens, trocitos de texto convertidos en "
             "números. ¿Cuántos tokens cuesta «pingüino» 🐧? Language models don't read letters; "
             "they read tokens. El año que viene, la señora Núñez enseñará IA generativa. ") * 12


def ms(values) -> str:
    return f"median {1000 * statistics.median(values):6.1f} ms  (min {1000 * min(values):.1f}, n={len(values)})"


def timed(fn, calls: int, before=None) -> list[float]:
    out = []
    for i in range(calls):
        if before:
            before()
        t0 = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - t0)
    return out


def bench_baseline(client, calls: int):
    """The API's own round trip on this machine now: /neuron, a few microseconds of numpy."""
    args = (1, 3, 2, 0, 0, 0, 0, 1, "relu", "en")
    client.predict(*args, api_name="/neuron")
    print(f"baseline: /neuron round trip (the API's own cost):   {ms(timed(lambda i: client.predict(*args, api_name='/neuron'), calls))}")


def bench_arithmetic(client, calls: int):
    from playground import backends
    from playground.text import embeddings

    glove = backends.get("glove")
    args = lambda i: (EXPRESSIONS[i % len(EXPRESSIONS)], "", 10, "2d", "en")  # noqa: E731
    client.predict(*args(0), api_name="/embeddings_arithmetic")                # warm up
    api = timed(lambda i: client.predict(*args(i), api_name="/embeddings_arithmetic"), calls,
                before=embeddings.arithmetic.cache_clear)
    print(f"arithmetic via API, cache cleared (target <= 50 ms): {ms(api)}")
    local = timed(lambda i: embeddings.arithmetic(embeddings.parse(EXPRESSIONS[i % len(EXPRESSIONS)]), 10),
                  calls, before=embeddings.arithmetic.cache_clear)
    print(f"arithmetic in-process (search only):               {ms(local)}")
    try:
        from gensim.models import KeyedVectors
    except ImportError:
        print("gensim: not installed; pip install -r requirements-bench.txt to compare")
        return
    kv = KeyedVectors(vector_size=glove.dim, count=len(glove))
    kv.add_vectors(list(glove.words), glove.unit * glove.norms[:, None])
    kv.fill_norms()

    def most_similar(i):
        a, _, b, _, c = EXPRESSIONS[i % len(EXPRESSIONS)].split()
        return kv.most_similar(positive=[a, c], negative=[b], topn=10)

    most_similar(0)
    gs = timed(most_similar, calls)
    print(f"gensim KeyedVectors.most_similar, same vectors:    {ms(gs)}")
    print(f"  gensim's answer to {EXPRESSIONS[0]!r}: {most_similar(0)[0][0]}")


def bench_tokens(client, calls: int):
    from playground.text import tokens

    text = TEXT_2000[:2000]
    client.predict(text, "es", api_name="/tokens_compare")                      # loads all seven
    cold = timed(lambda i: client.predict(text[:-1] + str(i % 10), "es", api_name="/tokens_compare"),
                 calls, before=tokens.compare.cache_clear)
    print(f"tokens tab, 2,000 characters, 7 tokenizers, cold (target <= 200 ms): {ms(cold)}")
    warm = timed(lambda i: client.predict(text, ("es", "en")[i % 2], api_name="/tokens_compare"), calls)
    print(f"tokens tab, same text, cached (a language switch):                 {ms(warm)}")
    long_text = (TEXT_2000 * 9)[:20_000]
    big = timed(lambda i: client.predict(long_text[:-1] + str(i), "es", api_name="/tokens_compare"),
                max(3, calls // 8), before=tokens.compare.cache_clear)
    print(f"tokens tab, 20,000 characters, cold:                                {ms(big)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args(argv)

    import app
    from gradio_client import Client

    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    try:
        client = Client(demo.local_url, verbose=False)
        bench_baseline(client, args.calls)
        bench_arithmetic(client, args.calls)
        bench_tokens(client, args.calls)
    finally:
        demo.close()


if __name__ == "__main__":
    main()
