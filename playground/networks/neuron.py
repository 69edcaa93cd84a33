"""The artificial neuron: y = f(w1 x1 + w2 x2 + w3 x3 + b).

The first lesson of the course: a neuron multiplies each input by its weight, adds the
bias, and passes the weighted sum z through an activation function f. The worked example
is x = 3, w = 2, b = 1: 3 * 2 = 6, 6 + 1 = 7, ReLU(7) = 7, sigmoid(7) ~ 0.9991.

Everything here is plain numpy so the figures and the API share one computation; the
tests compare each activation against its torch counterpart.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go
from scipy import special

from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import fmt, typed_array

# --- activations -------------------------------------------------------------------
# Each takes and returns a numpy array (or a float) elementwise.

LEAKY_SLOPE = 0.01  # torch.nn.functional.leaky_relu's default negative slope


def relu(z):
    return np.maximum(z, 0.0)


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z), of a float (returns a float) or an array: the
    course's one sigmoid (playground.networks.backprop uses it too)."""
    # Two branches so that exp never overflows: for z < 0 use e^z / (1 + e^z).
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out if out.ndim else float(out)


def tanh(z):
    return np.tanh(z)


def linear(z):
    return np.asarray(z, dtype=float) * 1.0


def step(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


def leaky_relu(z):
    return np.where(np.asarray(z) >= 0, z, LEAKY_SLOPE * np.asarray(z))


def gelu(z):
    # The exact GELU, z * Phi(z), with Phi the standard normal CDF (Hendrycks & Gimpel 2016).
    z = np.asarray(z, dtype=float)
    return 0.5 * z * (1.0 + special.erf(z / math.sqrt(2.0)))


ACTIVATIONS = {
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "linear": linear,
    "step": step,
    "leaky_relu": leaky_relu,
    "gelu": gelu,
}

# How each activation is written in a formula, for the step-by-step text.
FORMULAS = {
    "relu": "max(0, z)",
    "sigmoid": "1 / (1 + e^(-z))",
    "tanh": "tanh(z)",
    "linear": "z",
    "step": "1 if z >= 0 else 0",
    "leaky_relu": f"z if z >= 0 else {LEAKY_SLOPE} z",
    "gelu": "z Φ(z)",
}


def activate(name: str, z):
    """Apply the activation called `name` to z (float or array)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    out = ACTIVATIONS[name](z)
    return float(out) if np.ndim(out) == 0 else out


# --- one neuron ---------------------------------------------------------------------

@dataclass(frozen=True)
class NeuronResult:
    inputs: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    activation: str
    products: tuple[float, ...]   # x_i * w_i, one per input
    weighted_sum: float           # z = sum(products) + b
    output: float                 # y = f(z)
    all_activations: dict = field(default_factory=dict)  # f(z) under every activation

    def as_dict(self) -> dict:
        """The numbers a client of the API reads."""
        return {
            "inputs": list(self.inputs),
            "weights": list(self.weights),
            "bias": self.bias,
            "activation": self.activation,
            "products": list(self.products),
            "weighted_sum": self.weighted_sum,
            "output": self.output,
            "all_activations": dict(self.all_activations),
        }


def forward(inputs, weights, bias: float, activation: str = "relu") -> NeuronResult:
    """Compute one neuron, keeping every intermediate number for the lesson."""
    if len(inputs) != len(weights) or not inputs:
        raise ValueError("need as many weights as inputs, and at least one input")
    values = [float(v) for v in (*inputs, *weights, bias)]
    if not all(math.isfinite(v) for v in values):
        raise ValueError("inputs, weights and bias must be finite numbers")
    products = tuple(float(x) * float(w) for x, w in zip(inputs, weights))
    z = math.fsum(products) + float(bias)
    return NeuronResult(
        inputs=tuple(float(x) for x in inputs),
        weights=tuple(float(w) for w in weights),
        bias=float(bias),
        activation=activation,
        products=products,
        weighted_sum=z,
        output=activate(activation, z),
        all_activations={name: activate(name, z) for name in ACTIVATIONS},
    )


def output_grid(w1: float, w2: float, bias: float, activation: str,
                extent: float = 5.0, n: int = 101):
    """A two-input neuron's output over the square [-extent, extent]^2.

    Returns (xs, ys, Z) with Z[i, j] = f(w1 * xs[j] + w2 * ys[i] + b), the layout plotly's
    heatmap expects (rows are y).
    """
    xs = np.linspace(-extent, extent, n)
    ys = np.linspace(-extent, extent, n)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, activate(activation, w1 * X + w2 * Y + bias)


def boundary_line(w1: float, w2: float, bias: float, extent: float = 5.0):
    """Points of the line w1 x1 + w2 x2 + b = 0 inside the square, or None if w1 = w2 = 0.

    Returns (x1s, x2s). A vertical line (w2 = 0) is returned as two points with equal x1.
    """
    if abs(w2) > 1e-12:
        x1 = np.array([-extent, extent])
        x2 = -(w1 * x1 + bias) / w2
        return x1, x2
    if abs(w1) > 1e-12:
        x = -bias / w1
        return np.array([x, x]), np.array([-extent, extent])
    return None


# --- the lesson's presentation: text and figures --------------------------------------


PRESETS = {
    # name: (n_inputs, [x1, x2, x3], [w1, w2, w3], b, activation)
    "course": (1, [3.0, 0.0, 0.0], [2.0, 0.0, 0.0], 1.0, "relu"),
    "and": (2, [1.0, 1.0, 0.0], [1.0, 1.0, 0.0], -1.5, "step"),
    "three": (3, [1.0, -2.0, 0.5], [0.8, 0.3, -1.2], 0.2, "sigmoid"),
    "negative": (1, [3.0, 0.0, 0.0], [-2.0, 0.0, 0.0], 1.0, "relu"),
}


def explain(result: NeuronResult, lang: str) -> str:
    """The computation as the lesson writes it, with the actual numbers (Markdown)."""
    act = t(f"act_{result.activation}", lang)
    lines = [t("neuron_step_multiply", lang), ""]
    for i, (x, w, p) in enumerate(zip(result.inputs, result.weights, result.products), 1):
        lines.append(f"- x{i} · w{i} = {fmt(x)} · {fmt(w)} = **{fmt(p)}**")
    terms = " + ".join(fmt(p) for p in result.products)
    lines += ["", t("neuron_step_sum", lang), "",
              f"- z = {terms} + {fmt(result.bias)} = **{fmt(result.weighted_sum)}**", "",
              t("neuron_step_activate", lang, act=act), "",
              f"- y = {FORMULAS[result.activation]} → {act}({fmt(result.weighted_sum)}) = "
              f"**{fmt(result.output)}**", ""]
    key = "neuron_fires" if result.output > 1e-9 else "neuron_silent"
    lines += [t(key, lang, y=fmt(result.output)), "",
              t("neuron_other_activations", lang, z=fmt(result.weighted_sum)), ""]
    lines.append(" · ".join(f"{t('act_' + name, lang)}: **{fmt(value)}**"
                            for name, value in result.all_activations.items()))
    return "\n".join(lines)


def curve_figure(result: NeuronResult, lang: str) -> go.Figure:
    """The activation's curve with the current weighted sum and output marked."""
    z, y = result.weighted_sum, result.output
    half = max(6.0, abs(z) * 1.2)                      # keep the point inside the view
    zs = np.linspace(-half, half, 401)
    act = t(f"act_{result.activation}", lang)
    data = [
        {"type": "scatter", "x": zs, "y": activate(result.activation, zs), "mode": "lines",
         "line": {"width": 4, "color": plotstyle.COLORS["line"]}, "name": act},
        {"type": "scatter", "x": [z, z, -half], "y": [0, y, y], "mode": "lines",
         "showlegend": False, "hoverinfo": "skip",
         "line": {"dash": "dot", "color": "#888", "width": 2}},
        {"type": "scatter", "x": [z], "y": [y], "mode": "markers+text",
         "text": [f"({fmt(z, 2)}, {fmt(y)})"], "textposition": "top left",
         "textfont": {"size": 18}, "marker": {"size": 18, "color": plotstyle.COLORS["point"]},
         "name": t("neuron_curve_point", lang)},
    ]
    title = t("neuron_curve_title", lang, act=act, z=fmt(z), y=fmt(y))
    layout = plotstyle.base_layout(title, t("neuron_curve_x", lang), t("neuron_curve_y", lang))
    return plotstyle.figure(data, layout)


def plane_figure(result: NeuronResult, lang: str, extent: float = 5.0) -> go.Figure:
    """A two-input neuron (w1, w2, b of the current one) over the plane, boundary drawn."""
    w1, w2 = (list(result.weights) + [0.0, 0.0])[:2]
    x1, x2 = (list(result.inputs) + [0.0, 0.0])[:2]
    xs, ys, out = output_grid(w1, w2, result.bias, result.activation, extent, n=101)
    # float32 typed arrays on the wire: a slider redraws this on every move
    heat = {"type": "heatmap", "x": typed_array(xs), "y": typed_array(ys),
            "z": typed_array(out), "colorscale": "RdBu_r",
            "colorbar": {"title": {"text": t("neuron_plane_output", lang)}}}
    if out.min() < 0:
        heat["zmid"] = 0
    data = [heat]
    layout = plotstyle.base_layout(t("neuron_plane_title", lang), t("neuron_plane_x", lang),
                                   t("neuron_plane_y", lang), height=520)
    line = boundary_line(w1, w2, result.bias, extent)
    if line is not None:
        data.append({"type": "scatter", "x": line[0], "y": line[1], "mode": "lines",
                     "name": t("neuron_plane_line", lang),
                     "line": {"color": plotstyle.COLORS["boundary"], "width": 4, "dash": "dash"}})
    else:
        layout["annotations"] = [{"x": 0, "y": 0, "text": t("neuron_plane_no_line", lang),
                                  "showarrow": False, "bgcolor": "white"}]
    if abs(x1) <= extent and abs(x2) <= extent:
        data.append({"type": "scatter", "x": [x1], "y": [x2], "mode": "markers",
                     "name": t("neuron_plane_point", lang),
                     "marker": {"size": 16, "color": "#ffd92f", "line": {"width": 2, "color": "black"}}})
    layout["xaxis"]["range"] = [-extent, extent]
    layout["yaxis"]["range"] = [-extent, extent]
    return plotstyle.figure(data, layout)
