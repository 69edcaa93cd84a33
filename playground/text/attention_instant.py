"""The Attention lesson's numbers for the page: what the browser needs to redraw the head's
heatmap and the layer's grid of heads itself when the layer or head slider moves.

A move only slices the cached forward pass (`attention.run`): the weights of every head of
every layer for one short sentence. The page gets them once per run, model and language
(pages/instant_plot.js, kind "attention"), and patches Python's own figures
(attention_figures.head_figure and heads_figure, drawn once) with the slice's numbers:

- the weights, layers x heads x T x T, as uint16 (w * 65535 rounded: 7.6e-6 at most off,
  below the 4 decimals the figures show); for a causal model only the lower triangle (the
  rest is masked), so T (T + 1) / 2 numbers per head;
- the strings a move changes: the head's title with {layer} and {head} left for the page,
  each layer's grid title (Gemma 3 adds local or global), the heads' names.

Above MAX_NUMBERS weights (a long sentence through a model of many heads) the page would
wait for the numbers longer than for the server: `payload` returns None and the tab leaves
the sliders to the server. attention_figures stays the reference: tests/test_instant.py
runs the page's script on these numbers and compares with it.
"""
from __future__ import annotations

import base64
import json

import numpy as np
import plotly.io as pio

from playground.core.i18n import t
from playground.text import attention_figures as figures
from playground.text.attention import Analysis

MAX_NUMBERS = 200_000          # weights sent at most (400 kB as uint16, 530 kB in base64)
SCALE = 65535                  # w in [0, 1] -> round(w * SCALE), a uint16
CHOSEN, OTHER = "#b91c1c", "#111"   # heads_figure's names: the chosen head's, the others'


def packed_weights(analysis: Analysis) -> np.ndarray:
    """The weights the page reads, flat, uint16: per layer, per head, the rows of its T x T
    map (only j <= i of row i for a causal model)."""
    a = np.asarray(analysis.attentions, dtype=np.float64)             # (L, H, T, T)
    if analysis.causal:
        rows, cols = np.tril_indices(analysis.n_tokens)              # row-major, j <= i
        a = a[:, :, rows, cols]                                      # (L, H, T (T + 1) / 2)
    return np.round(np.clip(a, 0, 1) * SCALE).astype("<u2").ravel()


def size(analysis: Analysis) -> int:
    """How many weights the page would get."""
    T = analysis.n_tokens
    return analysis.n_layers * analysis.n_heads * (T * (T + 1) // 2 if analysis.causal else T * T)


def _figure_json(fig) -> dict:
    """A figure as the page gets it, its heatmaps' numbers left out (the page fills them)."""
    out = json.loads(pio.to_json(fig, validate=False))
    for trace in out["data"]:
        trace["z"] = []
    return out


def payload(analysis: Analysis, layer: int, head: int, lang: str) -> dict | None:
    """Everything the page redraws the two figures from, or None if it is too big to send."""
    if size(analysis) > MAX_NUMBERS:
        return None
    L, H = analysis.n_layers, analysis.n_heads
    model = figures.model_name(analysis.model, lang)
    grid = figures.heads_figure(analysis, layer, head, lang)
    return {"kind": "attention", "layers": L, "heads": H, "tokens": analysis.n_tokens,
            "causal": analysis.causal, "scale": SCALE,
            "weights": base64.b64encode(packed_weights(analysis).tobytes()).decode("ascii"),
            "figures": [_figure_json(figures.head_figure(analysis, layer, head, lang)),
                        _figure_json(grid)],
            "text": {"head_title": t("attention_head_title", lang, model=model, layer="{layer}",
                                     layers=L, head="{head}", heads=H),
                     # the grid's title per layer, as heads_figure writes it (Gemma 3: local/global)
                     "heads_titles": [figures.heads_figure_title(analysis, k, lang)
                                      for k in range(1, L + 1)],
                     "names": [t("attention_head_short", lang, head=h) for h in range(1, H + 1)]
                     + [t("attention_average", lang)]},
            "colors": {"chosen": CHOSEN, "other": OTHER}}
