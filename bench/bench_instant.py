"""A slider as a visitor feels it: from a key press on the slider to the redrawn plot, in the
browser, with the server redrawing (old path) and with the page redrawing (pages/instant_plot.py).
Prints figures.

    flock /tmp/train.lock .venv/bin/python bench/bench_instant.py [--repeats 10] [--only attention]

Sliders: Generation's temperature, the Neuron's bias, the Attention tab's layer and head
(SmolLM2, "The cat sat on the mat..."), the Diffusion tab's t.

Starts the app twice in this process: GENAI_INSTANT=0 (each slider move is a server round trip
whose answer gr.Plot draws, as before) and the default (the page redraws with Plotly.react;
the server's answer still follows for the text around the plot). Debian's headless Chromium
presses an arrow key on the slider; the page's own clock measures from the key's event
(`event.timeStamp`) to the first animation frame after the plot's title has changed (a
MutationObserver on the plot), then one more task: the frame is painted. Median of --repeats,
per slider, both paths, and their ratio. Then, in the same page, what drawing alone costs:
Plotly.react on the figure in place against Plotly.newPlot into a fresh div (what gr.Plot
does on every update: it remounts its plot).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from harness import CHROMIUM_ARGS, free_port  # noqa: E402 - bench/harness.py
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GENAI_PRELOAD", "0")


# (name, tab, a selector that shows the tab is drawn, the slider, the plot whose title changes)
SLIDERS = [
    ("temperature", "generation", "#generation-bars .gtitle", "#generation-temperature",
     "#generation-bars"),
    ("neuron bias", "neuron", "#neuron-curve .gtitle", "#neuron-b", "#neuron-curve"),
    ("attention layer", "attention", "#attention-head-plot .gtitle", "#attention-layer",
     "#attention-head-plot"),
    ("attention head", "attention", "#attention-head-plot .gtitle", "#attention-head",
     "#attention-head-plot"),
    # x_t's name ("x_t (t = 301)") changes with each step; the title's two decimals may not
    ("diffusion t", "diffusion", "#diffusion-forward .gtitle", "#diffusion-t",
     "#diffusion-forward"),
]
# What changes in the plot: its title, or for the diffusion its names (annotations)
CHANGED = {"diffusion t": " .annotation-text"}

# Arms the measurement: resolves window.genaiBench with ms from the key's event to the frame
# painted after the plot's title changed.
ARM = """([box, text]) => { window.genaiBench = new Promise((resolve) => {
  const read = () => [...document.querySelectorAll(box + text)].map((e) => e.textContent).join('|');
  const before = read();
  let t0 = null, t1 = null, frame = null, paint = null;
  window.addEventListener('keydown', (e) => { t0 = e.timeStamp; }, {capture: true, once: true});
  window.addEventListener('input', () => { t1 = performance.now(); }, {capture: true, once: true});
  // the standard input-to-next-paint of the key (Event Timing), when it is 16 ms or more
  const timing = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'keydown' && paint === null) paint = e.duration;
  });
  timing.observe({type: 'event', durationThreshold: 16});
  const seen = new MutationObserver(() => {
    const now = read();
    if (t0 === null || !now || now === before) return;
    seen.disconnect();
    const changed = performance.now();
    requestAnimationFrame(() => {
      frame = performance.now();
      setTimeout(() => { timing.disconnect();
        resolve([frame - t0, (t1 || t0) - t0, changed - (t1 || t0), paint]); }, 300);
    });
  });
  seen.observe(document.body, {subtree: true, childList: true, characterData: true});
}); }"""

# Drawing alone, in the page: Plotly.react in place vs Plotly.newPlot into a new div.
DRAW = """async ([box, n]) => {
  const b = document.querySelector(box);
  const gd = b.classList.contains('js-plotly-plot') ? b : b.querySelector('.js-plotly-plot');
  const data = gd.data, layout = gd.layout;
  const react = [], fresh = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await Plotly.react(gd, data.map((d) => ({...d})), {...layout, title: {...layout.title, text: 'r' + i}});
    react.push(performance.now() - t0);
    const div = document.createElement('div');
    div.style.width = gd.clientWidth + 'px';
    document.body.appendChild(div);
    const t1 = performance.now();
    await Plotly.newPlot(div, data.map((d) => ({...d})), {...layout});
    fresh.push(performance.now() - t1);
    Plotly.purge(div); div.remove();
  }
  const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  return [median(react), median(fresh)];
}"""


def launch(instant: bool) -> tuple[object, str]:
    import app

    os.environ["GENAI_INSTANT"] = "1" if instant else "0"
    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    return demo, demo.local_url.rstrip("/")


def key_to_paint(browser, url: str, tab: str, ready: str, slider: str, box: str,
                 repeats: int, text: str = " .gtitle") -> tuple[list[float], tuple[float, float] | None]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page.goto(f"{url}/?lang=en&tab={tab}")
    page.wait_for_selector(ready, timeout=180_000)
    page.wait_for_timeout(2500)                          # the first answers settle
    page.locator(f"{slider} input[type=range]").focus()
    times, parts, paints = [], [], []
    for i in range(repeats):
        page.evaluate(ARM, [box, text])
        page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
        took = page.evaluate("() => Promise.race([window.genaiBench, "
                             "new Promise((r) => setTimeout(() => r(null), 15000))])")
        if took is None:
            raise RuntimeError(f"{slider}: the plot's title did not change within 15 s")
        times.append(took[0])
        parts.append(took[1:3])
        paints.append(took[3] if took[3] is not None else 16.0)   # under 16 ms: not reported
        page.wait_for_timeout(500)                       # the server's answer lands between
    draw = page.evaluate(DRAW, [box, 10]) if page.evaluate("() => !!window.Plotly") else None
    page.close()
    return times, draw, [statistics.median(p) for p in zip(*parts)], statistics.median(paints)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--only", default="", help="sliders whose name contains this (e.g. attention)")
    args = parser.parse_args()
    sliders = [s for s in SLIDERS if args.only in s[0]]
    from playwright.sync_api import sync_playwright

    results = {}
    for instant in (False, True):
        demo, url = launch(instant)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, tab, ready, slider, box in sliders:
                try:
                    results[name, instant] = key_to_paint(browser, url, tab, ready, slider, box,
                                                          args.repeats, CHANGED.get(name, " .gtitle"))
                except Exception as error:                  # noqa: BLE001 - report, go on
                    print(f"{name} ({'page' if instant else 'server'}): {error}", flush=True)
                    continue
                print(f"{name} ({'page' if instant else 'server'}): median "
                      f"{statistics.median(results[name, instant][0]):.1f} ms", flush=True)
            browser.close()
        demo.close()

    print(f"key press on a slider -> the frame that shows the new plot (the key's timeStamp to "
          f"the animation frame after the plot's title changed), headless Chromium, median of "
          f"{args.repeats} (ms)")
    print(f"{'slider':16s} {'server + gr.Plot':>17s} {'in the page':>12s} {'ratio':>7s}   "
          "in the page: key -> input event, input -> plot changed, -> frame; the key's "
          "input-to-next-paint (Event Timing)")
    for name, *_ in sliders:
        if (name, False) not in results or (name, True) not in results:
            continue
        old = statistics.median(results[name, False][0])
        new = statistics.median(results[name, True][0])
        key, change = results[name, True][2]
        print(f"{name:16s} {old:17.0f} {new:12.1f} {old / new:6.1f}x   {key:.1f}, {change:.1f}, "
              f"{new - key - change:.1f}; {results[name, True][3]:.0f}")
    print("drawing alone, the same figure in the page (median of 10, ms): "
          "Plotly.react in place vs Plotly.newPlot into a new div (what gr.Plot does)")
    for name, *_ in sliders:
        draw = results[name, True][1] if (name, True) in results else None
        if draw:
            print(f"{name:16s} react {draw[0]:6.1f}   newPlot {draw[1]:6.1f}   ratio "
                  f"{draw[1] / draw[0]:.1f}x")


if __name__ == "__main__":
    main()
