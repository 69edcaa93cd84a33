"""Benchmarks of the Attention tab (issue 5). Prints figures; asserts nothing.

    flock /tmp/genai-cpu.lock .venv/bin/python bench/bench_attention.py [--calls 15]

The app is launched in-process (as tests/conftest.py does) and called through gradio_client:
1. /attention, first call for a sentence: a 32-token sentence through SmolLM2 with every
   attention weight (each call a new sentence, so the forward pass really runs)
   [target median <= 400 ms].
2. /attention_view, switching layer or head afterwards (cached forward pass)
   [target median <= 40 ms].
3. /attention_qkv, the Q/K/V recomputation of one head for one token.
4. /transformer_kv_cache: ms per token with and without the cache, 32 tokens.
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

WORDS = ("river stone light garden window music paper winter forest candle market bridge "
         "teacher silver morning ocean letter mountain station journey").split()


def sentence_of_32_tokens(lm, k: int) -> str:
    """A different sentence for each k, cut to exactly 32 SmolLM2 tokens."""
    words = [WORDS[(k * 7 + i * 3) % len(WORDS)] for i in range(40)]
    text = f"Sentence {k}: the " + " and the ".join(words)
    return lm.decode(lm.encode(text)[:32])


def timed(fn, *args, **kwargs) -> float:
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0


def report(name: str, times: list[float], target: str = "") -> None:
    ms = sorted(1000 * t for t in times)
    print(f"{name}: median {statistics.median(ms):.0f} ms, min {ms[0]:.0f}, max {ms[-1]:.0f} "
          f"over {len(ms)} calls{'  [target ' + target + ']' if target else ''}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=15)
    args = parser.parse_args()

    import app
    from bench_app import browser_protocol_times        # bench/ is this script's folder
    from gradio_client import Client
    from playground.text import attention
    from playground import backends

    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    try:
        client = Client(demo.local_url, verbose=False)
        lm = backends.get("smollm2")
        backends.get("minilm")
        sentences = [sentence_of_32_tokens(lm, k) for k in range(args.calls + 2)]
        assert all(len(lm.encode(s)) == 32 for s in sentences), "sentences must be 32 tokens"
        for s in sentences[:2]:                                     # warm up torch and the queue
            client.predict(s, "smollm2", 3, 2, "en", api_name="/attention")

        first = [timed(client.predict, s, "smollm2", 3, 2, "en", api_name="/attention")
                 for s in sentences[2:]]
        report("/attention, first call, 32 tokens through SmolLM2", first, "median <= 400 ms")

        s = sentences[-1]
        misses = attention.run.cache_info().misses
        switch = [timed(client.predict, s, "smollm2", 1 + k % 30, 1 + k % 9, "en",
                        api_name="/attention_view") for k in range(args.calls * 2)]
        assert attention.run.cache_info().misses == misses        # no forward pass ran
        report("/attention_view, switching layer/head (cached)", switch, "median <= 40 ms")
        page = browser_protocol_times(demo.local_url, "attention_view",
                                      [s, "smollm2", 5, 4, "en"], args.calls * 2)
        report("  the same, as the page calls it (one session, no gradio_client)", page,
               "median <= 40 ms")

        qkv = [timed(client.predict, s, "smollm2", 1 + k % 30, 1 + k % 9, k % 32, "en",
                     api_name="/attention_qkv") for k in range(args.calls)]
        report("/attention_qkv, one head recomputed for one token", qkv)

        bert = [timed(client.predict, s, "minilm", 1 + k % 6, 1 + k % 12, "en",
                      api_name="/attention_view") for k in range(args.calls)]
        report("/attention_view on MiniLM (first call, then cached)", bert)

        job = client.submit("Once upon a time, in a small village by the sea,", 32, "en",
                            api_name="/transformer_kv_cache")
        list(job)
        steps = job.outputs()[-1][3]["steps"]
        late = steps[16:]
        print(f"/transformer_kv_cache, 32 tokens, positions {late[0]['position']}-{late[-1]['position']}: "
              f"median {1000 * statistics.median(x['cached_s'] for x in late):.0f} ms/token with the "
              f"cache, {1000 * statistics.median(x['uncached_s'] for x in late):.0f} ms/token without")
    finally:
        demo.close()


if __name__ == "__main__":
    main()
