"""One training step by hand: forward pass, loss, backpropagation and the update, every number.

The course's backpropagation lesson on the smallest network that still has a hidden layer,
2 inputs -> 2 hidden neurons -> 1 output, and one example. It follows M. Mazur's worked
example ("A step by step backpropagation example", 2015), reduced to one output with a
sigmoid and binary cross-entropy, so that dL/dz at the output is simply y_hat - y.

`one_step` computes the numbers (tests/test_training.py checks its loss and gradients
against torch autograd); `explain` writes them out as the lesson does and `figure` draws
the network with every weight and its gradient. The live training run is
playground.networks.training; the activations are playground.networks.neuron's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from playground.core import plotstyle
from playground.core.i18n import t
from playground.networks.neuron import activate, sigmoid

PARAMS = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")
ACTIVATIONS = ("sigmoid", "tanh", "relu")      # the hidden layer's; the output is a sigmoid
# Mazur's example, reduced to one output: inputs 0.05 and 0.10, target 1.
EXAMPLE = {"x1": 0.05, "x2": 0.10, "y": 1, "lr": 0.5, "activation": "sigmoid",
           "params": {"w11": 0.15, "w12": 0.20, "w21": 0.25, "w22": 0.30, "b1": 0.35,
                      "b2": 0.35, "v1": 0.40, "v2": 0.45, "c": 0.60}}


def activate_with_slope(name: str, z: float) -> tuple[float, float]:
    """(f(z), f'(z)) for the hidden layer's activation; ReLU'(0) = 0 as in torch."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}")
    a = activate(name, z)
    slope = {"sigmoid": a * (1 - a), "tanh": 1 - a * a, "relu": 1.0 if z > 0 else 0.0}[name]
    return a, slope


@dataclass(frozen=True)
class Step:
    """Every number of one training step of the 2-2-1 network on one example (x1, x2; y).

    Hidden neuron i: z_i = w_i1 x1 + w_i2 x2 + b_i, h_i = f(z_i). Output: z = v1 h1 + v2 h2 + c,
    y_hat = sigmoid(z). Loss: L = -[y log(y_hat) + (1 - y) log(1 - y_hat)].
    """
    x: tuple[float, float]
    y: float
    lr: float
    activation: str
    params: dict                    # the weights before the step, by PARAMS name
    z_hidden: tuple[float, float]   # z1, z2
    h: tuple[float, float]          # h1, h2 = f(z1), f(z2)
    slope: tuple[float, float]      # f'(z1), f'(z2)
    z_out: float
    y_hat: float
    loss: float
    dz_out: float                   # dL/dz = y_hat - y
    dh: tuple[float, float]         # dL/dh_i = dL/dz * v_i
    dz_hidden: tuple[float, float]  # dL/dz_i = dL/dh_i * f'(z_i)
    grads: dict                     # dL/dp for every parameter p
    new_params: dict                # p - lr * dL/dp
    new_loss: float                 # the loss on the same example with the new weights


def _forward(x1: float, x2: float, y: float, p: dict, activation: str):
    z1 = p["w11"] * x1 + p["w12"] * x2 + p["b1"]
    z2 = p["w21"] * x1 + p["w22"] * x2 + p["b2"]
    (h1, s1), (h2, s2) = activate_with_slope(activation, z1), activate_with_slope(activation, z2)
    z = p["v1"] * h1 + p["v2"] * h2 + p["c"]
    # Binary cross-entropy written from the logit, so that log(0) never happens:
    # -[y log s(z) + (1 - y) log(1 - s(z))] = max(z, 0) - y z + log(1 + e^-|z|)
    loss = max(z, 0.0) - y * z + math.log1p(math.exp(-abs(z)))
    return (z1, z2), (h1, h2), (s1, s2), z, sigmoid(z), loss


def one_step(x1: float, x2: float, y: float, params: dict, lr: float,
             activation: str = "sigmoid") -> Step:
    """Forward pass, loss, backpropagation by the chain rule and the update, by hand."""
    p = {k: float(params[k]) for k in PARAMS}
    # 1. forward pass and 2. loss
    (z1, z2), (h1, h2), (s1, s2), z, y_hat, loss = _forward(x1, x2, y, p, activation)
    # 3. backpropagation: dL/dz of sigmoid + cross-entropy is y_hat - y; then the chain rule
    dz = y_hat - y
    dh1, dh2 = dz * p["v1"], dz * p["v2"]
    dz1, dz2 = dh1 * s1, dh2 * s2
    grads = {"w11": dz1 * x1, "w12": dz1 * x2, "w21": dz2 * x1, "w22": dz2 * x2,
             "b1": dz1, "b2": dz2, "v1": dz * h1, "v2": dz * h2, "c": dz}
    # 4. gradient descent: w <- w - lr * dL/dw
    new = {k: p[k] - lr * grads[k] for k in PARAMS}
    new_loss = _forward(x1, x2, y, new, activation)[-1]
    return Step((x1, x2), y, lr, activation, p, (z1, z2), (h1, h2), (s1, s2), z, y_hat, loss,
                dz, (dh1, dh2), (dz1, dz2), grads, new, new_loss)


def random_params(rng: np.random.Generator) -> dict:
    """Small random weights, rounded to two decimals so they read well on a slide."""
    return {k: round(float(rng.uniform(-1, 1)), 2) for k in PARAMS}


# --- the step in words and in a picture ----------------------------------------------------

def four_digits(value: float) -> str:
    """A number with four significant digits, as the lesson prints it: 0.5933, -0.001206."""
    text = f"{value:.4g}"
    return "0" if text in ("-0", "0") else text


def as_factor(value: float) -> str:
    """A number written as a factor of a product: four digits, a negative one in parentheses."""
    return f"({four_digits(value)})" if value < 0 else four_digits(value)


SLOPE_FORMULA = {"sigmoid": "h{i}·(1 − h{i})", "tanh": "1 − h{i}²"}    # ReLU's is in words


def _slope_formula(activation: str, i: int, lang: str) -> str:
    if activation == "relu":
        return t("training_step_relu_slope", lang, i=i)
    return SLOPE_FORMULA[activation].format(i=i)


def explain(step: Step, lang: str) -> str:
    """The step as the lesson writes it, every number plugged in (Markdown)."""
    n, fac = four_digits, as_factor    # 0.5933 and, in a product, (-0.2486)
    p, g, (x1, x2) = step.params, step.grads, step.x
    f = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}[step.activation]
    lines = [t("training_step_forward", lang), ""]
    for i in (1, 2):
        z, h = step.z_hidden[i - 1], step.h[i - 1]
        lines.append(f"- z{i} = w{i}1·x1 + w{i}2·x2 + b{i} = {fac(p[f'w{i}1'])}·{fac(x1)} + "
                     f"{fac(p[f'w{i}2'])}·{fac(x2)} + {fac(p[f'b{i}'])} = **{n(z)}**  →  "
                     f"h{i} = {f}(z{i}) = **{n(h)}**")
    lines += [f"- z = v1·h1 + v2·h2 + c = {fac(p['v1'])}·{fac(step.h[0])} + {fac(p['v2'])}·"
              f"{fac(step.h[1])} + {fac(p['c'])} = **{n(step.z_out)}**  →  ŷ = σ(z) = "
              f"**{n(step.y_hat)}**", "",
              t("training_step_loss", lang), "",
              f"- L = −[y·log(ŷ) + (1 − y)·log(1 − ŷ)] = −[{n(step.y)}·log({n(step.y_hat)}) + "
              f"{n(1 - step.y)}·log({n(1 - step.y_hat)})] = **{n(step.loss)}**", "",
              t("training_step_backward", lang), "",
              f"- ∂L/∂z = ŷ − y = {n(step.y_hat)} − {n(step.y)} = **{n(step.dz_out)}**"]
    for i in (1, 2):
        lines.append(f"- ∂L/∂v{i} = ∂L/∂z · h{i} = {fac(step.dz_out)}·{fac(step.h[i - 1])} = "
                     f"**{n(g[f'v{i}'])}**")
    lines.append(f"- ∂L/∂c = ∂L/∂z = **{n(g['c'])}**")
    for i in (1, 2):
        lines.append(f"- ∂L/∂z{i} = ∂L/∂z · v{i} · {f}′(z{i}) = {fac(step.dz_out)}·{fac(p[f'v{i}'])}·"
                     f"{fac(step.slope[i - 1])} = **{n(step.dz_hidden[i - 1])}**   "
                     f"({f}′(z{i}) = {_slope_formula(step.activation, i, lang)})")
        for j, x in ((1, x1), (2, x2)):
            lines.append(f"- ∂L/∂w{i}{j} = ∂L/∂z · v{i} · {f}′(z{i}) · x{j} = "
                         f"{fac(step.dz_out)}·{fac(p[f'v{i}'])}·{fac(step.slope[i - 1])}·{fac(x)} = "
                         f"**{n(g[f'w{i}{j}'])}**")
        lines.append(f"- ∂L/∂b{i} = ∂L/∂z{i} = **{n(g[f'b{i}'])}**")
    lines += ["", t("training_step_update", lang, lr=n(step.lr)), "",
              t("training_step_table", lang),
              "|---|---:|---:|---:|"]
    for name in p:
        lines.append(f"| {name} | {n(p[name])} | {n(g[name])} | {n(p[name])} − "
                     f"{n(step.lr)}·{fac(g[name])} = **{n(step.new_params[name])}** |")
    key = "training_step_loss_down" if step.new_loss <= step.loss else "training_step_loss_up"
    lines += ["", t(key, lang, before=n(step.loss), after=n(step.new_loss))]
    return "\n".join(lines)


def figure(step: Step, lang: str) -> go.Figure:
    """The 2-2-1 network: every weight with its gradient, every neuron with its values."""
    n = four_digits
    pos = {"x1": (0, 1), "x2": (0, 0), "h1": (1.2, 1), "h2": (1.2, 0), "out": (2.4, 0.5),
           "L": (3.5, 0.5)}
    p, g = step.params, step.grads
    grad = "#c0392b"

    def both(name):                     # "w11 = 0.15" over "dL/dw11 = -0.0012" in red
        return (f"{name} = {n(p[name])}<br>"
                f"<span style='color:{grad}'>∂L/∂{name} = {n(g[name])}</span>")

    # edge: (from, to, weight, where along the edge its label sits, label shifted by px)
    edges = [("x1", "h1", "w11", 0.5, 26), ("x2", "h2", "w22", 0.5, -26),
             ("x1", "h2", "w21", 0.27, 0), ("x2", "h1", "w12", 0.27, 0),
             ("h1", "out", "v1", 0.45, 28), ("h2", "out", "v2", 0.45, -28)]
    shapes, notes = [], []
    for a, b, name, where, shift in edges:
        (xa, ya), (xb, yb) = pos[a], pos[b]
        w = p[name]
        shapes.append({"type": "line", "x0": xa, "y0": ya, "x1": xb, "y1": yb, "layer": "below",
                       "line": {"color": plotstyle.COLORS["positive" if w >= 0 else "negative"],
                                "width": 1.5 + 4 * min(abs(w), 2)}})
        notes.append({"x": xa + where * (xb - xa), "y": ya + where * (yb - ya), "yshift": shift,
                      "text": both(name), "bgcolor": "rgba(255,255,255,0.85)"})
    shapes.append({"type": "line", "x0": 2.4, "y0": 0.5, "x1": 3.5, "y1": 0.5, "layer": "below",
                   "line": {"color": "#999", "width": 2, "dash": "dot"}})
    # node: (text, where: x, y, anchors, shifts in px)
    texts = [
        (f"x1 = {n(step.x[0])}", 0, 1, "right", "middle", -30, 0),
        (f"x2 = {n(step.x[1])}", 0, 0, "right", "middle", -30, 0),
        (f"{both('b1')}<br>z1 = {n(step.z_hidden[0])} → h1 = {n(step.h[0])}",
         1.2, 1, "left", "bottom", 26, 26),
        (f"z2 = {n(step.z_hidden[1])} → h2 = {n(step.h[1])}<br>{both('b2')}",
         1.2, 0, "left", "top", 26, -26),
        (f"{both('c')}<br>z = {n(step.z_out)} → ŷ = {n(step.y_hat)}", 2.95, 0.5, "center",
         "bottom", 0, 18),
        (f"L = {n(step.loss)}<br>(y = {n(step.y)})", 3.5, 0.5, "center", "top", 0, -30),
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
