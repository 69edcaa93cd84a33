"""Figures of the reward model: its training loss, each held-out pair's margin, best-of-n's
scores. Plain plotly dicts (playground.core.plotstyle), titles in the visitor's language."""
from __future__ import annotations

import numpy as np

from playground.core.i18n import t
from playground.core.plotstyle import base_layout, figure, fmt

HEIGHT = 420
GOOD, BAD = "#2ca02c", "#d62728"


def loss_curve(losses, lang: str):
    data = [{"type": "scatter", "mode": "lines", "x": list(range(1, len(losses) + 1)),
             "y": list(losses), "line": {"color": "#1f77b4", "width": 3},
             "name": t("pt_loss", lang)}]
    layout = base_layout(t("pt_reward_loss_title", lang), t("pt_reward_step", lang), t("pt_loss", lang), HEIGHT)
    layout["yaxis"]["rangemode"] = "tozero"
    layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": float(np.log(2)),
                         "y1": float(np.log(2)), "line": {"dash": "dot", "color": "#6b7280"}}]
    layout["annotations"] = [{"xref": "paper", "x": 1, "y": float(np.log(2)), "xanchor": "right",
                              "yanchor": "bottom", "showarrow": False, "text": "log 2",
                              "font": {"color": "#6b7280"}}]
    layout["showlegend"] = False
    return figure(data, layout)


def margins(pairs, values, lang: str):
    """r_chosen - r_rejected for each held-out pair: green if it prefers the chosen answer."""
    values = np.asarray(values, float)
    labels = [f"{i + 1}. {t('pt_kind_' + p.kind, lang)} ({p.lang})" for i, p in enumerate(pairs)]
    hover = [f"{p.prompt}<br>✔ {p.chosen[:70]}<br>✘ {p.rejected[:70]}" for p in pairs]
    data = [{"type": "bar", "orientation": "h", "y": list(range(len(pairs))), "x": values.tolist(),
             "marker": {"color": [GOOD if v > 0 else BAD for v in values]},
             "hovertext": hover, "hoverinfo": "text+x"}]
    title = t("pt_margins_title", lang, share=fmt(100 * float((values > 0).mean()), 1))
    layout = base_layout(title, t("pt_margin_axis", lang), None, max(HEIGHT, 60 + 30 * len(pairs)))
    layout["yaxis"].update(tickvals=list(range(len(pairs))), ticktext=labels, autorange="reversed",
                           tickfont={"size": 14})
    layout["showlegend"] = False
    return figure(data, layout)


def candidate_scores(candidates, scores, best: int, lang: str):
    """Best-of-n: each candidate's reward; the chosen one in green."""
    scores = np.asarray(scores, float)
    labels = [f"{i + 1}" for i in range(len(candidates))]
    data = [{"type": "bar", "orientation": "h", "y": labels, "x": scores.tolist(),
             "marker": {"color": [GOOD if i == best else "#9ca3af" for i in range(len(scores))]},
             "text": [fmt(s, 2) for s in scores], "textposition": "auto",
             "hovertext": [c[:120] for c in candidates], "hoverinfo": "text+x"}]
    layout = base_layout(t("pt_bon_title", lang, best=best + 1), t("pt_reward_axis", lang),
                         t("pt_candidate", lang), HEIGHT)
    layout["yaxis"]["autorange"] = "reversed"
    layout["showlegend"] = False
    return figure(data, layout)
