"""The family map of the Network types tab: the six kinds of network the course lists
(perceptron, dense, convolutional, recurrent, transformer, adversarial), each drawn small
as neurons and connections, with its parameter count computed from a real torch module of
that shape (so the numbers are the modules', not typed in).
"""
from __future__ import annotations

import plotly.graph_objects as go
from torch import nn

from playground.core import plotstyle
from playground.core.i18n import t

KINDS = ["perceptron", "dense", "cnn", "rnn", "transformer", "gan"]
NODE = "#1f77b4"
EDGE = "#9ca3af"
ACCENT = "#d62728"


def modules() -> dict[str, nn.Module]:
    """One small torch module per kind, the shape each drawing shows."""
    return {
        "perceptron": nn.Linear(3, 1),
        "dense": nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2)),
        "cnn": nn.Conv1d(1, 1, 3),
        "rnn": nn.RNN(1, 1),
        "transformer": nn.MultiheadAttention(4, 1),
        "gan": nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)]),
    }


def _layer(x: float, n: int, spread: float = 0.8) -> list[tuple[float, float]]:
    if n == 1:
        return [(x, 0.5)]
    return [(x, 0.5 - spread / 2 + spread * i / (n - 1)) for i in range(n)]


def _full(a, b):
    return [(p, q) for p in a for q in b]


def drawings() -> dict[str, tuple[list, list, list]]:
    """kind -> (nodes, edges, accent edges) in the unit square."""
    d = {}
    ins, out = _layer(0.15, 3), _layer(0.85, 1)
    d["perceptron"] = (ins + out, _full(ins, out), [])
    l0, l1, l2, l3 = _layer(0.1, 3), _layer(0.37, 4), _layer(0.63, 4), _layer(0.9, 2)
    d["dense"] = (l0 + l1 + l2 + l3, _full(l0, l1) + _full(l1, l2) + _full(l2, l3), [])
    pix, maps = _layer(0.2, 7, 0.9), _layer(0.8, 5, 0.7)
    conv = [(pix[i + k], maps[i]) for i in range(5) for k in range(3)]   # a 3-wide shared filter
    d["cnn"] = (pix + maps, conv[3:], conv[:3])
    xs, hs = [(0.1 + 0.2 * i, 0.2) for i in range(5)], [(0.1 + 0.2 * i, 0.75) for i in range(5)]
    d["rnn"] = (xs + hs, list(zip(xs, hs)), list(zip(hs[:-1], hs[1:])))
    toks, outs = [(0.1 + 0.2 * i, 0.2) for i in range(5)], [(0.1 + 0.2 * i, 0.8) for i in range(5)]
    d["transformer"] = (toks + outs, _full(toks, outs[:-1]), _full(toks, outs[-1:]))
    z, g, x = _layer(0.08, 2, 0.3), _layer(0.32, 3, 0.5), [(0.55, 0.5)]
    dd, judge = _layer(0.75, 3, 0.5), [(0.95, 0.5)]
    d["gan"] = (z + g + x + dd + judge, _full(z, g) + _full(g, x) + _full(dd, judge), _full(x, dd))
    return d


def figure(lang: str) -> go.Figure:
    """Six small panels, one per kind, titled with its name and parameter count."""
    counts = {k: sum(p.numel() for p in m.parameters()) for k, m in modules().items()}
    data, notes, layout = [], [], plotstyle.base_layout(t("nt_family_title", lang), height=480)
    for i, (kind, (nodes, edges, accent)) in enumerate(drawings().items()):
        r, c = divmod(i, 3)
        ax = "" if i == 0 else str(i + 1)
        xd, yd = [c / 3 + 0.06, (c + 1) / 3 - 0.06], [0.0, 0.36] if r else [0.5, 0.86]
        layout[f"xaxis{ax}"] = {"domain": xd, "range": [-0.05, 1.05], "visible": False}
        layout[f"yaxis{ax}"] = {"domain": yd, "range": [-0.05, 1.05], "visible": False}
        for group, colour, width in ((edges, EDGE, 1.5), (accent, ACCENT, 3)):
            xs, ys = [], []
            for (x0, y0), (x1, y1) in group:
                xs += [x0, x1, None]
                ys += [y0, y1, None]
            data.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "xaxis": f"x{ax}",
                         "yaxis": f"y{ax}", "line": {"color": colour, "width": width},
                         "hoverinfo": "skip", "showlegend": False})
        data.append({"type": "scatter", "mode": "markers", "x": [p[0] for p in nodes],
                     "y": [p[1] for p in nodes], "xaxis": f"x{ax}", "yaxis": f"y{ax}",
                     "marker": {"size": 13, "color": "white", "line": {"color": NODE, "width": 2.5}},
                     "hoverinfo": "skip", "showlegend": False})
        notes.append({"text": f"<b>{t(f'nt_family_{kind}', lang)}</b><br>{t('nt_family_params', lang, n=counts[kind])}",
                      "xref": "paper", "yref": "paper", "x": sum(xd) / 2, "y": yd[1] + 0.01,
                      "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": 15}})
    layout["annotations"] = notes
    layout["margin"] = {"l": 10, "r": 10, "t": 70, "b": 10}
    layout["showlegend"] = False
    return plotstyle.figure(data, layout)
