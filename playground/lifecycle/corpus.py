"""The text a GPT is pre-trained on: load, clean, tokenize, split, and the counting baselines.

Pre-training is self-supervised: the corpus is its own label, every token the target of the
tokens before it. Three corpora: the Reina-Valera 1909 Bible (Spanish) and the King James
Version (English), both public domain, extracted from Debian's SWORD modules by
scripts/extract_corpus.py into assets/corpora/; and a visitor's own text.

Tokens are characters (the vocabulary is the corpus's set of characters, as in nanoGPT's
shakespeare_char) or BPE pieces learned on the corpus by the Tokens tab's trainer
(playground.text.bpe). The last VALIDATION share of the tokens is held out.

Two baselines a model must beat, by counting on the training tokens (add-one smoothing,
Laplace): the unigram model P(next) = count(next) / N, and the bigram model
P(next | previous) = (count(previous, next) + 1) / (count(previous) + V). Their loss on the
validation tokens, in nats per token, is the cross-entropy the GPT's curve is drawn against.
"""
from __future__ import annotations

import lzma
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from playground.core.errors import UserError
from playground.core.paths import ASSETS
from playground.text import bpe

CORPORA = {"es": "es_rv1909", "en": "en_kjv"}       # name -> assets/corpora/<file>.txt.xz
OWN = "own"                                         # the visitor's text
TOKENIZERS = ("char", "bpe")
VALIDATION = 0.1            # the last 10% of the tokens
MIN_OWN_CHARS = 2_000       # a visitor's text: at least this long (a few paragraphs) ...
MAX_OWN_CHARS = 1_000_000   # ... and at most this (about a novel)
BPE_MERGES = 200            # merges learned (on at most BPE_SAMPLE characters of the corpus)
BPE_SAMPLE = 200_000


def load(name: str) -> str:
    """A built-in corpus's text (read-only, kept after the first read)."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}")
    return _read(CORPORA[name])


@lru_cache(maxsize=len(CORPORA))
def _read(stem: str) -> str:
    return lzma.decompress((ASSETS / "corpora" / f"{stem}.txt.xz").read_bytes()).decode("utf-8")


def clean(text: str) -> str:
    """A pasted or uploaded text, cleaned as a pre-training corpus is (on a tiny scale):
    Unicode in one form (NFC), one kind of newline, no control characters, no runs of
    spaces, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def own_text(text) -> str:
    """The visitor's text, cleaned and checked against the limits."""
    if not isinstance(text, str) or not text.strip():
        raise UserError("pretraining_error_own_empty", low=f"{MIN_OWN_CHARS:,}")
    if len(text) > MAX_OWN_CHARS * 2:           # before cleaning: refuse a huge paste at once
        raise UserError("pretraining_error_own_long", length=f"{len(text):,}", high=f"{MAX_OWN_CHARS:,}")
    text = clean(text)
    if len(text) < MIN_OWN_CHARS:
        raise UserError("pretraining_error_own_short", length=f"{len(text):,}", low=f"{MIN_OWN_CHARS:,}")
    if len(text) > MAX_OWN_CHARS:
        raise UserError("pretraining_error_own_long", length=f"{len(text):,}", high=f"{MAX_OWN_CHARS:,}")
    return text


# --- tokenizers ---------------------------------------------------------------------------

class CharTokenizer:
    """Every character of the corpus is a token (nanoGPT's shakespeare_char)."""
    kind = "char"

    def __init__(self, text: str):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}
        self.vocab_size = len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Characters the corpus never had are left out."""
        return [self.index[c] for c in text if c in self.index]

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in ids)

    def piece(self, i: int) -> str:
        return self.chars[i]


class BPETokenizer:
    """Byte-pair encoding learned on (a sample of) the corpus: the Tokens tab's trainer."""
    kind = "bpe"

    def __init__(self, text: str, n_merges: int = BPE_MERGES):
        self.bpe = bpe.train(text[:BPE_SAMPLE], n_merges)
        self.vocab_size = bpe.BYTES + len(self.bpe.merges)

    def encode(self, text: str) -> list[int]:
        cache: dict[str, list[int]] = {}        # words repeat: each distinct chunk once
        ids: list[int] = []
        for chunk in bpe.CHUNK.findall(text):
            if chunk not in cache:
                cache[chunk] = self.bpe.encode(chunk)
            ids += cache[chunk]
        return ids

    def decode(self, ids) -> str:
        return self.bpe.decode(ids)

    def piece(self, i: int) -> str:
        return self.bpe.vocab[i].decode("utf-8", errors="replace")


def tokenizer(text: str, kind: str):
    return CharTokenizer(text) if kind == "char" else BPETokenizer(text)


# --- a corpus ready to train on -------------------------------------------------------------

@dataclass(frozen=True)
class Corpus:
    name: str                   # "es", "en" or "own"
    tokenizer: object           # CharTokenizer or BPETokenizer
    train: np.ndarray           # token ids, int64, read-only
    val: np.ndarray
    chars: int                  # characters in the whole text
    unigram: float              # baselines: validation loss in nats per token
    bigram: float

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.vocab_size

    @property
    def chars_per_token(self) -> float:
        return self.chars / (len(self.train) + len(self.val))


def unigram_loss(train: np.ndarray, val: np.ndarray, V: int) -> float:
    """Validation cross-entropy of add-one-smoothed token frequencies, nats per token."""
    counts = np.bincount(train, minlength=V) + 1.0
    return float(-np.log(counts[val] / counts.sum()).mean())


def bigram_loss(train: np.ndarray, val: np.ndarray, V: int) -> float:
    """Validation cross-entropy of add-one-smoothed counts of (previous, next) pairs."""
    pairs = np.bincount(train[:-1] * V + train[1:], minlength=V * V).reshape(V, V) + 1.0
    p = pairs[val[:-1], val[1:]] / pairs.sum(axis=1)[val[:-1]]
    return float(-np.log(p).mean())


def prepare(text: str, name: str, kind: str) -> Corpus:
    """Tokenize `text`, hold out its last VALIDATION share, count the baselines."""
    tok = tokenizer(text, kind)
    ids = np.asarray(tok.encode(text), dtype=np.int64)
    cut = int(len(ids) * (1 - VALIDATION))
    train, val = ids[:cut], ids[cut:]
    train.flags.writeable = val.flags.writeable = False
    V = tok.vocab_size
    return Corpus(name, tok, train, val, len(text), unigram_loss(train, val, V),
                  bigram_loss(train, val, V))


@lru_cache(maxsize=2 * len(CORPORA) * len(TOKENIZERS))
def builtin(name: str, kind: str) -> Corpus:
    """A built-in corpus, prepared once and shared (read-only) by every visitor."""
    return prepare(load(name), name, kind)
