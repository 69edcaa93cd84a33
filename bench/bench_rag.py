"""RAG: how well each retrieval method finds the answer, how fast, and what retrieval does to
the answers. Prints figures; asserts nothing.

    flock /tmp/train.lock .venv/bin/python bench/bench_rag.py [--questions 6] [--tokens 48] [--model gemma3-chat]

1. Recall@1 and recall@3 of BM25, dense exact, dense approximate (faiss HNSW) and hybrid
   (RRF), on the team's questions (assets/rag/eval.json) in each language, over the course's
   lessons chunked at 400 characters with 80 of overlap, with each language's encoder and with
   the other encoder.
2. Index build time per 1,000 chunks (the embeddings apart) and query time of faiss' HNSW
   against exact numpy search, on the course's real chunk vectors tiled with noise to 10,000
   and 50,000 rows (the ratio = numpy / HNSW), with HNSW's top-1 agreement with exact search;
   the time of one whole retrieval before generation (embed the question + BM25 + dense + ANN
   + fusion) on the course's index (target: 50 ms or less).
3. The share of answers holding the question's key fact with and without retrieval: the
   first --questions questions of each language, greedy, at most --tokens tokens, with the
   light chat model (--model; SmolLM2 in English).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

from playground.lifecycle import rag, rag_answer  # noqa: E402

CHUNKING = (400, 80, "chars")


def recall_table() -> None:
    print("1. recall on the team's questions (chunks of 400 characters, overlap 80)")
    print(f"{'lang':4} {'encoder':13} {'n':>3}  " + "  ".join(f"{m + ' @1/@3':>14}" for m in rag.METHODS))
    for lang in ("es", "en"):
        for encoder in (rag.DEFAULT_ENCODER[lang], *(e for e in rag.ENCODERS if e != rag.DEFAULT_ENCODER[lang])):
            r = rag.recall(lang, *CHUNKING, encoder)
            cells = "  ".join(f"{r[m][1]:>6.2f} / {r[m][3]:<5.2f}" for m in rag.METHODS)
            print(f"{lang:4} {encoder:13} {r['n']:>3}  {cells}")


def speed() -> None:
    import faiss

    faiss.omp_set_num_threads(1)
    index = rag.course_index("en", *CHUNKING, "minilm")
    base = index.vectors
    rng = np.random.default_rng(0)
    queries = index.embed([q["question"] for q in rag.eval_questions() if q["lang"] == "en"])
    print(f"\n2. speed ({len(base)} real chunk vectors of {base.shape[1]} numbers, tiled with noise)")
    for n in (10_000, 50_000):
        X = np.concatenate([base + 0.05 * rng.standard_normal(base.shape).astype(np.float32)
                            for _ in range(n // len(base) + 1)])[:n]
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        t0 = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(X.shape[1], rag.HNSW_M, faiss.METRIC_INNER_PRODUCT)
        hnsw.add(X)
        build = time.perf_counter() - t0
        reps = 20
        t0 = time.perf_counter()
        for _ in range(reps):
            exact = np.array([np.argmax(X @ q) for q in queries])
        t_exact = (time.perf_counter() - t0) / (reps * len(queries))
        for ef in (16, 64):
            params = faiss.SearchParametersHNSW(efSearch=ef)
            t0 = time.perf_counter()
            for _ in range(reps):
                got = np.array([hnsw.search(q[None], 1, params=params)[1][0, 0] for q in queries])
            t_ann = (time.perf_counter() - t0) / (reps * len(queries))
            print(f"  n={n:>6}: HNSW build {1000 * build / (n / 1000):.1f} ms per 1,000 chunks; query: numpy "
                  f"{1000 * t_exact:.2f} ms, HNSW(ef={ef}) {1000 * t_ann:.3f} ms, ratio numpy/HNSW "
                  f"{t_exact / t_ann:.1f}x; HNSW top-1 = exact top-1 for {np.mean(got == exact):.0%}")
    for lang in ("es", "en"):
        index = rag.course_index(lang, *CHUNKING, rag.DEFAULT_ENCODER[lang])
        t0 = time.perf_counter()
        rag.build_index(index.chunks, lang, index.encoder)
        build = time.perf_counter() - t0
        questions = [q["question"] for q in rag.eval_questions() if q["lang"] == lang]
        t0 = time.perf_counter()
        for q in questions:
            rag.search(index, q, 3)
        per = (time.perf_counter() - t0) / len(questions)
        print(f"  {lang} course index: {len(index.chunks)} chunks, built (embeddings included) in {build:.2f} s "
              f"= {1000 * build / len(index.chunks):.0f} s per 1,000 chunks; one whole retrieval "
              f"(embed + BM25 + dense + HNSW + fusion) {1000 * per:.1f} ms")


def answers(n: int, tokens: int, model: str) -> None:
    print(f"\n3. key fact in the answer, {n} questions per language, greedy, at most {tokens} tokens")
    for lang in ("es", "en"):
        used = model if lang == "es" else "smollm2"
        index = rag.course_index(lang, *CHUNKING, rag.DEFAULT_ENCODER[lang])
        items = [q for q in rag.eval_questions() if q["lang"] == lang][:n]
        hits = np.zeros((len(items), 2), bool)
        t0 = time.perf_counter()
        for i, item in enumerate(items):
            chunks = [index.chunks[j] for j in rag.search(index, item["question"], 3)["hybrid"].ids]
            with_rag, without = rag_answer.contexts(item["question"], chunks, lang, used, tokens)
            *_, (a, b) = rag_answer.answer_pair(with_rag, without, used, tokens)
            hits[i] = (rag_answer.contains_fact(a, item["keywords"]), rag_answer.contains_fact(b, item["keywords"]))
        print(f"  {lang} ({used}): with retrieval {hits[:, 0].mean():.0%}, without {hits[:, 1].mean():.0%} "
              f"({len(items)} questions, {time.perf_counter() - t0:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=6)
    parser.add_argument("--tokens", type=int, default=48)
    parser.add_argument("--model", default="gemma3-chat", help="the Spanish answers' model")
    args = parser.parse_args()
    recall_table()
    speed()
    answers(args.questions, args.tokens, args.model)


if __name__ == "__main__":
    main()
