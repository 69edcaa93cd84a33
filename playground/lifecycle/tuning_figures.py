"""Figures and text of post-training live (`tuning_live`): the loss step by step, DPO's margin."""
from __future__ import annotations

import html

import plotly.graph_objects as go

from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import fmt
from playground.lifecycle.tuning_live import Snapshot


def loss_figure(snap: Snapshot | None, kind: str, lang: str) -> go.Figure:
    """The loss per step (SFT: answer cross-entropy; DPO: -log sigmoid(margin)), and for DPO the
    reward margin on a second axis."""
    steps = list(range(1, len(snap.losses) + 1)) if snap else []
    traces = [{"type": "scatter", "mode": "lines+markers", "x": steps, "y": snap.losses if snap else [],
               "name": t(f"tuning_loss_{kind}", lang), "line": {"width": 3, "color": plotstyle.COLORS["line"]}}]
    layout = plotstyle.base_layout(t(f"tuning_title_{kind}", lang), t("tuning_step", lang),
                                   t(f"tuning_loss_{kind}", lang), height=420)
    layout["yaxis"]["rangemode"] = "tozero"
    if kind == "dpo":
        traces.append({"type": "scatter", "mode": "lines", "x": steps, "y": snap.margins if snap else [],
                       "name": t("tuning_margin", lang), "yaxis": "y2",
                       "line": {"width": 3, "dash": "dash", "color": plotstyle.COLORS["point"]}})
        layout["yaxis2"] = {**plotstyle.AXIS, "overlaying": "y", "side": "right", "showgrid": False,
                            "title": {"text": t("tuning_margin", lang)}}
    layout["xaxis"]["range"] = [0, max(snap.steps if snap else 1, 1) + 0.5]
    return plotstyle.figure(traces, layout)


def status_text(snap: Snapshot, lang: str) -> str:
    """Markdown: what trains, where the run is, and what it measured at the end."""
    lines = [t("tuning_status_params", lang, trainable=f"{snap.trainable:,}".replace(",", "\u202f"),
               total=f"{snap.total:,}".replace(",", "\u202f"), share=fmt(100 * snap.trainable / snap.total, 2)),
             t("tuning_status_step", lang, step=snap.step, steps=snap.steps, seconds=fmt(snap.seconds, 1))
             if snap.steps else t("tuning_shipped_info", lang)]
    if snap.done and snap.held_out is not None:
        before, after = snap.held_out
        if snap.kind == "sft":
            lines.append(t("tuning_status_sft_done", lang, before=fmt(before, 3), after=fmt(after, 3)))
        else:
            lines.append(t("tuning_status_dpo_done", lang, before=fmt(100 * before, 0), after=fmt(100 * after, 0)))
    return "\n\n".join(lines)


def answers_html(snap: Snapshot, lang: str) -> str:
    """The fixed question's answer before and after tuning, side by side."""
    after = snap.after if snap.after is not None else t("tuning_after_pending", lang)
    cells = "".join(f'<div class="tuning-answer"><b>{html.escape(t(key, lang))}</b><p>{html.escape(text)}</p></div>'
                    for key, text in (("tuning_before", snap.before), ("tuning_after", after)))
    return (f'<div class="tuning-question">{html.escape(t("tuning_question_label", lang))}: '
            f'<i>{html.escape(snap.question)}</i></div><div class="tuning-answers">{cells}</div>')


def comparison_html(c, lang: str) -> str:
    """Base against instruction-tuned (`tuning_live.Comparison`): three answers side by side,
    then the exact text the two chat runs receive."""
    cells = "".join(f'<div class="tuning-answer"><b>{html.escape(t(key, lang))}</b><p>{html.escape(text)}</p></div>'
                    for key, text in (("tuning_col_completion", c.completion),
                                      ("tuning_col_base_chat", c.base_chat),
                                      ("tuning_col_tuned", c.tuned_chat)))
    return (f'<div class="tuning-answers tuning-three">{cells}</div>'
            f'<div class="tuning-question">{html.escape(t("tuning_template_label", lang))}</div>'
            f'<pre class="tuning-template">{html.escape(c.template)}</pre>')
