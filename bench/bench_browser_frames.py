"""How long a browser takes to draw one streamed frame of the live demos. Prints figures.

    .venv/bin/python bench/bench_browser_frames.py [--seconds 6] [--fps 5]

Starts the app in-process with GENAI_STREAM_FPS=--fps, opens the GAN and Training tabs in
Debian's headless Chromium (as the browser tests do), presses Train, and records the
browser's long tasks (main-thread work over 50 ms, PerformanceObserver "longtask"): their
median is the time to draw one frame. Then it measures how long a click on Stop / Pause
takes to be handled while frames arrive: the page's responsiveness. This is why live
streams are paced (playground/pacing.py).
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
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GENAI_PRELOAD", "0")

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking"]
OBSERVE = """() => { window.longTasks = [];
  new PerformanceObserver(l => { for (const e of l.getEntries()) window.longTasks.push(e.duration); })
    .observe({type: "longtask"}); }"""
# Time from now until the main thread runs a task: what a click waits for.
RESPONSE = "() => new Promise(r => { const t0 = performance.now(); setTimeout(() => r(performance.now() - t0), 0); })"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(browser, url: str, tab: str, train: str, seconds: float) -> tuple[list, list]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page.goto(f"{url}/?lang=en&tab={tab}")
    page.wait_for_selector(train, timeout=60_000)
    page.wait_for_timeout(3000)
    page.evaluate(OBSERVE)
    page.locator(train).click()
    waits, t0 = [], time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        start = time.perf_counter()
        page.evaluate(RESPONSE)
        waits.append(time.perf_counter() - start)
        time.sleep(0.5)
    tasks = page.evaluate("() => window.longTasks")
    page.close()
    return tasks, waits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--fps", type=float, default=5.0)
    args = parser.parse_args()
    os.environ["GENAI_STREAM_FPS"] = str(args.fps)

    import app
    from playwright.sync_api import sync_playwright

    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    url = demo.local_url.rstrip("/")
    print(f"streams paced at {args.fps:g} frames/s; Debian's Chromium, headless, software rendering")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for tab, train in (("gan", "#gan-train"), ("training", "#training-train")):
            tasks, waits = measure(browser, url, tab, train, args.seconds)
            draw = statistics.median(tasks) if tasks else 0.0
            print(f"{tab:9s} one frame drawn in median {draw:.0f} ms (p95 "
                  f"{sorted(tasks)[int(0.95 * (len(tasks) - 1))] if tasks else 0:.0f} ms, {len(tasks)} long "
                  f"tasks); the page answers a click within median {1000 * statistics.median(waits):.0f} ms, "
                  f"worst {1000 * max(waits):.0f} ms, over {args.seconds:g} s of training")
        browser.close()
    demo.close()


if __name__ == "__main__":
    main()
