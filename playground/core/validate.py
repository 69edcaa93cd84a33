"""Checks on what a visitor (or an API client) sends, raising UserError with a clear key."""
from __future__ import annotations

import math

from playground.core.errors import UserError

MAX_TEXT = 20_000   # characters a text box accepts; larger pastes get a message, not a hang


def number(value, name: str, low: float | None = None, high: float | None = None) -> float:
    """`value` as a finite float inside [low, high], or a UserError naming `name`."""
    if isinstance(value, bool):
        raise UserError("error_not_a_number", name=name)
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UserError("error_not_a_number", name=name) from None
    if not math.isfinite(v):
        raise UserError("error_not_a_number", name=name)
    if (low is not None and v < low) or (high is not None and v > high):
        raise UserError("error_out_of_range", name=name, low=low, high=high, value=value)
    return v


def integer(value, name: str, low: int, high: int) -> int:
    v = number(value, name, low, high)
    if v != int(v):
        raise UserError("error_out_of_range", name=name, low=low, high=high, value=value)
    return int(v)


def choice(value, choices, name: str):
    if value not in choices:
        raise UserError("error_choice", name=name, choices=", ".join(map(str, choices)))
    return value


def text(value, limit: int = MAX_TEXT) -> str:
    """Non-empty text of at most `limit` characters."""
    if not isinstance(value, str) or not value.strip():
        raise UserError("error_empty_text")
    if len(value) > limit:
        raise UserError("error_text_too_long", length=len(value), limit=limit)
    return value


def well_formed(text: str) -> str:
    """`text` with surrogate pairs joined and lone surrogates (JSON may carry them, UTF-8
    cannot) replaced by U+FFFD, as tiktoken does."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
