"""A whole class in real browsers (issue 18): 10 Chromium pages on one app. Prints figures.

    .venv/bin/python bench/bench_classroom_browser.py [--pages 10] [--url http://host:port/]

The app runs in its own process (`python app.py`, models preloaded) unless --url names one.
One headless Chromium (Debian's, as the tests use), one context per pupil (its own session and
cache), all at once through Playwright's async API. Each pupil, half in Spanish, half in
English, does a scripted class:
  open      the page, until the first tab is usable (the Neuron's curve drawn),
  neuron    3 moves of a weight (typed, Enter), each until the curve's title shows the new sum,
  predict   the teacher's link to the Generation tab, until the next-token bars are drawn,
  redraw    3 temperatures, each until the bars' title shows it,
  generate  30 tokens streamed, until the last arrives (or the stream ends),
with a person's pause between two actions, the pupils arriving over 30 s. Every wait is
bounded (90 s): one that runs out is a failure. On this machine the 10 Chromiums share the
server's 2 cores (a page needs ~3.5 s of main-thread CPU to open): the figures are what a
class would see if its browsers ran on the server, an upper bound. Prints failures, and per action the median and the 95th percentile as the pupil feels
them (from the key press or click to the redrawn page).
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

from bench_classroom import free_port, percentile, start_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WAIT_MS = 90_000
TOKENS = 30
ARRIVAL_S = 30           # pupils open the teacher's link within half a minute


async def title_changes(page, selector: str, before: str, must_contain: str = ""):
    await page.wait_for_function(
        """([sel, before, part]) => { const t = document.querySelector(sel)?.textContent || "";
             return t && t !== before && t.includes(part); }""",
        arg=[selector, before, must_contain], timeout=WAIT_MS)


async def text_of(page, selector: str) -> str:
    return await page.evaluate("(s) => document.querySelector(s)?.textContent || ''", selector)


async def pupil(browser, url: str, i: int, records: list):
    rng, lang = random.Random(i), ("es", "en")[i % 2]
    context = await browser.new_context(viewport={"width": 1400, "height": 1000},
                                        locale="es-ES" if lang == "es" else "en-US")
    page = await context.new_page()

    async def step(name, action):
        t0 = time.perf_counter()
        try:
            await action()
            records.append((i, name, time.perf_counter() - t0, None))
        except Exception as exc:  # noqa: BLE001
            records.append((i, name, time.perf_counter() - t0, repr(exc)[:160]))
        await asyncio.sleep(rng.uniform(0.5, 2.0))

    async def open_page():
        await page.goto(f"{url}?lang={lang}")
        await page.wait_for_selector("#neuron-curve .gtitle", timeout=WAIT_MS)
        await page.wait_for_selector("#neuron-w1 input[type=number]", timeout=WAIT_MS)

    async def move_weight():
        before = await text_of(page, "#neuron-curve .gtitle")
        box = page.locator("#neuron-w1 input[type=number]")
        await box.fill(f"{rng.uniform(-5, 5):.1f}")
        await box.press("Enter")
        await title_changes(page, "#neuron-curve .gtitle", before)

    async def predict():
        # The teacher's link to the Generation tab (a page of 17 tabs hides some in a menu).
        await page.goto(f"{url}?lang={lang}&tab=generation")
        await page.wait_for_selector("#generation-bars .gtitle", timeout=WAIT_MS)

    temperatures = rng.sample([0.2, 0.5, 1.2, 1.5, 1.8], 3)    # each differs from the last

    async def redraw():
        before = await text_of(page, "#generation-bars .gtitle")
        value = f"{temperatures.pop():g}"
        box = page.locator("#generation-temperature input[type=number]")
        await box.fill(value)
        await box.press("Enter")
        await title_changes(page, "#generation-bars .gtitle", before, value)

    async def generate():
        box = page.locator("#generation-max-tokens input[type=number]")
        await box.fill(str(TOKENS))
        await box.press("Enter")
        await page.locator("#generation-stream-go").click()
        await page.wait_for_function(
            "() => document.querySelectorAll('#generation-stream .tok[data-p]').length >= 1",
            timeout=WAIT_MS)
        last, still = -1, 0
        while still < 4:                       # the stream has ended: no new token for 2 s
            n = await page.evaluate(
                "() => document.querySelectorAll('#generation-stream .tok[data-p]').length")
            if n >= TOKENS:
                return
            still = still + 1 if n == last else 0
            last = n
            await asyncio.sleep(0.5)

    await asyncio.sleep(rng.uniform(0, ARRIVAL_S))        # a class arriving over half a minute
    await step("open", open_page)
    for _ in range(3):
        await step("neuron", move_weight)
    await step("predict", predict)
    for _ in range(3):
        await step("redraw", redraw)
    await step("generate", generate)
    await context.close()


async def run_class(url: str, pages: int) -> list:
    from playwright.async_api import async_playwright
    records: list = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await asyncio.gather(*(pupil(browser, url, i, records) for i in range(pages)))
        await browser.close()
    return records


def warm_up(url: str):
    from gradio_client import Client
    client = Client(url, verbose=False)
    for lang, prompt in (("es", "El futuro de la IA se basa en la"),
                         ("en", "The future of AI is based on the")):
        client.predict(prompt, 0.8, 50, 0.95, lang, api_name="/next_token")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    proc = None
    url = args.url
    if not url:
        proc, url = start_app(free_port())
    try:
        warm_up(url)
        t0 = time.perf_counter()
        records = asyncio.run(run_class(url, args.pages))
        wall = time.perf_counter() - t0
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
    failures = [r for r in records if r[3]]
    print(f"classroom in real browsers: {args.pages} Chromium pages, {len(records)} actions in "
          f"{wall:.0f} s: {len(records) - len(failures)} answered, {len(failures)} failures  [target 0]")
    for name in ("open", "neuron", "predict", "redraw", "generate"):
        lat = [r[2] for r in records if r[1] == name and not r[3]]
        if lat:
            print(f"  {name:9s} {len(lat):3d}: median {1000 * statistics.median(lat):6.0f} ms, "
                  f"p95 {1000 * percentile(lat, 95):6.0f} ms")
    light = [r[2] for r in records if r[1] in ("neuron", "redraw") and not r[3]]
    if light:
        print(f"  light (neuron, redraw) p95 {1000 * percentile(light, 95):.0f} ms as the pupil sees it")
    for f in failures[:5]:
        print("  failure:", f[1], f[3])


if __name__ == "__main__":
    main()
