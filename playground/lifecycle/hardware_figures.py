"""The hardware calculator's picture and verdict, in the visitor's language."""
from __future__ import annotations

import plotly.graph_objects as go

from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import fmt
from playground.lifecycle.hardware import GIB, Estimate, Model

PARTS = (("weights", "#1f77b4"), ("kv_cache", "#ff7f0e"), ("activations", "#2ca02c"))


def memory_figure(model: Model, fmt_name: str, e: Estimate, memory_gib: float, lang: str) -> go.Figure:
    """One stacked bar (weights, KV cache, activations, in GiB) against the machine's memory."""
    span = max(e.total / GIB, memory_gib)
    traces = [{"type": "bar", "orientation": "h", "y": [model.name], "x": [getattr(e, part) / GIB],
               "name": t(f"hardware_{part}", lang), "marker": {"color": color},
               "text": [f"{fmt(getattr(e, part) / GIB, 2)} GiB"], "insidetextanchor": "middle",
               "textangle": 0,      # a thin part keeps its number in the hover, not sideways
               "textposition": "inside" if getattr(e, part) / GIB > 0.12 * span else "none",
               "hovertemplate": "%{x:.2f} GiB<extra>" + t(f"hardware_{part}", lang) + "</extra>"}
              for part, color in PARTS]
    title = t("hardware_figure_title", lang, model=model.name, fmt=fmt_name)
    layout = plotstyle.base_layout(title, t("hardware_axis_gib", lang), None, height=300)
    layout["barmode"] = "stack"
    layout["xaxis"]["range"] = [0, span * 1.12]
    layout["legend"]["traceorder"] = "normal"
    layout["shapes"] = [{"type": "line", "x0": memory_gib, "x1": memory_gib, "y0": -0.5, "y1": 0.5,
                         "line": {"color": "#d62728", "width": 4, "dash": "dash"}}]
    layout["annotations"] = [{"x": memory_gib, "y": 0.5, "yanchor": "bottom", "showarrow": False,
                              "text": t("hardware_memory_line", lang, gib=fmt(memory_gib, 0)),
                              "font": {"color": "#d62728"}}]
    return plotstyle.figure(traces, layout)


def verdict(model: Model, e: Estimate, memory_gib: float, bandwidth_gbs: float, lang: str) -> str:
    """Markdown: does it fit, the bytes behind each part, and the speed bound."""
    key = "hardware_fits" if e.fits(memory_gib) else "hardware_does_not_fit"
    lines = [t(key, lang, total=fmt(e.total / GIB, 2), memory=fmt(memory_gib, 0)),
             t("hardware_parts", lang, weights=fmt(e.weights / GIB, 2), kv=fmt(e.kv_cache / GIB, 3),
               acts=fmt(e.activations / GIB, 3))]
    if e.tokens_per_s:
        lines.append(t("hardware_speed", lang, speed=fmt(e.tokens_per_s, 1), bandwidth=fmt(bandwidth_gbs, 0)))
    if model.active_params:
        lines.append(t("hardware_moe", lang, total=fmt(model.params / 1e9, 1), active=fmt(model.active / 1e9, 1)))
    return "\n\n".join(lines)


def quantization_figure(rows, lang: str) -> go.Figure:
    """Perplexity (log scale) for float32 and each number of bits, each point labelled with the
    model's size."""
    xs = [t("quant_float32", lang) if r.bits is None else f"{r.bits} bits" for r in rows]
    traces = [{"type": "scatter", "mode": "lines+markers+text", "x": xs, "y": [r.perplexity for r in rows],
               "text": [f"{fmt(r.megabytes, 0)} MB" for r in rows], "textposition": "top center",
               "customdata": [r.bits_per_weight for r in rows],
               "marker": {"size": 12, "color": plotstyle.COLORS["line"]},
               "line": {"width": 3, "color": plotstyle.COLORS["line"]}, "name": t("quant_perplexity", lang),
               "hovertemplate": "%{x} (%{customdata} " + t("quant_col_cost", lang) + "), %{text}<br>"
                                + t("quant_perplexity", lang) + " %{y:.1f}<extra></extra>"}]
    layout = plotstyle.base_layout(t("quant_title", lang), t("quant_axis_bits", lang),
                                   t("quant_perplexity_log", lang), height=460)
    layout["yaxis"]["type"] = "log"
    layout["xaxis"]["type"] = "category"
    layout["showlegend"] = False
    return plotstyle.figure(traces, layout)


def quantization_table(rows, lang: str) -> str:
    """Markdown: bits, bits per weight, size, perplexity and the greedy sample of each row."""
    head = "| " + " | ".join(t(k, lang) for k in ("quant_col_bits", "quant_col_cost", "quant_col_size",
                                                   "quant_perplexity", "quant_col_sample")) + " |"
    lines = [head, "|" + "---|" * 5]
    for r in rows:
        sample = r.sample.replace("\n", " ").replace("|", "¦").strip()
        name = t("quant_float32", lang) if r.bits is None else str(r.bits)
        lines.append(f"| {name} | {fmt(r.bits_per_weight, 2)} | {fmt(r.megabytes, 0)} MB | "
                      f"{fmt(r.perplexity, 1)} | {sample} |")
    return "\n".join(lines)
