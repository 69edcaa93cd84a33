"""RAG: chunking, BM25, exact and approximate dense search, fusion, recall on the team's
questions, the visitor's files (limits, PDF, isolation between visitors), and the API."""
import math
import zlib

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from playground.core.errors import UserError
from playground.lifecycle import rag, rag_answer, rag_files
from tests.test_bad_input import call_raw, error_message

DEFAULT = (400, 80, "chars")


# --- chunking ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size,overlap,unit", [(400, 80, "chars"), (80, 40, "chars"), (300, 0, "chars"),
                                               (60, 12, "words"), (15, 7, "words")])
def test_chunks_keep_their_offsets_and_cover_the_text(size, overlap, unit):
    for doc in rag.course_docs("es") + rag.course_docs("en"):
        chunks = rag.chunk_docs([doc], size, overlap, unit)
        covered = np.zeros(len(doc.text), bool)
        for c in chunks:
            assert doc.text[c.start:c.end] == c.text and c.text.strip() == c.text
            covered[c.start:c.end] = True
            if unit == "chars":
                assert len(c.text) <= size
        assert all(ch.isspace() for ch, on in zip(doc.text, covered) if not on)
        if unit == "words":          # every chunk `size` words but the last; neighbours share `overlap`
            words = [c.text.split() for c in chunks]
            assert all(len(w) == size for w in words[:-1])
            assert all(a[-overlap:] == b[:overlap] for a, b in zip(words, words[1:]) if overlap)


def test_character_chunks_overlap_by_at_most_the_overlap_and_never_cut_words():
    text = rag.course_docs("en")[0].text
    spans = rag.chunk_spans(text, 200, 50, "chars")
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert 0 <= e1 - s2 <= 50 + 20                           # back to a word's start
        assert s2 == 0 or text[s2 - 1].isspace()
    assert len(spans) > 3


# --- the index ---------------------------------------------------------------------------------

def test_bm25_scores_equal_the_lucene_formula_by_hand():
    docs = [rag.Doc("a", "the cat sat on the mat"), rag.Doc("b", "a dog barked"),
            rag.Doc("c", "the cat and the dog played with the cat")]
    chunks = rag.chunk_docs(docs, 2000, 0)
    index = rag.build_index(chunks, "en", "minilm")
    scores = rag.bm25_scores(index, "Cat dog?")
    # Stop words out (the, on, a, and, with); words of two letters or more.
    bags = [["cat", "sat", "mat"], ["dog", "barked"], ["cat", "dog", "played", "cat"]]
    avg = sum(map(len, bags)) / 3
    k1, b = 1.5, 0.75

    def idf(word):
        df = sum(word in bag for bag in bags)
        return math.log(1 + (3 - df + 0.5) / (df + 0.5))

    expected = [sum(idf(w) * bag.count(w) / (bag.count(w) + k1 * (1 - b + b * len(bag) / avg))
                    for w in ("cat", "dog")) for bag in bags]
    np.testing.assert_allclose(scores, expected, rtol=1e-5)


def test_dense_exact_search_equals_scikit_learns_cosine_neighbours():
    from sklearn.neighbors import NearestNeighbors

    index = rag.course_index("es", *DEFAULT, "multilingual")
    questions = [q["question"] for q in rag.eval_questions() if q["lang"] == "es"][:10]
    queries = index.embed(questions)
    nn = NearestNeighbors(n_neighbors=5, metric="cosine").fit(index.vectors)
    distance, ids = nn.kneighbors(queries)
    for q, d, i in zip(queries, distance, ids):
        mine = rag.dense_exact(index, q, 5)
        assert mine.ids.tolist() == i.tolist()
        np.testing.assert_allclose(mine.scores, 1 - d, atol=1e-5)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_hnsw_index_finds_the_exact_top_1(lang):
    index = rag.course_index(lang, *DEFAULT, rag.DEFAULT_ENCODER[lang])
    queries = index.embed([q["question"] for q in rag.eval_questions() if q["lang"] == lang])
    same = [rag.dense_ann(index, q, 1).ids[0] == rag.dense_exact(index, q, 1).ids[0] for q in queries]
    assert np.mean(same) >= 0.95


def test_reciprocal_rank_fusion_by_hand():
    fused = rag.fuse([np.array([2, 0, 1]), np.array([0, 1, 2])], 3, 3)
    expected = {0: 1 / 62 + 1 / 61, 1: 1 / 63 + 1 / 62, 2: 1 / 61 + 1 / 63}
    assert fused.ids.tolist() == [0, 2, 1]
    np.testing.assert_allclose(fused.scores, [expected[i] for i in (0, 2, 1)])


def test_every_eval_passage_is_in_its_document_and_both_languages_have_enough():
    items = rag.eval_questions()
    for lang in ("es", "en"):
        texts = {d.name: d.text for d in rag.course_docs(lang)}
        mine = [q for q in items if q["lang"] == lang]
        assert len(mine) >= 15
        for q in mine:
            assert q["passage"] in texts[q["doc"]]
    assert len(items) >= 30


@pytest.mark.parametrize("lang", ["es", "en"])
def test_recall_on_the_teams_questions(lang):
    result = rag.recall(lang, *DEFAULT, rag.DEFAULT_ENCODER[lang])
    assert result["n"] >= 15
    # About 50 chunks: a random ranking finds the passage in its first 3 about 6 % of the time.
    assert result["hybrid"][3] >= 0.85
    assert result["bm25"][3] >= 0.8 and result["dense"][3] >= 0.75
    assert result["hybrid"][3] >= result["dense"][3]


def test_a_question_finds_its_passage_by_every_method():
    index = rag.course_index("es", *DEFAULT, "multilingual")
    found = rag.search(index, "¿Qué guarda la caché KV?", 3)
    for method in rag.METHODS:
        assert any("claves y los valores" in index.chunks[i].text for i in found[method].ids), method


# --- the answer ---------------------------------------------------------------------------------

def test_the_prompt_holds_the_retrieved_chunks_and_the_question_exactly():
    index = rag.course_index("en", *DEFAULT, "minilm")
    question = "What does the KV cache store?"
    chunks = [index.chunks[i] for i in rag.search(index, question, 2)["hybrid"].ids]
    with_rag, without = rag_answer.contexts(question, chunks, "en", "smollm2", 40)
    for c in chunks:
        assert " ".join(c.text.split()) in with_rag.text
    assert with_rag.text.rstrip().endswith("assistant") and question in with_rag.text
    assert "[1]" in with_rag.text and "[1]" not in without.text and question in without.text


def test_key_fact_and_citations():
    assert rag_answer.contains_fact("Se llama EPOCA.", ["época"])
    assert not rag_answer.contains_fact("No lo sé.", ["época"])
    assert rag_answer.citations("Sí [2], y también [2] y [9] y [1].", 3) == [2, 1]


# --- the visitor's files ---------------------------------------------------------------------------

def tiny_pdf(text: str) -> bytes:
    """A one-page PDF written by hand (PDF 1.4: catalog, pages, page, font, content stream)."""
    stream = zlib.compress(f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_text_is_extracted():
    text = rag_files.read_text("notes.pdf", tiny_pdf("The zorblat lives in Quito"))
    assert "zorblat lives in Quito" in text


@pytest.mark.parametrize("name,data,key", [
    ("empty.txt", b"", "rag_error_empty_file"),
    ("blank.md", b"  \n\t\n", "rag_error_empty_file"),
    ("huge.txt", b"a" * (rag_files.MAX_BYTES + 1), "rag_error_bytes"),
    ("many.txt", b"ab " * 110_000, "rag_error_chars"),
    ("binary.txt", bytes(range(256)), "rag_error_binary"),
    ("latin1.txt", "canción".encode("latin-1"), "rag_error_encoding"),
    ("image.png", b"\x89PNG", "rag_error_type"),
    ("fake.pdf", b"%PDF-1.4 nothing else", "rag_error_pdf"),
    ("notpdf.pdf", b"hello", "rag_error_pdf"),
])
def test_bad_files_get_a_clear_message(name, data, key):
    with pytest.raises(UserError) as caught:
        rag_files.read_text(name, data)
    assert caught.value.key == key


def test_limits_on_the_number_of_files_and_on_all_their_text():
    files = [(f"f{i}.txt", b"hola mundo") for i in range(rag_files.MAX_FILES + 1)]
    with pytest.raises(UserError, match="rag_error_files"):
        rag_files.add_files((), files)
    big = [(f"g{i}.txt", b"x " * 80_000) for i in range(2)]
    with pytest.raises(UserError, match="rag_error_total_chars"):
        rag_files.add_files((), big)
    docs = rag_files.add_files((), [("a.txt", "ñandú 🦤".encode())])
    assert docs[0].own and docs[0].text == "ñandú 🦤"


# --- the API (one test per api_name) -------------------------------------------------------------

SEARCH = dict(size=400, overlap=80, unit="chars", encoder="auto", k=3, ef=16)


def search(client, question, lang):
    return client.predict(question, *SEARCH.values(), lang, api_name="/rag_search")


def test_api_rag_chunks(client):
    view, summary, _ = client.predict("rag", 400, 80, "chars", "es", api_name="/rag_chunks")
    text = rag.course_docs("es")[[d.name for d in rag.course_docs("es")].index("rag")].text
    n = len(rag.chunk_spans(text, 400, 80))
    assert f"{n} fragmentos" in summary and 'class="rag-mark"' in view and view.count("rag-mark\">") == n


def test_api_rag_search_in_both_languages(client):
    results, note, figure = search(client, "¿Qué guarda la caché KV?", "es")
    assert "Híbrida" in results and "claves y los valores" in results and "fragmentos indexados" in note
    results, note, _ = search(client, "What does the KV cache store?", "en")
    assert "Hybrid" in results and "keys and values" in results and "chunks indexed" in note


def test_api_rag_search_bad_input_is_a_message_in_the_visitors_language(client, app_url):
    with pytest.raises(AppError, match="vacío|vacía|escribe|Escribe"):
        search(client, "   ", "es")
    with pytest.raises(AppError, match=str(rag.MAX_QUESTION_CHARS)):
        search(client, "a" * 100_000, "en")
    kind, data = call_raw(app_url, "/rag_search", ["hi", 400, 80, "chars", "auto", float("nan"), 16, "es"])
    assert kind == "error" and "número finito" in error_message(data)
    with pytest.raises(AppError):
        client.predict("hi", 400, 300, "chars", "auto", 3, 16, "en", api_name="/rag_search")
    results, _, _ = search(client, "🦙🦙 ¿caché? 🦙", "es")
    assert "<table" in results
    results, _, _ = search(client, "🤖🧠✨ " * 50, "es")        # no word at all: BM25 scores 0
    assert "<table" in results


def test_api_rag_recall(client):
    figure, table = client.predict(400, 80, "chars", "auto", "en", api_name="/rag_recall")
    result = rag.recall("en", 400, 80, "chars", "minilm")
    assert f"{result['hybrid'][3]:.2f}" in table and "recall@3" in table


def test_api_rag_answer_streams_with_and_without_retrieval(client):
    prompt, with_rag, without = client.predict("What does the KV cache store?", *SEARCH.values(),
                                               "smollm2", 16, "en", api_name="/rag_answer")
    assert "keys and values" in prompt and "Passages:" in prompt
    assert with_rag.strip() and without.strip() and ("Cites" in with_rag)


def test_api_rag_upload_is_seen_by_its_visitor_only(app_url, tmp_path):
    notes = tmp_path / "my-notes.md"
    notes.write_text("The zorblat is a purple animal that lives in Quito and eats lemons.", encoding="utf-8")
    mine, other = Client(app_url, verbose=False), Client(app_url, verbose=False)
    status, _ = mine.predict([handle_file(str(notes))], "en", api_name="/rag_upload")
    assert "my-notes.md" in status
    question = "Where does the zorblat live?"
    assert "zorblat" in search(mine, question, "en")[0]
    assert "zorblat" not in search(other, question, "en")[0]
    with pytest.raises(AppError, match="UTF-8"):
        bad = tmp_path / "latin.txt"
        bad.write_bytes("canción".encode("latin-1"))
        mine.predict([handle_file(str(bad))], "es", api_name="/rag_upload")


def test_the_answering_model_is_never_the_heavy_optional_one_unless_chosen():
    from playground.text import chat

    for lang in ("es", "en"):
        assert rag_answer.default_model(lang) in chat.models()
        assert rag_answer.default_model(lang) not in chat.OPTIONAL
    assert rag_answer.default_model("en") == chat.default_model("en")
