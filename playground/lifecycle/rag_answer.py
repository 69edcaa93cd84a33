"""The G of RAG: the retrieved chunks put in the prompt, and the answer with and without them.

The prompt is an ordinary chat turn (playground/text/chat.py): a system message telling the
model to answer from the numbered passages and cite them, and a user message holding the
passages, then the question. `chat.build_context` templates it exactly as the model receives
it (special tokens included), which the tab shows. Without retrieval the model gets the
question alone. Both answers are greedy (temperature 0), so a comparison is repeatable.
Whether an answer holds the expected key fact is checked by keywords, accents and case aside.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from typing import Iterator

from playground.core.i18n import t
from playground.lifecycle.rag import Chunk
from playground.text import chat

CITATION = re.compile(r"\[(\d{1,2})\]")


def default_model(lang: str) -> str:
    """The chat model that answers when the visitor names none: their language's default
    (playground/text/chat.py), unless that is a heavy optional one (Qwen), which answers only
    when chosen: then the next of chat.SPANISH_ORDER (Gemma 3 270M + LoRA)."""
    first = chat.default_model(lang)
    if first not in chat.OPTIONAL:
        return first
    available = chat.models()
    return next(m for m in chat.SPANISH_ORDER if m in available and m not in chat.OPTIONAL)


def prompt_messages(question: str, chunks: list[Chunk], lang: str) -> tuple[str, str]:
    """(system, user) of the turn with retrieval: the passages numbered [1], [2], ..."""
    passages = "\n\n".join(f"[{i}] ({c.doc}) {' '.join(c.text.split())}" for i, c in enumerate(chunks, 1))
    user = (f"{t('rag_prompt_passages', lang)}\n{passages}\n\n"
            f"{t('rag_prompt_question', lang)} {question}")
    return t("rag_prompt_system", lang), user


def contexts(question: str, chunks: list[Chunk], lang: str, model: str,
             reply_tokens: int) -> tuple[chat.Context, chat.Context]:
    """What the model receives with retrieval, and without (the question alone)."""
    system, user = prompt_messages(question, chunks, lang)
    with_rag = chat.build_context(system, [{"role": "user", "content": user}], reply_tokens, model=model)
    without = chat.build_context("", [{"role": "user", "content": question}], reply_tokens, model=model)
    return with_rag, without


def answer_pair(with_rag: chat.Context, without: chat.Context, model: str, max_new_tokens: int,
                stop_event: threading.Event | None = None,
                max_seconds: float = chat.MAX_SECONDS) -> Iterator[tuple[str, str]]:
    """(answer with retrieval, answer without) so far: the first streamed, then the second."""
    first = ""
    for first in chat.reply(with_rag, 0.0, max_new_tokens, stop_event, max_seconds=max_seconds, model=model):
        yield first, ""
    if stop_event is not None and stop_event.is_set():
        return
    second = ""
    for second in chat.reply(without, 0.0, max_new_tokens, stop_event, max_seconds=max_seconds, model=model):
        yield first, second
    yield first, second


def plain(text: str) -> str:
    """Lower case, accents off: 'Época' -> 'epoca'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def contains_fact(answer: str, keywords: list[str]) -> bool:
    """Does the answer name the key fact (any of its keywords)?"""
    text = plain(answer)
    return any(plain(k) in text for k in keywords)


def citations(answer: str, n: int) -> list[int]:
    """The passages the answer cites ([2] -> 2), each once, only those that exist."""
    seen = []
    for m in CITATION.finditer(answer):
        i = int(m.group(1))
        if 1 <= i <= n and i not in seen:
            seen.append(i)
    return seen
