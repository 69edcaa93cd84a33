"""What the RAG tab draws: the chunks on the text, the results of each method side by side,
the map of chunks and question (PCA, as in the Embeddings tab), and the recall bars.
HTML is escaped here; figures are plotly dicts in the visitor's language."""
from __future__ import annotations

import html

import numpy as np

from playground.core import plotstyle
from playground.core.i18n import t
from playground.lifecycle.rag import METHODS, Index, Ranking
from playground.text.embeddings import pca
from playground.text.embeddings_figures import axis_titles
from playground.text.sentences import SHORT_TITLES

CHUNK_COLORS = ("#dbeafe", "#fde68a")          # alternate chunks: light blue, light yellow
OVERLAP_COLOR = "#ddd6fe"                      # text two chunks share: violet
DOC_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
              "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173")

CSS = """
.rag-text { white-space: pre-wrap; font-size: 1.05rem; line-height: 1.9rem; max-height: 460px;
            overflow-y: auto; border: 1px solid #d1d5db; border-radius: 0.4rem; padding: 0.6rem; }
.rag-mark { font-size: 0.75rem; font-weight: 700; color: #fff; background: #374151;
            border-radius: 0.6rem; padding: 0 0.3rem; margin-right: 0.15rem; }
.rag-results { width: 100%; border-collapse: collapse; font-size: 0.98rem; table-layout: fixed; }
.rag-results th, .rag-results td { border: 1px solid #d1d5db; padding: 0.35rem; vertical-align: top; }
.rag-results th { background: #f3f4f6; }
.rag-doc { font-weight: 700; color: #1e3a8a; }
.rag-own { background: #fef3c7; }
.rag-score { float: right; color: #6b7280; font-variant-numeric: tabular-nums; }
"""


def chunks_html(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each chunk's background coloured (alternating), the overlaps violet, and
    each chunk's number where it starts."""
    cover = np.zeros(len(text), np.int32)
    last = np.full(len(text), -1)
    for i, (s, e) in enumerate(spans):
        cover[s:e] += 1
        last[s:e] = i
    starts = {s: i for i, (s, _) in enumerate(spans)}
    bounds = sorted({0, len(text), *(s for s, _ in spans), *(e for _, e in spans)})
    parts = []
    for a, b in zip(bounds, bounds[1:]):
        if a in starts:
            parts.append(f'<span class="rag-mark">{starts[a] + 1}</span>')
        piece = html.escape(text[a:b])
        if cover[a] == 0:
            parts.append(piece)
        else:
            color = OVERLAP_COLOR if cover[a] > 1 else CHUNK_COLORS[last[a] % 2]
            parts.append(f'<span style="background:{color}">{piece}</span>')
    return f'<div class="rag-text">{"".join(parts)}</div>'


def _snippet(text: str, n: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


def results_html(index: Index, found: dict[str, Ranking], lang: str) -> str:
    """One column per method, one row per rank: the chunk's document, score and text."""
    head = "".join(f"<th>{html.escape(t(f'rag_method_{m}', lang))}</th>" for m in METHODS)
    k = max(len(r.ids) for r in found.values())
    rows = []
    for rank in range(k):
        cells = []
        for m in METHODS:
            r = found[m]
            if rank >= len(r.ids):
                cells.append("<td></td>")
                continue
            c = index.chunks[int(r.ids[rank])]
            own = ' class="rag-own"' if c.own else ""
            doc = f"<b>{html.escape(c.doc)}</b>" if c.own else html.escape(c.doc)
            cells.append(f'<td{own}><span class="rag-doc">{rank + 1}. {doc}</span>'
                         f'<span class="rag-score">{float(r.scores[rank]):.3f}</span><br>'
                         f"{html.escape(_snippet(c.text))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="rag-results"><tr>{head}</tr>{"".join(rows)}</table>'


def map_figure(index: Index, query: np.ndarray, retrieved: np.ndarray, question: str, lang: str):
    """Chunks (coloured by document) and the question, on the chunks' first two principal
    components; the retrieved chunks ringed."""
    p = pca(index.vectors, 2)
    xy = p.projections
    q = ((query - p.mean) @ p.components.T)
    docs = list(dict.fromkeys(c.doc for c in index.chunks))
    doc_of = np.array([docs.index(c.doc) for c in index.chunks])
    data = []
    for d, name in enumerate(docs):
        ids = np.flatnonzero(doc_of == d)
        data.append({"type": "scatter", "mode": "markers", "name": name, "x": xy[ids, 0], "y": xy[ids, 1],
                     "marker": {"size": 11, "color": DOC_COLORS[d % len(DOC_COLORS)], "opacity": 0.75},
                     "customdata": [[name, _snippet(index.chunks[i].text, 120)] for i in ids],
                     "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<extra></extra>"})
    ring = np.asarray(retrieved, dtype=int)
    data.append({"type": "scatter", "mode": "markers+text", "name": t("rag_map_retrieved", lang),
                 "x": xy[ring, 0], "y": xy[ring, 1], "text": [str(i + 1) for i in range(len(ring))],
                 "textposition": "top center", "textfont": {"size": 16},
                 "marker": {"size": 22, "color": "rgba(0,0,0,0)", "line": {"width": 3, "color": "#111"}},
                 "hoverinfo": "skip"})
    data.append({"type": "scatter", "mode": "markers+text", "name": t("rag_map_question", lang),
                 "x": [float(q[0])], "y": [float(q[1])], "text": [t("rag_map_question", lang)],
                 "textposition": "bottom center", "textfont": {"size": 16},
                 "marker": {"size": 22, "symbol": "star", "color": plotstyle.COLORS["point"]},
                 "customdata": [_snippet(question, 120)], "hovertemplate": "%{customdata}<extra></extra>"})
    titles = axis_titles(p, lang)
    layout = plotstyle.base_layout(t("rag_map_title", lang, encoder=SHORT_TITLES[index.encoder]),
                                   titles[0], titles[1], height=560)
    layout["legend"] = {"orientation": "v", "x": 1.02, "y": 1.0, "font": {"size": 13}}
    layout["margin"] = {"l": 70, "r": 20, "t": 70, "b": 60}
    return plotstyle.figure(data, layout)


def recall_figure(result: dict, lang: str, encoder: str):
    """Grouped bars: recall@1 and recall@3 of each method."""
    names = [t(f"rag_method_{m}", lang).replace(" (", "<br>(") for m in METHODS]
    data = []
    for k, color in ((1, plotstyle.COLORS["train"]), (3, plotstyle.COLORS["test"])):
        values = [result[m][k] for m in METHODS]
        data.append({"type": "bar", "name": f"recall@{k}", "x": names, "y": values,
                     "marker": {"color": color}, "text": [f"{v:.2f}" for v in values],
                     "textposition": "outside", "textfont": {"size": 16}})
    title = t("rag_recall_title", lang, n=result["n"], lang_name=t("rag_lang_name", lang),
              encoder=SHORT_TITLES[encoder])
    layout = plotstyle.base_layout(title, None, t("rag_recall_axis", lang), height=440)
    layout["yaxis"]["range"] = [0, 1.15]
    layout["xaxis"]["tickangle"] = 0
    layout["barmode"] = "group"
    return plotstyle.figure(data, layout)
