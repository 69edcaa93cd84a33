"""A token as text a person can read: its bytes, whitespace made visible, split characters.

Byte-level BPE (GPT-2, SmolLM2) cuts the UTF-8 bytes of a text, so a token may hold only
part of a character (ñ is the two bytes C3 B1; an emoji is four). Such a piece is written
<0xC3>, never as a bare replacement character, and a run of text shows each character on
the token that completes it. The byte table itself (GPT-2's bytes-to-unicode, 'Ġ' for a
space) lives in playground.backends.tokenizers.
"""
from __future__ import annotations

import codecs

from playground.backends.tokenizers import byte_level_piece

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


# --- a causal LM's tokens (its transformers tokenizer) ----------------------------------------

def token_bytes(lm, token_id: int) -> bytes:
    """The bytes a byte-level BPE token stands for ('Ġla' -> b' la'); special tokens as text."""
    return byte_level_piece(lm.tokenizer.convert_ids_to_tokens(int(token_id)))


def bar_piece(lm, token_id: int) -> str:
    """One token's text on its own; the bytes of a split character as <0xC3>."""
    piece = token_bytes(lm, token_id)
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(chr(b) if b < 0x80 else f"<0x{b:02X}>" for b in piece)


def readable_pieces(lm, ids) -> list[str]:
    """Each token's text, with a character split over two tokens shown on the token that
    completes it (the other gets ''), never as a replacement character."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return [decoder.decode(token_bytes(lm, i)) for i in ids]


def show_piece(piece: str) -> str:
    """A token as a label: '␣' for a space, '↵' for a line break, '∅' for nothing."""
    if not piece:
        return "∅"
    return "".join(VISIBLE.get(c, c) for c in piece)
