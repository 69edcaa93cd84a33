"""Pictures and words for the Training tab: the decision boundary, the loss curves, what
each hidden neuron responds to, the status line, and one training step written out.

Pure functions of a training.Frame or a training.Step and the visitor's language. Figures
are built from plain dicts (see plotstyle) because they are redrawn for every frame while
a network trains. Colours follow TensorFlow Playground: orange is class 0, blue class 1.
"""
from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go

from playground.core import plotstyle
from playground.core.i18n import t
from playground.networks.training import GRID, RUN_EPOCHS, RUN_SECONDS, Frame, Step

CLASS_COLORS = ("#f59322", "#0877bd")           # class 0, class 1
NEUTRAL = "#f4f4f4"
CLASS_SCALE = [[0.0, CLASS_COLORS[0]], [0.5, NEUTRAL], [1.0, CLASS_COLORS[1]]]
MAX_CURVE_POINTS = 800                           # the loss curves are thinned beyond this


def _axis_range(extent: float) -> list[float]:
    return [-extent, extent]


def _f4(values) -> dict:
    """An array as plotly.js's typed-array spec (float32, base64): about a quarter of the
    size of a JSON list, for the frames streamed while training."""
    a = np.ascontiguousarray(values, dtype="<f4")
    return {"dtype": "f4", "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
            "shape": ", ".join(map(str, a.shape))}


def _u1(values, low: float, high: float) -> dict:
    """An array scaled from [low, high] to bytes 0..255, as a typed-array spec: a colour
    needs no more, and it is a quarter of float32's size."""
    scaled = (np.asarray(values, dtype=float) - low) / (high - low) * 255
    a = np.ascontiguousarray(np.clip(np.round(scaled), 0, 255), dtype=np.uint8)
    return {"dtype": "u1", "bdata": base64.b64encode(a.tobytes()).decode("ascii"),
            "shape": ", ".join(map(str, a.shape))}


# --- live training ----------------------------------------------------------------------

def boundary_figure(frame: Frame, lang: str) -> go.Figure:
    """P(class 1) over the plane as a heatmap, with the training and test points on top."""
    data, extent = frame.data, frame.data.extent
    axis = np.linspace(-extent, extent, GRID)
    traces = [{
        "type": "heatmap", "x": _f4(axis), "y": _f4(axis), "z": _u1(frame.probability, 0, 1), "zmin": 0, "zmax": 255,
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
            "type": "scatter", "mode": "markers", "x": _f4(X[:, 0]), "y": _f4(X[:, 1]),
            "showlegend": False, "hoverinfo": "skip",
            "marker": {"size": 9, "symbol": symbol, "color": _f4(y), "cmin": 0, "cmax": 1,
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
    traces = [{"type": "scatter", "mode": "lines", "x": _f4(epochs),
               "y": _f4(_thin(h[key], MAX_CURVE_POINTS)),
               "name": t(f"training_loss_{key}", lang, value=_num(getattr(frame, f"{key}_loss"))),
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
    trace = {"type": "heatmap", "z": _u1(mosaic, -1, 1), "zmin": 0, "zmax": 255,
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


def _num(value: float) -> str:
    return plotstyle.fmt(value, 3)


def status_text(frame: Frame, lang: str) -> str:
    """The numbers under the buttons: epoch, accuracy and loss (and this run's progress)."""
    text = t("training_status_metrics", lang, epoch=frame.epoch,
             train_acc=_percent(frame.train_accuracy), test_acc=_percent(frame.test_accuracy),
             train_loss=_num(frame.train_loss), test_loss=_num(frame.test_loss))
    if frame.run_epochs:
        text += " · " + t("training_status_run", lang, run_epochs=frame.run_epochs,
                          run_seconds=f"{frame.run_seconds:.1f}")
    return text


RUN_STATES = ("ready", "running", "paused", "step", "stopped_epochs", "stopped_seconds")


def run_text(lang: str, state: str, epoch: int = 0) -> str:
    """What training is doing, and what the buttons do now: one of RUN_STATES."""
    return t(f"training_status_{state}", lang, epoch=epoch, seconds=RUN_SECONDS,
             epochs=RUN_EPOCHS)


# --- one step in numbers ----------------------------------------------------------------

def _n(value: float) -> str:
    """Four significant digits: 0.5933, -0.001206, 1.106."""
    text = f"{value:.4g}"
    return "0" if text in ("-0", "0") else text


def _p(value: float) -> str:
    """A factor in a product: negative numbers in parentheses."""
    return f"({_n(value)})" if value < 0 else _n(value)


SLOPE_FORMULA = {"sigmoid": "h{i}·(1 − h{i})", "tanh": "1 − h{i}²"}    # ReLU's is in words


def _slope_formula(activation: str, i: int, lang: str) -> str:
    if activation == "relu":
        return t("training_step_relu_slope", lang, i=i)
    return SLOPE_FORMULA[activation].format(i=i)


def step_explanation(step: Step, lang: str) -> str:
    """The step as the lesson writes it, every number plugged in (Markdown)."""
    p, g, (x1, x2) = step.params, step.grads, step.x
    f = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}[step.activation]
    lines = [t("training_step_forward", lang), ""]
    for i in (1, 2):
        z, h = step.z_hidden[i - 1], step.h[i - 1]
        lines.append(f"- z{i} = w{i}1·x1 + w{i}2·x2 + b{i} = {_p(p[f'w{i}1'])}·{_p(x1)} + "
                     f"{_p(p[f'w{i}2'])}·{_p(x2)} + {_p(p[f'b{i}'])} = **{_n(z)}**  →  "
                     f"h{i} = {f}(z{i}) = **{_n(h)}**")
    lines += [f"- z = v1·h1 + v2·h2 + c = {_p(p['v1'])}·{_p(step.h[0])} + {_p(p['v2'])}·"
              f"{_p(step.h[1])} + {_p(p['c'])} = **{_n(step.z_out)}**  →  ŷ = σ(z) = "
              f"**{_n(step.y_hat)}**", "",
              t("training_step_loss", lang), "",
              f"- L = −[y·log(ŷ) + (1 − y)·log(1 − ŷ)] = −[{_n(step.y)}·log({_n(step.y_hat)}) + "
              f"{_n(1 - step.y)}·log({_n(1 - step.y_hat)})] = **{_n(step.loss)}**", "",
              t("training_step_backward", lang), "",
              f"- ∂L/∂z = ŷ − y = {_n(step.y_hat)} − {_n(step.y)} = **{_n(step.dz_out)}**"]
    for i in (1, 2):
        lines.append(f"- ∂L/∂v{i} = ∂L/∂z · h{i} = {_p(step.dz_out)}·{_p(step.h[i - 1])} = "
                     f"**{_n(g[f'v{i}'])}**")
    lines.append(f"- ∂L/∂c = ∂L/∂z = **{_n(g['c'])}**")
    for i in (1, 2):
        lines.append(f"- ∂L/∂z{i} = ∂L/∂z · v{i} · {f}′(z{i}) = {_p(step.dz_out)}·{_p(p[f'v{i}'])}·"
                     f"{_p(step.slope[i - 1])} = **{_n(step.dz_hidden[i - 1])}**   "
                     f"({f}′(z{i}) = {_slope_formula(step.activation, i, lang)})")
        for j, x in ((1, x1), (2, x2)):
            lines.append(f"- ∂L/∂w{i}{j} = ∂L/∂z · v{i} · {f}′(z{i}) · x{j} = "
                         f"{_p(step.dz_out)}·{_p(p[f'v{i}'])}·{_p(step.slope[i - 1])}·{_p(x)} = "
                         f"**{_n(g[f'w{i}{j}'])}**")
        lines.append(f"- ∂L/∂b{i} = ∂L/∂z{i} = **{_n(g[f'b{i}'])}**")
    lines += ["", t("training_step_update", lang, lr=_n(step.lr)), "",
              t("training_step_table", lang),
              "|---|---:|---:|---:|"]
    for name in p:
        lines.append(f"| {name} | {_n(p[name])} | {_n(g[name])} | {_n(p[name])} − "
                     f"{_n(step.lr)}·{_p(g[name])} = **{_n(step.new_params[name])}** |")
    key = "training_step_loss_down" if step.new_loss <= step.loss else "training_step_loss_up"
    lines += ["", t(key, lang, before=_n(step.loss), after=_n(step.new_loss))]
    return "\n".join(lines)


def step_figure(step: Step, lang: str) -> go.Figure:
    """The 2-2-1 network: every weight with its gradient, every neuron with its values."""
    pos = {"x1": (0, 1), "x2": (0, 0), "h1": (1.2, 1), "h2": (1.2, 0), "out": (2.4, 0.5),
           "L": (3.5, 0.5)}
    p, g = step.params, step.grads
    grad = "#c0392b"

    def both(name):                     # "w11 = 0.15" over "dL/dw11 = -0.0012" in red
        return (f"{name} = {_n(p[name])}<br>"
                f"<span style='color:{grad}'>∂L/∂{name} = {_n(g[name])}</span>")

    # edge: (from, to, weight, where along the edge its label sits, label shifted by px)
    edges = [("x1", "h1", "w11", 0.5, 26), ("x2", "h2", "w22", 0.5, -26),
             ("x1", "h2", "w21", 0.27, 0), ("x2", "h1", "w12", 0.27, 0),
             ("h1", "out", "v1", 0.45, 28), ("h2", "out", "v2", 0.45, -28)]
    shapes, notes = [], []
    for a, b, name, where, shift in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        w = p[name]
        shapes.append({"type": "line", "x0": xa, "y0": ya, "x1": xb, "y1": yb, "layer": "below",
                       "line": {"color": CLASS_COLORS[1] if w >= 0 else CLASS_COLORS[0],
                                "width": 1.5 + 4 * min(abs(w), 2)}})
        notes.append({"x": xa + where * (xb - xa), "y": ya + where * (yb - ya), "yshift": shift,
                      "text": both(name), "bgcolor": "rgba(255,255,255,0.85)"})
    shapes.append({"type": "line", "x0": 2.4, "y0": 0.5, "x1": 3.5, "y1": 0.5, "layer": "below",
                   "line": {"color": "#999", "width": 2, "dash": "dot"}})
    # node: (text, where: x, y, anchors, shifts in px)
    texts = [
        (f"x1 = {_n(step.x[0])}", 0, 1, "right", "middle", -30, 0),
        (f"x2 = {_n(step.x[1])}", 0, 0, "right", "middle", -30, 0),
        (f"{both('b1')}<br>z1 = {_n(step.z_hidden[0])} → h1 = {_n(step.h[0])}",
         1.2, 1, "left", "bottom", 26, 26),
        (f"z2 = {_n(step.z_hidden[1])} → h2 = {_n(step.h[1])}<br>{both('b2')}",
         1.2, 0, "left", "top", 26, -26),
        (f"{both('c')}<br>z = {_n(step.z_out)} → ŷ = {_n(step.y_hat)}", 2.95, 0.5, "center",
         "bottom", 0, 18),
        (f"L = {_n(step.loss)}<br>(y = {_n(step.y)})", 3.5, 0.5, "center", "top", 0, -30),
    ]
    for text, x, y, xanchor, yanchor, dx, dy in texts:
        notes.append({"x": x, "y": y, "text": text, "xshift": dx, "yshift": dy,
                      "xanchor": xanchor, "yanchor": yanchor})
    for note in notes:
        note.update(showarrow=False, font={"size": 15})
    names = {"x1": "x1", "x2": "x2", "h1": "h1", "h2": "h2", "out": "ŷ", "L": "L"}
    traces = [{"type": "scatter", "mode": "markers+text", "x": [x for x, _ in pos.values()],
               "y": [y for _, y in pos.values()], "text": list(names.values()),
               "textfont": {"size": 18, "color": "white"}, "hoverinfo": "skip", "showlegend": False,
               "marker": {"size": 46, "line": {"width": 2, "color": "white"},
                          "color": ["#555", "#555", "#2c3e50", "#2c3e50", "#2c3e50", grad]}}]
    layout = plotstyle.base_layout(t("training_step_figure_title", lang), None, None, height=500)
    hidden = {"visible": False, "fixedrange": True}
    layout["xaxis"] = {**hidden, "range": [-0.8, 3.9]}
    layout["yaxis"] = {**hidden, "range": [-0.62, 1.62]}
    layout.update(shapes=shapes, annotations=notes, showlegend=False)
    layout["margin"] = {"l": 10, "r": 10, "t": 60, "b": 10}
    return plotstyle.figure(traces, layout)
