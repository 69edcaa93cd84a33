"""The Embeddings tab's pictures: words projected by PCA, with the analogy's offsets drawn,
and the tables of answers. Parallel offsets in 50 or 512 dimensions stay parallel in the
projection, because PCA is linear. Labels and titles in the visitor's language."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core import plotstyle
from playground.core.i18n import t
from playground.text.embeddings import Answer, pca, presets, translate, vector, word_lang

DRAWN_NEIGHBOURS = 6    # of the answers, the best few are drawn (the table lists them all)
DRAWN_OTHER = 4         # of a word's neighbours in the other language
COLORS = {"input": "#1f77b4", "result": "#d62728", "neighbour": "#ff7f0e", "extra": "#2ca02c",
          "other": "#17becf", "computed": "#9467bd", "query": "#d62728"}


@dataclass(frozen=True)
class Point:
    label: str
    vector: np.ndarray
    kind: str           # a key of COLORS


def axis_titles(p, lang: str) -> list[str]:
    return [t("embeddings_pc", lang, n=i + 1, pct=f"{100 * r:.0f}") for i, r in enumerate(p.explained_ratio)]


def label(word: str, lang: str, space: str) -> str:
    """GloVe in Spanish: 'king (rey)'. Multilingual: an English word tagged 'king (en)' when
    the page is Spanish, a Spanish word 'rey (es)' when it is English."""
    if space == "glove":
        return translate(word, lang, space)
    wl = word_lang(word, space)
    return f"{word} ({wl})" if wl and wl != lang else word


def map_figure(points: list[Point], arrows: list[tuple[int, int]], dims: int, title: str, lang: str):
    """Points projected by PCA (fitted on them) in 2 or 3 dimensions; arrows between them."""
    p = pca(np.stack([pt.vector for pt in points]), dims)
    xyz = p.projections
    data = []
    for kind in COLORS:                                   # one trace per kind, for the legend
        idx = [i for i, pt in enumerate(points) if pt.kind == kind]
        if not idx:
            continue
        trace = {"mode": "markers+text", "name": t(f"embeddings_kind_{kind}", lang),
                 "text": [points[i].label for i in idx],
                 "textposition": "bottom center" if kind == "computed" else "top center",
                 "textfont": {"size": 17}, "hovertemplate": "%{text}<extra></extra>",
                 "marker": {"size": 14 if kind in ("input", "result", "query") else 10,
                            "color": COLORS[kind],
                            "symbol": "diamond" if kind == "computed" else "circle"}}
        if dims == 3:
            trace.update(type="scatter3d", x=xyz[idx, 0], y=xyz[idx, 1], z=xyz[idx, 2])
            trace["marker"]["size"] = trace["marker"]["size"] * 0.6
        else:
            trace.update(type="scatter", x=xyz[idx, 0], y=xyz[idx, 1], cliponaxis=False)
        data.append(trace)
    titles = axis_titles(p, lang)
    layout = plotstyle.base_layout(title, titles[0], titles[1], height=600)
    layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0}
    layout["margin"]["b"] = 90
    if dims == 3:
        for a, b in arrows:
            (x0, y0, z0), (x1, y1, z1) = xyz[a], xyz[b]
            data.append({"type": "scatter3d", "mode": "lines", "x": [x0, x1], "y": [y0, y1],
                         "z": [z0, z1], "line": {"width": 6, "color": "#6b7280"},
                         "showlegend": False, "hoverinfo": "skip"})
            length = float(np.linalg.norm(xyz[b] - xyz[a])) or 1.0      # unit direction
            data.append({"type": "cone", "x": [x1], "y": [y1], "z": [z1], "u": [(x1 - x0) / length],
                         "v": [(y1 - y0) / length], "w": [(z1 - z0) / length],
                         "sizemode": "absolute", "sizeref": 0.5,
                         "anchor": "tip", "showscale": False, "hoverinfo": "skip",
                         "colorscale": [[0, "#6b7280"], [1, "#6b7280"]]})
        short = [t("embeddings_pc_short", lang, n=i + 1, pct=f"{100 * r:.0f}")
                 for i, r in enumerate(p.explained_ratio)]      # long titles overlap in 3D
        axis = {"tickfont": {"size": 12}}
        layout["scene"] = {"xaxis": {**axis, "title": {"text": short[0], "font": {"size": 15}}},
                           "yaxis": {**axis, "title": {"text": short[1], "font": {"size": 15}}},
                           "zaxis": {**axis, "title": {"text": short[2], "font": {"size": 15}}},
                           "aspectmode": "data", "camera": {"eye": {"x": 1.7, "y": 1.7, "z": 1.1}}}
        layout["height"] = 680
    else:
        layout["annotations"] = [
            {"x": xyz[b, 0], "y": xyz[b, 1], "ax": xyz[a, 0], "ay": xyz[a, 1],
             "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "showarrow": True,
             "arrowhead": 3, "arrowsize": 1.4, "arrowwidth": 3, "arrowcolor": "#6b7280",
             "opacity": 0.8, "standoff": 8, "startstandoff": 8, "text": ""}
            for a, b in arrows]
        layout["yaxis"]["scaleanchor"] = "x"             # equal scales: parallel looks parallel
    return plotstyle.figure(data, layout)


def _extras(extra: tuple[str, ...], taken: set[str], lang: str, space: str) -> list[Point]:
    return [Point(label(w, lang, space), vector(w, space), "extra") for w in extra if w not in taken]


def arithmetic_figure(answer: Answer, extra: tuple[str, ...], dims: int, lang: str):
    """Inputs, the computed point, the answers and the visitor's words; the offsets drawn.

    For a - b + c = d: arrows b -> c and a -> d (man -> woman, king -> queen): if the
    analogy holds they are parallel and of equal length.
    """
    space = answer.space
    words = list(dict.fromkeys(x.word for x in answer.terms))
    points = [Point(label(w, lang, space), vector(w, space), "input") for w in words]
    best = answer.neighbours[0][0] if answer.neighbours else None
    for i, (w, _) in enumerate(answer.neighbours[:DRAWN_NEIGHBOURS]):
        points.append(Point(label(w, lang, space), vector(w, space), "result" if i == 0 else "neighbour"))
    points.append(Point(t("embeddings_computed", lang), answer.vector, "computed"))
    points += _extras(extra, set(words) | {w for w, _ in answer.neighbours[:DRAWN_NEIGHBOURS]}, lang, space)
    arrows = []
    plus = [x.word for x in answer.terms if x.sign > 0]
    minus = [x.word for x in answer.terms if x.sign < 0]
    if best is not None and plus:
        # each subtracted word -> the added word it trades for; the first word -> the answer
        for b, c in zip(minus, plus[1:]):
            arrows.append((words.index(b), words.index(c)))
        arrows.append((words.index(plus[0]), len(words)))
    expression = " ".join(("+ " if x.sign > 0 else "− ") + x.word for x in answer.terms).lstrip("+ ")
    title = t("embeddings_map_title", lang, expr=expression, best=label(best or "-", lang, space))
    return map_figure(points, arrows, dims, title, lang)


def similar_figure(word: str, neighbours, extra: tuple[str, ...], dims: int, lang: str,
                   space: str = "glove", other=()):
    """The word, its neighbours, its neighbours in the other language (multilingual), extras."""
    points = [Point(label(word, lang, space), vector(word, space), "query")]
    points += [Point(label(w, lang, space), vector(w, space), "neighbour") for w, _ in neighbours]
    points += [Point(label(w, lang, space), vector(w, space), "other") for w, _ in other[:DRAWN_OTHER]]
    taken = {word} | {w for w, _ in neighbours} | {w for w, _ in other[:DRAWN_OTHER]}
    points += _extras(extra, taken, lang, space)
    title = t("embeddings_similar_title", lang, word=label(word, lang, space))
    return map_figure(points, [], dims, title, lang)


def answers_table(neighbours, lang: str, space: str = "glove") -> str:
    """Markdown: rank, word, cosine (and the Spanish of GloVe's words in the Spanish interface)."""
    spanish = lang == "es" and space == "glove"
    head = [t("embeddings_col_rank", lang), t("embeddings_col_word", lang), t("embeddings_col_cosine", lang)]
    if spanish:
        head.append(t("embeddings_col_translation", lang))
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, (w, cos) in enumerate(neighbours, 1):
        row = [str(i), f"**{w}**" if i == 1 else w, f"{cos:.3f}"]
        if spanish:
            row.append(presets()["translations"].get(w, ""))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def embedded_note(embedded, lang: str) -> str:
    """'«xyz» is not in the word lists: the encoder read it as text.' ('' if none)."""
    if not embedded:
        return ""
    return t("embeddings_embedded_note", lang, words=", ".join(f"«{w}»" for w in embedded)) + "\n\n"


def similar_table(neighbours, other_lang, other, lang: str, space: str = "glove") -> str:
    """The neighbours' table; in the multilingual space, then the other language's."""
    table = answers_table(neighbours, lang, space)
    if not other:
        return table
    heading = t("embeddings_other_language", lang, language=t(f"embeddings_language_{other_lang}", lang))
    return f"{table}\n\n**{heading}**\n\n{answers_table(other, lang, space)}"
