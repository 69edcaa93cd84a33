"""The Neuron lesson's figures for the page: what the browser needs to redraw the activation's
curve and the plane itself when an input, a weight, the bias or the activation moves.

y = f(w1 x1 + w2 x2 + w3 x3 + b) costs nothing to compute: what a slider waited for was the
round trip. The page (pages/instant_plot.js, kind "neuron") recomputes the neuron, the curve
(401 points) and the plane's output grid (101 x 101), and patches Python's own figures, sent
once per language with the strings a move changes. playground.networks.neuron stays the
reference: tests/test_instant.py compares the page's numbers with `forward`,
`curve_figure` and `plane_figure`.
"""
from __future__ import annotations

import json

import plotly.io as pio

from playground.core.i18n import t
from playground.networks import neuron

EXTENT = 5.0                 # the plane spans [-EXTENT, EXTENT]^2 (neuron.plane_figure's default)
GRID = 101                   # its points per side (neuron.plane_figure's)
CURVE_POINTS = 401


def _figure_json(fig) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


# What the page recomputes on every draw (pages/instant_plot.js, neuronFigures): the traces'
# points and labels. The page's own payload leaves them out.
RECOMPUTED = ("x", "y", "z", "text")


def payload_both(langs: tuple[str, ...]) -> dict:
    """One payload for every language: the constants once, and per language the figures (their
    points left out, as the page recomputes them) and the strings. The page draws in its own
    language at once, and follows a switch without asking the server (instant_plot.js picks
    `langs[the page's language]`)."""
    each = {lang: payload(lang) for lang in langs}
    first = each[langs[0]]
    shared = {k: v for k, v in first.items() if k not in ("figures", "text")}
    stripped = {lang: {"figures": [{"data": [{k: v for k, v in trace.items() if k not in RECOMPUTED}
                                             for trace in fig["data"]], "layout": fig["layout"]}
                                   for fig in p["figures"]],
                       "text": p["text"]} for lang, p in each.items()}
    return {**shared, "langs": stripped}


def payload(lang: str) -> dict:
    """The figures of a neuron whose plane has a boundary and a point (every trace a move can
    show), the strings, and the constants of the activations."""
    sample = neuron.forward([1.0, 1.0], [1.0, 1.0], 0.5, "relu")
    return {"kind": "neuron",
            "figures": [_figure_json(neuron.curve_figure(sample, lang)),
                        _figure_json(neuron.plane_figure(sample, lang, EXTENT))],
            "text": {"act": {name: t(f"act_{name}", lang) for name in neuron.ACTIVATIONS},
                     "curve_title": t("neuron_curve_title", lang, act="{act}", z="{z}", y="{y}"),
                     "no_line": t("neuron_plane_no_line", lang)},
            "activations": list(neuron.ACTIVATIONS), "leaky_slope": neuron.LEAKY_SLOPE,
            "extent": EXTENT, "grid": GRID, "curve_points": CURVE_POINTS}
