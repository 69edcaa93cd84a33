"""Retrieval-augmented generation (Lewis et al., 2020): find the passages that answer a
question, then hand them to the model with the question.

Every stage is a function here, so the tab can show each one:
1. chunking: `chunk_spans` cuts a text into pieces of `size` characters or words, with
   `overlap`; each chunk keeps its offsets, so `text[start:end]` is the chunk and the page can
   draw it on the text;
2. embedding: one vector per chunk from the app's sentence encoders ("multilingual" for
   Spanish, "minilm" for English; vectors of length 1, so cosine = dot product);
3. the index: BM25 (`bm25s`, Lucene's variant, Robertson & Zaragoza, 2009), exact dense
   search (numpy: every cosine), approximate dense search (faiss' HNSW graph, Malkov &
   Yashunin, 2016) and hybrid search (reciprocal rank fusion of BM25 and dense, Cormack et al.,
   2009);
4. measuring: recall@k of each method on the team's questions (assets/rag/eval.json).
The prompt and the answers are in rag_answer.py, the figures in rag_figures.py, the visitor's
own files in rag_files.py.

The course's index (the shipped texts, a chunking, an encoder) is the same for every visitor:
cached here, read-only. An index that holds a visitor's files belongs to that visitor (their
gr.State) and is never cached here.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from playground import backends
from playground.core import validate
from playground.core.errors import UserError
from playground.core.i18n import normalize
from playground.core.paths import ASSETS

RAG_DIR = ASSETS / "rag"
ENCODERS = ("multilingual", "minilm")            # backends' names; es -> multilingual, en -> minilm
DEFAULT_ENCODER = {"es": "multilingual", "en": "minilm"}
UNITS = ("chars", "words")
METHODS = ("bm25", "dense", "ann", "hybrid")
SIZE_LIMITS = {"chars": (80, 2_000), "words": (15, 300)}
MAX_QUESTION_CHARS = 500
MAX_CHUNKS = 4_000            # a visitor's collection, chunked (300,000 characters / 80 = 3,750)
RRF_K = 60                    # reciprocal rank fusion's constant, as in Cormack et al.
HNSW_M = 16                   # neighbours per node of the HNSW graph
WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Doc:
    name: str                 # the file's name ("rag", "my-notes.pdf")
    text: str
    own: bool = False         # the visitor's file, not the course's


@dataclass(frozen=True)
class Chunk:
    doc: str
    start: int                # offsets in the document's text: text[start:end] == self.text
    end: int
    text: str
    own: bool = False


# --- 1. chunking --------------------------------------------------------------------------

def check_chunking(size, overlap, unit) -> tuple[int, int, str]:
    unit = validate.choice(unit, UNITS, "unit")
    low, high = SIZE_LIMITS[unit]
    size = validate.integer(size, "size", low, high)
    overlap = validate.integer(overlap, "overlap", 0, size // 2)
    return size, overlap, unit


def chunk_spans(text: str, size: int, overlap: int, unit: str = "chars") -> list[tuple[int, int]]:
    """(start, end) of each chunk. Windows of `size` characters (or words), each starting
    `size - overlap` after the previous one. In characters, a window's end moves back to the
    last space in its final fifth, so words are not cut, and the next start moves to a word's
    start. Together the chunks cover every non-space character of the text."""
    if unit == "words":
        words = [m.span() for m in WORD.finditer(text)]
        step = size - overlap
        spans = []
        for first in range(0, len(words), step):
            last = min(first + size, len(words)) - 1
            spans.append((words[first][0], words[last][1]))
            if last == len(words) - 1:
                break
        return spans
    spans, start, n = [], 0, len(text)
    while start < n and text[start].isspace():
        start += 1
    while start < n:
        end = min(start + size, n)
        if end < n:
            cut = text.rfind(" ", start + size * 4 // 5, end)
            end = cut if cut > start else end
        stop = end
        while stop > start and text[stop - 1].isspace():            # no trailing spaces
            stop -= 1
        spans.append((start, stop))
        if end >= n:
            break
        nxt = max(end - overlap, start + 1)
        while nxt > start + 1 and not text[nxt - 1].isspace():      # back to a word's start
            nxt -= 1
        if nxt <= start:
            nxt = end
        while nxt < n and text[nxt].isspace():
            nxt += 1
        start = nxt
    return spans


def chunk_docs(docs, size: int, overlap: int, unit: str = "chars") -> tuple[Chunk, ...]:
    return tuple(Chunk(d.name, s, e, d.text[s:e], d.own) for d in docs
                 for s, e in chunk_spans(d.text, size, overlap, unit))


# --- the documents --------------------------------------------------------------------------

@lru_cache(maxsize=2)
def course_docs(lang: str) -> tuple[Doc, ...]:
    """The team's lesson texts and glossary in `lang`, by file name."""
    folder = RAG_DIR / "docs" / normalize(lang)
    return tuple(Doc(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.md")))


@lru_cache(maxsize=1)
def eval_questions() -> tuple[dict, ...]:
    return tuple(json.loads((RAG_DIR / "eval.json").read_text(encoding="utf-8"))["questions"])


# --- 2, 3. embedding and the index ------------------------------------------------------------

def bm25_tokens(texts: list[str], lang: str) -> list[list[str]]:
    """Lower-cased words of two letters or more, without the language's stop words."""
    import bm25s
    from bm25s import stopwords

    stop = stopwords.STOPWORDS_SPANISH if normalize(lang) == "es" else stopwords.STOPWORDS_EN
    return bm25s.tokenize(texts, stopwords=list(stop), return_ids=False, show_progress=False)


@dataclass(frozen=True)
class Index:
    lang: str
    encoder: str
    chunks: tuple[Chunk, ...]
    vectors: np.ndarray       # (N, D) float32, unit rows
    bm25: Any                 # bm25s.BM25
    hnsw: Any                 # faiss.IndexHNSWFlat, inner product

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(backends.get(self.encoder).embed(texts), dtype=np.float32)


def build_index(chunks: tuple[Chunk, ...], lang: str, encoder: str) -> Index:
    import bm25s
    import faiss

    encoder = validate.choice(encoder, ENCODERS, "encoder")
    if not chunks:
        raise UserError("rag_error_no_chunks")
    if len(chunks) > MAX_CHUNKS:
        raise UserError("rag_error_too_many_chunks", n=len(chunks), limit=MAX_CHUNKS)
    vectors = np.ascontiguousarray(backends.get(encoder).embed([c.text for c in chunks]), dtype=np.float32)
    bm25 = bm25s.BM25(method="lucene")           # k1 = 1.5, b = 0.75
    bm25.index(bm25_tokens([c.text for c in chunks], lang), show_progress=False)
    faiss.omp_set_num_threads(1)                 # one query at a time: threads only cost
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.add(vectors)
    return Index(normalize(lang), encoder, chunks, vectors, bm25, hnsw)


@lru_cache(maxsize=16)
def course_index(lang: str, size: int, overlap: int, unit: str, encoder: str) -> Index:
    """The course's texts in `lang`, chunked and indexed (the same for everyone: cached)."""
    return build_index(chunk_docs(course_docs(lang), size, overlap, unit), lang, encoder)


def visitor_index(own_docs, lang: str, size: int, overlap: int, unit: str, encoder: str) -> Index:
    """The course's texts and the visitor's files together (theirs alone: never cached here)."""
    if not own_docs:
        return course_index(normalize(lang), size, overlap, unit, encoder)
    docs = course_docs(lang) + tuple(own_docs)
    return build_index(chunk_docs(docs, size, overlap, unit), lang, encoder)


# --- searching ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ranking:
    ids: np.ndarray           # chunk indices, best first
    scores: np.ndarray        # the method's score of each


def top(scores: np.ndarray, k: int) -> Ranking:
    k = min(k, len(scores))
    order = np.argsort(-scores, kind="stable")[:k]
    return Ranking(order, scores[order])


def bm25_scores(index: Index, question: str) -> np.ndarray:
    words = bm25_tokens([question], index.lang)[0]
    if not words:                      # only stop words, emoji or punctuation: no word matches
        return np.zeros(len(index.chunks))
    return np.asarray(index.bm25.get_scores(words), dtype=np.float64)


def dense_exact(index: Index, query: np.ndarray, k: int) -> Ranking:
    """Every chunk's cosine with the query (unit vectors: a dot product), the k highest."""
    return top(index.vectors @ query, k)


def dense_ann(index: Index, query: np.ndarray, k: int, ef: int = 16) -> Ranking:
    """HNSW: walk the graph from its entry point, keeping `ef` candidates (efSearch)."""
    import faiss

    params = faiss.SearchParametersHNSW(efSearch=int(ef))
    scores, ids = index.hnsw.search(query[None, :].astype(np.float32), min(k, len(index.chunks)),
                                    params=params)
    keep = ids[0] >= 0
    return Ranking(ids[0][keep], scores[0][keep].astype(np.float64))


def fuse(rankings: list[np.ndarray], n: int, k: int) -> Ranking:
    """Reciprocal rank fusion: each list adds 1 / (RRF_K + rank) to the chunks it ranks."""
    score = np.zeros(n)
    for ids in rankings:
        score[ids] += 1.0 / (RRF_K + np.arange(1, len(ids) + 1))
    return top(score, k)


def search(index: Index, question: str, k: int = 3, ef: int = 16,
           query: np.ndarray | None = None) -> dict[str, Ranking]:
    """The k best chunks by each method. Hybrid fuses the full BM25 and dense rankings."""
    if query is None:
        query = index.embed([question])[0]
    n = len(index.chunks)
    bm25 = top(bm25_scores(index, question), n)
    dense = dense_exact(index, query, n)
    return {"bm25": Ranking(bm25.ids[:k], bm25.scores[:k]),
            "dense": Ranking(dense.ids[:k], dense.scores[:k]),
            "ann": dense_ann(index, query, k, ef),
            "hybrid": fuse([bm25.ids, dense.ids], n, k)}


def timed_search(index: Index, question: str, k: int = 3, ef: int = 16):
    """`search`, and the milliseconds of each stage: embed (the question), bm25, dense, ann."""
    import time

    clock = time.perf_counter
    t0 = clock()
    query = index.embed([question])[0]
    t1 = clock()
    bm25_scores(index, question)
    t2 = clock()
    dense_exact(index, query, k)
    t3 = clock()
    dense_ann(index, query, k, ef)
    t4 = clock()
    ms = {"embed": t1 - t0, "bm25": t2 - t1, "dense": t3 - t2, "ann": t4 - t3}
    return search(index, question, k, ef, query), query, {s: 1000 * v for s, v in ms.items()}


def check_question(question) -> str:
    return validate.text(question, MAX_QUESTION_CHARS).strip()


# --- 4. measuring -----------------------------------------------------------------------------

def answers(chunk: Chunk, item: dict, doc_text: str) -> bool:
    """Does `chunk` hold the passage that answers `item`? At least half of the passage (or of
    the chunk, if shorter) inside it."""
    if chunk.doc != item["doc"] or chunk.own:
        return False
    start = doc_text.index(item["passage"])
    end = start + len(item["passage"])
    inside = min(end, chunk.end) - max(start, chunk.start)
    return inside >= 0.5 * min(end - start, chunk.end - chunk.start)


@lru_cache(maxsize=16)
def recall(lang: str, size: int, overlap: int, unit: str, encoder: str, ef: int = 16) -> dict:
    """Recall@1 and recall@3 of each method on the team's questions in `lang`, over the
    course's index: {method: {1: r, 3: r}}, plus "n" (questions) and "hits" per question."""
    lang = normalize(lang)
    index = course_index(lang, size, overlap, unit, encoder)
    texts = {d.name: d.text for d in course_docs(lang)}
    items = [q for q in eval_questions() if q["lang"] == lang]
    queries = index.embed([q["question"] for q in items])
    hits = {m: np.zeros((len(items), 2), bool) for m in METHODS}
    for i, (item, query) in enumerate(zip(items, queries)):
        found = search(index, item["question"], 3, ef, query)
        for m in METHODS:
            good = [answers(index.chunks[j], item, texts[item["doc"]]) for j in found[m].ids]
            hits[m][i] = (any(good[:1]), any(good[:3]))
    return {"n": len(items),
            **{m: {1: float(h[:, 0].mean()), 3: float(h[:, 1].mean())} for m, h in hits.items()}}


class Collection:
    """One visitor's own documents and the last index built over them with the course's.
    Lives in that visitor's gr.State only (each session gets its own copy), so one visitor's
    files are never searched for another."""

    def __init__(self, docs: tuple[Doc, ...] = ()):
        self.docs = tuple(docs)
        self._key: tuple | None = None
        self._index: Index | None = None

    def names(self) -> list[str]:
        return [d.name for d in self.docs]

    def index(self, lang: str, size: int, overlap: int, unit: str, encoder: str) -> Index:
        if not self.docs:
            return course_index(normalize(lang), size, overlap, unit, encoder)
        key = (normalize(lang), size, overlap, unit, encoder)
        if key != self._key:
            self._index = visitor_index(self.docs, lang, size, overlap, unit, encoder)
            self._key = key
        return self._index

    def all_docs(self, lang: str) -> tuple[Doc, ...]:
        return course_docs(lang) + self.docs
