"""Figures of classification fine-tuning: the curves while it trains, the comparison, the
confusion matrix, the test texts' embeddings before and after (PCA), a sentence's
probabilities. Plain plotly dicts (playground.core.plotstyle), titles in the visitor's language."""
from __future__ import annotations

import numpy as np

from playground.core.i18n import t
from playground.core.plotstyle import base_layout, figure, fmt
from playground.text.embeddings import pca

# One colour per variant, the same in every figure.
COLORS = {"frozen": "#1f77b4", "multilingual": "#2ca02c", "top": "#d62728", "lora": "#9467bd"}
LABEL_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
HEIGHT = 420


def variant_name(variant: str, lang: str) -> str:
    return t(f"pt_variant_{variant}", lang)


def label_names(labels, lang: str) -> list[str]:
    return [t(f"pt_label_{label}", lang) for label in labels]


def curves(results: dict, n_labels: int, lang: str):
    """(loss per step, test accuracy per epoch): one line per variant trained so far."""
    loss, accuracy = [], []
    for variant, r in results.items():
        style = {"name": variant_name(variant, lang), "line": {"color": COLORS[variant], "width": 3}}
        if r.steps:
            steps, values = zip(*r.steps)
            loss.append({"type": "scatter", "mode": "lines", "x": list(steps), "y": list(values),
                         **style})
        epochs, acc = zip(*r.epochs) if r.epochs else ((), ())
        accuracy.append({"type": "scatter", "mode": "lines+markers", "x": list(epochs),
                         "y": [100 * a for a in acc], **style})
    loss_layout = base_layout(t("pt_loss_title", lang), t("pt_step", lang), t("pt_loss", lang), HEIGHT)
    loss_layout["yaxis"]["rangemode"] = "tozero"
    acc_layout = base_layout(t("pt_accuracy_title", lang), t("pt_epoch", lang),
                             t("pt_accuracy", lang), HEIGHT)
    acc_layout["yaxis"]["range"] = [0, 102]
    chance = 100 / n_labels
    acc_layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": chance,
                             "y1": chance, "line": {"dash": "dot", "color": "#6b7280"}}]
    acc_layout["annotations"] = [{"xref": "paper", "x": 1, "y": chance, "xanchor": "right",
                                  "yanchor": "bottom", "showarrow": False,
                                  "text": t("pt_chance", lang), "font": {"color": "#6b7280"}}]
    for layout in (loss_layout, acc_layout):
        layout["legend"].update(y=-0.25, yanchor="top", x=0, xanchor="left")
        layout["margin"]["b"] = 110
    return figure(loss, loss_layout), figure(accuracy, acc_layout)


def summary(results: dict, encoder_parameters: int, lang: str) -> str:
    """A Markdown table: each variant's test accuracy and cost."""
    rows = [f"| {t('pt_col_variant', lang)} | {t('pt_col_accuracy', lang)} | "
            f"{t('pt_col_seconds', lang)} | {t('pt_col_trainable', lang)} |", "|---|---:|---:|---:|"]
    for variant, r in results.items():
        share = 100 * r.trainable / encoder_parameters
        state = "" if r.done else " …"
        rows.append(f"| {variant_name(variant, lang)}{state} | {100 * r.accuracy:.1f} % | "
                    f"{r.seconds:.2f} | {r.trainable:,} ({fmt(share, 3)} %) |")
    return "\n".join(rows)


def confusion(result, test_y, labels, lang: str):
    """Counts of (true label, predicted label) on the test split, as a heatmap."""
    names = label_names(labels, lang)
    n = len(labels)
    counts = np.zeros((n, n), int)
    if result is not None and result.predictions is not None:
        np.add.at(counts, (np.asarray(test_y), result.predictions), 1)
    title = t("pt_confusion_title", lang,
              variant=variant_name(result.variant, lang) if result else "")
    layout = base_layout(title, t("pt_predicted", lang), t("pt_true", lang), HEIGHT)
    layout["yaxis"].update(autorange="reversed", tickvals=list(range(n)), ticktext=names)
    layout["xaxis"].update(tickvals=list(range(n)), ticktext=names, side="bottom")
    text = [[str(v) for v in row] for row in counts]
    trace = {"type": "heatmap", "z": counts.tolist(), "x": list(range(n)), "y": list(range(n)),
             "text": text, "texttemplate": "%{text}", "textfont": {"size": 20},
             "colorscale": [[0, "#f7fbff"], [0.5, "#6baed6"], [1, "#08306b"]], "showscale": False, "hoverinfo": "skip"}
    return figure([trace], layout)


def embedding_map(before, after, test_y, labels, variant: str | None, lang: str):
    """The test texts' sentence embeddings, each set drawn on its own 2 principal components:
    frozen MiniLM on the left, the chosen variant after training on the right."""
    names = label_names(labels, lang)
    data = []
    panels = [("x", "y", before), ("x2", "y2", after)]
    for xa, ya, points in panels:
        if points is None or len(points) < 3:
            continue
        xy = pca(np.asarray(points, np.float64), 2).projections
        for i, name in enumerate(names):
            rows = np.asarray(test_y) == i
            data.append({"type": "scatter", "mode": "markers", "x": xy[rows, 0].tolist(),
                         "y": xy[rows, 1].tolist(), "xaxis": xa, "yaxis": ya, "name": name,
                         "legendgroup": name, "showlegend": xa == "x",
                         "marker": {"size": 11, "color": LABEL_COLORS[i % len(LABEL_COLORS)]}})
    layout = base_layout(t("pt_map_title", lang), None, None, HEIGHT + 40)
    after_name = variant_name(variant, lang) if variant else "—"
    layout.update(
        xaxis={"domain": [0, 0.47], "title": {"text": "PC1"}, "zeroline": False},
        yaxis={"title": {"text": "PC2"}, "zeroline": False},
        xaxis2={"domain": [0.53, 1], "title": {"text": "PC1"}, "zeroline": False},
        yaxis2={"anchor": "x2", "zeroline": False},
        annotations=[
            {"xref": "paper", "yref": "paper", "x": 0.0, "y": 1.0, "yanchor": "bottom",
             "showarrow": False, "text": t("pt_map_before", lang)},
            {"xref": "paper", "yref": "paper", "x": 0.53, "y": 1.0, "yanchor": "bottom",
             "showarrow": False, "text": t("pt_map_after", lang, variant=after_name)}])
    layout["legend"].update(y=-0.3, yanchor="top", x=0, xanchor="left")
    layout["margin"].update(t=100, b=120)
    return figure(data, layout)


def probabilities(probs: dict, labels, lang: str):
    """P(label | the visitor's sentence), grouped by label, one bar per trained variant."""
    names = label_names(labels, lang)
    data = [{"type": "bar", "x": names, "y": [100 * float(p) for p in ps],
             "name": variant_name(v, lang), "marker": {"color": COLORS[v]},
             "text": [f"{100 * float(p):.0f} %" for p in ps], "textposition": "outside"}
            for v, ps in probs.items()]
    layout = base_layout(t("pt_probs_title", lang), None, t("pt_probability", lang), HEIGHT)
    layout.update(barmode="group")
    layout["yaxis"]["range"] = [0, 115]
    layout["legend"].update(y=-0.2, yanchor="top", x=0, xanchor="left")
    layout["margin"]["b"] = 110
    return figure(data, layout)
