"""The Generation lesson's numbers for the page: what the browser needs to redraw the bars and
the entropy marker itself when temperature, top-k or top-p move, without asking the server.

A slider only reruns the sampling stages (playground.backends.sampling: scale by T, top-k,
softmax, top-p) on logits the visitor already has, as transformer-explainer does in the
page. All the logits would be 1 MB for Gemma 3's 262,144 tokens; the page gets instead
(about 30 kB):

- the HEAD best logits, sorted, exactly: top-k never reaches past TOP_K_MAX = 200, and the
  bars show the first TOP_N of them;
- the rest as a histogram of BINS equal-width bins of logit value, each with its count and
  its mean logit: a bin stands for `count` tokens of that logit. This tail only matters for
  the softmax's denominator, the entropy and a top-p that reaches deep into the vocabulary
  (T high, top-k off), and within a bin the logits differ by less than 1/BINS of their range.

The figures are Python's own (generation_figures), built once per context and language; the
page patches only what a slider changes (bars, texts, title, range) with the strings below.
`generation.next_token` stays the reference: tests/test_instant.py runs pages/instant_plot.js
on these numbers and compares with it.
"""
from __future__ import annotations

import json

import numpy as np
import plotly.io as pio

from playground import backends
from playground.core.i18n import t
from playground.core.plotstyle import typed_array
from playground.text import generation, generation_figures as figures

HEAD = 1024      # best logits sent exactly (>= TOP_K_MAX)
BINS = 2048      # bins of the rest


def compact_logits(logits) -> dict:
    """The logits as the page reads them: the HEAD best, sorted, and the rest binned.

    {"vocab": V, "head": f4 (HEAD,), "tail_count": u4 (B,), "tail_mean": f4 (B,)}; the bins
    go from the highest logits to the lowest and empty ones are left out.
    """
    values = np.sort(np.asarray(logits, dtype=np.float32))[::-1]              # (V,) best first
    head, rest = values[:HEAD], values[HEAD:].astype(np.float64)
    count = mean = np.zeros(0)
    if rest.size:
        low, high = rest.min(), rest.max()
        span = (high - low) or 1.0
        index = np.minimum(((high - rest) / span * BINS).astype(np.int64), BINS - 1)  # 0 = highest
        count = np.bincount(index, minlength=BINS)
        total = np.bincount(index, weights=rest, minlength=BINS)
        full = count > 0
        count, mean = count[full], total[full] / count[full]
    return {"vocab": int(values.size), "head": typed_array(head, "float32")["bdata"],
            "tail_count": typed_array(count, "uint32")["bdata"],
            "tail_mean": typed_array(mean, "float32")["bdata"]}


def _figure_json(fig) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def texts(model: str, lang: str) -> dict:
    """The strings a slider changes, in the visitor's language, `{T}` / `{h}` left for the page."""
    return {"model_title": f"{backends.title(model)}<br>",
            "title": t("generation_bars_title", lang, T="{T}"),
            "title_greedy": t("generation_bars_title_greedy", lang),
            "bar_sampled": t("generation_bar_sampled", lang, T="{T}"),
            "bar_greedy": t("generation_bar_greedy", lang),
            "cut_top_k": t("generation_cut_top_k", lang), "cut_top_p": t("generation_cut_top_p", lang),
            "entropy_title": t("generation_entropy_title", lang, h="{h}")}


def payload(scores: generation.Scores, temperature: float, top_k: int, top_p: float,
            lang: str) -> dict:
    """Everything the page redraws the two figures from: the figures at one setting, the
    compact logits, the strings and the bars' colours."""
    shown = generation.next_token(scores, temperature, top_k, top_p)
    return {"kind": "next_token", "top_n": int(len(scores.top_ids)),
            "original": [float(x) for x in scores.original],
            **compact_logits(scores.logits),
            "figures": [_figure_json(figures.bars_figure(shown, lang)),
                        _figure_json(figures.entropy_figure(shown, lang))],
            "text": texts(scores.model, lang),
            "colors": {"sampled": figures.BAR_SAMPLED, "cut": figures.BAR_CUT}}
