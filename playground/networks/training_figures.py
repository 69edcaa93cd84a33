"""Pictures and words for the Training tab's live run: the decision boundary, the loss
curves, what each hidden neuron responds to, and the status lines.

Pure functions of a training.Frame and the visitor's language. Figures are built from plain
dicts (see plotstyle) and send their arrays as typed arrays (plotstyle.typed_array), because
they are redrawn for every frame while a network trains. Colours follow TensorFlow
Playground: orange is class 0, blue class 1. The hand-worked step has its own words and
picture in playground.networks.backprop.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import typed_array
from playground.networks.training import GRID, RUN_EPOCHS, RUN_SECONDS, Frame

CLASS_COLORS = (plotstyle.COLORS["negative"], plotstyle.COLORS["positive"])   # class 0, class 1
NEUTRAL = plotstyle.COLORS["neutral"]
CLASS_SCALE = [[0.0, CLASS_COLORS[0]], [0.5, NEUTRAL], [1.0, CLASS_COLORS[1]]]
MAX_CURVE_POINTS = 800                           # the loss curves are thinned beyond this


def _axis_range(extent: float) -> list[float]:
    return [-extent, extent]


def colour_levels(values, low: float, high: float) -> dict:
    """Values in [low, high] as bytes 0..255 (a typed array of uint8): a colour needs no
    more, and it is a quarter of float32's size. The heatmap's zmin/zmax are 0 and 255."""
    scaled = (np.asarray(values, dtype=float) - low) / (high - low) * 255
    return typed_array(np.clip(np.round(scaled), 0, 255), "uint8")


# --- live training ----------------------------------------------------------------------

def boundary_figure(frame: Frame, lang: str) -> go.Figure:
    """P(class 1) over the plane as a heatmap, with the training and test points on top."""
    data, extent = frame.data, frame.data.extent
    axis = np.linspace(-extent, extent, GRID)
    traces = [{
        "type": "heatmap", "x": typed_array(axis), "y": typed_array(axis),
        "z": colour_levels(frame.probability, 0, 1), "zmin": 0, "zmax": 255,
        "colorscale": CLASS_SCALE, "zsmooth": "best", "hoverinfo": "skip",
        "colorbar": {"title": {"text": t("training_probability", lang), "side": "right"},
                     "tickvals": [0, 127.5, 255], "len": 0.9, "thickness": 16,
                     "ticktext": [t("training_class_0", lang), "0.5", t("training_class_1", lang)]},
    }]
    for X, y, key, symbol, outline in ((data.X_train, data.y_train, "training_points_train",
                                        "circle", "white"),
                                       (data.X_test, data.y_test, "training_points_test",
                                        "diamond", "black")):
        traces.append({
            "type": "scatter", "mode": "markers",
            "x": typed_array(X[:, 0]), "y": typed_array(X[:, 1]),
            "showlegend": False, "hoverinfo": "skip",
            "marker": {"size": 9, "symbol": symbol, "color": typed_array(y), "cmin": 0, "cmax": 1,
                       "colorscale": [[0, CLASS_COLORS[0]], [1, CLASS_COLORS[1]]],
                       "line": {"width": 1.5, "color": outline}},
        })
        traces.append({    # the legend's entry: the symbol in grey, since colour is the class
            "type": "scatter", "mode": "markers", "x": [None], "y": [None],
            "name": t(key, lang, n=len(X)),
            "marker": {"size": 11, "symbol": symbol, "color": "#9ca3af",
                       "line": {"width": 1.5, "color": outline}},
        })
    title = t("training_boundary_title", lang, epoch=frame.epoch)
    layout = plotstyle.base_layout(title, "x1", "x2", height=520)
    layout["xaxis"].update(range=_axis_range(extent), constrain="domain")
    layout["yaxis"].update(range=_axis_range(extent), scaleanchor="x", constrain="domain")
    layout["legend"].update(x=0.0, xanchor="left", y=-0.12, yanchor="top")
    layout["margin"] = {"l": 60, "r": 20, "t": 70, "b": 90}
    return plotstyle.figure(traces, layout)


def _thin(values: list, n: int) -> np.ndarray:
    """At most n evenly spaced entries (always the first and the last)."""
    values = np.asarray(values, dtype=float)
    if len(values) <= n:
        return values
    return values[np.unique(np.linspace(0, len(values) - 1, n).round().astype(int))]


def loss_figure(frame: Frame, lang: str) -> go.Figure:
    """The training and test loss, epoch after epoch."""
    h = frame.history
    epochs = _thin(h["epoch"], MAX_CURVE_POINTS)
    traces = [{"type": "scatter", "mode": "lines", "x": typed_array(epochs),
               "y": typed_array(_thin(h[key], MAX_CURVE_POINTS)),
               "name": t(f"training_loss_{key}", lang,
                         value=_three_decimals(getattr(frame, f"{key}_loss"))),
               "hoverinfo": "x+y",
               "line": {"width": 3, "color": plotstyle.COLORS[key],
                        "dash": "solid" if key == "train" else "dash"}}
              for key in ("train", "test")]
    title = t("training_loss_title", lang)
    layout = plotstyle.base_layout(title, t("training_epoch", lang), t("training_loss_axis", lang),
                                   height=520)
    layout["yaxis"]["rangemode"] = "tozero"
    layout["xaxis"]["rangemode"] = "tozero"
    layout["legend"] = {"x": 0.98, "xanchor": "right", "y": 0.98, "yanchor": "top",
                        "bgcolor": "rgba(255,255,255,0.8)"}
    return plotstyle.figure(traces, layout)


def neurons_figure(frame: Frame, lang: str) -> go.Figure:
    """Each hidden neuron's output over the plane, one small picture per neuron, one row per
    layer: the first layer draws straight lines, later layers combine them into shapes.

    All pictures are tiles of one heatmap of bytes, separated by white strips, which keeps
    the streamed figure light. Each tile is scaled by its own largest |value|: blue
    positive, orange negative.
    """
    layers = frame.neurons
    m = layers[0].shape[-1]
    gap = max(2, m // 8)
    cols = max(maps.shape[0] for maps in layers)
    mosaic = np.zeros((len(layers) * (m + gap) - gap, cols * (m + gap) - gap))
    for i, maps in enumerate(layers):
        for j, tile in enumerate(maps):
            scale = float(np.abs(tile).max()) or 1.0
            r, c = i * (m + gap), j * (m + gap)
            mosaic[r:r + m, c:c + m] = tile[::-1] / scale   # image rows go down; x2 goes up
    height, width = mosaic.shape
    white = {"type": "rect", "fillcolor": "white", "line": {"width": 0}, "layer": "above"}
    strips = [{**white, "x0": k * (m + gap) - gap - 0.5, "x1": k * (m + gap) - 0.5,
               "y0": -0.5, "y1": height - 0.5} for k in range(1, cols)]
    strips += [{**white, "y0": k * (m + gap) - gap - 0.5, "y1": k * (m + gap) - 0.5,
                "x0": -0.5, "x1": width - 0.5} for k in range(1, len(layers))]
    strips += [{**white, "x0": len(maps) * (m + gap) - gap - 0.5, "x1": width - 0.5,   # no neuron
                "y0": i * (m + gap) - 0.5, "y1": i * (m + gap) + m - 0.5}
               for i, maps in enumerate(layers) if len(maps) < cols]
    trace = {"type": "heatmap", "z": colour_levels(mosaic, -1, 1), "zmin": 0, "zmax": 255,
             "showscale": False, "hoverinfo": "skip", "zsmooth": "fast",   # a tiny canvas
             "colorscale": [[0, CLASS_COLORS[0]], [0.5, NEUTRAL], [1, CLASS_COLORS[1]]]}
    centres = [k * (m + gap) + (m - 1) / 2 for k in range(max(cols, len(layers)))]
    layout = plotstyle.base_layout(t("training_neurons_title", lang), None, None,
                                   height=120 + 95 * len(layers))
    layout["xaxis"].update(tickvals=centres[:cols], showgrid=False, zeroline=False,
                           ticktext=[t("training_neuron_n", lang, n=j + 1) for j in range(cols)],
                           side="top", constrain="domain", showline=False)
    layout["yaxis"].update(tickvals=centres[:len(layers)], autorange="reversed", showgrid=False,
                           ticktext=[t("training_layer_n", lang, n=i + 1) for i in range(len(layers))],
                           zeroline=False, scaleanchor="x", constrain="domain", showline=False)
    layout["title"].update(y=0.98, yanchor="top")
    layout["margin"] = {"l": 90, "r": 20, "t": 100, "b": 20}
    layout["shapes"] = strips
    return plotstyle.figure([trace], layout)


def figures(frame: Frame, lang: str) -> tuple:
    return boundary_figure(frame, lang), loss_figure(frame, lang), neurons_figure(frame, lang)


def _percent(value: float) -> str:
    return f"{100 * value:.0f}"


def _three_decimals(value: float) -> str:
    return plotstyle.fmt(value, 3)


def status_text(frame: Frame, lang: str) -> str:
    """The numbers under the buttons: epoch, accuracy and loss (and this run's progress)."""
    text = t("training_status_metrics", lang, epoch=frame.epoch,
             train_acc=_percent(frame.train_accuracy), test_acc=_percent(frame.test_accuracy),
             train_loss=_three_decimals(frame.train_loss),
             test_loss=_three_decimals(frame.test_loss))
    if frame.run_epochs:
        text += " · " + t("training_status_run", lang, run_epochs=frame.run_epochs,
                          run_seconds=f"{frame.run_seconds:.1f}")
    return text


RUN_STATES = ("ready", "running", "paused", "step", "stopped_epochs", "stopped_seconds")


def run_text(lang: str, state: str, epoch: int = 0) -> str:
    """What training is doing, and what the buttons do now: one of RUN_STATES."""
    return t(f"training_status_{state}", lang, epoch=epoch, seconds=RUN_SECONDS,
             epochs=RUN_EPOCHS)
