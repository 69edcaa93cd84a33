"""A larger model through a server the host runs: any OpenAI-compatible API (Ollama, the
llama.cpp server, vLLM, an exo cluster, or another playground's own /v1).

The host chooses it with environment variables, never a visitor (a visitor cannot point the
app at an address):

    GENAI_PLAYGROUND_SERVER_URL=http://127.0.0.1:11434/v1   # Ollama's; llama.cpp: :8080/v1
    GENAI_PLAYGROUND_SERVER_MODEL=llama3.2:3b                # the server's name for the model
    GENAI_PLAYGROUND_SERVER_KEY=...                          # if the server wants one

The chat then offers "server" beside its own models, and the Generation tab continues a prompt
there (with the server's log-probabilities in its bars). A reply streams as server-sent events
(`data: {...}` lines, then `data: [DONE]`); what was sent and every chunk received are kept in
an `Exchange`, so the page can show the raw JSON and the tokens per second.
"""
from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import urlparse

NAME = "server"
ENV_URL = "GENAI_PLAYGROUND_SERVER_URL"
ENV_MODEL = "GENAI_PLAYGROUND_SERVER_MODEL"
ENV_KEY = "GENAI_PLAYGROUND_SERVER_KEY"
CONNECT_SECONDS = 5.0


def configured() -> bool:
    return bool(os.environ.get(ENV_URL) and os.environ.get(ENV_MODEL))


def url() -> str:
    return os.environ[ENV_URL].rstrip("/")


def model() -> str:
    return os.environ[ENV_MODEL]


def title() -> str:
    """"llama3.2:3b @ 127.0.0.1:11434": the model and where it runs."""
    return f"{model()} @ {urlparse(url()).netloc}" if configured() else NAME


@dataclass
class Exchange:
    """One request and what came back, for the page to show."""
    request: dict
    chunks: list[dict] = field(default_factory=list)
    text: str = ""
    tokens: int = 0                     # chunks with content (servers send about one per token)
    seconds: float = 0.0                # from the request to the last chunk
    first_token_seconds: float | None = None
    steps: list = field(default_factory=list)      # Step per token, where logprobs came back

    @property
    def tokens_per_s(self) -> float | None:
        if self.first_token_seconds is None or self.tokens < 2:
            return None
        return (self.tokens - 1) / max(1e-9, self.seconds - self.first_token_seconds)


def chat_request(messages: list[dict], temperature: float, max_tokens: int, top_p: float) -> dict:
    return {"model": model(), "messages": messages, "temperature": temperature, "top_p": top_p,
            "max_tokens": max_tokens, "stream": True}


def completion_request(prompt: str, temperature: float, max_tokens: int, top_p: float,
                       top_logprobs: int = 5) -> dict:
    """A plain continuation (POST /completions), with the `top_logprobs` likeliest tokens at
    each step: what the Generation tab's bars show."""
    return {"model": model(), "prompt": prompt, "temperature": temperature, "top_p": top_p,
            "max_tokens": max_tokens, "stream": True, "logprobs": top_logprobs}


@dataclass(frozen=True)
class Step:
    """One generated token as the server reported it: its log-probability and the likeliest
    tokens it was chosen among (empty where the server sends none)."""
    token: str
    logprob: float | None
    alternatives: tuple[tuple[str, float], ...]


def steps_of(choice: dict) -> list[Step]:
    """The tokens of one streamed choice, from either format servers use: the chat one
    (`logprobs.content[i].top_logprobs`, a list of {token, logprob}) or the completions one
    (`logprobs.tokens`, `token_logprobs`, `top_logprobs`: a {token: logprob} per token)."""
    logprobs = choice.get("logprobs") or {}
    if logprobs.get("content") is not None:
        return [Step(e.get("token", ""), e.get("logprob"),
                     tuple((a.get("token", ""), float(a.get("logprob"))) for a in e.get("top_logprobs") or ()))
                for e in logprobs["content"]]
    tokens = logprobs.get("tokens") or []
    logps = logprobs.get("token_logprobs") or [None] * len(tokens)
    tops = logprobs.get("top_logprobs") or [{}] * len(tokens)
    return [Step(token, lp, tuple((k, float(v)) for k, v in (top or {}).items()))
            for token, lp, top in zip(tokens, logps, tops)]


def stream_chat(exchange: Exchange, stop_event: threading.Event | None = None,
                max_seconds: float = 120.0) -> Iterator[str]:
    """POST the exchange's request to {url}/chat/completions and yield the reply so far after
    each chunk; the exchange records the chunks, the text and the timing."""
    yield from _stream("chat/completions", exchange, stop_event, max_seconds)


def stream_completion(exchange: Exchange, stop_event: threading.Event | None = None,
                      max_seconds: float = 120.0) -> Iterator[str]:
    """POST the exchange's request to {url}/completions and yield the text so far; the
    exchange also keeps each token's `Step` (log-probabilities, where the server sends them)."""
    yield from _stream("completions", exchange, stop_event, max_seconds)


def _stream(path: str, exchange: Exchange, stop_event, max_seconds: float) -> Iterator[str]:
    import httpx

    headers = {"Authorization": f"Bearer {os.environ[ENV_KEY]}"} if os.environ.get(ENV_KEY) else {}
    start = time.perf_counter()
    timeout = httpx.Timeout(max_seconds, connect=CONNECT_SECONDS)
    with httpx.stream("POST", f"{url()}/{path}", json=exchange.request, headers=headers,
                      timeout=timeout) as response:
        if response.status_code != 200:
            response.read()
            raise RuntimeError(f"the server answered {response.status_code}: {response.text[:300]}")
        for line in response.iter_lines():
            if stop_event is not None and stop_event.is_set():
                return
            if not line.startswith("data:"):
                continue
            data = line[len("data:"):].strip()
            if data == "[DONE]":
                break
            chunk = json.loads(data)
            exchange.chunks.append(chunk)
            choice = (chunk.get("choices") or [{}])[0]
            delta = (choice.get("delta") or {}).get("content") if "delta" in choice else choice.get("text")
            exchange.steps.extend(steps_of(choice))
            exchange.seconds = time.perf_counter() - start
            if delta:
                exchange.tokens += 1
                if exchange.first_token_seconds is None:
                    exchange.first_token_seconds = exchange.seconds
                exchange.text += delta
                yield exchange.text
            if exchange.seconds > max_seconds:
                return
