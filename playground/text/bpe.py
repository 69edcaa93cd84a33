"""Byte-pair encoding from scratch: learn merges on a text, then tokenize with them.

BPE (Gage, 1994; for words, Sennrich, Haddow & Birch, 2016; on bytes, GPT-2, Radford et
al., 2019) builds a vocabulary bottom-up. Start with the 256 bytes of UTF-8 as tokens
(0-255), so any text can be written, even emoji. Then repeat:

  1. count every pair of neighbouring tokens in the text;
  2. take the most frequent pair (ties: the pair seen first in the text);
  3. give it a new id (256, 257, ...) and replace every occurrence of the pair with it.

Each merge shortens the text by as many tokens as the pair occurred. Like GPT-2, the text
is first cut into chunks (a word with its leading space, a run of punctuation, of spaces)
and pairs never cross a chunk, so " the" can become one token but "e t" never does.
Tokenizing new text replays the merges in the order they were learned (minbpe's encode).
The code follows Karpathy's minbpe (github.com/karpathy/minbpe), counting each distinct
chunk once, weighted by how often it occurs.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

# GPT-2's idea in a simpler pattern: a word with its leading space, a number, punctuation,
# whitespace. \w is Unicode-aware, so "señor" and "über" stay whole words.
CHUNK = re.compile(r" ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+|_+")
MAX_MERGES = 200    # the slider's end: enough to see whole words appear in a paragraph
BYTES = 256         # ids 0-255 are the bytes themselves


@dataclass(frozen=True)
class Merge:
    pair: tuple[int, int]   # the two token ids merged
    new_id: int             # the id of the new token (256 + step)
    count: int              # how many times the pair occurred when it was chosen
    tokens_after: int       # length of the whole text in tokens after this merge


@dataclass(frozen=True)
class BPE:
    text: str
    merges: tuple[Merge, ...]
    vocab: dict[int, bytes]         # id -> the bytes it stands for (read-only by convention)
    start_tokens: int               # length of the text in bytes (tokens before any merge)

    def piece(self, token_id: int) -> bytes:
        return self.vocab[token_id]

    def encode(self, text: str, n_merges: int | None = None) -> list[int]:
        """`text` as token ids using the first `n_merges` merges (all by default)."""
        ranks = {m.pair: m.new_id for m in self.merges[:n_merges]}
        ids: list[int] = []
        for chunk in CHUNK.findall(text):
            ids += _encode_chunk(list(chunk.encode("utf-8")), ranks)
        return ids

    def decode(self, ids) -> str:
        return b"".join(self.vocab[i] for i in ids).decode("utf-8", errors="replace")


def _pair_counts(chunks: dict[tuple[int, ...], int]) -> Counter:
    """How often each neighbouring pair occurs, chunks weighted by their frequency.

    Counter keeps first-insertion order, and chunks come in order of first appearance, so
    among equal counts the first key is the pair seen first in the text.
    """
    counts: Counter = Counter()
    for ids, freq in chunks.items():
        for pair in zip(ids, ids[1:]):
            counts[pair] += freq
    return counts


def _merge(ids, pair: tuple[int, int], new_id: int) -> tuple[int, ...]:
    """Replace every non-overlapping occurrence of `pair`, left to right, with `new_id`."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return tuple(out)


def _encode_chunk(ids: list[int], ranks: dict[tuple[int, int], int]) -> list[int]:
    """Apply merges to one chunk, always the earliest-learned pair present first."""
    while len(ids) >= 2:
        pair = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, float("inf")))
        if pair not in ranks:
            break
        ids = list(_merge(ids, pair, ranks[pair]))
    return ids


def train(text: str, n_merges: int = MAX_MERGES) -> BPE:
    """Learn up to `n_merges` merges on `text`; stops early when no pair occurs twice."""
    chunks = Counter(tuple(c.encode("utf-8")) for c in CHUNK.findall(text))
    vocab = {i: bytes([i]) for i in range(BYTES)}
    start = sum(len(ids) * f for ids, f in chunks.items())
    merges = []
    for step in range(n_merges):
        counts = _pair_counts(chunks)                          # 1. count the pairs
        if not counts:
            break
        pair = max(counts, key=counts.get)                     # 2. the most frequent one
        if counts[pair] < 2:
            break
        new_id = BYTES + step                                  # 3. a new token replaces it
        merged: Counter = Counter()
        for ids, freq in chunks.items():
            merged[_merge(ids, pair, new_id) if pair[0] in ids else ids] += freq
        chunks = merged
        vocab[new_id] = vocab[pair[0]] + vocab[pair[1]]
        length = sum(len(ids) * f for ids, f in chunks.items())  # "aaa" merges (a, a) once
        merges.append(Merge(pair, new_id, counts[pair], length))
    return BPE(text, tuple(merges), vocab, start)


@lru_cache(maxsize=16)
def train_cached(text: str) -> BPE:
    """`train(text, MAX_MERGES)`, kept for the slider: moving it never retrains."""
    return train(text, MAX_MERGES)
