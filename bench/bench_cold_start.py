"""Cold start and first paint, against a one-line Gradio app measured in the same run (issue 18).
Prints figures; asserts nothing.

    .venv/bin/python bench/bench_cold_start.py [--runs 3]

For each run, alternately, two fresh processes: a one-line Gradio app (a number echoed as
text) and `python app.py` (GENAI_PRELOAD as in the environment, default on, as a host runs it).
For each: process start -> first HTTP 200 on /, and process start -> the first tab usable in
headless Chromium (launched beforehand, not counted): for the app, the Neuron tab's curve drawn
with its title and its first slider on the page; for the one-line app, its number box.
Then, on the app already running, the page itself: the time from navigation to the first tab
usable (the issue's target: 1.5 s; with the app started without its model warm-up, as a visitor
finds it once the models are loaded), then from a click on a second tab (Training) to its first
plot, and the page's weight: the page with its config, the whole /config, and every resource
the navigation fetched (scripts, styles, fonts), as bytes on the wire and decoded. The page is
measured three times: with the tabs after the first sent when opened (pages/lazy_tabs.py, the
default) and the page's own plotly.js bundle (pages/instant_plot.py, BUNDLE); and, as references
in the same run, the same with Gradio's full plotly.js (GENAI_PLOTLY_BUNDLE=0), and with every tab
in the first load (GENAI_LAZY_TABS=0).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from harness import free_port  # noqa: E402 - bench/harness.py

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

ONE_LINE_APP = """
import sys, gradio as gr
with gr.Blocks() as demo:
    a, b = gr.Number(elem_id="n"), gr.Textbox()
    a.change(lambda x: str(x), a, b, api_name="echo")
demo.queue().launch(server_port=int(sys.argv[1]), ssr_mode=False, quiet=True)
"""
# What "usable" means, as a selector the page shows once it is.
APP_READY = "#neuron-curve .gtitle"
APP_READY_TOO = "#neuron-b input[type=range]"
ONE_LINE_READY = "#n input"
SECOND_TAB_READY = "#training-boundary .js-plotly-plot"


def env() -> dict:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}


def wait_200(url: str, proc, t0: float, limit: float = 120) -> float:
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.perf_counter() - t0 > limit:
            raise RuntimeError(f"{url} did not start")
        time.sleep(0.02)


def start(kind: str, browser):
    """Start one server; return (process, url, seconds to 200, seconds to first tab usable)."""
    port = free_port()
    argv = ([PYTHON, "-c", ONE_LINE_APP, str(port)] if kind == "one-line"
            else [PYTHON, "app.py", "--port", str(port)])
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    served = wait_200(url, proc, t0)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    try:
        page.goto(url + ("?lang=en" if kind == "app" else ""))
        if kind == "app":
            page.wait_for_selector(APP_READY, timeout=60_000)
            page.wait_for_selector(APP_READY_TOO, timeout=60_000)
        else:
            page.wait_for_selector(ONE_LINE_READY, timeout=60_000)
        usable = time.perf_counter() - t0
    finally:
        page.close()
    return proc, url, served, usable


def stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


PAGE_WEIGHT = """() => {
  const entries = [performance.getEntriesByType("navigation")[0], ...performance.getEntriesByType("resource")];
  let wire = 0, decoded = 0, scripts = 0;
  for (const e of entries) {
    wire += e.transferSize || 0; decoded += e.decodedBodySize || 0;
    if (e.initiatorType === "script" || /\\.js(\\?|$)/.test(e.name)) scripts += e.decodedBodySize || 0;
  }
  return {wire, decoded, scripts, count: entries.length};
}"""


def first_paint(browser, url: str, runs: int, second: list) -> tuple[list, dict]:
    """Navigation -> the first tab usable, in fresh pages (a new context: an empty cache),
    and what the last navigation fetched."""
    times, weight = [], {}
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
        page = context.new_page()
        asked = []                  # the events the page sends the server as it loads
        page.on("request", lambda r: asked.append(r.url) if "/gradio_api/" in r.url and r.method == "POST" else None)
        t0 = time.perf_counter()
        page.goto(url + "?lang=en")
        page.wait_for_selector(APP_READY, timeout=60_000)
        page.wait_for_selector(APP_READY_TOO, timeout=60_000)
        times.append(time.perf_counter() - t0)
        page.wait_for_timeout(500)
        weight = page.evaluate(PAGE_WEIGHT)
        weight["requests"] = len(asked)
        # then a second tab, as a class moves on: a click on Training -> its first plot drawn
        page.wait_for_timeout(1000)
        t0 = time.perf_counter()
        page.locator('#tabs [role=tab][data-tab-id="training"]').click()
        page.wait_for_selector(SECOND_TAB_READY, timeout=60_000)
        second.append(time.perf_counter() - t0)
        context.close()
    return times, weight


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results = {"one-line": [], "app": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(args.runs):
            for kind in ("one-line", "app"):
                proc, url, served, usable = start(kind, browser)
                stop(proc)
                results[kind].append((served, usable))
        med = {k: (statistics.median(s for s, _ in v), statistics.median(u for _, u in v))
               for k, v in results.items()}
        for kind, (served, usable) in med.items():
            runs = ", ".join(f"{s:.2f}/{u:.2f}" for s, u in results[kind])
            print(f"{kind:9s}: process start -> HTTP 200 {served:.2f} s, -> first tab usable in "
                  f"Chromium {usable:.2f} s (medians of {args.runs}; runs 200/usable: {runs})")
        print(f"ratio app / one-line app: HTTP 200 {med['app'][0] / med['one-line'][0]:.2f}, "
              f"first tab usable {med['app'][1] / med['one-line'][1]:.2f}  [target <= 1.5]")

        # The page alone: no model warm-up in the background (GENAI_PRELOAD=0), as a visitor
        # finds it once the models are loaded; with the tabs after the first sent when opened
        # (pages/lazy_tabs.py, the default) and, as the reference, every tab in the first load.
        os.environ["GENAI_PRELOAD"] = "0"
        variants = [("1", None, "tabs sent when opened"),
                    ("1", "0", "tabs sent when opened, Gradio's full plotly.js (reference)"),
                    ("0", None, "every tab at load (reference)")]
        for lazy, bundle, label in variants:
            os.environ["GENAI_LAZY_TABS"] = lazy
            if bundle is None:
                os.environ.pop("GENAI_PLOTLY_BUNDLE", None)
            else:
                os.environ["GENAI_PLOTLY_BUNDLE"] = bundle
            proc, url, _, _ = start("app", browser)
            try:
                config = httpx.get(url + "config", timeout=30)
                html = httpx.get(url + "?lang=en", timeout=30)
                gz = httpx.get(url + "?lang=en", timeout=30, headers={"Accept-Encoding": "gzip"})
                second = []
                times, weight = first_paint(browser, url, max(5, args.runs), second)
                print(f"page, {label}: navigation -> first tab usable {statistics.median(times):.2f} s "
                      f"(median of {len(times)}, fresh contexts; runs "
                      f"{', '.join(f'{x:.2f}' for x in times)})  [target <= 1.5 s]")
                embedded = re.search(r"window\.gradio_config\s*=\s*(\{.*?\});\s*</script>", html.text, re.S)
                n_components = len(json.loads(embedded.group(1))["components"]) if embedded else -1
                print(f"  then a click on the Training tab -> its first plot drawn: "
                      f"{statistics.median(second):.2f} s (runs {', '.join(f'{x:.2f}' for x in second)})")
                print(f"  page weight: the page with its config {len(html.content) / 1e6:.2f} MB "
                      f"({gz.num_bytes_downloaded / 1e6:.2f} MB on the wire; "
                      f"{n_components} components in it); the whole /config (for the API) "
                      f"{len(config.content) / 1e6:.2f} MB, {len(config.json()['dependencies'])} events, "
                      f"{len(config.json()['components'])} components; the navigation fetched "
                      f"{weight['count']} resources, {weight['wire'] / 1e6:.2f} MB on the wire, "
                      f"{weight['decoded'] / 1e6:.2f} MB decoded, of which scripts "
                      f"{weight['scripts'] / 1e6:.2f} MB; the page sent the server {weight['requests']} "
                      f"events as it loaded (English, the Neuron tab in view)")
            finally:
                stop(proc)
        os.environ.pop("GENAI_LAZY_TABS")
        os.environ.pop("GENAI_PLOTLY_BUNDLE", None)
        browser.close()


if __name__ == "__main__":
    main()
