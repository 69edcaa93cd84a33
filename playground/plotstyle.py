"""One look for every figure: big fonts for a projector, explicit heights, no clutter."""
from __future__ import annotations

import plotly.graph_objects as go

FONT_SIZE = 17          # readable from the back of a classroom
TITLE_SIZE = 20
HEIGHT = 440            # pixels; every figure sets its height explicitly
COLORS = {"point": "#d62728", "line": "#1f77b4", "boundary": "#111111",
          "train": "#1f77b4", "test": "#ff7f0e"}


def layout(fig: go.Figure, title: str, x: str | None = None, y: str | None = None,
           height: int = HEIGHT, **extra) -> go.Figure:
    """Apply the shared style: title, axis labels, fonts and margins."""
    fig.update_layout(
        title={"text": title, "font": {"size": TITLE_SIZE}, "x": 0.02, "xanchor": "left"},
        font={"size": FONT_SIZE},
        height=height,
        margin={"l": 70, "r": 30, "t": 70, "b": 60},
        template="plotly_white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        **extra,
    )
    if x is not None:
        fig.update_xaxes(title_text=x)
    if y is not None:
        fig.update_yaxes(title_text=y)
    return fig


def fmt(value: float, digits: int = 4) -> str:
    """A number as the lesson writes it: 7, 6.5, 0.9991 (no trailing zeros, no '-0')."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
