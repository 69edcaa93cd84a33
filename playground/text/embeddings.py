"""Embeddings: words and sentences as vectors, arithmetic on them, and their picture.

Word vectors (GloVe, Pennington et al., 2014; word2vec, Mikolov et al., 2013) give each
word a point in space so that words used alike sit close together (cosine similarity),
and differences carry meaning: king - man + woman lands nearest to queen (Mikolov, Yih &
Zweig, 2013). The answer is searched over the whole vocabulary, leaving out the words of
the question (otherwise "king" itself would often win).

50 dimensions cannot be drawn, so the pictures use PCA (Pearson, 1901): centre the
points, take the directions of largest variance (the right singular vectors of the
centred matrix) and project on the first two or three. Parallel offsets in 50 dimensions
stay parallel in the projection, because it is linear.

Sentence embeddings come from all-MiniLM-L6-v2 (Reimers & Gurevych, 2019, Sentence-BERT):
sentences that mean the same get vectors with a high cosine.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from playground import backends
from playground.core import plotstyle
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.core.paths import ASSETS

MAX_TERMS = 8           # words in one expression
MAX_EXTRA = 12          # words a visitor adds to the picture
MAX_NEIGHBOURS = 20
DRAWN_NEIGHBOURS = 6    # of the answers, the best few are drawn (the table lists them all)
MAX_SENTENCES = 12
MAX_SENTENCE_CHARS = 300
SUGGEST_FROM = 50_000   # closest spellings come from the most frequent words
MINUS = "-−–"           # hyphen, minus sign, en dash
PRESETS_FILE = ASSETS / "embeddings_presets.json"

COLORS = {"input": "#1f77b4", "result": "#d62728", "neighbour": "#ff7f0e", "extra": "#2ca02c",
          "computed": "#9467bd", "query": "#d62728"}


@lru_cache(maxsize=1)
def presets() -> dict:
    """Presets and Spanish translations of their words (assets/embeddings_presets.json)."""
    return json.loads(PRESETS_FILE.read_text(encoding="utf-8"))


def translate(word: str, lang: str) -> str:
    """'king' -> 'king (rey)' in the Spanish interface, when the word is a known one."""
    es = presets()["translations"].get(word) if lang == "es" else None
    return f"{word} ({es})" if es else word


# --- 1. parsing "a - b + c" -------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    sign: int       # +1 or -1
    word: str


# an operator, or a word (a hyphen inside a word, as in "e-mail", belongs to the word)
_TOKEN = re.compile(r"[+-]|[^\s+-]+(?:-[^\s+-]+)*")


def parse(expression: str) -> tuple[Term, ...]:
    """'king - man + woman' -> (+king, -man, +woman). Words are lowercased.

    '+', '-' and '−' separate words; a hyphen between two letters stays in the word
    ('e-mail'), so 'king-man' is one (unknown) word: write 'king - man'.
    """
    parts = _TOKEN.findall(re.sub(f"[{MINUS}]", "-", expression))
    terms, sign, operator = [], 1, False
    for part in parts:
        if part in "+-":
            if operator or (terms == [] and sign != 1):      # two operators in a row
                raise UserError("embeddings_error_syntax")
            sign, operator = (1 if part == "+" else -1), True
        else:
            if terms and not operator:                        # two words with nothing between
                raise UserError("embeddings_error_syntax")
            terms.append(Term(sign, part.lower()))
            sign, operator = 1, False
    if not terms or operator:
        raise UserError("embeddings_error_syntax")
    if len(terms) > MAX_TERMS:
        raise UserError("embeddings_error_too_many", n=len(terms), limit=MAX_TERMS)
    return tuple(terms)


def parse_words(text: str, limit: int = MAX_EXTRA) -> tuple[str, ...]:
    """'cat, dog  lion' -> ('cat', 'dog', 'lion'): words separated by commas or spaces."""
    words = tuple(dict.fromkeys(w.lower() for w in re.split(r"[,;\s]+", text) if w))
    if len(words) > limit:
        raise UserError("embeddings_error_too_many", n=len(words), limit=limit)
    return words


# --- 2. words in GloVe, and what to suggest when one is not ---------------------------------------

@lru_cache(maxsize=256)
def suggestions(word: str, n: int = 5) -> tuple[str, ...]:
    """Words of GloVe spelled like `word`, the most frequent ones first considered."""
    vocab = backends.get("glove").words[:SUGGEST_FROM]
    near = [w for w in vocab if abs(len(w) - len(word)) <= 2]       # difflib is slow: prefilter
    return tuple(difflib.get_close_matches(word, near, n=n, cutoff=0.7))


def check_words(words) -> None:
    """UserError naming the first word GloVe lacks, with the closest spellings it has."""
    glove = backends.get("glove")
    for word in words:
        if word not in glove:
            close = suggestions(word)
            if close:
                raise UserError("embeddings_error_oov", word=word, close=", ".join(close))
            raise UserError("embeddings_error_oov_none", word=word)


# --- 3. arithmetic and neighbours -------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    terms: tuple[Term, ...]
    vector: np.ndarray                  # (D,) the sum, float32
    neighbours: tuple[tuple[str, float], ...]   # (word, cosine), best first, inputs excluded


@lru_cache(maxsize=64)
def arithmetic(terms: tuple[Term, ...], k: int = 10) -> Answer:
    """The words nearest (cosine) to the signed sum of the terms' GloVe vectors."""
    glove = backends.get("glove")
    check_words(term.word for term in terms)
    vector = glove.combine([x.word for x in terms if x.sign > 0], [x.word for x in terms if x.sign < 0])
    if not np.any(vector):                            # "king - king": nothing is left
        raise UserError("embeddings_error_zero")
    inputs = {x.word for x in terms}
    return Answer(terms, vector, tuple(glove.nearest(vector, k, exclude=inputs)))


@lru_cache(maxsize=64)
def similar(word: str, k: int = 10) -> tuple[tuple[str, float], ...]:
    """The k words nearest to `word` (itself left out)."""
    check_words([word])
    glove = backends.get("glove")
    return tuple(glove.nearest(glove.vector(word), k, exclude=[word]))


# --- 4. PCA ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PCA:
    mean: np.ndarray            # (D,)
    components: np.ndarray      # (n, D), orthonormal rows
    explained_ratio: np.ndarray # (n,) share of the variance along each component
    projections: np.ndarray     # (N, n) the points, projected

    def project(self, points) -> np.ndarray:
        return (np.atleast_2d(points) - self.mean) @ self.components.T


def pca(points, n_components: int = 2) -> PCA:
    """PCA by SVD of the centred points. Signs as scikit-learn sets them (svd_flip): the
    largest entry, in absolute value, of each component is positive."""
    X = np.asarray(points, dtype=np.float64)                     # (N, D)
    mean = X.mean(axis=0)
    centred = X - mean
    _, s, vt = np.linalg.svd(centred, full_matrices=False)        # vt: (min(N, D), D)
    n = min(n_components, vt.shape[0])
    biggest = np.argmax(np.abs(vt[:n]), axis=1)
    components = vt[:n] * np.sign(vt[np.arange(n), biggest])[:, None]
    variance = s ** 2
    ratio = variance[:n] / variance.sum() if variance.sum() > 0 else np.zeros(n)
    if n < n_components:                                          # fewer points than axes
        components = np.vstack([components, np.zeros((n_components - n, X.shape[1]))])
        ratio = np.concatenate([ratio, np.zeros(n_components - n)])
    return PCA(mean, components, ratio, centred @ components.T)


# --- 5. the pictures ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    label: str
    vector: np.ndarray
    kind: str           # a key of COLORS


def _axis_titles(p: PCA, lang: str) -> list[str]:
    return [t("embeddings_pc", lang, n=i + 1, pct=f"{100 * r:.0f}") for i, r in enumerate(p.explained_ratio)]


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
    titles = _axis_titles(p, lang)
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


def _extras(extra: tuple[str, ...], taken: set[str], lang: str) -> list[Point]:
    glove = backends.get("glove")
    check_words(extra)
    return [Point(translate(w, lang), glove.vector(w), "extra") for w in extra if w not in taken]


def arithmetic_figure(answer: Answer, extra: tuple[str, ...], dims: int, lang: str):
    """Inputs, the computed point, the answers and the visitor's words; the offsets drawn.

    For a - b + c = d: arrows b -> c and a -> d (man -> woman, king -> queen): if the
    analogy holds they are parallel and of equal length.
    """
    glove = backends.get("glove")
    words = list(dict.fromkeys(x.word for x in answer.terms))
    points = [Point(translate(w, lang), glove.vector(w), "input") for w in words]
    best = answer.neighbours[0][0] if answer.neighbours else None
    for i, (w, _) in enumerate(answer.neighbours[:DRAWN_NEIGHBOURS]):
        points.append(Point(translate(w, lang), glove.vector(w), "result" if i == 0 else "neighbour"))
    points.append(Point(t("embeddings_computed", lang), answer.vector, "computed"))
    points += _extras(extra, set(words) | {w for w, _ in answer.neighbours[:DRAWN_NEIGHBOURS]}, lang)
    arrows = []
    plus = [x.word for x in answer.terms if x.sign > 0]
    minus = [x.word for x in answer.terms if x.sign < 0]
    if best is not None and plus:
        # each subtracted word -> the added word it trades for; the first word -> the answer
        for b, c in zip(minus, plus[1:]):
            arrows.append((words.index(b), words.index(c)))
        arrows.append((words.index(plus[0]), len(words)))
    expression = " ".join(("+ " if x.sign > 0 else "− ") + x.word for x in answer.terms).lstrip("+ ")
    title = t("embeddings_map_title", lang, expr=expression, best=translate(best or "-", lang))
    return map_figure(points, arrows, dims, title, lang)


def similar_figure(word: str, neighbours, extra: tuple[str, ...], dims: int, lang: str):
    glove = backends.get("glove")
    points = [Point(translate(word, lang), glove.vector(word), "query")]
    points += [Point(translate(w, lang), glove.vector(w), "neighbour") for w, _ in neighbours]
    points += _extras(extra, {word} | {w for w, _ in neighbours}, lang)
    return map_figure(points, [], dims, t("embeddings_similar_title", lang, word=translate(word, lang)), lang)


def answers_table(neighbours, lang: str) -> str:
    """Markdown: rank, word, cosine (and the Spanish, when known, in the Spanish interface)."""
    spanish = lang == "es"
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


# --- 6. sentences ---------------------------------------------------------------------------------

def parse_sentences(text: str) -> tuple[str, ...]:
    """One sentence per line; between 2 and MAX_SENTENCES of them, each not too long."""
    sentences = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(sentences) < 2:
        raise UserError("embeddings_error_few_sentences")
    if len(sentences) > MAX_SENTENCES:
        raise UserError("embeddings_error_too_many", n=len(sentences), limit=MAX_SENTENCES)
    for s in sentences:
        if len(s) > MAX_SENTENCE_CHARS:
            raise UserError("embeddings_error_long_sentence", limit=MAX_SENTENCE_CHARS)
    return sentences


@lru_cache(maxsize=32)
def sentence_vectors(sentences: tuple[str, ...]) -> np.ndarray:
    """MiniLM's embeddings, (N, 384), each of length 1 (a forward pass: cached)."""
    return backends.get("minilm").embed(list(sentences))


def _short(s: str, n: int = 32) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def sentence_figures(sentences: tuple[str, ...], lang: str):
    """The cosine-similarity matrix as a heatmap, and the PCA map of the sentences."""
    E = sentence_vectors(sentences)
    cos = np.clip(E @ E.T, -1.0, 1.0)
    n = len(sentences)
    pos = list(range(n))
    labels = [f"{i + 1}. {_short(s)}" for i, s in enumerate(sentences)]
    heat = {"type": "heatmap", "z": cos.round(3).tolist(), "x": pos, "y": pos, "zmin": 0, "zmax": 1,
            "colorscale": "Viridis", "texttemplate": "%{z:.2f}", "textfont": {"size": 15},
            "colorbar": {"title": {"text": t("embeddings_cosine", lang)}},
            "customdata": [[[sentences[i], sentences[j]] for j in pos] for i in pos],
            "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<br>cos = %{z:.3f}<extra></extra>"}
    layout = plotstyle.base_layout(t("embeddings_heat_title", lang), None, None, height=max(480, 60 * n + 200))
    layout["xaxis"].update(tickvals=pos, ticktext=[str(i + 1) for i in pos], side="bottom")
    layout["yaxis"].update(tickvals=pos, ticktext=labels, autorange="reversed")
    heatmap = plotstyle.figure([heat], layout)

    p = pca(E, 2)
    xy = p.projections
    scatter = {"type": "scatter", "x": xy[:, 0], "y": xy[:, 1], "mode": "markers+text",
               "text": [str(i + 1) for i in pos], "textposition": "top center",
               "textfont": {"size": 18}, "customdata": list(sentences),
               "hovertemplate": "%{text}. %{customdata}<extra></extra>", "cliponaxis": False,
               "marker": {"size": 16, "color": plotstyle.COLORS["line"]}}
    titles = _axis_titles(p, lang)
    layout = plotstyle.base_layout(t("embeddings_sentence_map_title", lang), titles[0], titles[1], height=480)
    layout["showlegend"] = False
    return heatmap, plotstyle.figure([scatter], layout), cos
