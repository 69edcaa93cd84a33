"""The Attention tab's pictures and texts: heatmaps per head, a layer's heads, GPT against BERT,
Q/K/V in bars and numbers. Pure functions of `attention.Analysis` and `attention.QKV`.

Plotly merges repeated category labels, so every axis is by position with `ticktext`
labels ("the cat sat on the mat" has two "the").
"""
from __future__ import annotations

import math

import numpy as np

from playground import backends
from playground.core import plotstyle
from playground.core.i18n import strings, t
from playground.core.plotstyle import fmt
from playground.text import attention
from playground.text.attention import QKV, Analysis, analyze, check_layer_head, qkv

COLORSCALE = [[0.0, "#ffffff"], [0.15, "#c6dbef"], [0.4, "#6baed6"], [0.7, "#2171b5"], [1.0, "#08306b"]]  # white -> navy
# The same colours at sqrt-spaced stops: a weight w is drawn where sqrt(w) would be, so small
# weights show in the small multiples while hovering still reads the weight itself.
COLORSCALE_SQRT = [[round(v * v, 4), c] for v, c in COLORSCALE]
MASKED = "#d1d5db"                      # the background shows through masked (None) cells
TABLE_ROWS = 8                          # keys in the Q/K/V table (the bars show all of them)
SHOWN_DIMS = attention.SHOWN_DIMS       # first dimensions of q, k, v printed


def model_name(model: str, lang: str, prefix: str = "attention_model") -> str:
    """A model's label: its own key (attention_model_smollm2) if it has one, else the kind's
    key with the model's title (attention_model_causal_lm: "GPT ({title}, ...)")."""
    own = f"{prefix}_{model}"
    if own in strings():
        return t(own, lang)
    kind = backends.backend(model).card.get("kind")
    return t(f"{prefix}_{kind}", lang, title=backends.title(model))


# --- figures -------------------------------------------------------------------------------

def _ticks(analysis: Analysis, size: int) -> dict:
    return {"tickvals": list(range(analysis.n_tokens)), "ticktext": list(analysis.tokens),
            "tickfont": {"size": size}, "showgrid": False, "zeroline": False}


def tick_size(n_tokens: int) -> int:
    return 17 if n_tokens <= 16 else 15 if n_tokens <= 32 else 12


def heatmap_height(n_tokens: int) -> int:
    return int(min(860, max(480, 250 + 17 * n_tokens)))


class Rows:
    """A heatmap's rows of numbers that plotly neither deep-copies nor walks.

    A go.Figure deep-copies its data when built and again when written as JSON, and walks
    every list looking for arrays to encode: ~4 us per number, 40 ms for the ten 32 x 32
    maps of a layer. Plotly leaves analysis object with `to_plotly_json` alone until it writes the
    JSON, which is then the same. Reads like a list of rows (z[i][j], len, iteration).
    """

    def __init__(self, rows: list):
        self.rows = rows

    def __deepcopy__(self, memo):
        return self                      # read-only: sharing it is safe

    def to_plotly_json(self):
        return self.rows

    def __getitem__(self, i):
        return self.rows[i]

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)


def _cells(analysis: Analysis, matrix: np.ndarray) -> Rows:
    """Rows of weights, None where the causal mask hides a key (drawn as the gray background)."""
    rows = np.round(matrix.astype(float), 4).tolist()
    if analysis.causal:
        for i, row in enumerate(rows):
            row[i + 1:] = [None] * (len(row) - i - 1)
    return Rows(rows)


def head_figure(analysis: Analysis, layer: int, head: int, lang: str):
    """The chosen head: rows the token that looks, columns the token looked at."""
    layer, head = check_layer_head(analysis, layer, head)
    size = tick_size(analysis.n_tokens)
    layout = plotstyle.base_layout(
        t("attention_head_title", lang, model=model_name(analysis.model, lang), layer=layer,
          layers=analysis.n_layers, head=head, heads=analysis.n_heads),
        t("attention_axis_key", lang), t("attention_axis_query", lang),
        height=heatmap_height(analysis.n_tokens))
    layout["xaxis"].update(_ticks(analysis, size), tickangle=-60, side="bottom")
    layout["yaxis"].update(_ticks(analysis, size), autorange="reversed")
    layout["plot_bgcolor"] = MASKED
    layout["margin"] = {"l": 110, "r": 30, "t": 100, "b": 110}
    data = [{"type": "heatmap", "z": _cells(analysis, analysis.weights(layer, head)), "zmin": 0,
             "colorscale": COLORSCALE, "xgap": 1, "ygap": 1,
             "colorbar": {"title": {"text": t("attention_weight", lang)}, "thickness": 18},
             "hovertemplate": "%{y} → %{x}: %{z:.3f}<extra></extra>"}]
    return plotstyle.figure(data, layout)


def _grid_domains(n: int, cols: int, gap: float = 0.025, top: float = 0.9):
    rows = math.ceil(n / cols)
    w = (1 - gap * (cols - 1)) / cols
    h = (top - gap * 2 * (rows - 1)) / rows
    for k in range(n):
        r, c = divmod(k, cols)
        x0 = c * (w + gap)
        y1 = top - r * (h + 2 * gap)
        yield [x0, x0 + w], [y1 - h, y1]


def heads_figure_title(analysis: Analysis, layer: int, lang: str) -> str:
    """The grid's title: the layer, and for a model mixing them, local or global."""
    title = t("attention_heads_title", lang, layer=layer, layers=analysis.n_layers)
    kind = analysis.layer_kind(layer)
    if kind:                                        # Gemma 3: local or global layer
        title += " · " + t("attention_kind_" + kind.removesuffix("_attention"), lang, window=analysis.window)
    return title


def heads_figure(analysis: Analysis, layer: int, head: int, lang: str):
    """Every head of one layer as small multiples, then their average; the chosen head framed."""
    layer, head = check_layer_head(analysis, layer, head)
    H = analysis.n_heads
    cols = 5 if H + 1 <= 10 else 7
    rows = math.ceil((H + 1) / cols)
    mats = [analysis.weights(layer, h) for h in range(1, H + 1)] + [analysis.attentions[layer - 1].mean(0)]
    names = [t("attention_head_short", lang, head=h) for h in range(1, H + 1)]
    names.append(t("attention_average", lang))
    layout = plotstyle.base_layout(heads_figure_title(analysis, layer, lang),
                                   height=110 + (1300 // cols) * rows)
    layout.pop("xaxis"), layout.pop("yaxis")
    layout.update(plot_bgcolor=MASKED, margin={"l": 20, "r": 20, "t": 70, "b": 20},
                  coloraxis={"colorscale": COLORSCALE_SQRT, "cmin": 0, "cmax": 1, "showscale": False},
                  annotations=[], shapes=[])
    data = []
    for k, ((x0, x1), (y0, y1)) in enumerate(_grid_domains(H + 1, cols, top=0.93)):
        ax = "" if k == 0 else str(k + 1)
        axis = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": ""}
        layout[f"xaxis{ax}"] = {**axis, "domain": [x0, x1], "anchor": f"y{ax}",
                                "range": [-0.5, analysis.n_tokens - 0.5]}
        layout[f"yaxis{ax}"] = {**axis, "domain": [y0, y1], "anchor": f"x{ax}",
                                "range": [analysis.n_tokens - 0.5, -0.5]}
        data.append({"type": "heatmap", "z": _cells(analysis, mats[k]), "coloraxis": "coloraxis",
                     "xaxis": f"x{ax}", "yaxis": f"y{ax}",
                     "hovertemplate": "%{y} → %{x}: %{z:.3f}<extra>" + names[k] + "</extra>"})
        chosen = k == head - 1
        layout["annotations"].append({
            "text": f"<b>{names[k]}</b>" if chosen or k == H else names[k], "showarrow": False,
            "xref": "paper", "yref": "paper", "x": (x0 + x1) / 2, "y": y1, "yanchor": "bottom",
            "font": {"size": 16, "color": "#b91c1c" if chosen else "#111"}})
        if chosen:
            layout["shapes"].append({"type": "rect", "xref": "paper", "yref": "paper",
                                     "x0": x0 - 0.004, "x1": x1 + 0.004, "y0": y0 - 0.006,
                                     "y1": y1 + 0.006, "line": {"color": "#b91c1c", "width": 3}})
    layout["annotations"].append({
        "text": t("attention_heads_note", lang), "showarrow": False, "xref": "paper",
        "yref": "paper", "x": 1, "y": 1.0, "xanchor": "right", "yanchor": "bottom",
        "font": {"size": 14, "color": "#4b5563"}})
    return plotstyle.figure(data, layout)


def compare_figure(gpt: Analysis, bert: Analysis, lang: str):
    """GPT (causal) and BERT (bidirectional) side by side: each averaged over layers and heads."""
    layout = plotstyle.base_layout(t("attention_compare_title", lang),
                                   height=heatmap_height(max(gpt.n_tokens, bert.n_tokens)) + 40)
    layout.update(plot_bgcolor=MASKED, margin={"l": 100, "r": 30, "t": 110, "b": 110},
                  annotations=[],
                  coloraxis={"colorscale": COLORSCALE, "cmin": 0,
                             "colorbar": {"title": {"text": t("attention_weight", lang)}, "thickness": 18}})
    data = []
    for k, (analysis, (x0, x1)) in enumerate(((gpt, (0.0, 0.44)), (bert, (0.56, 1.0)))):
        ax = "" if k == 0 else "2"
        size = tick_size(analysis.n_tokens)
        layout[f"xaxis{ax}"] = {**plotstyle.AXIS, **_ticks(analysis, size), "domain": [x0, x1],
                                "anchor": f"y{ax}", "tickangle": -60,
                                "title": {"text": t("attention_axis_key", lang)}}
        layout[f"yaxis{ax}"] = {**plotstyle.AXIS, **_ticks(analysis, size), "domain": [0, 1],
                                "anchor": f"x{ax}", "autorange": "reversed",
                                "title": {"text": t("attention_axis_query", lang) if k == 0 else ""}}
        mean = analysis.attentions.mean((0, 1))
        data.append({"type": "heatmap", "z": _cells(analysis, mean), "coloraxis": "coloraxis",
                     "xaxis": f"x{ax}", "yaxis": f"y{ax}", "xgap": 1, "ygap": 1,
                     "hovertemplate": "%{y} → %{x}: %{z:.3f}<extra></extra>"})
        layout["annotations"].append({
            "text": f"<b>{model_name(analysis.model, lang, 'attention_compare')}</b>", "showarrow": False,
            "xref": "paper", "yref": "paper", "x": (x0 + x1) / 2, "y": 1.01, "yanchor": "bottom",
            "font": {"size": 18}})
    return plotstyle.figure(data, layout)


def compare_text(gpt: Analysis, bert: Analysis, lang: str) -> str:
    """The explanation under the comparison, with the numbers of this sentence."""
    T = gpt.n_tokens
    upper = np.triu(gpt.attentions, k=1)
    return t("attention_compare_explain", lang, gpt_tokens=T, hidden=T * (T - 1) // 2,
             cells=T * T, gpt_max=fmt(float(upper.max())), bert_tokens=bert.n_tokens,
             bert_min=f"{float(bert.attentions.min()):.1e}")


def qkv_figure(analysis: Analysis, head_qkv: QKV, lang: str):
    """Two rows of bars over the keys: the scaled scores, then the softmax weights."""
    x = list(range(analysis.n_tokens))
    scaled = [round(float(s), 4) if ok else None for s, ok in zip(head_qkv.scaled, head_qkv.allowed)]
    layout = plotstyle.base_layout(
        t("attention_qkv_title", lang, token=analysis.tokens[head_qkv.query], pos=head_qkv.query,
          layer=head_qkv.layer, head=head_qkv.head), height=720)
    size = tick_size(analysis.n_tokens)
    common = {**plotstyle.AXIS, "tickvals": x, "ticktext": list(analysis.tokens),
              "tickfont": {"size": size}, "range": [-0.6, analysis.n_tokens - 0.4]}
    layout["xaxis"] = {**common, "anchor": "y", "showticklabels": False}
    layout["xaxis2"] = {**common, "anchor": "y2", "tickangle": -60,
                        "title": {"text": t("attention_axis_key", lang)}}
    layout["yaxis"] = {**plotstyle.AXIS, "domain": [0.56, 1.0],
                       "title": {"text": t("attention_qkv_scaled", lang, d=head_qkv.d)}}
    layout["yaxis2"] = {**plotstyle.AXIS, "domain": [0.0, 0.44], "rangemode": "tozero",
                        "title": {"text": t("attention_weight", lang)}}
    layout["margin"] = {"l": 90, "r": 30, "t": 100, "b": 180}
    layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -0.3, "xanchor": "left", "x": 0}
    data = [
        {"type": "bar", "x": x, "y": scaled, "xaxis": "x", "yaxis": "y", "name": t("attention_qkv_scaled_short", lang),
         "marker": {"color": plotstyle.COLORS["line"]},
         "hovertemplate": "%{y:.3f}<extra></extra>"},
        {"type": "bar", "x": x, "y": np.round(head_qkv.weights, 4).tolist(), "xaxis": "x2", "yaxis": "y2",
         "name": t("attention_qkv_ours", lang), "marker": {"color": "#f59e0b"},
         "hovertemplate": "%{y:.4f}<extra></extra>"},
        {"type": "scatter", "mode": "markers", "x": x, "y": np.round(head_qkv.model_weights, 4).tolist(),
         "xaxis": "x2", "yaxis": "y2", "name": t("attention_qkv_model", lang),
         "marker": {"symbol": "diamond", "size": 11, "color": "#111",
                    "line": {"color": "white", "width": 1}},
         "hovertemplate": "%{y:.4f}<extra></extra>"},
    ]
    if analysis.causal and head_qkv.query < analysis.n_tokens - 1:
        layout["shapes"] = [{"type": "rect", "xref": f"x{a}", "yref": f"y{a} domain",
                             "x0": head_qkv.query + 0.5, "x1": analysis.n_tokens - 0.4, "y0": 0, "y1": 1,
                             "fillcolor": MASKED, "opacity": 0.5, "line": {"width": 0}}
                            for a in ("", "2")]
        layout["annotations"] = [{"text": t("attention_qkv_masked", lang), "xref": "x",
                                  "yref": "y domain", "x": (head_qkv.query + analysis.n_tokens) / 2,
                                  "y": 0.5, "showarrow": False, "font": {"size": 16, "color": "#374151"}}]
    return plotstyle.figure(data, layout)


def _vec(values, digits: int = 3) -> str:
    return "[" + ", ".join(fmt(float(v), digits) for v in values) + ", …]"


def qkv_text(analysis: Analysis, head_qkv: QKV, lang: str) -> str:
    """The steps with this token's numbers, and a short table of the keys it weighs most."""
    token = analysis.tokens[head_qkv.query]
    intro = t("attention_qkv_steps_rope" if head_qkv.rope else "attention_qkv_steps_bert", lang,
              token=token, pos=head_qkv.query, d=head_qkv.d, sqrt_d=fmt(math.sqrt(head_qkv.d), 3),
              q=_vec(head_qkv.q[:SHOWN_DIMS]), kv_head=head_qkv.kv_head, head=head_qkv.head,
              model=backends.title(analysis.model), heads=analysis.n_heads,
              kv_heads=backends.get(analysis.model).shape.kv_heads)
    header = t("attention_qkv_table_header", lang)
    order = np.argsort(-head_qkv.weights, kind="stable")[:TABLE_ROWS]
    rows = []
    for j in sorted(order):
        if head_qkv.allowed[j]:
            cells = [fmt(head_qkv.scores[j], 3), fmt(head_qkv.scaled[j], 3), "0", fmt(head_qkv.weights[j], 4)]
        else:
            cells = ["—", "—", "−∞", "0"]
        rows.append(f"| {j} | `{analysis.tokens[j]}` | {_vec(head_qkv.keys[j][:3], 2)} | "
                    + " | ".join(cells) + f" | {fmt(head_qkv.model_weights[j], 4)} |")
    masked = int((~head_qkv.allowed).sum())
    outro = t("attention_qkv_outro", lang, shown=len(rows), total=analysis.n_tokens, masked=masked,
              out=_vec(head_qkv.output[:SHOWN_DIMS]), diff=f"{head_qkv.max_difference:.1e}")
    return "\n".join([intro, "", header, "|---:|---|---|---:|---:|---:|---:|---:|", *rows, "", outro])


def info_text(analysis: Analysis, lang: str, layer: int | None = None) -> str:
    """One line under the heatmap: how many tokens, which model, what the mask does; for a
    model mixing local and global layers, which one `layer` is."""
    key = "attention_info_causal" if analysis.causal else "attention_info_bidirectional"
    text = t(key, lang, model=model_name(analysis.model, lang), tokens=analysis.n_tokens,
             layers=analysis.n_layers, heads=analysis.n_heads)
    kind = analysis.layer_kind(layer) if layer else None
    if kind:
        full = ", ".join(str(i + 1) for i, k in enumerate(analysis.layer_kinds) if k == "full_attention")
        text += "\n\n" + t("attention_layer_" + kind.removesuffix("_attention"), lang, layer=layer,
                            window=analysis.window, full=full, tokens=analysis.n_tokens,
                            model=model_name(analysis.model, lang))
    return text


# --- what one event of the page shows ---------------------------------------------------------

def view(model, text, layer, head, lang: str) -> tuple:
    """The chosen head's heatmap, the layer's heads, a line of text and the tokens."""
    analysis = analyze(model, text)
    layer, head = check_layer_head(analysis, layer, head)
    return (head_figure(analysis, layer, head, lang), heads_figure(analysis, layer, head, lang),
            info_text(analysis, lang, layer), analysis.as_dict())


def qkv_view(model, text, layer, head, query, lang: str) -> tuple:
    """The Q/K/V recomputation as bars, steps with a table, and the numbers."""
    analysis = analyze(model, text)
    head_qkv = qkv(analysis, layer, head, query)
    return qkv_figure(analysis, head_qkv, lang), qkv_text(analysis, head_qkv, lang), head_qkv.as_dict()


def compare_view(text, lang: str) -> tuple:
    """GPT and BERT on the same sentence, and what the picture shows."""
    causal, encoder = attention.default_pair()
    gpt, bert = analyze(causal, text), analyze(encoder, text)
    return compare_figure(gpt, bert, lang), compare_text(gpt, bert, lang)


def fitted_view(model, text, layer, head, lang: str) -> tuple:
    """After a switch of model: layer and head moved inside its ranges, then `view`."""
    layer, head = attention.fit_layer_head(analyze(model, text), layer, head)
    return (layer, head, *view(model, text, layer, head, lang))
