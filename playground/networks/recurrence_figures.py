"""Pictures for the recurrent-against-transformer half of the Network types tab: the RNN's
hidden state token by token, the transformer's outputs all at once and its attention, the
measured time per sequence, and the gradient that reaches a token far back.

Tokens are plotted by position and labelled with `ticktext` (plotly merges repeated
category labels: "3 1 4 1" has two "1").
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.core import plotstyle
from playground.core.i18n import t

DIVERGING = [[0, "#b2182b"], [0.5, "#f7f7f7"], [1, "#2166ac"]]
COLORS = {"rnn": "#d62728", "rnn_loop": "#d62728", "rnn_torch": "#ff9896", "transformer": "#1f77b4"}


def _token_axis(tokens: list[int]) -> dict:
    return {"tickmode": "array", "tickvals": list(range(len(tokens))),
            "ticktext": [str(tok) for tok in tokens], "showgrid": False}


def states_figure(states: np.ndarray, tokens: list[int], title: str, units: str) -> go.Figure:
    """Hidden states (T, H) as a heatmap: time (tokens) across, units up."""
    scale = float(np.abs(states).max()) or 1.0
    data = [{"type": "heatmap", "z": np.round(states.T.astype(float), 3).tolist(), "x": list(range(len(tokens))),
             "zmin": -scale, "zmax": scale, "colorscale": DIVERGING, "showscale": False,
             "hovertemplate": "t=%{x} · %{y}: %{z}<extra></extra>"}]
    layout = plotstyle.base_layout(title, None, units, height=400)
    layout["margin"]["t"] = 100
    layout["xaxis"].update(_token_axis(tokens))
    layout["yaxis"].update({"showgrid": False})
    return plotstyle.figure(data, layout)


def rnn_states_figure(states: np.ndarray, tokens: list[int], lang: str) -> go.Figure:
    fig = states_figure(states, tokens, t("nt_rnn_states_title", lang), t("nt_hidden_units", lang))
    # the sequential dependence: h_{t-1} -> h_t, an arrow per step
    fig.layout.annotations = [{"x": i + 1, "y": -1.6, "ax": i, "ay": -1.6, "xref": "x", "yref": "y",
                               "axref": "x", "ayref": "y", "showarrow": True, "arrowhead": 2,
                               "arrowwidth": 2, "arrowcolor": COLORS["rnn"], "text": ""}
                              for i in range(len(tokens) - 1)]
    fig.layout.yaxis.range = [-2.5, states.shape[1] - 0.5]
    fig.layout.xaxis.title = {"text": t("nt_rnn_time_axis", lang)}
    return fig


def transformer_figure(states: np.ndarray, attention: np.ndarray, tokens: list[int],
                       lang: str) -> go.Figure:
    """The transformer's outputs (T, D), all computed in one pass, with the last token's
    attention over every token (mean over heads) as a row of bars on top."""
    fig = states_figure(states, tokens, t("nt_transformer_states_title", lang), t("nt_dimensions", lang))
    d = states.shape[1]
    weights = attention.mean(0)
    fig.add_trace({"type": "bar", "x": list(range(len(tokens))), "y": (weights * 8).tolist(),
                   "base": [d + 0.5] * len(tokens), "marker": {"color": COLORS["transformer"]},
                   "hovertemplate": "%{customdata:.2f}<extra></extra>", "customdata": weights.tolist(),
                   "name": t("nt_attention_last", lang), "showlegend": False})
    fig.layout.yaxis.range = [-0.5, d + 9]
    fig.layout.yaxis.tickvals = list(range(0, d, 10))              # the bars on top have no unit
    fig.layout.xaxis.title = {"text": t("nt_transformer_time_axis", lang)}
    fig.layout.height = 420
    return fig


def timing_figure(timings: dict, lang: str) -> go.Figure:
    """Milliseconds to read one sequence against its length, log-log."""
    data = [{"type": "scatter", "mode": "lines+markers", "x": timings["length"].tolist(),
             "y": np.round(timings[kind], 4).tolist(), "name": t(f"nt_timing_{kind}", lang),
             "line": {"width": 4, "color": COLORS[kind], "dash": "dot" if kind == "rnn_torch" else "solid"},
             "marker": {"size": 9}} for kind in ("rnn_loop", "rnn_torch", "transformer")]
    layout = plotstyle.base_layout(t("nt_timing_title", lang), t("nt_length_axis", lang),
                                   t("nt_ms_axis", lang), height=420)
    layout["xaxis"].update({"type": "log", "tickvals": timings["length"].tolist()})
    layout["yaxis"].update({"type": "log", "dtick": 1})
    layout["legend"] = {"orientation": "v", "x": 0.02, "y": 0.98, "xanchor": "left", "yanchor": "top",
                        "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 14}}
    layout["margin"]["t"] = 100
    return plotstyle.figure(data, layout)


def gradient_figure(rnn: np.ndarray, transformer: np.ndarray, lang: str) -> go.Figure:
    """Gradient norm reaching a token against its distance from the output, log scale."""
    floor = 1e-12                                   # below this, float32 noise: drawn at the floor
    data = [{"type": "scatter", "mode": "lines+markers", "x": list(range(len(g))),
             "y": np.maximum(g, floor).tolist(), "name": t(f"nt_model_{kind}", lang),
             "line": {"width": 4, "color": COLORS[kind]}, "marker": {"size": 6}}
            for kind, g in (("rnn", rnn), ("transformer", transformer))]
    layout = plotstyle.base_layout(t("nt_gradient_title", lang), t("nt_distance_axis", lang),
                                   t("nt_gradient_axis", lang), height=420)
    layout["yaxis"].update({"type": "log", "exponentformat": "power", "dtick": 3})
    layout["legend"] = {"orientation": "h", "x": 0.98, "y": 0.6, "xanchor": "right", "yanchor": "middle",
                        "bgcolor": "rgba(255,255,255,0.85)"}
    layout["margin"]["t"] = 100
    return plotstyle.figure(data, layout)


def probabilities_text(probs_rnn: np.ndarray, probs_tr: np.ndarray, tokens: list[int], lang: str,
                       accuracy: dict | None = None) -> str:
    """What each model answers (the task: say the first digit), and how often each is right
    on sequences of this length."""
    lines = [t("nt_task", lang, first=tokens[0], n=len(tokens))]
    for kind, p in (("rnn", probs_rnn), ("transformer", probs_tr)):
        guess = int(np.argmax(p))
        mark = "✅" if guess == tokens[0] else "❌"
        lines.append(t("nt_answer", lang, model=t(f"nt_model_{kind}", lang), guess=guess,
                       p=f"{100 * p[guess]:.0f}", mark=mark))
    if accuracy:
        lines.append(t("nt_accuracy_line", lang, n=len(tokens), rnn=f"{100 * accuracy['rnn']:.0f}",
                       transformer=f"{100 * accuracy['transformer']:.0f}"))
    return "\n\n".join(lines)
