"""One look for every figure: big fonts for a projector, explicit heights, no clutter.

Speed matters: a slider redraws on every move. Building a `go.Figure` through plotly's
validators costs ~50 ms for a heatmap; building the same figure from plain dicts with
`_validate=False` costs ~1.5 ms. So figures are written as dicts of plotly's JSON schema
(`{"type": "scatter", "x": ..., ...}`) and wrapped by `figure()`. The style is set by hand
instead of through a named template (which only validation would resolve).
"""
from __future__ import annotations

import plotly.graph_objects as go

FONT_SIZE = 17          # readable from the back of a classroom
TITLE_SIZE = 20
HEIGHT = 440            # pixels; every figure sets its height explicitly
COLORS = {"point": "#d62728", "line": "#1f77b4", "boundary": "#111111",
          "train": "#1f77b4", "test": "#ff7f0e"}
GRID = "#e5e7eb"

AXIS = {"gridcolor": GRID, "zerolinecolor": "#9ca3af", "linecolor": "#9ca3af",
        "automargin": True, "title": {"standoff": 8}}


def base_layout(title: str, x: str | None = None, y: str | None = None,
                height: int = HEIGHT) -> dict:
    """The shared layout as a dict; callers add or override keys."""
    return {
        "title": {"text": title, "font": {"size": TITLE_SIZE}, "x": 0.02, "xanchor": "left"},
        "font": {"size": FONT_SIZE, "family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"},
        "height": height,
        "margin": {"l": 70, "r": 30, "t": 80, "b": 60},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hoverlabel": {"font": {"size": FONT_SIZE}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        "xaxis": {**AXIS, "title": {"text": x or "", "standoff": 8}},
        "yaxis": {**AXIS, "title": {"text": y or "", "standoff": 8}},
    }


def figure(data: list[dict], layout: dict) -> go.Figure:
    """A go.Figure from plain dicts, skipping plotly's slow validation.

    Without a template of its own, plotly would attach its default one: ~7 KB of JSON with
    every figure, and 1 ms to serialise, for styles `base_layout` sets by hand anyway.
    """
    return go.Figure({"data": data, "layout": {"template": {}, **layout}}, _validate=False)


def layout(fig: go.Figure, title: str, x: str | None = None, y: str | None = None,
           height: int = HEIGHT, **extra) -> go.Figure:
    """Apply the shared style to a figure built the validated way (slower; fine once)."""
    fig.update_layout(base_layout(title, x, y, height), **extra)
    return fig


def fmt(value: float, digits: int = 4) -> str:
    """A number as the lesson writes it: 7, 6.5, 0.9991 (no trailing zeros, no '-0')."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
