"""Benchmarks of the app itself (issue 2). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_app.py [--calls 200] [--visitors 30] [--interactions 20]

1. Cold start: `python app.py` process start to the first HTTP 200 on / (target <= 5 s).
2. /neuron through gradio_client: median and 95th percentile over N calls (target median
   <= 30 ms).
3. A classroom: V simulated visitors on loopback, each with its own client, each doing I
   light interactions, bounded in time: failures (target 0) and the 95th percentile.
Beside 1 and 2, the floors no app of ours can go under: `import gradio` alone in a fresh
process, and a one-line Gradio app (a number echoed as text) called the same way. And
/neuron the way a browser calls it: one session, POST queue/join, then the answer read from
the queue/data stream, without gradio_client's polling.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from harness import free_port, percentile  # noqa: E402 - bench/harness.py

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def start_server(port: int):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "GENAI_PRELOAD": os.environ.get("GENAI_PRELOAD", "0")}
    t0 = time.perf_counter()
    proc = subprocess.Popen([PYTHON, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc, time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.perf_counter() - t0 > 120:
            raise RuntimeError("the app did not start")
        time.sleep(0.02)


def neuron_args(rng: random.Random):
    return (rng.choice([1, 2, 3]), *[round(rng.uniform(-5, 5), 1) for _ in range(7)],
            rng.choice(["relu", "sigmoid", "tanh", "gelu"]), rng.choice(["es", "en"]))


TRIVIAL_APP = """
import sys, gradio as gr
with gr.Blocks() as demo:
    a, b = gr.Number(), gr.Textbox()
    a.change(lambda x: str(x), a, b, api_name="echo")
demo.queue().launch(server_port=int(sys.argv[1]), ssr_mode=False, quiet=True)
"""


def import_seconds(module: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([PYTHON, "-c", f"import {module}"], check=True, capture_output=True)
    return time.perf_counter() - t0


def trivial_app_times(calls: int) -> list[float]:
    """gradio_client calling a one-line Gradio app: the client's own floor."""
    from gradio_client import Client
    port = free_port()
    proc = subprocess.Popen([PYTHON, "-c", TRIVIAL_APP, str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ,
                                                            "GRADIO_ANALYTICS_ENABLED": "False"})
    try:
        url = f"http://127.0.0.1:{port}/"
        t0 = time.perf_counter()
        while True:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > 120:
                raise RuntimeError("the trivial app did not start")
            time.sleep(0.05)
        client = Client(url, verbose=False)
        client.predict(1, api_name="/echo")
        times = []
        for i in range(calls):
            t1 = time.perf_counter()
            client.predict(i, api_name="/echo")
            times.append(time.perf_counter() - t1)
        return times
    finally:
        proc.terminate()
        proc.wait()


def browser_protocol_times(url: str, api_name: str, args: list, calls: int) -> list[float]:
    """An event called as the page calls it: one session, join the queue, read the stream."""
    base = url.rstrip("/") + "/gradio_api"
    config = httpx.get(url.rstrip("/") + "/config", timeout=30).json()
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
    session, times = f"bench{random.randrange(10**9)}", []
    with httpx.Client(timeout=60) as client:
        for i in range(calls + 1):
            t0 = time.perf_counter()
            client.post(f"{base}/queue/join", json={"data": args, "fn_index": fn_index,
                                                    "session_hash": session,
                                                    "event_data": None, "trigger_id": None})
            with client.stream("GET", f"{base}/queue/data",
                               params={"session_hash": session}) as stream:
                for line in stream.iter_lines():
                    if "process_completed" in line:
                        break
            if i:                                   # the first call opens the session
                times.append(time.perf_counter() - t0)
    return times


def bench_neuron(url: str, calls: int):
    from gradio_client import Client
    client = Client(url, verbose=False)
    rng = random.Random(0)
    client.predict(*neuron_args(rng), api_name="/neuron")           # warm up
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        client.predict(*neuron_args(rng), api_name="/neuron")
        times.append(time.perf_counter() - t0)
    return times


def classroom(url: str, visitors: int, interactions: int, budget_s: float = 300):
    """Each visitor: own client, `interactions` light calls; all bounded by `budget_s`."""
    from gradio_client import Client
    latencies, failures, lock = [], [], threading.Lock()
    deadline = time.perf_counter() + budget_s

    def visitor(i):
        rng = random.Random(i)
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # noqa: BLE001
            with lock:
                failures.append(repr(exc))
            return
        for _ in range(interactions):
            if time.perf_counter() > deadline:
                with lock:
                    failures.append("time budget exceeded")
                return
            t0 = time.perf_counter()
            try:
                client.predict(*neuron_args(rng), api_name="/neuron")
                with lock:
                    latencies.append(time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001
                with lock:
                    failures.append(repr(exc)[:120])
            time.sleep(rng.uniform(0.05, 0.3))       # a person moves the next slider

    t0 = time.perf_counter()
    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(visitors)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies, failures, time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--interactions", type=int, default=20)
    args = parser.parse_args()

    colds = []
    for _ in range(3):
        proc, cold = start_server(free_port())
        colds.append(cold)
        proc.terminate()
        proc.wait()
    print(f"cold start (process start -> first 200 on /), 3 runs: "
          f"median {statistics.median(colds):.2f} s, runs {', '.join(f'{c:.2f}' for c in colds)}"
          f"  [target <= 5 s]")
    print(f"  floors: `import gradio` alone {import_seconds('gradio'):.2f} s, "
          f"`import torch` alone {import_seconds('torch'):.2f} s (fresh processes)")

    port = free_port()
    proc, _ = start_server(port)
    url = f"http://127.0.0.1:{port}/"
    try:
        times = bench_neuron(url, args.calls)
        print(f"/neuron via gradio_client, {args.calls} calls: median "
              f"{1000 * statistics.median(times):.1f} ms, p95 {1000 * percentile(times, 95):.1f} ms"
              f"  [target median <= 30 ms]")
        page = browser_protocol_times(url, "neuron", [1, 3, 2, 0, 0, 0, 0, 1, "relu", "en"],
                                      args.calls)
        print(f"/neuron as the page calls it (one session, queue/join + queue/data), "
              f"{args.calls} calls: median {1000 * statistics.median(page):.1f} ms, "
              f"p95 {1000 * percentile(page, 95):.1f} ms")
        trivial = trivial_app_times(min(args.calls, 50))
        print(f"  floor: a one-line Gradio app through the same client, {len(trivial)} calls: "
              f"median {1000 * statistics.median(trivial):.1f} ms")
        lat, fails, wall = classroom(url, args.visitors, args.interactions)
        print(f"classroom: {args.visitors} visitors x {args.interactions} interactions in "
              f"{wall:.1f} s: {len(lat)} ok, {len(fails)} failures, p95 "
              f"{1000 * percentile(lat, 95):.0f} ms, median {1000 * statistics.median(lat):.0f} ms"
              f"  [target 0 failures]")
        for f in fails[:5]:
            print("  failure:", f)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
