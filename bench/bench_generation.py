"""Benchmarks of the Generation tab (issue 6). Prints figures; asserts nothing.

    flock /tmp/genai-cpu.lock .venv/bin/python bench/bench_generation.py [--calls 50] [--tokens 200] [--runs 3] [--lang es|en]

The app is launched in-process (as tests/conftest.py does) and called through gradio_client.

1. A temperature change: /next_token_redraw with a new temperature each call, the prompt's
   scores cached (the model does not run): median and p95 (target median <= 30 ms).
   Beside it, to tell the app from the transport: /neuron through the same client (a
   handler of a few ms: the client's own floor), the same redraw over plain HTTP (Gradio's
   /call API with httpx, as tests/test_bad_input.py calls it), and the handler in-process
   (validation, stages, both figures and their JSON). For scale, /next_token on a new
   prompt (one forward pass) once.
2. Streaming: /generate_stream's tokens per second (submit to last token, read by the
   client) against plain `model.generate` on the same weights and settings, alternated in
   the same run, median of the runs each (target ratio >= 1.0).
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
from harness import free_port, percentile  # noqa: E402 - bench/harness.py
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GENAI_PRELOAD", "0")

SETTINGS = {"temperature": 0.8, "top_k": 50, "top_p": 0.95}
LANG = "es"     # --lang: the language of the temperature section (es: Gemma 3, en: SmolLM2)


def launch():
    import app
    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    return demo


def bench_temperature(client, prompt: str, calls: int):
    t0 = time.perf_counter()
    client.predict(prompt, 1.0, 50, 0.95, LANG, api_name="/next_token")   # loads, runs the model
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    client.predict(prompt + " y", 1.0, 50, 0.95, LANG, api_name="/next_token")
    forward = time.perf_counter() - t0
    times = []
    for i in range(calls):
        temperature = round(0.05 + (i % 60) * 0.05, 2)                  # every slider stop
        t0 = time.perf_counter()
        client.predict(prompt, temperature, 50, 0.95, LANG, api_name="/next_token_redraw")
        times.append(time.perf_counter() - t0)
    return first, forward, times


def median_ms(fn, calls: int) -> tuple[float, float]:
    times = []
    for i in range(calls):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times), 1000 * percentile(times, 95)


def http_call(url: str, api_name: str, args: list) -> None:
    """One call through Gradio's HTTP API: POST the inputs, read the event stream to the end."""
    import httpx

    endpoint = f"{url.rstrip('/')}/gradio_api/call/{api_name}"
    event_id = httpx.post(endpoint, json={"data": args}, timeout=60).json()["event_id"]
    with httpx.stream("GET", f"{endpoint}/{event_id}", timeout=60) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:") and line.split(":", 1)[1].strip() in ("complete", "error"):
                break


def bench_baselines(client, url: str, prompt: str, calls: int):
    import gradio as gr

    from pages import generation as page
    from playground.text.generation import Steps

    neuron = median_ms(lambda i: client.predict(1, 3, 2, 0, 0, 0, 0, 1, "relu", "en",
                                                api_name="/neuron"), calls)
    http = median_ms(lambda i: http_call(url, "next_token_redraw",
                                         [prompt, round(0.05 + (i % 60) * 0.05, 2), 50, 0.95, LANG]),
                     calls)
    from bench_app import browser_protocol_times        # bench/ is this script's folder
    page_times = browser_protocol_times(url, "next_token_redraw",
                                        [prompt, 0.7, 50, 0.95, None, LANG], calls)
    page_ms = 1000 * statistics.median(page_times)
    plot = gr.Plot()

    steps = page.show(prompt, 0.7, 50, 0.95, Steps(prompt), LANG)[0]   # the model runs once

    def in_process(i):
        # the slider's own handler: the sampling stages on the visitor's scores, then the figures
        out = page.redraw(prompt, round(0.05 + (i % 60) * 0.05, 2), 50, 0.95, steps, LANG)
        plot.postprocess(out[0])
        plot.postprocess(out[1])

    return neuron, http, median_ms(in_process, calls), page_ms


def stream_rate(client, prompt: str, tokens: int, seed: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    job = client.submit(prompt, tokens, SETTINGS["temperature"], SETTINGS["top_k"], SETTINGS["top_p"],
                        seed, "en", api_name="/generate_stream")
    chips, _status = job.result()
    elapsed = time.perf_counter() - t0
    n = chips.count('data-p="')
    return n / elapsed, n


def generate_rate(prompt: str, tokens: int, seed: int) -> tuple[float, int]:
    import torch

    from playground import backends
    lm = backends.get("smollm2")
    ids = torch.tensor([lm.encode(prompt)])
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = lm.model.generate(ids, max_new_tokens=tokens, do_sample=True, **SETTINGS)
    elapsed = time.perf_counter() - t0
    n = out.shape[1] - ids.shape[1]
    return n / elapsed, n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lang", choices=("es", "en"), default="es",
                        help="the temperature section's language: es runs Gemma 3, en SmolLM2")
    args = parser.parse_args()
    global LANG
    LANG = args.lang

    from gradio_client import Client

    from playground.text import generation

    demo = launch()
    try:
        client = Client(demo.local_url, verbose=False)
        prompt = generation.PROMPTS[LANG]
        first, forward, times = bench_temperature(client, prompt, args.calls)
        print(f"[{LANG}: {generation.default_model(LANG)}] "
              f"/next_token first call (loads the model if needed, forward pass): {first:.2f} s; "
              f"a new prompt (forward pass): {1000 * forward:.0f} ms")
        print(f"/next_token_redraw (temperature change, scores cached), {args.calls} calls: median "
              f"{1000 * statistics.median(times):.1f} ms, p95 {1000 * percentile(times, 95):.1f} ms"
              f"  [target median <= 30 ms]")
        neuron, http, handler, page_ms = bench_baselines(client, demo.local_url, prompt,
                                                         args.calls)
        print(f"  beside it: /neuron through the same client median {neuron[0]:.1f} ms (p95 "
              f"{neuron[1]:.1f}); /next_token_redraw over plain HTTP (/call: a new session "
              f"each time) median {http[0]:.1f} ms (p95 {http[1]:.1f}); as the page calls it "
              f"(one session) median {page_ms:.1f} ms; its handler in-process, figures "
              f"serialised: median {handler[0]:.1f} ms")

        prompt = generation.PROMPTS["en"]
        generate_rate(prompt, 8, 0)                                         # warm up
        streams, plains = [], []
        for run in range(args.runs):
            rate, n = stream_rate(client, prompt, args.tokens, seed=run)
            streams.append(rate)
            print(f"  run {run + 1}: /generate_stream {n} tokens, {rate:.1f} tokens/s", end="; ")
            rate, n = generate_rate(prompt, args.tokens, seed=run)
            plains.append(rate)
            print(f"model.generate {n} tokens, {rate:.1f} tokens/s")
        s, g = statistics.median(streams), statistics.median(plains)
        print(f"streaming through the API: median {s:.1f} tokens/s; model.generate, same weights and "
              f"settings ({SETTINGS}): median {g:.1f} tokens/s; ratio {s / g:.2f}  [target >= 1.0]")
    finally:
        demo.close()


if __name__ == "__main__":
    main()
