"""How long a browser takes to draw one streamed frame of the live demos. Prints figures.

    .venv/bin/python bench/bench_browser_frames.py [--seconds 6] [--fps 5]

Starts the app in-process with GENAI_STREAM_FPS=--fps, opens the GAN and Training tabs in
Debian's headless Chromium (as the browser tests do), presses Train, and records the
browser's long tasks (main-thread work over 50 ms, PerformanceObserver "longtask"): their
median is the time to draw one frame. It counts the frames the page shows a second, and
measures how long a click on Stop / Pause would wait to be handled while frames arrive:
the page's responsiveness. This is why live streams wait for the page (playground/core/pacing.py).
--throttle N slows the page's CPU N times (a slower laptop).
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
from harness import CHROMIUM_ARGS, free_port  # noqa: E402 - bench/harness.py
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GENAI_PRELOAD", "0")

OBSERVE = """() => { window.longTasks = [];
  new PerformanceObserver(l => { for (const e of l.getEntries()) window.longTasks.push(e.duration); })
    .observe({type: "longtask"}); }"""
# Counts the frames the page shows: each one has a title (or status line) of its own.
COUNT = """([box, selector]) => { const seen = new Set(); window.framesShown = () => seen.size - 1;
  const look = () => seen.add(document.querySelector(selector)?.textContent || '');
  look();
  new MutationObserver(look).observe(document.querySelector(box),
    {subtree: true, childList: true, characterData: true}); }"""
# Time from now until the main thread runs a task: what a click waits for.
RESPONSE = "() => new Promise(r => { const t0 = performance.now(); setTimeout(() => r(performance.now() - t0), 0); })"


def measure(browser, url: str, tab: str, train: str, shown: list, seconds: float,
            throttle: float) -> tuple[list, list, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page.goto(f"{url}/?lang=en&tab={tab}")
    page.wait_for_selector(train, timeout=60_000)
    page.wait_for_timeout(3000)
    if throttle > 1:
        page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate",
                                                {"rate": throttle})
    page.evaluate(OBSERVE)
    page.evaluate(COUNT, shown)
    page.locator(train).click()
    waits, t0 = [], time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        start = time.perf_counter()
        page.evaluate(RESPONSE)
        waits.append(time.perf_counter() - start)
        time.sleep(0.5)
    tasks = page.evaluate("() => window.longTasks")
    fps = page.evaluate("() => window.framesShown()") / (time.perf_counter() - t0)
    page.close()
    return tasks, waits, fps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--throttle", type=float, default=1.0)
    args = parser.parse_args()
    os.environ["GENAI_STREAM_FPS"] = str(args.fps)

    import app
    from playwright.sync_api import sync_playwright

    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    url = demo.local_url.rstrip("/")
    print(f"streams at most {args.fps:g} frames/s; Debian's Chromium, headless, software "
          f"rendering, CPU throttled {args.throttle:g}x")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for tab, train, shown in (("gan", "#gan-train", ["#gan-plot", "#gan-plot .gtitle"]),
                                  ("training", "#training-train",
                                   ["#training-status", "#training-status"])):
            tasks, waits, fps = measure(browser, url, tab, train, shown, args.seconds,
                                        args.throttle)
            draw = statistics.median(tasks) if tasks else 0.0
            print(f"{tab:9s} {fps:.1f} frames/s shown; one frame drawn in median {draw:.0f} ms (p95 "
                  f"{sorted(tasks)[int(0.95 * (len(tasks) - 1))] if tasks else 0:.0f} ms, {len(tasks)} long "
                  f"tasks); the page answers a click within median {1000 * statistics.median(waits):.0f} ms, "
                  f"worst {1000 * max(waits):.0f} ms, over {args.seconds:g} s of training")
        browser.close()
    demo.close()


if __name__ == "__main__":
    main()
