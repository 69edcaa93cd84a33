"""A plot the page redraws itself: sliders that only reshape numbers the page already holds
(temperature over cached logits, ...) answer in the browser, without a server round trip.

`instant_plot(elem_id)` is a gr.HTML whose value is a JSON payload built by a playground
function (the numbers, the figures drawn once by Python, the strings in the visitor's
language, and the elem_ids of the sliders it follows). Its script, pages/instant_plot.js,
draws the figures with plotly.js's `Plotly.react` (updates a figure in place, where gr.Plot
rebuilds it) and redraws them on every `input` event of those sliders. plotly.js is
Gradio's own copy: loaded by any gr.Plot, or imported from Gradio's assets on first use (no
extra download). The pages keep their gr.Plot outputs, hidden, so every api_name answers as
before: the server stays the reference (tests/test_instant.py).

GENAI_INSTANT=0 builds the pages as before (the server redraws): bench/bench_instant.py
measures both.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import gradio as gr

SCRIPT = (Path(__file__).with_name("instant_plot.js")).read_text(encoding="utf-8")
ASSETS = Path(gr.__file__).parent / "templates" / "frontend" / "assets"
# Gradio's chunk that bundles plotly.js and sets window.Plotly (its name carries a hash)
PLOTLY_CHUNK = next((p.name for p in sorted(ASSETS.glob("PlotlyPlot-*.js"))), "")
# On mount, plotly.js starts loading at once: the page's first figure then waits for the
# server's numbers and plotly.js together, not one after the other.
MOUNT = ("\nwindow.genaiInstant.mount(element, props, watch);\n"
         f"window.genaiInstant.plotly({{plotly_chunk: {json.dumps(PLOTLY_CHUNK)}}}).catch(() => {{}});\n")


# The server's own answer to a slider the page has already redrawn (the text around the plot)
# is asked for once the page has painted: on the same two cores, the server computing at once
# would delay that paint. An event's `js`: wait for the frame after the next one, then send.
AFTER_PAINT_JS = ("(...inputs) => new Promise((r) => requestAnimationFrame(() => "
                  "requestAnimationFrame(() => r(inputs))))")


def enabled() -> bool:
    """Redraw in the page (the default), or leave it to the server (GENAI_INSTANT=0)."""
    return os.environ.get("GENAI_INSTANT", "1") != "0"


def instant_plot(elem_id: str, min_height: int = 400, value: str = "") -> gr.HTML:
    """The component: its figures appear once a payload (`payload_json`) reaches it."""
    return gr.HTML(value, html_template='<div class="genai-instant"></div>', js_on_load=SCRIPT + MOUNT,
                   elem_id=elem_id, min_height=min_height, padding=False)


def instant_slot(elem_id: str, min_height: int = 400) -> gr.HTML:
    """A place elsewhere on the page for one of an instant_plot's figures (the div of id
    `elem_id`, one of the payload's `ids`): the figures share one payload, not their place."""
    return gr.HTML(html_template=f'<div class="genai-instant-slot" id="{elem_id}"></div>',
                   elem_id=f"{elem_id}-slot", min_height=min_height, padding=False)


def payload_json(payload: dict, ids: list[str], sliders: dict[str, str], **limits) -> str:
    """The gr.HTML's value: a playground payload, the elem_ids of its figures' divs, the
    sliders (value name -> elem_id) it follows, and their limits (beyond them, the page
    leaves the answer to the server, which explains the error)."""
    return json.dumps({**payload, "ids": ids, "sliders": sliders, "limits": limits,
                       "plotly_chunk": PLOTLY_CHUNK}, ensure_ascii=False, allow_nan=False)
