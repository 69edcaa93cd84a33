"""A plot the page redraws itself: sliders that only reshape numbers the page already holds
(temperature over cached logits, ...) answer in the browser, without a server round trip.

`instant_plot(elem_id)` is a gr.HTML whose value is a JSON payload built by a playground
function (the numbers, the figures drawn once by Python, the strings in the visitor's
language, and the elem_ids of the sliders it follows). Its script, pages/instant_plot.js,
draws the figures with plotly.js's `Plotly.react` (updates a figure in place, where gr.Plot
rebuilds it) and redraws them on every `input` event of those sliders. The pages keep their
gr.Plot outputs, hidden, so every api_name answers as before: the server stays the reference
(tests/test_instant.py).

plotly.js: the cartesian bundle (BUNDLE), which scripts/setup.sh installs from npm beside the
environment, served at BUNDLE_ROUTE (add_route) and loaded by the page as a classic script.
It holds every trace these figures use (scatter, bar, heatmap, image) in a third of the full
bundle, and a third of its evaluation, which was the largest single task of the first tab's
first paint (0.85 s of the page's one thread, measured in Chromium; bench/bench_cold_start.py).
Without it (a host that installed requirements.txt alone, or GENAI_PLOTLY_BUNDLE=0) the page
uses Gradio's own full copy, the one any gr.Plot loads.

GENAI_INSTANT=0 builds the pages as before (the server redraws): bench/bench_instant.py
measures both.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import gradio as gr

SCRIPT = (Path(__file__).with_name("instant_plot.js")).read_text(encoding="utf-8")
ASSETS = Path(gr.__file__).parent / "templates" / "frontend" / "assets"
# Gradio's chunk that bundles plotly.js and sets window.Plotly (its name carries a hash)
PLOTLY_CHUNK = next((p.name for p in sorted(ASSETS.glob("PlotlyPlot-*.js"))), "")

# plotly.js's cartesian bundle, of the version plotly.py's figures are made for (scripts/setup.sh
# installs it there; tests/test_instant.py checks the version).
BUNDLE_VERSION = "4.1.1"
DEFAULT_BUNDLE = Path(sys.prefix) / "share" / "genai-playground" / "plotly-cartesian.min.js"


def bundle() -> Path | None:
    """The page's plotly.js bundle if this host has it ($GENAI_PLOTLY_BUNDLE: another path, or
    0 for Gradio's own copy); else None."""
    chosen = os.environ.get("GENAI_PLOTLY_BUNDLE", str(DEFAULT_BUNDLE))
    path = Path(chosen) if chosen not in ("", "0") else None
    return path if path is not None and path.is_file() else None


BUNDLE = bundle()
# Relative to the page (an app served under a sub-path finds it there too); the version in the
# name lets browsers keep it for good.
BUNDLE_ROUTE = f"genai/plotly-cartesian-{BUNDLE_VERSION}.min.js"
PLOTLY_SRC = BUNDLE_ROUTE if BUNDLE else ""
LOADER = {"plotly_chunk": PLOTLY_CHUNK, "plotly_src": PLOTLY_SRC}
# In the page's <head> (app.launch_kwargs): the bundle is fetched while Gradio's own scripts
# set the page up, and run when the first figure asks for it. (Run at once, as an async
# script, it held Gradio's set-up back: the first figure came ~0.1 s later, medians of 8.)
PRELOAD = f'\n<link rel="preload" as="script" href="{PLOTLY_SRC}">' if PLOTLY_SRC else ""

# On mount, plotly.js starts loading at once: the page's first figure then waits for the
# server's numbers and plotly.js together, not one after the other.
MOUNT = ("\nwindow.genaiInstant.mount(element, props, watch);\n"
         f"window.genaiInstant.plotly({json.dumps(LOADER)}).catch(() => {{}});\n")


def add_route(app) -> None:
    """Serve BUNDLE at /BUNDLE_ROUTE on the launched app's server (Gradio's FastAPI app)."""
    if BUNDLE is None:
        return
    from starlette.responses import FileResponse

    async def plotly_bundle(request):
        return FileResponse(BUNDLE, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=31536000, immutable"})

    app.add_route("/" + BUNDLE_ROUTE, plotly_bundle, methods=["GET"])


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
    return json.dumps({**payload, "ids": ids, "sliders": sliders, "limits": limits, **LOADER},
                      ensure_ascii=False, allow_nan=False)
