"""How text becomes numbers: one text through every tokenizer, drawn as coloured chips.

A language model never sees letters. A tokenizer cuts the text into tokens from a fixed
vocabulary and hands the model their ids. Characters need a huge vocabulary and long
sequences; bytes need only 256 ids but make ñ two tokens; byte-pair encoding (Sennrich et
al., 2016; GPT-2, Radford et al., 2019) and WordPiece (BERT, Devlin et al., 2018) learn a
vocabulary of frequent pieces in between. The vocabularies were learned mostly on English,
which is why the same sentence costs more tokens in Spanish.

This module computes (cached by text) and presents:
- `compare`: the text through every tokenizer, with counts and characters per token;
- `language_costs`: a sentence in Spanish and in English, tokens in each;
- `bert_view`: BERT's [CLS] / [SEP] / [PAD] / [MASK] around a sentence;
- `chat_view`: SmolLM2's chat template, its special tokens made visible;
- `bpe_view`: the steps of playground.text.bpe, BPE trained on the visitor's text.
Byte-level pieces that cut a character (ñ is the two bytes C3 B1) are shown as <0xC3>
with the character they belong to, never as a bare replacement character.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from playground.text import bpe
from playground.core import plotstyle
from playground.backends import tokenizers
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.core.plotstyle import fmt

# The order of the comparison: from one token per character to learned vocabularies.
ORDER = ("chars", "bytes", "gpt2", "cl100k", "o200k", "smollm2", "bert")
BYTE_LEVEL = {"bytes", "gpt2", "cl100k", "o200k", "smollm2"}  # pieces add up to the text's bytes
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

N_COLORS = 7          # chip colours c0..c6 in CHIPS_CSS, cycled by position

CHIPS_CSS = """
.tk-box { line-height: 1; }
.tk-head { font-size: 1.05rem; margin: 14px 0 6px; }
.tk-row { display: flex; flex-wrap: wrap; gap: 4px; max-height: 260px; overflow-y: auto;
          padding: 2px; }
.tk { display: inline-flex; flex-direction: column; align-items: center; border-radius: 6px;
      padding: 4px 6px 3px; color: #111; border: 1px solid rgba(0,0,0,.12); min-width: 1.4em; }
.tk b { font-family: ui-monospace, monospace; font-size: 1.1rem; font-weight: 400;
        white-space: pre; color: #111; }
.tk i { font-style: normal; font-size: .72rem; color: #374151; margin-top: 3px; }
.tk u { text-decoration: none; font-size: .72rem; color: #7c2d12; margin-top: 2px; }
.c0 { background: #dbeafe; } .c1 { background: #fde68a; } .c2 { background: #bbf7d0; }
.c3 { background: #fecaca; } .c4 { background: #e9d5ff; } .c5 { background: #fed7aa; }
.c6 { background: #a5f3fc; }
.tk.sp { background: #1f2937; }
.tk.sp b { color: #fff; }
.tk.sp i { color: #d1d5db; }
.tk.sp u { color: #fca5a5; }
.tk.nw { outline: 3px solid #dc2626; }
.tk-note { font-size: .95rem; color: #92400e; background: #fffbeb; border-radius: 6px;
           padding: 6px 10px; margin: 8px 0; }
.tk-mono { font-family: ui-monospace, monospace; font-size: .95rem; white-space: pre-wrap;
           word-break: break-all; margin: 6px 0; }
.tk-table { border-collapse: collapse; font-size: 1rem; margin-top: 8px; }
.tk-table th, .tk-table td { border-bottom: 1px solid #e5e7eb; padding: 4px 12px; text-align: left; }
.tk-table td.tk-t { font-family: ui-monospace, monospace; white-space: pre; }
.tk-scroll { max-height: 320px; overflow-y: auto; }
"""

# --- pieces shown readably ---------------------------------------------------------------

VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍", "\u00a0": "⍽"}


def readable(piece: bytes) -> str:
    """A token's bytes as text a person can read: whitespace made visible, and each byte
    that is only part of a character written as <0xNN> (b'\\xc3' -> '<0xC3>')."""
    out = []
    for c in piece.decode("utf-8", errors="surrogateescape"):
        code = ord(c)
        if 0xDC80 <= code <= 0xDCFF:                     # an undecodable byte, escaped
            out.append(f"<0x{code - 0xDC00:02X}>")
        elif c in VISIBLE:
            out.append(VISIBLE[c])
        elif code < 32 or 0x7F <= code < 0xA0:
            out.append(f"<U+{code:04X}>")
        else:
            out.append(c)
    return "".join(out)


def is_partial(piece: bytes) -> bool:
    """Does the piece cut a character (is it not valid UTF-8 on its own)?"""
    try:
        piece.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def stands_for(tokens, text: str) -> list[str]:
    """For byte-level tokens (pieces adding up to the text's bytes): the characters each
    partial piece belongs to ('' for pieces that are whole characters)."""
    char_at = []                                  # byte offset -> index of its character
    for i, c in enumerate(text):
        char_at += [i] * len(c.encode("utf-8", "surrogatepass"))
    out, start = [], 0
    for tok in tokens:
        end = start + len(tok.piece)
        if is_partial(tok.piece) and end <= len(char_at):
            first, last = char_at[start], char_at[end - 1]
            out.append(text[first:last + 1])
        else:
            out.append("")
        start = end
    return out


# --- chips ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chip:
    label: str            # what the chip shows
    id: int
    piece: bytes = b""    # the bytes it stands for (tooltip)
    note: str = ""        # under the id: the character a byte piece belongs to
    special: bool = False
    new: bool = False     # outlined: made by the current BPE merge


def chips_html(chips, lang: str) -> str:
    """Coloured spans: the token (<b>), its id (<i>), what a byte piece stands for (<u>);
    the bytes in the tooltip. Every text escaped; short tags, as thousands may be drawn."""
    spans = []
    for i, chip in enumerate(chips):
        cls = "tk sp" if chip.special else f"tk c{i % N_COLORS}"
        if chip.new:
            cls += " nw"
        title = t("tokens_chip_title", lang, id=chip.id,
                  bytes=" ".join(f"{b:02X}" for b in chip.piece) or "-")
        note = f"<u>= {html.escape(chip.note)}</u>" if chip.note else ""
        spans.append(f'<span class="{cls}" title="{html.escape(title)}"><b>{html.escape(chip.label)}'
                     f"</b><i>{chip.id}</i>{note}</span>")
    return f'<div class="tk-row">{"".join(spans)}</div>'


def note_html(text: str) -> str:
    return f'<div class="tk-note">{html.escape(text)}</div>'


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


def compare_figure(rows, lang: str):
    names = [t(f"tokens_name_{r.name}", lang) for r in rows]
    y = list(range(len(rows)))[::-1]                  # the first tokenizer on top
    data = [{"type": "bar", "orientation": "h", "x": [r.count for r in rows], "y": y,
             "text": [t("tokens_bar_text", lang, n=r.count, cpt=fmt(r.chars_per_token, 2))
                      for r in rows],
             "textposition": "auto", "cliponaxis": False,
             "marker": {"color": ["#9ca3af", "#9ca3af", *["#1f77b4"] * 4, "#ff7f0e"][:len(rows)]},
             "hovertemplate": "%{text}<extra></extra>"}]
    layout = plotstyle.base_layout(t("tokens_bar_title", lang, chars=rows[0].n_chars),
                                   t("tokens_bar_x", lang), None, height=420)
    layout["yaxis"].update(tickvals=y, ticktext=names, zeroline=False)
    layout["margin"]["l"] = 190
    layout["showlegend"] = False
    return plotstyle.figure(data, layout)


def compare_html(rows, text: str, lang: str) -> str:
    parts = []
    if any(r.count > MAX_DRAWN for r in rows):
        parts.append(note_html(t("tokens_capped", lang, n=MAX_DRAWN)))
    for r in rows:
        head = t("tokens_row_head", lang, name=t(f"tokens_name_{r.name}", lang), n=r.count,
                 cpt=fmt(r.chars_per_token, 2))
        shown = r.tokens
        parts.append(f'<div class="tk-head">{html.escape(head)}</div>'
                     + chips_html(chips_for(r.name, shown, text), lang))
    return f'<div class="tk-box">{"".join(parts)}</div>'


def comparison(text: str, lang: str):
    """Figure, chips and numbers for the comparison: what the page shows."""
    rows = compare(text)
    return compare_figure(rows, lang), compare_html(rows, text, lang), compare_numbers(rows)


# --- 2. Spanish against English ----------------------------------------------------------------

def language_costs(es_text: str, en_text: str) -> dict[str, tuple[int, int]]:
    """Tokens of each tokenizer for the Spanish and the English text: {name: (es, en)}."""
    es, en = compare(es_text), compare(en_text)
    return {a.name: (a.count, b.count) for a, b in zip(es, en)}


def costs_figure(costs: dict, lang: str):
    names = list(costs)
    x = list(range(len(names)))
    es = [costs[n][0] for n in names]
    en = [costs[n][1] for n in names]
    data = [{"type": "bar", "x": x, "y": es, "name": t("tokens_costs_es", lang), "text": es,
             "textposition": "outside", "cliponaxis": False, "marker": {"color": "#c2410c"}},
            {"type": "bar", "x": x, "y": en, "name": t("tokens_costs_en", lang), "text": en,
             "textposition": "outside", "cliponaxis": False, "marker": {"color": "#1d4ed8"}}]
    layout = plotstyle.base_layout(t("tokens_costs_title", lang), None, t("tokens_costs_y", lang),
                                   height=440)
    layout["xaxis"].update(tickvals=x, ticktext=[t(f"tokens_short_{n}", lang) for n in names],
                           zeroline=False)
    layout["barmode"] = "group"
    layout["yaxis"]["range"] = [0, max(es + en + [1]) * 1.18]
    return plotstyle.figure(data, layout)


def costs_summary(costs: dict, lang: str) -> str:
    """One line per learned vocabulary: how many times more the Spanish costs (Markdown)."""
    lines = [t("tokens_costs_intro", lang), ""]
    for name, (es, en) in costs.items():
        if name in ("chars", "bytes"):
            continue
        lines.append(t("tokens_costs_line", lang, name=t(f"tokens_name_{name}", lang),
                       es=es, en=en, ratio=fmt(es / max(1, en), 2)))
    return "\n".join(lines)


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


def bert_html(view: BertView, lang: str) -> str:
    parts = [f'<div class="tk-head">{html.escape(t("tokens_bert_head", lang, n=len(view.chips)))}</div>']
    if view.truncated:
        parts.append(note_html(t("tokens_bert_truncated", lang)))
    parts.append(chips_html(view.chips[:MAX_DRAWN + 2], lang))
    if len(view.chips) > MAX_DRAWN + 2:
        parts.append(note_html(t("tokens_capped", lang, n=MAX_DRAWN)))
    shown = slice(0, MAX_DRAWN + 2)
    parts.append(f'<div class="tk-mono"><b>input_ids</b> = {list(view.input_ids[shown])}</div>'
                 f'<div class="tk-mono"><b>attention_mask</b> = {list(view.attention_mask[shown])}</div>')
    return f'<div class="tk-box">{"".join(parts)}</div>'


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


def chat_html(view: ChatView, lang: str) -> str:
    head = t("tokens_chat_head", lang, n=len(view.chips), special=view.n_special)
    return (f'<div class="tk-box"><div class="tk-head">{html.escape(head)}</div>'
            f'{chips_html(view.chips[:MAX_DRAWN], lang)}'
            + (note_html(t("tokens_capped", lang, n=MAX_DRAWN)) if len(view.chips) > MAX_DRAWN else "")
            + f'<div class="tk-head">{html.escape(t("tokens_chat_text", lang))}</div>'
            f'<div class="tk-mono">{html.escape(view.text[:5000])}</div></div>')


# --- 5. BPE from scratch, step by step -------------------------------------------------------------

def bpe_view(text: str, step: int, lang: str):
    """The BPE trained on `text` (cached), seen after `step` merges: figure, HTML, numbers."""
    model = bpe.train_cached(text)
    k = min(step, len(model.merges))
    ids = model.encode(text, k)
    new_id = model.merges[k - 1].new_id if k else None
    lengths = [model.start_tokens] + [m.tokens_after for m in model.merges]
    return (_bpe_figure(lengths, k, lang),
            _bpe_html(model, ids, k, step, new_id, lang),
            {"merges_learned": len(model.merges), "step": k, "tokens": len(ids),
             "bytes": model.start_tokens,
             "merges": [[m.pair[0], m.pair[1], m.new_id, m.count] for m in model.merges[:k]]})


def _bpe_figure(lengths, k: int, lang: str):
    data = [{"type": "scatter", "x": list(range(len(lengths))), "y": lengths, "mode": "lines",
             "line": {"width": 4, "color": plotstyle.COLORS["line"]},
             "name": t("tokens_bpe_curve", lang), "hovertemplate": "%{x}: %{y}<extra></extra>"},
            {"type": "scatter", "x": [k], "y": [lengths[k]], "mode": "markers+text",
             "text": [str(lengths[k])], "textposition": "top right", "textfont": {"size": 18},
             "marker": {"size": 16, "color": plotstyle.COLORS["point"]},
             "name": t("tokens_bpe_point", lang)}]
    layout = plotstyle.base_layout(t("tokens_bpe_title", lang, k=k, n=lengths[k], start=lengths[0]),
                                   t("tokens_bpe_x", lang), t("tokens_bpe_y", lang), height=380)
    layout["yaxis"]["rangemode"] = "tozero"
    layout["showlegend"] = False
    return plotstyle.figure(data, layout)


def _bpe_html(model, ids, k: int, asked: int, new_id, lang: str) -> str:
    parts = []
    if asked > len(model.merges):
        parts.append(note_html(t("tokens_bpe_no_more", lang, n=len(model.merges))))
    if k:
        m = model.merges[k - 1]
        head = t("tokens_bpe_step", lang, k=k, a=readable(model.piece(m.pair[0])),
                 b=readable(model.piece(m.pair[1])), new=readable(model.piece(m.new_id)),
                 id=m.new_id, count=m.count)
    else:
        head = t("tokens_bpe_start", lang, n=len(ids))
    parts.append(f'<div class="tk-head">{html.escape(head)}</div>')
    shown = [tokenizers.Token(i, model.piece(i), "") for i in ids[:MAX_DRAWN]]
    chips = [Chip(readable(tok.piece), tok.id, tok.piece, note, new=tok.id == new_id)
             for tok, note in zip(shown, stands_for(shown, model.text))]
    parts.append(chips_html(chips, lang))
    if len(ids) > MAX_DRAWN:
        parts.append(note_html(t("tokens_capped", lang, n=MAX_DRAWN)))
    if k:
        rows = "".join(
            f"<tr><td>{j}</td><td class='tk-t'>{html.escape(readable(model.piece(m.pair[0])))}"
            f" + {html.escape(readable(model.piece(m.pair[1])))}</td>"
            f"<td class='tk-t'>{html.escape(readable(model.piece(m.new_id)))}</td>"
            f"<td>{m.new_id}</td><td>{m.count}</td></tr>"
            for j, m in reversed(list(enumerate(model.merges[:k], 1))))
        heads = "".join(f"<th>{html.escape(t(key, lang))}</th>" for key in
                        ("tokens_bpe_col_step", "tokens_bpe_col_pair", "tokens_bpe_col_new",
                         "tokens_bpe_col_id", "tokens_bpe_col_count"))
        parts.append(f'<div class="tk-head">{html.escape(t("tokens_bpe_table", lang))}</div>'
                     f'<div class="tk-scroll"><table class="tk-table"><tr>{heads}</tr>{rows}'
                     f'</table></div>')
    return f'<div class="tk-box">{"".join(parts)}</div>'
