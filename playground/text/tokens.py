"""How text becomes numbers: one text through every tokenizer, token by token.

A language model never sees letters. A tokenizer cuts the text into tokens from a fixed
vocabulary and hands the model their ids. Characters need a huge vocabulary and long
sequences; bytes need only 256 ids but make ñ two tokens; byte-pair encoding (Sennrich et
al., 2016; GPT-2, Radford et al., 2019) and WordPiece (BERT, Devlin et al., 2018) learn a
vocabulary of frequent pieces in between. The vocabularies were learned mostly on English,
which is why the same sentence costs more tokens in Spanish.

This module computes (cached by text) what the Tokens lesson shows:
- `compare`: the text through every tokenizer, with counts and characters per token;
- `language_costs`: a sentence in Spanish and in English, tokens in each;
- `bert_view`: BERT's [CLS] / [SEP] / [PAD] / [MASK] around a sentence;
- `chat_view`: SmolLM2's chat template, its special tokens made visible;
- `bpe_state`: the steps of playground.text.bpe, BPE trained on the visitor's text.
Each token is a `Chip`: its label, id and bytes (byte pieces made readable by
playground.text.pieces). Figures and HTML: playground.text.tokens_figures.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from playground.backends import tokenizers
from playground.core.errors import UserError
from playground.text import bpe
from playground.text.pieces import readable, stands_for

# The order of the comparison: from one token per character to learned vocabularies.
ORDER = ("chars", "bytes", "gpt2", "cl100k", "o200k", "smollm2", "gemma3", "bert")
# pieces add up to the text's bytes (Gemma's through its byte fallback)
BYTE_LEVEL = {"bytes", "gpt2", "cl100k", "o200k", "smollm2", "gemma3"}
MAX_DRAWN = 250       # chips drawn per tokenizer; the counts always cover the whole text
MAX_PAD = 128         # longest BERT sequence the padding slider asks for
MAX_CHAT = 2_000      # characters of a chat message

EXAMPLES = {
    "es": "Los modelos de lenguaje no leen letras: leen tokens, trocitos de texto convertidos "
          "en números. ¿Cuántos tokens cuesta «pingüino» 🐧?",
    "en": "Language models don't read letters: they read tokens, pieces of text turned into "
          "numbers. How many tokens does “penguin” 🐧 cost?",
}

# The same sentence in both languages (Spanish, English), for the cost comparison.
PAIRS = {
    "course": (EXAMPLES["es"], EXAMPLES["en"]),
    "cat": ("El gato se sentó en la alfombra porque tenía frío.",
            "The cat sat on the mat because it was cold."),
    "science": ("La inteligencia artificial generativa aprende patrones de millones de ejemplos "
                "y después crea textos, imágenes y sonidos nuevos.",
                "Generative artificial intelligence learns patterns from millions of examples "
                "and then creates new texts, images and sounds."),
    "kitchen": ("Añade dos huevos, un poco de azúcar y mézclalo todo durante cinco minutos.",
                "Add two eggs, a little sugar and mix everything for five minutes."),
}

BPE_EXAMPLE = ("El perro de San Roque no tiene rabo porque Ramón Ramírez se lo ha cortado. "
               "El perro corre, el perrito corre más, y los perros corren todos juntos por "
               "el parque. ¿Quién corre más rápido? El perro que corre menos no es el perro "
               "más lento.")

# Sennrich et al.'s textbook corpus, as words in a sentence: its first merges are checked by
# hand in tests/test_bpe.py (e + s, es + t, l + o, lo + w, " " + low).
BPE_CLASSIC = ("low low low low low lower lower newest newest newest newest newest newest "
               "widest widest widest")

# --- chips ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chip:
    label: str            # what the chip shows
    id: int
    piece: bytes = b""    # the bytes it stands for (tooltip)
    note: str = ""        # under the id: the character a byte piece belongs to
    special: bool = False
    new: bool = False     # outlined: made by the current BPE merge


def chips_for(name: str, tokens, text: str) -> list[Chip]:
    """Chips of `tokens` made by the tokenizer `name` from `text`."""
    if name in BYTE_LEVEL:
        notes = stands_for(tokens, text)
        return [Chip(readable(tok.piece), tok.id, tok.piece, note)
                for tok, note in zip(tokens, notes)]
    if name == "bert":   # the vocabulary entry ('##ing', '[UNK]'); [UNK] says what it hides
        return [Chip(tok.label, tok.id, tok.piece,
                     tok.piece.decode("utf-8", "replace") if tok.label == "[UNK]" else "")
                for tok in tokens]
    return [Chip(readable(tok.piece), tok.id, tok.piece) for tok in tokens]


# --- 1. the comparison -----------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    name: str
    tokens: tuple          # tokenizers.Token: the first MAX_DRAWN, the ones drawn
    count: int             # tokens of the whole text
    n_chars: int

    @property
    def chars_per_token(self) -> float:
        return self.n_chars / max(1, self.count)


@lru_cache(maxsize=32)
def compare(text: str) -> tuple[Row, ...]:
    """`text` through every tokenizer in ORDER (cached: the language switch reuses it).
    Only the tokens that are drawn are kept, so a cached 20,000-character text stays small."""
    rows = []
    for name in ORDER:
        encoded = tokenizers.get(name).encode(text)
        rows.append(Row(name, tuple(encoded[:MAX_DRAWN]), len(encoded), len(text)))
    return tuple(rows)


def compare_numbers(rows) -> dict:
    return {r.name: {"tokens": r.count, "chars_per_token": round(r.chars_per_token, 3),
                     "ids": [tok.id for tok in r.tokens]} for r in rows}


# --- 2. Spanish against English ----------------------------------------------------------------

def language_costs(es_text: str, en_text: str) -> dict[str, tuple[int, int]]:
    """Tokens of each tokenizer for the Spanish and the English text: {name: (es, en)}."""
    es, en = compare(es_text), compare(en_text)
    return {a.name: (a.count, b.count) for a, b in zip(es, en)}


# --- 3. BERT's special tokens -------------------------------------------------------------------

BERT_SPECIALS = ("[CLS]", "[SEP]", "[PAD]", "[MASK]")


@dataclass(frozen=True)
class BertView:
    chips: tuple[Chip, ...]
    input_ids: tuple[int, ...]
    attention_mask: tuple[int, ...]
    truncated: bool
    masked: int            # word pieces replaced by [MASK]


def _special_ids(tok) -> dict[str, int]:
    return {s: tok.ids(s)[0] for s in BERT_SPECIALS}   # the tokenizer knows its own specials


def _word_spans(text: str, word: str) -> list[tuple[int, int]]:
    """Character spans of `word` in `text`, as a whole word, any case."""
    pattern = r"(?<!\w)" + re.escape(word.strip()) + r"(?!\w)"
    return [m.span() for m in re.finditer(pattern, text, flags=re.IGNORECASE)]


def bert_view(text: str, pad_to: int = 0, mask_word: str = "") -> BertView:
    """[CLS] text [SEP], masked and padded (or cut) as BERT's tokenizer would.

    pad_to = 0: no padding. Otherwise the sequence is exactly pad_to long: [PAD] fills it
    (attention mask 0), or the text is cut so that [SEP] still ends it
    (`padding="max_length", truncation=True, max_length=pad_to` in transformers).
    mask_word: every word piece of that word (each occurrence) becomes [MASK].
    """
    if pad_to == 1:
        raise UserError("tokens_error_pad", limit=MAX_PAD)
    tok = tokenizers.get("bert")
    sp = _special_ids(tok)
    tokens = tok.encode(text)
    spans, pos = [], 0                                # each token's span in the text
    for token in tokens:
        piece = token.piece.decode("utf-8", "replace")
        start = text.find(piece, pos) if piece else pos
        start = pos if start < 0 else start
        spans.append((start, start + len(piece)))
        pos = start + len(piece)
    masked_spans = _word_spans(text, mask_word) if mask_word.strip() else []
    if mask_word.strip() and not masked_spans:
        raise UserError("tokens_error_mask_not_found", word=mask_word.strip())
    body = []
    for token, (s, e) in zip(tokens, spans):
        if any(a <= s and e <= b for a, b in masked_spans):
            body.append(Chip("[MASK]", sp["[MASK]"], token.piece, readable(token.piece), True))
        else:
            body.append(Chip(token.label, token.id, token.piece,
                             token.piece.decode("utf-8", "replace") if token.label == "[UNK]" else ""))
    truncated = bool(pad_to) and len(body) + 2 > pad_to
    if truncated:
        body = body[:max(0, pad_to - 2)]
    chips = [Chip("[CLS]", sp["[CLS]"], special=True), *body, Chip("[SEP]", sp["[SEP]"], special=True)]
    mask = [1] * len(chips)
    if pad_to and len(chips) < pad_to:
        n_pad = pad_to - len(chips)
        chips += [Chip("[PAD]", sp["[PAD]"], special=True)] * n_pad
        mask += [0] * n_pad
    return BertView(tuple(chips), tuple(c.id for c in chips), tuple(mask), truncated,
                    sum(1 for c in body if c.label == "[MASK]"))


# --- 4. SmolLM2's chat template ---------------------------------------------------------------

@dataclass(frozen=True)
class ChatView:
    text: str                   # the template's output, special tokens written out
    chips: tuple[Chip, ...]
    n_special: int


def chat_view(user: str, system: str = "") -> ChatView:
    """The conversation as SmolLM2 reads it: its chat template, token by token."""
    from playground import backends

    model = backends.get("smollm2")                   # the template comes with the model
    messages = ([{"role": "system", "content": system}] if system.strip() else []) + \
        [{"role": "user", "content": user}]
    ids = model.chat_ids(messages, add_generation_prompt=True)
    text = model.decode(ids)
    tokens = tokenizers.get("smollm2").encode(text)   # same ids, with their bytes
    if [tok.id for tok in tokens] != list(ids):
        raise RuntimeError("the chat template's ids and the tokenizer's disagree")
    special = set(model.tokenizer.all_special_ids)
    notes = stands_for(tokens, text)
    chips = tuple(Chip(readable(tok.piece) if tok.id not in special else tok.label, tok.id,
                       tok.piece, note, tok.id in special) for tok, note in zip(tokens, notes))
    return ChatView(text, chips, sum(c.special for c in chips))


# --- 5. BPE from scratch, step by step -------------------------------------------------------------

@dataclass(frozen=True)
class BpeState:
    """The BPE trained on a text (playground.text.bpe), seen after `step` merges."""
    model: object                 # bpe.BPE
    step: int                     # merges applied: at most the ones learned
    asked: int                    # merges the visitor asked for
    ids: tuple[int, ...]          # the text's tokens after `step` merges
    lengths: tuple[int, ...]      # tokens after 0, 1, 2, ... merges

    @property
    def new_id(self) -> int | None:
        return self.model.merges[self.step - 1].new_id if self.step else None

    def chips(self, limit: int) -> list[Chip]:
        """The first `limit` tokens as chips; the current merge's new token outlined."""
        shown = [tokenizers.Token(i, self.model.piece(i), "") for i in self.ids[:limit]]
        return [Chip(readable(tok.piece), tok.id, tok.piece, note, new=tok.id == self.new_id)
                for tok, note in zip(shown, stands_for(shown, self.model.text))]

    def numbers(self) -> dict:
        merges = self.model.merges
        return {"merges_learned": len(merges), "step": self.step, "tokens": len(self.ids),
                "bytes": self.model.start_tokens,
                "merges": [[m.pair[0], m.pair[1], m.new_id, m.count] for m in merges[:self.step]]}


def bpe_state(text: str, step: int) -> BpeState:
    """BPE trained on `text` (cached), after `step` merges (or all it learned, if fewer)."""
    model = bpe.train_cached(text)
    k = min(step, len(model.merges))
    lengths = (model.start_tokens, *(m.tokens_after for m in model.merges))
    return BpeState(model, k, step, tuple(model.encode(text, k)), lengths)
