"""Where a slider's key press spends its time until the next paint, from Chromium's own trace.
Prints figures.

    flock /tmp/train.lock .venv/bin/python bench/bench_instant_trace.py [--presses 6]

bench_instant.py measures key press -> the animation frame after the plot changed (the page's
clock) and the browser's input-to-next-paint of the key (Event Timing): the second is 40-50 ms
longer. This records a performance trace (Playwright's browser.start_tracing, Chromium's
devtools.timeline categories) while arrow keys move, in the page-redrawn app (GENAI_INSTANT=1):
the Neuron tab's bias (the page redraws its curve), the Diffusion tab's t (x_t), and, as the
floor, a slider of the Diffusion tab that triggers nothing in the page (the seed). For each
key press, from the keydown's dispatch to the end of the frame that showed it, it sums the
renderer's main-thread work by kind (our listener, Gradio's handlers, style and layout,
paint) and the raster and compositor threads' work: medians over the presses.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from harness import CHROMIUM_ARGS  # noqa: E402 - bench/harness.py
from bench_instant import launch  # noqa: E402 - bench/bench_instant.py

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GENAI_PRELOAD", "0")

# (name, tab, a selector that shows the tab is drawn, the slider)
SLIDERS = [("neuron bias", "neuron", "#neuron-curve .gtitle", "#neuron-b"),
           ("diffusion t", "diffusion", "#diffusion-forward .gtitle", "#diffusion-t"),
           ("a slider that redraws nothing (diffusion seed)", "diffusion", "#diffusion-forward .gtitle",
            "#diffusion-seed")]
CATEGORIES = ("devtools.timeline,disabled-by-default-devtools.timeline,"
              "disabled-by-default-devtools.timeline.frame,blink.user_timing,latencyInfo,cc,viz,"
              "benchmark,loading")
# Main-thread work, by what it is (trace event names)
KINDS = {"EventDispatch": "event handlers (ours + Gradio's)", "FireAnimationFrame": "animation frames",
         "TimerFire": "timers", "FunctionCall": "other script (promises, observers)",
         "UpdateLayoutTree": "style", "Layout": "layout", "PrePaint": "pre-paint", "Paint": "paint",
         "Layerize": "layerize", "Commit": "commit"}
OFF_MAIN = {"RasterTask": "raster (tile workers)", "DrawFrame": "compositor frames (DrawFrame)"}

# Event Timing: the browser's own input-to-next-paint of each keydown
OBSERVE = """() => { window.genaiPaints = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries())
    if (e.name === 'keydown') window.genaiPaints.push(e.duration); })
    .observe({type: 'event', durationThreshold: 16, buffered: false}); }"""


def main_thread(events) -> tuple[int, int]:
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name" and \
                e["args"].get("name") == "CrRendererMain":
            return e["pid"], e["tid"]
    raise RuntimeError("no renderer main thread in the trace")


def breakdown(events, presses: int) -> tuple[list[dict], list[float]]:
    """Per keydown: ms of each kind of work from its dispatch to the next compositor frame."""
    pid, tid = main_thread(events)
    complete = [e for e in events if e.get("ph") == "X" and "dur" in e]
    keys = sorted(e["ts"] for e in complete if e["name"] == "EventDispatch" and
                  (e["pid"], e["tid"]) == (pid, tid) and e.get("args", {}).get("data", {}).get("type") == "keydown")
    frames = sorted(e["ts"] + e["dur"] for e in complete if e["name"] == "DrawFrame")
    out, spans = [], []
    for k, start in enumerate(keys[-presses:]):
        # the frame after the main thread's paint that followed the key
        paint = next((e["ts"] + e["dur"] for e in sorted(complete, key=lambda e: e["ts"])
                      if e["ts"] >= start and e["name"] == "Paint" and e["pid"] == pid), None)
        end = next((f for f in frames if paint and f >= paint), None) or start + 200_000
        spans.append((end - start) / 1000)
        sums = defaultdict(float)
        for e in complete:
            if not start <= e["ts"] < end:
                continue
            if (e["pid"], e["tid"]) == (pid, tid) and e["name"] in KINDS:
                sums[KINDS[e["name"]]] += e["dur"] / 1000
            elif e["name"] in OFF_MAIN:
                sums[OFF_MAIN[e["name"]]] += e["dur"] / 1000
        out.append(sums)
    return out, spans


def run(browser, url: str, tab: str, ready: str, slider: str, presses: int):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page.goto(f"{url}/?lang=en&tab={tab}")
    page.wait_for_selector(ready, timeout=180_000)
    page.wait_for_timeout(2500)
    page.evaluate(OBSERVE)
    page.locator(f"{slider} input[type=range]").focus()
    page.keyboard.press("ArrowRight")                      # warm: the first press compiles
    page.wait_for_timeout(800)
    page.evaluate("() => { window.genaiPaints = []; }")
    browser.start_tracing(page=page, categories=CATEGORIES.split(","))
    for i in range(presses):
        page.keyboard.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")
        page.wait_for_timeout(700)
    trace = json.loads(browser.stop_tracing())
    paints = page.evaluate("() => window.genaiPaints")
    page.close()
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    return (*breakdown(events, presses), paints)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=6)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    demo, url = launch(True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        results = {name: run(browser, url, tab, ready, slider, args.presses)
                   for name, tab, ready, slider in SLIDERS}
        browser.close()
    demo.close()
    print(f"a key press on a slider, page-redrawn app, headless Chromium, median of {args.presses} "
          "presses (ms): keydown -> the compositor frame after its paint (trace); the browser's "
          "input-to-next-paint (Event Timing, 16 ms or more); then the work in that span by kind")
    for name, (sums, spans, paints) in results.items():
        inp = f"{statistics.median(paints):.0f}" if paints else "< 16"
        print(f"\n{name}: keydown -> frame {statistics.median(spans):.1f}; Event Timing {inp}")
        kinds = sorted({k for s in sums for k in s}, key=lambda k: -statistics.median(s.get(k, 0) for s in sums))
        for k in kinds:
            print(f"  {k:40s} {statistics.median(s.get(k, 0.0) for s in sums):6.1f}")


if __name__ == "__main__":
    main()
