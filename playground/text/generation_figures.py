"""The Generation lesson's presentation: bars, entropy curve, summary, token chips, cards.

Pure functions from playground.text.generation's results (a `NextToken`, `Steps` with their
scores, streamed `SampledToken`s) to plotly figures, Markdown and HTML in the visitor's
language. The bars are drawn by position and labelled with `ticktext`, since a piece may
repeat (plotly would merge equal category labels).
"""
from __future__ import annotations

import html
import math

import numpy as np

from playground import backends
from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import fmt
from playground.text import chips
from playground.text.generation import (ENTROPY_TEMPERATURES, MODEL, TEMPERATURE_MAX, NextToken,
                                        Steps, encode_prompt)
from playground.text.pieces import readable_pieces, show_piece

# Probability bins for the token chips: (lower bound, colour, i18n key of the legend).
CHIP_BINS = ((0.5, "#1a9850", "generation_chip_high"), (0.1, "#a6d96a", "generation_chip_mid"),
             (0.01, "#fdae61", "generation_chip_low"), (0.0, "#d73027", "generation_chip_rare"))
PROMPT_CHIP = "#e5e7eb"
BAR_MODEL, BAR_SAMPLED, BAR_CUT = "#9ca3af", "#1f77b4", "#f4c7c3"

# The chips' stylesheet, and the side-by-side cards of the comparison.
CSS = chips.CSS + """
.gen-grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8rem; margin-top: 0.5rem; }
.gen-card { border: 1px solid #d1d5db; border-radius: 0.5rem; padding: 0.6rem 0.8rem; }
.gen-card .tok-text { font-size: 1.15rem; line-height: 2rem; }
.gen-card-title { font-weight: 700; font-size: 1.1rem; margin-bottom: 0.3rem; }
.gen-card-prompt { font-size: 1.15rem; color: #374151; }
"""


def _plotly_text(text: str) -> str:
    """Plotly reads tags in labels (<b>, <br>): write < > & as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def count(n: int, lang: str) -> str:
    """49,152 in English, 49 152 in Spanish (a no-break space between the thousands)."""
    text = f"{n:,}"
    return text.replace(",", "\u00a0") if lang == "es" else text


def sci(log10_value: float) -> str:
    """10 ** log10_value written without underflow: 3.2 × 10^-45."""
    if log10_value == -math.inf:
        return "0"
    exponent = math.floor(log10_value)
    mantissa = 10 ** (log10_value - exponent)
    if -3 <= exponent <= 0:
        return f"{10 ** log10_value:.4g}"
    return f"{mantissa:.2f} × 10^{exponent}"


# --- the distribution under the sliders -------------------------------------------------------

def bars_figure(distribution: NextToken, lang: str):
    """The best next tokens: the model's probabilities and the ones a token is drawn from."""
    d = distribution
    n = len(d.top_ids)
    ys = list(range(n))                                      # by position: pieces may repeat
    labels = [_plotly_text(f"{i + 1}. «{show_piece(p)}»") for i, p in enumerate(d.pieces)]
    cut_text = {"top_k": t("generation_cut_top_k", lang), "top_p": t("generation_cut_top_p", lang),
                "greedy": ""}
    sampled_text = [cut_text[c] if c else f"{100 * s:.1f}%" for s, c in zip(d.sampled, d.cut_by)]
    stage = (t("generation_bar_greedy", lang) if d.greedy
             else t("generation_bar_sampled", lang, T=fmt(d.temperature, 2)))
    data = [
        {"type": "bar", "orientation": "h", "y": ys, "x": 100 * d.original,
         "name": t("generation_bar_model", lang), "marker": {"color": BAR_MODEL},
         "text": [f"{100 * p:.1f}%" for p in d.original], "textposition": "outside",
         "hovertemplate": "%{x:.2f}%<extra></extra>"},
        {"type": "bar", "orientation": "h", "y": ys, "x": [max(100 * s, 0.0) for s in d.sampled],
         "name": stage, "text": sampled_text, "textposition": "outside", "cliponaxis": False,
         "marker": {"color": [BAR_CUT if c else BAR_SAMPLED for c in d.cut_by]},
         "hovertemplate": "%{x:.2f}%<extra></extra>"},
    ]
    if any(c in ("top_k", "top_p") for c in d.cut_by):   # a visible stub to sit "cut" on
        data[1]["x"] = [0.4 if c in ("top_k", "top_p") else x for c, x in zip(d.cut_by, data[1]["x"])]
    height = 200 + 44 * n
    title = (t("generation_bars_title_greedy", lang) if d.greedy
             else t("generation_bars_title", lang, T=fmt(d.temperature, 2)))
    title = f"{backends.title(d.scores.model)}<br>{title}"    # which model speaks
    layout = plotstyle.base_layout(title, t("generation_bars_x", lang), None, height=height)
    top = max(float(np.max(d.original)), float(np.max(d.sampled))) * 100
    layout["xaxis"]["range"] = [0, top * 1.22 + 1]
    layout["yaxis"].update({"tickvals": ys, "ticktext": labels, "autorange": "reversed",
                            "tickfont": {"size": 18, "family": "ui-monospace, monospace"}})
    # two title lines (the model, then the stage) at the very top, the legend below them
    layout["title"].update({"y": 0.96, "yanchor": "top", "yref": "container"})
    layout.update({"barmode": "group", "bargap": 0.25, "bargroupgap": 0.05,
                   "margin": {"l": 40, "r": 30, "t": 130, "b": 60},
                   "legend": {**layout["legend"], "y": 1.02}})
    return plotstyle.figure(data, layout)


def entropy_figure(distribution: NextToken, lang: str):
    """Entropy against temperature for this context, the current setting marked."""
    d = distribution
    data = [
        {"type": "scatter", "x": ENTROPY_TEMPERATURES, "y": d.scores.entropy_curve, "mode": "lines",
         "line": {"width": 4, "color": plotstyle.COLORS["line"]},
         "name": t("generation_entropy_curve", lang)},
        {"type": "scatter", "x": [d.temperature], "y": [d.entropy_tempered],
         "mode": "markers", "marker": {"size": 16, "color": plotstyle.COLORS["point"]},
         "name": t("generation_entropy_now", lang)},
        {"type": "scatter", "x": [d.temperature], "y": [d.entropy_sampled],
         "mode": "markers", "marker": {"size": 14, "symbol": "diamond", "color": "#111"},
         "name": t("generation_entropy_cut", lang)},
    ]
    layout = plotstyle.base_layout(
        t("generation_entropy_title", lang, h=fmt(d.entropy_sampled, 2)),
        t("generation_entropy_x", lang), t("generation_entropy_y", lang), height=400)
    layout["xaxis"]["range"] = [0, TEMPERATURE_MAX + 0.05]
    layout["legend"] = {"orientation": "h", "y": -0.3, "x": 0, "xanchor": "left"}
    layout["margin"] = {"l": 70, "r": 30, "t": 70, "b": 120}
    return plotstyle.figure(data, layout)


def summary(distribution: NextToken, lang: str) -> str:
    """What the sliders did, in words and numbers (Markdown)."""
    d = distribution
    best = show_piece(d.pieces[0])
    lines = []
    if d.greedy:
        lines.append(t("generation_summary_greedy", lang, token=best))
    else:
        lines.append(t("generation_summary_temperature", lang, T=fmt(d.temperature, 2), token=best,
                       p1=f"{100 * d.original[0]:.1f}", p2=f"{100 * d.tempered[0]:.1f}"))
    lines.append(t("generation_summary_entropy", lang, h1=fmt(d.entropy_original, 2),
                   h2=fmt(d.entropy_tempered, 2), h3=fmt(d.entropy_sampled, 2),
                   T=fmt(d.temperature, 2)))
    if not d.greedy:
        k_text = (t("generation_summary_k", lang, k=d.top_k, kept=count(d.kept_by_k, lang),
                    vocab=count(d.vocab_size, lang)) if d.top_k
                  else t("generation_summary_k_off", lang, vocab=count(d.vocab_size, lang)))
        p_text = (t("generation_summary_p", lang, p=fmt(d.top_p, 2), kept=count(d.kept, lang),
                    mass=f"{100 * d.kept_mass:.1f}") if d.top_p < 1
                  else t("generation_summary_p_off", lang))
        lines.append(f"{k_text} {p_text}")
    return "\n\n".join(lines)


def choices(distribution: NextToken) -> list[tuple[str, int]]:
    """The bars as choices to append: ('1. «␣la» 6.4%', token id)."""
    d = distribution
    return [(f"{i + 1}. «{show_piece(p)}» {100 * o:.1f}%", int(tid))
            for i, (p, o, tid) in enumerate(zip(d.pieces, d.original, d.top_ids))]


# --- text as chips coloured by probability ----------------------------------------------------

def _chip_color(p: float) -> str:
    return next(color for low, color, _ in CHIP_BINS if p >= low)


def chips_html(pieces: list[str], probs: list[float | None], n_prompt: int, lang: str,
               sampled: list[float | None] | None = None, legend: bool = True) -> str:
    """Text as token chips: the prompt grey, each new token coloured by its probability."""
    spans = []
    for i, piece in enumerate(pieces):
        text = piece.replace("\n", "↵\n") if piece else "⋯"
        if i < n_prompt:
            spans.append(chips.chip(text, classes="tok-prompt", color=PROMPT_CHIP))
            continue
        p = probs[i - n_prompt]
        tip = t("generation_chip_tip", lang, p=f"{100 * p:.2f}")
        q = sampled[i - n_prompt] if sampled else None
        if q is not None:
            tip += " · " + t("generation_chip_tip_sampled", lang, p=f"{100 * q:.2f}")
        spans.append(chips.chip(text, color=_chip_color(p), title=tip, p=p))
    text = chips.text_html(spans)
    return text + chips_legend(lang) if legend else text


def chips_legend(lang: str) -> str:
    bins = " ".join(chips.chip(t(key, lang), color=color) for _, color, key in CHIP_BINS)
    prompt = chips.chip(t("generation_chip_prompt", lang), classes="tok-prompt", color=PROMPT_CHIP)
    return (f'<div class="tok-legend">{html.escape(t("generation_chip_legend", lang))} '
            f'{bins} {prompt}</div>')


def steps_view(steps: Steps, lang: str) -> tuple[str, str]:
    """(chips HTML of the prompt and the appended tokens, the sequence probability in
    Markdown: the product of the steps and its log). Reads the pieces kept in the steps'
    scores: no tokenizer, no model."""
    scores = steps.scores
    text_chips = chips_html(list(scores.pieces), list(steps.p_model), scores.n_prompt, lang,
                            list(steps.p_sampled))
    if not steps.ids:
        return text_chips, t("generation_steps_none", lang)
    log_p = steps.log_prob()
    factors = [f"{p:.3g}" for p in steps.p_model]
    if len(factors) > 8:
        factors = factors[:4] + ["…"] + factors[-3:]
    text = t("generation_steps_product", lang, n=len(steps.ids), factors=" × ".join(factors),
             P=sci(log_p / math.log(10)), logp=fmt(log_p, 3), per_token=fmt(log_p / len(steps.ids), 3))
    return text_chips, text


# --- streamed text and the four samples side by side ------------------------------------------

def stream_view(prompt: str, tokens, lang: str, elapsed: float | None = None,
                model: str = MODEL) -> tuple[str, str]:
    """(chips HTML of a streamed generation, a status line)."""
    lm = backends.get(model)
    prompt_ids = encode_prompt(prompt, model)
    ids = [tok.token_id for tok in tokens]
    pieces = readable_pieces(lm, prompt_ids + tuple(ids))
    text_chips = chips_html(pieces, [tok.prob for tok in tokens], len(prompt_ids), lang)
    status = f"{backends.title(model)} · " + t("generation_stream_status", lang, n=len(tokens))
    if elapsed and tokens:
        status += " · " + t("generation_stream_speed", lang, rate=f"{len(tokens) / elapsed:.1f}")
    if tokens and tokens[-1].token_id in lm.eos_ids:
        status += " · " + t("generation_stream_eos", lang)
    return text_chips, status


def compare_html(prompt: str, runs, lang: str, model: str = MODEL) -> str:
    """The four samples side by side, a card each, titled with temperature and seed."""
    lm = backends.get(model)
    cards = []
    for temp, seed, tokens in runs:
        pieces = readable_pieces(lm, [tok.token_id for tok in tokens])
        body = chips_html(pieces, [tok.prob for tok in tokens], 0, lang, legend=False)
        title = (t("generation_compare_card_greedy", lang, seed=seed) if temp == 0
                 else t("generation_compare_card", lang, T=fmt(temp, 2), seed=seed))
        cards.append(f'<div class="gen-card"><div class="gen-card-title">{html.escape(title)}</div>'
                     f'{body}</div>')
    head = f'<div class="gen-card-prompt">{html.escape(backends.title(model))}: {html.escape(prompt)} …</div>'
    return f'{head}<div class="gen-grid">{"".join(cards)}</div>{chips_legend(lang)}'
