"""Pictures of a mixture of experts learning (`lifecycle.moe`): the two loss curves, the
experts' load over time, where each kind of character goes, and a sentence coloured by expert."""
from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import fmt, typed_array
from playground.lifecycle.moe import CLASSES, Snapshot

EXPERT_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _smooth(values: list[float], window: int = 10) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if len(v) < window:
        return v
    return np.convolve(v, np.ones(window) / window, mode="valid")


def loss_figure(snap: Snapshot | None, lang: str) -> go.Figure:
    traces = []
    for key, color, dash in (("dense", plotstyle.COLORS["line"], "solid"), ("moe", "#d62728", "solid")):
        values = _smooth(getattr(snap, f"{key}_loss")) if snap else np.array([])
        steps = np.arange(len(values)) + (len(getattr(snap, f"{key}_loss")) - len(values) + 1 if snap else 1)
        traces.append({"type": "scatter", "mode": "lines", "x": typed_array(steps.astype(np.float32)),
                       "y": typed_array(values.astype(np.float32)), "name": t(f"moe_curve_{key}", lang),
                       "line": {"width": 3, "color": color, "dash": dash}})
    layout = plotstyle.base_layout(t("moe_loss_title", lang), t("moe_step", lang), t("moe_loss_axis", lang), height=400)
    layout["legend"] = {"x": 0.98, "xanchor": "right", "y": 0.98, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.8)"}
    return plotstyle.figure(traces, layout)


def load_figure(snap: Snapshot | None, lang: str) -> go.Figure:
    """Each expert's share of the tokens, step by step (stacked to 100 %)."""
    load = np.asarray(snap.load) if snap and snap.load else np.zeros((0, 4))
    steps = np.arange(1, len(load) + 1, dtype=np.float32)
    traces = [{"type": "scatter", "mode": "lines", "stackgroup": "load", "x": typed_array(steps),
               "y": typed_array((100 * _smooth(load[:, e].tolist(), 5)).astype(np.float32)) if len(load) >= 5
               else typed_array((100 * load[:, e]).astype(np.float32)),
               "name": t("moe_expert", lang, n=e + 1), "line": {"width": 0.5, "color": EXPERT_COLORS[e % 8]}}
              for e in range(load.shape[1])]
    layout = plotstyle.base_layout(t("moe_load_title", lang), t("moe_step", lang), t("moe_load_axis", lang), height=400)
    layout["yaxis"]["range"] = [0, 100]
    layout["legend"] = {"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0, "xanchor": "left"}
    layout["margin"] = {**layout["margin"], "b": 110}
    return plotstyle.figure(traces, layout)


def routing_figure(snap: Snapshot | None, lang: str) -> go.Figure:
    """Heatmap: kinds of characters (rows) against experts (columns), the share routed."""
    table = snap.routing if snap is not None and snap.routing is not None else np.zeros((len(CLASSES), 4))
    rows = [i for i in range(len(CLASSES)) if table[i].sum() > 0] or list(range(len(CLASSES)))
    z = (100 * table[rows]).round(0)
    traces = [{"type": "heatmap", "z": z.tolist(), "x": [t("moe_expert", lang, n=e + 1) for e in range(table.shape[1])],
               "y": [t(f"moe_class_{CLASSES[i]}", lang) for i in rows], "colorscale": [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]], "zmin": 0, "zmax": 100,
               "text": [[f"{int(v)} %" for v in row] for row in z], "texttemplate": "%{text}",
               "colorbar": {"title": {"text": "%"}}}]
    layout = plotstyle.base_layout(t("moe_routing_title", lang), None, None, height=380)
    layout["yaxis"]["autorange"] = "reversed"
    return plotstyle.figure(traces, layout)


def sentence_html(snap: Snapshot | None, pieces: list[str], lang: str) -> str:
    """The fixed sentence, each character on its expert's colour."""
    if snap is None or not snap.sentence_experts:
        return ""
    spans = "".join(f'<span class="moe-char" style="background:{EXPERT_COLORS[e % 8]}33;'
                    f'border-bottom:3px solid {EXPERT_COLORS[e % 8]}" title="{html.escape(t("moe_expert", lang, n=e + 1))}">'
                    f'{html.escape(p) if p.strip() else "&nbsp;"}</span>'
                    for p, e in zip(pieces, snap.sentence_experts))
    return f'<div class="moe-sentence-head">{html.escape(t("moe_sentence_head", lang))}</div><div class="moe-sentence">{spans}</div>'


def status_text(snap: Snapshot, lang: str) -> str:
    p = snap.params
    lines = [t("moe_params", lang, dense=f"{p['dense']:,}", total=f"{p['moe_total']:,}", active=f"{p['moe_active']:,}")]
    if snap.dense_loss:
        n = min(20, len(snap.dense_loss))
        lines.append(t("moe_status", lang, step=snap.step, seconds=fmt(snap.seconds, 1),
                       dense=fmt(float(np.mean(snap.dense_loss[-n:])), 3), moe=fmt(float(np.mean(snap.moe_loss[-n:])), 3),
                       busiest=fmt(100 * max(np.mean(np.asarray(snap.load[-n:]), axis=0)), 0)))
    if snap.done:
        lines.append(t("moe_done", lang))
    return "\n\n".join(lines)
