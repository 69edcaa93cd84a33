"""Tokens/s through the playground's OpenAI-compatible endpoint against in-process generation.
Prints figures; asserts nothing.

    flock /tmp/genai-cpu.lock .venv/bin/python bench/bench_serving.py [--tokens 64] [--runs 3] [--model smollm2]

The app is launched in this process on a free port (as the tests do); the same greedy
completion is asked through the `openai` client with streaming, and generated in-process
with `CausalLM.generate_ids`, alternately, `--runs` times each. Ratio = endpoint / in-process.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GENAI_PRELOAD", "0")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", default="smollm2")
    args = parser.parse_args()
    import app
    from openai import OpenAI

    from playground import backends

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                **app.launch_kwargs())
    app.add_openai_routes(demo)
    client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="-", timeout=600)
    lm = backends.get(args.model)
    prompt = "The history of artificial intelligence"
    ids = lm.prompt_ids(prompt)
    lm.generate_ids(ids, 4, temperature=0)                     # warm up
    served, local = [], []
    for _ in range(args.runs):
        start, n = time.perf_counter(), 0
        for chunk in client.completions.create(model=args.model, prompt=prompt, max_tokens=args.tokens,
                                               temperature=0, stream=True):
            n += 1
        served.append(n / (time.perf_counter() - start))
        start = time.perf_counter()
        n = len(lm.generate_ids(ids, args.tokens, temperature=0, stop_at_eos=False))
        local.append(n / (time.perf_counter() - start))
    a, b = statistics.median(served), statistics.median(local)
    print(f"{args.model}, {args.tokens} tokens greedy, median of {args.runs}: endpoint {a:.1f} tokens/s, "
          f"in-process {b:.1f} tokens/s, ratio {a / b:.2f}")
    demo.close()


if __name__ == "__main__":
    main()
