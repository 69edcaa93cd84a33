"""One look for every figure: big fonts for a projector, explicit heights, no clutter.

Speed matters: a slider redraws on every move. Building a `go.Figure` through plotly's
validators is many times slower than building the same figure from plain dicts with
`_validate=False`. So figures are written as dicts of plotly's JSON schema
(`{"type": "scatter", "x": ..., ...}`) and wrapped by `figure()`. The style is set by hand
instead of through a named template (which only validation would resolve). A figure redrawn
many times a second sends its arrays compactly (`typed_array`).
"""
from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go

FONT_SIZE = 17          # readable from the back of a classroom
TITLE_SIZE = 20
HEIGHT = 440            # pixels; every figure sets its height explicitly
COLORS = {"point": "#d62728", "line": "#1f77b4", "boundary": "#111111",
          "train": "#1f77b4", "test": "#ff7f0e",
          # TensorFlow Playground's: orange for negative (class 0), blue for positive (class 1)
          "negative": "#f59322", "positive": "#0877bd", "neutral": "#f4f4f4"}
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

    Without a template of its own, plotly would attach its default one: kilobytes of JSON
    with every figure, to serialise and send, for styles `base_layout` sets by hand anyway
    (tests/test_plotstyle.py checks that it is left out).
    """
    return go.Figure({"data": data, "layout": {"template": {}, **layout}}, _validate=False)


# plotly.js's names of the typed arrays it decodes (numpy's dtype -> plotly.js's dtype)
TYPED_ARRAY_DTYPES = {"float64": "f8", "float32": "f4", "int32": "i4", "uint32": "u4",
                      "int16": "i2", "uint16": "u2", "int8": "i1", "uint8": "u1"}


def typed_array(values, dtype: str = "float32") -> dict:
    """An array as plotly.js's typed-array spec, for any data attribute (x, y, z, marker.color).

    plotly.js (2.28 and later; Lib.decodeTypedArraySpec) reads a dict
    `{"dtype": "f4", "bdata": "<base64>", "shape": "60, 60"}`: `dtype` names a JavaScript
    typed array (f8, f4, i4, u4, i2, u2, i1, u1), `bdata` is the array's bytes in base64,
    in the browser's byte order (little-endian everywhere in practice, so they are written
    little-endian), and `shape` ("rows, cols", row-major) makes a 2-D array such as a
    heatmap's z; without it the array is flat. plotly.py writes the same spec for numpy
    arrays when it serialises a figure. A float32 takes 4 bytes (5.3 in base64) where JSON
    writes up to 17 digits, a uint8 one byte: what a figure streamed while a network
    trains needs.
    """
    if dtype not in TYPED_ARRAY_DTYPES:
        raise ValueError(f"plotly.js has no typed array for {dtype!r}; use one of "
                         f"{sorted(TYPED_ARRAY_DTYPES)}")
    a = np.ascontiguousarray(values, dtype=np.dtype(dtype).newbyteorder("<"))
    if a.ndim > 3:
        raise ValueError("plotly.js decodes typed arrays of 1 to 3 dimensions")
    return {"dtype": TYPED_ARRAY_DTYPES[dtype],
            "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
            "shape": ", ".join(map(str, a.shape))}


def layout(fig: go.Figure, title: str, x: str | None = None, y: str | None = None,
           height: int = HEIGHT, **extra) -> go.Figure:
    """Apply the shared style to a figure built the validated way (slower; fine once)."""
    fig.update_layout(base_layout(title, x, y, height), **extra)
    return fig


def fmt(value: float, digits: int = 4) -> str:
    """A number as the lesson writes it: 7, 6.5, 0.9991 (no trailing zeros, no '-0')."""
    text = f"{value:.{digits}f}"
    if "." in text:                   # 60 stays 60; 6.50 becomes 6.5
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
