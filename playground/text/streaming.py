"""Streaming a model's tokens with bounds: a stop button and a wall-time limit.

A visitor's stream ends when they press Stop (a `threading.Event` the page sets), when the
model ends its text, or when the time is up: a timer sets the same event, so one check
between two tokens covers both. Used by the Generation and Chatbot lessons.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from playground.backends.sampling import SampledToken


@contextmanager
def time_limit(max_seconds: float, stop_event: threading.Event | None = None) -> Iterator[threading.Event]:
    """An event that is set by the caller (Stop) or, after `max_seconds`, by a timer."""
    stop = stop_event or threading.Event()
    timer = threading.Timer(max_seconds, stop.set)
    timer.daemon = True
    timer.start()
    try:
        yield stop
    finally:
        timer.cancel()


def bounded_tokens(lm, prompt_ids, max_new_tokens: int, temperature: float, top_k: int,
                   top_p: float, seed: int | None, max_seconds: float,
                   stop_event: threading.Event | None = None) -> Iterator[SampledToken]:
    """`lm.stream_tokens`, stopped by `stop_event` or after `max_seconds` of wall time."""
    with time_limit(max_seconds, stop_event) as stop:
        yield from lm.stream_tokens(prompt_ids, max_new_tokens, temperature, top_k, top_p, seed,
                                    stop_event=stop)
