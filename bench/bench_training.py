"""Benchmark of the Training tab (issue 8). Prints figures; asserts nothing.

    .venv/bin/python bench/bench_training.py [--seconds 10] [--points 500] [--runs 2]

Starts the app in-process (as tests/conftest.py does), then through gradio_client trains a
2x8 network on `--points` points and counts the frames streamed per second (target >= 10),
with the time to the first frame and the size of one frame. Also times the parts of one
frame without the server: an epoch, the grid forward pass, building the three figures.
"""
from __future__ import annotations

import argparse
import json
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


def args_for(points: int) -> list:
    """training_train's inputs: two moons, 2 hidden layers of 8, tanh, Adam, batch 32."""
    return ["moons", points, 0.2, 30, 0, 2, 8, 8, 4, 4, 4, 4, "tanh", "adam", 0.03, 32, "none",
            0.0, 2, "en"]


def threads(points: int, repeat: int = 20) -> None:
    """An epoch with torch's default thread count against training.one_thread()."""
    import torch
    from playground.networks import training
    session = training.Session(training.Config(n_points=points))
    c = session.config

    def epoch():
        training.train_one_epoch(session.model, session.optimizer, session.X_train,
                                 session.y_train, c.batch_size, c.regularization, c.reg_rate,
                                 session.generator)
    medians = {}
    for label in (f"{torch.get_num_threads()} threads (torch's default)", "one_thread()"):
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            if label == "one_thread()":
                with training.one_thread():
                    epoch()
            else:
                epoch()
            times.append((time.perf_counter() - t0) * 1000)
        medians[label] = statistics.median(times)
    print("one epoch (2x8, batch 32): " + ", ".join(f"{k} {v:.1f} ms" for k, v in medians.items()))


def parts(points: int, repeat: int = 30) -> None:
    from playground.networks import training, training_figures
    session = training.Session(training.Config(n_points=points))
    timings = {"epoch": [], "frame numbers": [], "figures + JSON": []}
    for _ in range(repeat):
        t0 = time.perf_counter()
        session.train_epoch()
        t1 = time.perf_counter()
        frame = session.frame()
        t2 = time.perf_counter()
        size = sum(len(f.to_json()) for f in training_figures.figures(frame, "en"))
        t3 = time.perf_counter()
        for key, dt in zip(timings, (t1 - t0, t2 - t1, t3 - t2)):
            timings[key].append(dt * 1000)
    print(f"parts of one frame (2x8, {points} points, median of {repeat}): "
          + ", ".join(f"{k} {statistics.median(v):.1f} ms" for k, v in timings.items())
          + f"; three figures {size / 1024:.0f} KiB of JSON")


def stream(url: str, points: int, seconds: float) -> None:
    from gradio_client import Client
    client = Client(url, verbose=False)
    job = client.submit(*args_for(points), api_name="/training_train")
    start = time.perf_counter()
    first, count, frame_bytes, epochs = None, 0, 0, ""
    while time.perf_counter() - start < seconds and not job.done():
        outputs = job.outputs()
        if len(outputs) > count:
            if first is None:
                first = time.perf_counter() - start
                frame_bytes = len(json.dumps(outputs[0]))
            count = len(outputs)
            epochs = outputs[-1][0].split("**")[1]
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    job.cancel()
    streamed = count - 1 if count else 0
    fps = streamed / (elapsed - first) if first is not None and elapsed > first else 0.0
    print(f"streamed through the API (2x8, {points} points, {elapsed:.1f} s): {count} frames, "
          f"{fps:.1f} frames/s (target >= 10), first frame after {first or 0:.2f} s, "
          f"{frame_bytes / 1024:.0f} KiB per frame, reached {epochs}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--points", type=int, default=500)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    threads(args.points)
    parts(args.points)
    import app
    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    try:
        for _ in range(args.runs):
            stream(demo.local_url.rstrip("/"), args.points, args.seconds)
    finally:
        demo.close()


if __name__ == "__main__":
    main()
