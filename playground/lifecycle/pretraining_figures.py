"""Pictures and words for the Pre-training tab: the loss curves against the counting
baselines, the samples' gallery, the status lines, the attention of the model in training
(the Attention tab's figure, reused), and learned positions against RoPE.

Pure functions of a pretraining.Frame (or Comparison) and the visitor's language.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import typed_array
from playground.lifecycle.pretraining_config import (CONTEXT_FACTORS, MAX_STEPS, RUN_SECONDS,
                                                     SAMPLE_STEPS)
from playground.text import attention_figures

if TYPE_CHECKING:                       # annotations only: the figures need no torch
    from playground.lifecycle.pretraining import Comparison, Frame

MAX_CURVE_POINTS = 600
COLORS = {"train": plotstyle.COLORS["train"], "val": plotstyle.COLORS["test"],
          "unigram": "#6b7280", "bigram": "#b91c1c", "learned": "#1f77b4", "rope": "#2ca02c"}


def _thin(steps, values, n: int = MAX_CURVE_POINTS):
    steps, values = np.asarray(steps, float), np.asarray(values, float)
    if len(steps) > n:
        keep = np.unique(np.linspace(0, len(steps) - 1, n).round().astype(int))
        steps, values = steps[keep], values[keep]
    return typed_array(steps), typed_array(values)


def _baseline(value: float, name: str, color: str, x_end: float) -> dict:
    return {"type": "scatter", "mode": "lines", "x": [0, x_end], "y": [value, value], "name": name,
            "line": {"color": color, "dash": "dash", "width": 2.5}, "hoverinfo": "name+y"}


def unit(kind: str, lang: str) -> str:
    return t(f"pretraining_unit_{kind}", lang)


def loss_figure(frame: Frame, lang: str):
    """Training and validation loss against steps, with the unigram and bigram lines."""
    h = frame.history
    x_end = max(10, h["step"][-1] if h["step"] else 0)
    traces = []
    for split in ("train", "val"):
        x, y = _thin(h["step"], h[split])
        traces.append({"type": "scatter", "mode": "lines", "x": x, "y": y,
                       "name": t(f"pretraining_curve_{split}", lang),
                       "line": {"color": COLORS[split], "width": 3}})
    traces.append(_baseline(frame.unigram, t("pretraining_baseline_unigram", lang,
                                             loss=plotstyle.fmt(frame.unigram, 2)),
                            COLORS["unigram"], x_end))
    traces.append(_baseline(frame.bigram, t("pretraining_baseline_bigram", lang,
                                            loss=plotstyle.fmt(frame.bigram, 2)),
                            COLORS["bigram"], x_end))
    layout = plotstyle.base_layout(t("pretraining_loss_title", lang, step=frame.step),
                                   t("pretraining_axis_steps", lang),
                                   t("pretraining_axis_loss", lang, unit=unit(frame.tokens_kind, lang)),
                                   height=460)
    top = max(h["val"][:1] + h["train"][:1] + [frame.unigram]) * 1.05
    layout["yaxis"]["range"] = [0, top]
    layout["xaxis"]["range"] = [0, x_end]
    layout["legend"] = {"x": 0.99, "xanchor": "right", "y": 0.99, "yanchor": "top",
                        "bgcolor": "rgba(255,255,255,0.85)"}
    return plotstyle.figure(traces, layout)


def attention_figure(frame: Frame, layer: int, lang: str):
    """Every head of one layer on the prompt: the Attention tab's small multiples."""
    if frame.attention is None:
        return None
    layer = int(min(max(1, layer), frame.attention.n_layers))
    fig = attention_figures.heads_figure(frame.attention, layer, 1, lang)
    fig.layout.title.text = t("pretraining_attention_title", lang, layer=layer,
                              layers=frame.attention.n_layers, step=frame.step)
    return fig


def samples_markdown(frame: Frame, lang: str) -> str:
    """The gallery: the same prompt continued after 0, 100, 500 and 2,000 steps."""
    parts = [t("pretraining_samples_heading", lang, prompt=html.escape(frame.config.prompt),
               temperature=plotstyle.fmt(frame.config.temperature, 2))]
    for step in sorted(set(SAMPLE_STEPS) | set(frame.samples)):
        text = frame.samples.get(step)
        title = t("pretraining_sample_after", lang, step=f"{step:,}")
        body = (html.escape(text).replace("\n", "↵<br>") if text is not None
                else f"<i>{t('pretraining_sample_pending', lang)}</i>")
        parts.append(f"<div class='pretraining-sample'><b>{title}</b><br>"
                     f"<span style='font-family:ui-monospace,monospace'>{body}</span></div>")
    return "\n".join(parts)


def status_text(frame: Frame, lang: str) -> str:
    h = frame.history
    text = t("pretraining_status", lang, step=f"{frame.step:,}",
             train=plotstyle.fmt(h["train"][-1], 3), val=plotstyle.fmt(h["val"][-1], 3),
             bigram=plotstyle.fmt(frame.bigram, 3), params=f"{frame.n_params:,}",
             rate=f"{frame.tokens_per_second:,.0f}", unit=unit(frame.tokens_kind, lang))
    if frame.run_steps:
        text += " · " + t("pretraining_status_run", lang, steps=f"{frame.run_steps:,}",
                          seconds=f"{frame.run_seconds:.1f}")
    return text


RUN_STATES = ("ready", "running", "paused", "stopped_steps", "stopped_seconds", "loaded")


def run_text(lang: str, state: str, step: int = 0) -> str:
    return t(f"pretraining_run_{state}", lang, step=f"{step:,}", seconds=RUN_SECONDS,
             steps=f"{MAX_STEPS:,}")


# --- learned positions against RoPE ----------------------------------------------------------

def compare_figure(result: Comparison, lang: str):
    """Left: the validation loss of both runs against steps. Right: each model's loss on
    contexts 1x, 2x, 4x the training context."""
    traces = []
    for positions, curve in result.curves.items():
        x, y = _thin(curve["step"], curve["val"])
        traces.append({"type": "scatter", "mode": "lines", "x": x, "y": y,
                       "name": t(f"pretraining_positions_{positions}", lang),
                       "legendgroup": positions, "line": {"color": COLORS[positions], "width": 3}})
    x_end = max([max(c["step"]) for c in result.curves.values()] + [10])
    bigram = _baseline(result.bigram, t("pretraining_baseline_bigram", lang,
                                        loss=plotstyle.fmt(result.bigram, 2)), COLORS["bigram"], x_end)
    if result.curves:                   # before any run: the axes, titled, and nothing drawn
        traces.append(bigram)
    contexts = [f"{f * result.block_size}" for f in CONTEXT_FACTORS]
    for positions, losses in result.long_context.items():
        traces.append({"type": "bar", "x": contexts, "y": [round(v, 3) for v in losses],
                       "name": t(f"pretraining_positions_{positions}", lang), "showlegend": False,
                       "legendgroup": positions, "marker": {"color": COLORS[positions]},
                       "text": [plotstyle.fmt(v, 2) for v in losses], "textposition": "outside",
                       "xaxis": "x2", "yaxis": "y2"})
    layout = plotstyle.base_layout(t("pretraining_compare_title", lang),
                                   t("pretraining_axis_steps", lang),
                                   t("pretraining_axis_val_loss", lang), height=480)
    layout["xaxis"].update(domain=[0, 0.55], range=[0, x_end])
    layout["yaxis"]["rangemode"] = "tozero"
    layout["xaxis2"] = {**plotstyle.AXIS, "domain": [0.65, 1], "anchor": "y2", "type": "category",
                        "title": {"text": t("pretraining_axis_context", lang,
                                            block=result.block_size)}}
    layout["yaxis2"] = {**plotstyle.AXIS, "anchor": "x2", "rangemode": "tozero",
                        "title": {"text": t("pretraining_axis_val_loss", lang)}}
    layout["barmode"] = "group"
    layout["margin"] = {"l": 70, "r": 30, "t": 110, "b": 70}
    layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}
    return plotstyle.figure(traces, layout)


def compare_text(result: Comparison, lang: str) -> str:
    if not result.done or len(result.long_context) < 2:
        return t("pretraining_compare_running", lang)
    learned, rope = result.long_context["learned"], result.long_context["rope"]
    return t("pretraining_compare_result", lang, block=result.block_size,
             long=CONTEXT_FACTORS[-1] * result.block_size,
             learned=plotstyle.fmt(learned[-1], 2), rope=plotstyle.fmt(rope[-1], 2),
             learned1=plotstyle.fmt(learned[0], 2), rope1=plotstyle.fmt(rope[0], 2))
