"""BPE from scratch: the first merges of textbook corpora, checked by hand, and round trips.

Hand check of "low lower lowest newest widest" (chunks: "low", " lower", " lowest",
" newest", " widest"): pairs seen 3 times are l+o, o+w, w+e, e+s, s+t; l+o is seen first,
so it is merged first; then lo+w (3); then e+s (3, before s+t); then es+t (3); now
" " + low occurs twice (" lower", " lowest") and every other pair once.
"""
import pytest

from playground.text import bpe
from playground.text.tokens import BPE_CLASSIC


def merged_pieces(model, n=None):
    return [(model.piece(m.pair[0]), model.piece(m.pair[1])) for m in model.merges[:n]]


def test_first_merges_of_a_small_corpus_checked_by_hand():
    model = bpe.train("low lower lowest newest widest", 5)
    assert merged_pieces(model) == [(b"l", b"o"), (b"lo", b"w"), (b"e", b"s"), (b"es", b"t"),
                                    (b" ", b"low")]
    assert [m.count for m in model.merges] == [3, 3, 3, 3, 2]


def test_sennrich_corpus_with_frequencies():
    # low x5, lower x2, newest x6, widest x3 (Sennrich et al., 2016, the worked example):
    # e+s and es+t occur 9 times (newest + widest), l+o and lo+w 7, then " "+low 6 (first seen)
    model = bpe.train(BPE_CLASSIC, 5)
    assert merged_pieces(model) == [(b"e", b"s"), (b"es", b"t"), (b"l", b"o"), (b"lo", b"w"),
                                    (b" ", b"low")]
    assert [m.count for m in model.merges] == [9, 9, 7, 7, 6]


def test_new_ids_follow_the_256_bytes_and_stand_for_the_concatenation():
    model = bpe.train(BPE_CLASSIC, 8)
    assert [m.new_id for m in model.merges] == list(range(256, 264))
    for m in model.merges:
        assert model.vocab[m.new_id] == model.vocab[m.pair[0]] + model.vocab[m.pair[1]]
    assert model.start_tokens == len(BPE_CLASSIC.encode("utf-8"))


MIXED = "El pingüino comió ñoquis 🐧🐧 en el año 2024; ¿qué tal?\n\tNaïve café, café, café!  fin  "


@pytest.mark.parametrize("n", [0, 1, 5, 40, None])
def test_round_trip(n):
    model = bpe.train(MIXED * 3)
    assert model.decode(model.encode(MIXED, n)) == MIXED
    assert model.decode(model.encode("texto nunca visto, 東京 ✨")) == "texto nunca visto, 東京 ✨"


def test_chunks_cover_the_whole_text():
    assert "".join(bpe.CHUNK.findall(MIXED)) == MIXED


def test_no_merge_crosses_a_word():
    model = bpe.train("ab ab ab ab")
    pieces = [model.piece(m.new_id) for m in model.merges]
    assert all(b" " not in p[1:] for p in pieces)            # a space only leads a piece


def test_encoding_the_training_text_replays_the_training():
    text = MIXED * 4
    model = bpe.train(text)
    for k in (0, 1, 3, 10, len(model.merges)):
        expected = model.start_tokens if k == 0 else model.merges[k - 1].tokens_after
        assert len(model.encode(text, k)) == expected


def test_stops_when_no_pair_repeats():
    model = bpe.train("abcdef", 50)
    assert model.merges == ()
    model = bpe.train("abab", 50)
    assert merged_pieces(model) == [(b"a", b"b")]


def test_accented_letters_start_as_two_bytes_and_merge():
    model = bpe.train("ñ ñ ñ ñ", 1)
    assert model.start_tokens == 4 * 2 + 3
    assert merged_pieces(model) == [(b"\xc3", b"\xb1")]       # ñ is C3 B1 in UTF-8


def test_training_is_cached_by_text():
    assert bpe.train_cached("hola hola") is bpe.train_cached("hola hola")
