"""Embeddings: words as vectors, arithmetic on them, in two spaces; PCA to draw them.

Word vectors (GloVe, Pennington et al., 2014; word2vec, Mikolov et al., 2013) give each
word a point in space so that words used alike sit close together (cosine similarity),
and differences carry meaning: king - man + woman lands nearest to queen (Mikolov, Yih &
Zweig, 2013). The answer is searched over the whole vocabulary, leaving out the words of
the question (otherwise "king" itself would often win).

Two spaces (SPACES):
- "glove": GloVe 6B, 400,000 English words, 50 dimensions, learned from co-occurrences.
- "multilingual": the Universal Sentence Encoder multilingual v3 applied to single words
  (playground.backends.multilingual): ~22,000 Spanish and ~8,000 English words in one
  512-dimensional space, so rey sits beside king. A word outside its lists is still
  embedded (the encoder reads any text); the answers of an arithmetic come from the
  language of its words (rey - hombre + mujer answers in Spanish).

50 or 512 dimensions cannot be drawn, so the pictures use PCA (Pearson, 1901): centre the
points, take the directions of largest variance (the right singular vectors of the
centred matrix) and project on the first two or three (figures: embeddings_figures.py).
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from playground import backends
from playground.core import validate
from playground.core.errors import UserError
from playground.core.paths import ASSETS

MAX_TERMS = 8           # words in one expression
MAX_EXTRA = 12          # words a visitor adds to the picture
MAX_NEIGHBOURS = 20
SUGGEST_FROM = 50_000   # closest spellings come from the most frequent words
MINUS = "-−–"           # hyphen, minus sign, en dash
PRESETS_FILE = ASSETS / "embeddings_presets.json"
ANALOGIES_FILE = ASSETS / "embeddings_analogies_es.json"

SPACES = ("glove", "multilingual")      # each the name of its backend
LANGS = ("es", "en")                    # the multilingual space's word lists


def default_space(lang: str) -> str:
    """The space a page in `lang` starts on: Spanish speakers get Spanish words."""
    return "multilingual" if lang == "es" else "glove"


def check_space(space) -> str:
    return validate.choice(space, SPACES, "space")


@lru_cache(maxsize=1)
def presets() -> dict:
    """Presets and Spanish translations of their words (assets/embeddings_presets.json)."""
    return json.loads(PRESETS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def analogies() -> tuple[dict, ...]:
    """The team's Spanish analogy questions (assets/embeddings_analogies_es.json)."""
    return tuple(json.loads(ANALOGIES_FILE.read_text(encoding="utf-8"))["questions"])


def translate(word: str, lang: str, space: str = "glove") -> str:
    """'king' -> 'king (rey)' in the Spanish interface over GloVe, when the word is a known one."""
    es = presets()["translations"].get(word) if lang == "es" and space == "glove" else None
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


# --- 2. words in a space, and what to suggest when GloVe lacks one ---------------------------

@lru_cache(maxsize=256)
def suggestions(word: str, n: int = 5) -> tuple[str, ...]:
    """Words of GloVe spelled like `word`, the most frequent ones first considered."""
    vocab = backends.get("glove").words[:SUGGEST_FROM]
    near = [w for w in vocab if abs(len(w) - len(word)) <= 2]       # difflib is slow: prefilter
    return tuple(difflib.get_close_matches(word, near, n=n, cutoff=0.7))


def check_words(words, space: str = "glove") -> tuple[str, ...]:
    """GloVe: UserError naming the first word it lacks, with the closest spellings it has.
    Multilingual: the words outside its lists, which the encoder embeds as text."""
    vectors = backends.get(space)
    if space == "multilingual":
        return tuple(w for w in dict.fromkeys(words) if w not in vectors)
    for word in words:
        if word not in vectors:
            close = suggestions(word)
            if close:
                raise UserError("embeddings_error_oov", word=word, close=", ".join(close))
            raise UserError("embeddings_error_oov_none", word=word)
    return ()


def vector(word: str, space: str = "glove") -> np.ndarray:
    """The word's vector in the space (the multilingual encoder embeds any text)."""
    return backends.get(space).vector(word)


def word_lang(word: str, space: str) -> str | None:
    """'es' or 'en': the list a multilingual word comes from; None in GloVe or outside the lists."""
    return backends.get(space).lang(word) if space == "multilingual" else None


def answer_lang(words, space: str) -> str | None:
    """The language the answers are searched in: that of most known input words (Spanish
    on a tie), None (every word) over GloVe or when no input word is in the lists."""
    langs = [word_lang(w, space) for w in words]
    langs = [x for x in langs if x]
    if not langs:
        return None
    return "es" if langs.count("es") >= langs.count("en") else "en"


# --- 3. arithmetic and neighbours -------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    terms: tuple[Term, ...]
    vector: np.ndarray                  # (D,) the sum, float32
    neighbours: tuple[tuple[str, float], ...]   # (word, cosine), best first, inputs excluded
    space: str = "glove"
    embedded: tuple[str, ...] = ()      # input words outside the lists, read by the encoder
    lang: str | None = None             # the language of the answers (multilingual space)


def _nearest(space: str, target, k: int, exclude, lang: str | None):
    vectors = backends.get(space)
    if space == "multilingual":
        return tuple(vectors.nearest(target, k, exclude=exclude, lang=lang))
    return tuple(vectors.nearest(target, k, exclude=exclude))


@lru_cache(maxsize=64)
def arithmetic(terms: tuple[Term, ...], k: int = 10, space: str = "glove") -> Answer:
    """The words nearest (cosine) to the signed sum of the terms' vectors in `space`."""
    space = check_space(space)
    embedded = check_words([term.word for term in terms], space)
    total = np.sum([x.sign * vector(x.word, space) for x in terms], axis=0, dtype=np.float32)
    if not np.any(total):                            # "king - king": nothing is left
        raise UserError("embeddings_error_zero")
    words = [x.word for x in terms]
    lang = answer_lang(words, space)
    return Answer(terms, total, _nearest(space, total, k, set(words), lang), space, embedded, lang)


@lru_cache(maxsize=64)
def similar(word: str, k: int = 10, space: str = "glove") -> tuple[tuple[str, float], ...]:
    """The k words nearest to `word` (itself left out); in the multilingual space, those
    of the word's own language (of the Spanish list, for a word outside the lists)."""
    space = check_space(space)
    check_words([word], space)
    lang = (word_lang(word, space) or "es") if space == "multilingual" else None
    return _nearest(space, vector(word, space), k, [word], lang)


@lru_cache(maxsize=64)
def other_language(word: str, k: int = 5) -> tuple[str, tuple[tuple[str, float], ...]]:
    """(language, neighbours): the multilingual words nearest to `word` in the other
    language than its own (rey -> 'en', king ...); English for a word outside the lists."""
    lang = word_lang(word, "multilingual") or "es"
    other = "en" if lang == "es" else "es"
    return other, _nearest("multilingual", vector(word, "multilingual"), k, [word], other)


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
