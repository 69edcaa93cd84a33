"""Sentence embeddings: one vector per sentence, so that sentences meaning the same sit close.

Two encoders (MODELS):
- "multilingual": the Universal Sentence Encoder multilingual v3 (Yang et al., 2019): Spanish,
  English and 14 more languages in one space, so a sentence lands beside its translation.
- "minilm": all-MiniLM-L6-v2 (Reimers & Gurevych, 2019, Sentence-BERT), trained on English:
  the comparison that shows why a multilingual model matters for a Spanish class.
Both return vectors of length 1, so the cosine is a dot product.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from playground import backends
from playground.core import plotstyle, validate
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.text.embeddings import pca
from playground.text.embeddings_figures import axis_titles

MODELS = ("multilingual", "minilm")     # each the name of its backend; the first is the default
SHORT_TITLES = {"multilingual": "USE multilingual v3", "minilm": "all-MiniLM-L6-v2"}   # for the plot titles
MAX_SENTENCES = 12
MAX_SENTENCE_CHARS = 300


def check_model(model) -> str:
    return validate.choice(model, MODELS, "model")


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
def sentence_vectors(sentences: tuple[str, ...], model: str = MODELS[0]) -> np.ndarray:
    """The model's embeddings, (N, D), each of length 1 (a forward pass: cached)."""
    return backends.get(check_model(model)).embed(list(sentences))


def cosines(sentences: tuple[str, ...], model: str = MODELS[0]) -> np.ndarray:
    """(N, N) cosine similarities, clipped to [-1, 1]."""
    E = sentence_vectors(sentences, model)
    return np.clip(E @ E.T, -1.0, 1.0)


def _short(s: str, n: int = 32) -> str:
    return s if len(s) <= n else s[:n - 1] + "…"


def sentence_figures(sentences: tuple[str, ...], lang: str, model: str = MODELS[0]):
    """The cosine-similarity matrix as a heatmap, and the PCA map of the sentences."""
    E = sentence_vectors(sentences, model)
    cos = cosines(sentences, model)
    title = SHORT_TITLES[model]
    n = len(sentences)
    pos = list(range(n))
    labels = [f"{i + 1}. {_short(s)}" for i, s in enumerate(sentences)]
    heat = {"type": "heatmap", "z": cos.round(3).tolist(), "x": pos, "y": pos, "zmin": 0, "zmax": 1,
            "colorscale": "Viridis", "texttemplate": "%{z:.2f}", "textfont": {"size": 15},
            "colorbar": {"title": {"text": t("embeddings_cosine", lang)}},
            "customdata": [[[sentences[i], sentences[j]] for j in pos] for i in pos],
            "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<br>cos = %{z:.3f}<extra></extra>"}
    layout = plotstyle.base_layout(t("embeddings_heat_title", lang, model=title), None, None,
                                   height=max(480, 60 * n + 200))
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
    titles = axis_titles(p, lang)
    layout = plotstyle.base_layout(t("embeddings_sentence_map_title", lang, dim=E.shape[1]), titles[0], titles[1], height=480)
    layout["showlegend"] = False
    return heatmap, plotstyle.figure([scatter], layout), cos
