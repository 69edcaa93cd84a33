"""Pictures and words for the convolutional half of the Network types tab: the image, every
layer's feature maps, the first layer's filters, the class probabilities, the patches that
excite a channel most, one convolution step with its numbers, and what a shift does.

Pure functions of playground.networks.convolution's results and the visitor's language.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import fmt
from playground.networks import convolution as cv

GREY = [[0, "#000000"], [1, "#ffffff"]]
DIVERGING = [[0, "#b2182b"], [0.5, "#f7f7f7"], [1, "#2166ac"]]   # negative red, positive blue
HIDDEN = {"visible": False, "showgrid": False, "zeroline": False}


def _grid(maps: np.ndarray, cols: int, gap: int = 1) -> np.ndarray:
    """Maps (N, H, W) in one canvas, `cols` across, NaN gaps (blank in a heatmap)."""
    n, h, w = maps.shape
    rows = -(-n // cols)
    canvas = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for i, m in enumerate(maps):
        r, c = divmod(i, cols)
        canvas[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = m
    return canvas


def _z(canvas: np.ndarray, digits: int = 3) -> list:
    """A canvas as JSON rows, NaN as None (plotly leaves it blank)."""
    return np.where(np.isnan(canvas), None, np.round(canvas, digits).astype(object)).tolist()


def _image_axes(layout: dict, n: int, domains: list[tuple[list, list]]) -> None:
    for i, (xd, yd) in enumerate(domains[:n], 1):
        suffix = "" if i == 1 else str(i)
        layout[f"xaxis{suffix}"] = {**HIDDEN, "domain": xd, "constrain": "domain"}
        layout[f"yaxis{suffix}"] = {**HIDDEN, "domain": yd, "autorange": "reversed",
                                    "scaleanchor": f"x{suffix}", "constrain": "domain"}


def image_figure(image: np.ndarray, title: str, height: int = 340, boxes=()) -> go.Figure:
    """A (28, 28) image in [-1, 1], with optional rectangles (row, col, size, colour) on it."""
    data = [{"type": "heatmap", "z": _z((np.asarray(image) + 1) / 2), "zmin": 0, "zmax": 1,
             "colorscale": GREY, "showscale": False, "hoverinfo": "skip"}]
    layout = plotstyle.base_layout(title, height=height)
    layout["margin"] = {"l": 10, "r": 10, "t": 95 if "<br>" in title else 60, "b": 10}
    _image_axes(layout, 1, [([0, 1], [0, 1])])
    layout["shapes"] = [{"type": "rect", "x0": c - 0.5, "x1": c + size - 0.5, "y0": r - 0.5,
                         "y1": r + size - 0.5, "line": {"color": colour, "width": 3}}
                        for r, c, size, colour in boxes]
    return plotstyle.figure(data, layout)


def maps_figure(seen: cv.Seen, lang: str) -> go.Figure:
    """Every layer's feature maps, a panel per layer (conv1, relu1, pool1 / conv2, relu2, pool2);
    each panel scaled to its own largest absolute value (red negative, blue positive)."""
    data, notes, domains = [], [], []
    for i, name in enumerate(cv.MAP_LAYERS):
        maps = seen.maps[name]
        scale = float(np.abs(maps).max()) or 1.0
        canvas = _grid(maps / scale, cols=4)
        axis = "" if i == 0 else str(i + 1)
        data.append({"type": "heatmap", "z": _z(canvas), "zmin": -1, "zmax": 1, "xaxis": f"x{axis}",
                     "yaxis": f"y{axis}", "colorscale": DIVERGING, "showscale": False,
                     "hoverinfo": "skip"})
        row, col = divmod(i, 3)
        xd = [col / 3 + 0.01, (col + 1) / 3 - 0.01]
        yd = [0.0, 0.43] if row else [0.5, 0.93]
        domains.append((xd, yd))
        c, h, w = maps.shape
        notes.append({"text": t(f"nt_layer_{name}", lang, c=c, h=h, w=w), "showarrow": False,
                      "xref": "paper", "yref": "paper", "x": sum(xd) / 2, "y": yd[1] + 0.01,
                      "xanchor": "center", "yanchor": "bottom", "font": {"size": 15}})
    layout = plotstyle.base_layout(t("nt_maps_title", lang), height=740)
    layout["margin"] = {"l": 10, "r": 10, "t": 100, "b": 10}
    layout["annotations"] = notes
    _image_axes(layout, len(domains), domains)
    return plotstyle.figure(data, layout)


def filters_figure(kernels: np.ndarray, biases: np.ndarray, lang: str) -> go.Figure:
    """The first layer's 8 kernels (3x3 numbers), red negative, blue positive."""
    canvas = _grid(kernels, cols=4)
    text = np.where(np.isnan(canvas), "", np.vectorize(lambda v: f"{v:.1f}".replace("-0.0", "0.0"))(np.nan_to_num(canvas)))
    scale = float(np.abs(kernels).max())
    data = [{"type": "heatmap", "z": _z(canvas), "zmin": -scale, "zmax": scale,
             "colorscale": DIVERGING, "showscale": False, "text": text.tolist(),
             "texttemplate": "%{text}", "textfont": {"size": 13}, "hoverinfo": "skip"}]
    layout = plotstyle.base_layout(t("nt_filters_title", lang), height=400)
    layout["margin"] = {"l": 10, "r": 10, "t": 100, "b": 10}
    _image_axes(layout, 1, [([0, 1], [0, 1])])
    layout["annotations"] = [{"text": f"{i + 1}: b = {biases[i]:.2f}", "x": (i % 4) * 4 + 1,
                              "y": (i // 4) * 4 - 0.75, "showarrow": False, "font": {"size": 13},
                              "yanchor": "bottom"} for i in range(len(kernels))]
    return plotstyle.figure(data, layout)


def probabilities_figure(probs: np.ndarray, names: list[str], title: str, height: int = 380) -> go.Figure:
    order = np.argsort(probs)
    best = int(np.argmax(probs))
    data = [{"type": "bar", "orientation": "h", "x": [float(probs[i]) for i in order],
             "y": [names[i] for i in order], "hoverinfo": "x+y",
             "text": [f"{100 * probs[i]:.1f} %" for i in order], "textposition": "outside",
             "marker": {"color": ["#d62728" if i == best else "#1f77b4" for i in order]}}]
    layout = plotstyle.base_layout(title, height=height)
    layout["xaxis"].update({"range": [0, 1.25], "tickformat": ".0%"})
    layout["margin"] = {"l": 120, "r": 20, "t": 70, "b": 40}
    return plotstyle.figure(data, layout)


def patches_figure(layer: str, rows: list[tuple[int, np.ndarray, np.ndarray]], lang: str) -> go.Figure:
    """For each chosen channel of `layer`: its top patches in a row, strongest first."""
    size = rows[0][1].shape[-1]
    per_row = max(len(crops) for _, crops, _ in rows)
    tiles = np.full((len(rows) * per_row, size, size), np.nan)
    for r, (_, crops, _) in enumerate(rows):
        tiles[r * per_row: r * per_row + len(crops)] = (crops + 1) / 2
    canvas = _grid(tiles, cols=per_row, gap=max(1, size // 4))
    data = [{"type": "heatmap", "z": _z(canvas), "zmin": 0, "zmax": 1, "colorscale": GREY,
             "showscale": False, "hoverinfo": "skip"}]
    step = size + max(1, size // 4)
    layout = plotstyle.base_layout(t("nt_patches_title", lang, layer=t(f"nt_layer_name_{layer}", lang),
                                     size=size), height=130 + 80 * len(rows))
    layout["margin"] = {"l": 110, "r": 10, "t": 100, "b": 10}
    layout["xaxis"] = {**HIDDEN, "constrain": "domain"}
    layout["yaxis"] = {"autorange": "reversed", "scaleanchor": "x", "constrain": "domain",
                       "showgrid": False, "zeroline": False, "tickmode": "array",
                       "tickvals": [r * step + (size - 1) / 2 for r in range(len(rows))],
                       "ticktext": [t("nt_channel", lang, c=c + 1) for c, _, _ in rows]}
    return plotstyle.figure(data, layout)


def _matrix(m: np.ndarray) -> str:
    rows = [" | ".join(fmt(v, 2) for v in row) for row in m]
    return "\n".join(["| " + " | ".join(" " for _ in m[0]) + " |", "|" + "---|" * len(m[0])] +
                     [f"| {r} |" for r in rows])


def step_text(step: cv.Step, lang: str) -> str:
    """The numbers of one convolution step, in the order the layer computes them."""
    products = " + ".join(f"({fmt(p, 2)}·{fmt(k, 2)})" for p, k in
                          zip(step.patch.ravel(), step.kernel.ravel()))
    return "\n\n".join([
        t("nt_step_where", lang, row=step.row, col=step.col, channel=step.channel + 1),
        f"**{t('nt_step_patch', lang)}**\n\n" + _matrix(step.patch),
        f"**{t('nt_step_kernel', lang)}**\n\n" + _matrix(step.kernel),
        f"**{t('nt_step_products', lang)}**\n\n" + _matrix(step.products),
        t("nt_step_sum", lang, products=products, total=fmt(step.total, 3)),
        t("nt_step_bias", lang, total=fmt(step.total, 3), bias=fmt(step.bias, 3), pre=fmt(step.pre, 3)),
        t("nt_step_relu", lang, pre=fmt(step.pre, 3), relu=fmt(step.relu, 3)),
        t("nt_step_pool", lang, values=", ".join(fmt(v, 3) for v in step.pool_block.ravel()),
          pooled=fmt(step.pooled, 3), row=step.pool_origin[0] // 2, col=step.pool_origin[1] // 2),
    ])


def step_figure(image: np.ndarray, step: cv.Step, lang: str) -> go.Figure:
    """The image with the 3x3 patch (red) and the 2x2 pooling block (orange) drawn on it."""
    r0, c0 = step.pool_origin
    return image_figure(image, t("nt_step_image_title", lang), height=390,
                        boxes=[(step.row - 1, step.col - 1, 3, "#d62728"), (r0, c0, 2, "#ff7f0e")])


def shift_figure(curves: dict, chosen: int, lang: str) -> go.Figure:
    """Accuracy against shift (pixels) for the CNN and the MLP, the chosen shift marked."""
    data = [{"type": "scatter", "mode": "lines+markers", "x": curves["shift"].tolist(),
             "y": curves[kind].tolist(), "name": t(f"nt_model_{kind}", lang),
             "line": {"width": 4, "color": colour}, "marker": {"size": 10}}
            for kind, colour in (("cnn", "#1f77b4"), ("mlp", "#ff7f0e"))]
    layout = plotstyle.base_layout(t("nt_shift_title", lang), t("nt_shift_axis", lang),
                                   t("nt_accuracy_axis", lang), height=400)
    layout["yaxis"].update({"range": [0, 1], "tickformat": ".0%"})
    layout["xaxis"].update({"dtick": 1})
    layout["shapes"] = [{"type": "line", "x0": chosen, "x1": chosen, "y0": 0, "y1": 1,
                         "line": {"dash": "dot", "color": "#6b7280", "width": 2}}]
    return plotstyle.figure(data, layout)


def comparison_text(metrics: dict, curves: dict, lang: str) -> str:
    """Dense against convolutional, as a table: parameters and accuracies."""
    rows = [t("nt_compare_header", lang), "|---|---:|---:|---:|---:|"]
    for kind in ("cnn", "mlp"):
        rows.append(f"| {t(f'nt_model_{kind}', lang)} | {metrics[kind]['parameters']:,} | "
                    f"{100 * metrics[kind]['test_accuracy']:.1f} % | {100 * curves[kind][0]:.1f} % | "
                    f"{100 * curves[kind][-1]:.1f} % |")
    return "\n".join(rows)
