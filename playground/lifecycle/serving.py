"""The playground as an OpenAI-compatible server: `/v1/chat/completions`, `/v1/completions`,
`/v1/models`, answered by the app's own models.

The same API Ollama, llama.cpp's server, vLLM and exo speak, so any of their clients (the
`openai` package, curl, a notebook) can use the teacher's laptop, and the playground can
be put behind a shared inference server later without changing its clients. Here only the
request -> response logic lives (plain dicts, and iterators of dicts for streaming: the
"chunks" sent as server-sent events); app.py mounts it on the web server.

Every step is one pass of the app's cached decoding loop (`CausalLM.decode_steps`), so it
shares the compute lock with the tabs. Log-probabilities are those of the model's own
distribution (temperature 1, before any sampling filter), as OpenAI defines them, so they
equal the Generation tab's next-token probabilities. Requests are bounded: tokens, prompt
length, wall time.
"""
from __future__ import annotations

import math
import os
import time
import uuid
from typing import Iterator

from playground import backends
from playground.core.errors import UserError
from playground.text import chat

MAX_TOKENS = 512
MAX_PROMPT_CHARS = 20_000
MAX_SECONDS = 120.0
MAX_TOP_LOGPROBS = 20


def model_names() -> tuple[str, ...]:
    """The models served: the chat models, then the base causal LMs (completions only)."""
    return tuple(dict.fromkeys(chat.models() + backends.names(kind="causal_lm")))


def models_list() -> dict:
    return {"object": "list", "data": [{"id": name, "object": "model", "created": 0,
                                        "owned_by": "genai-playground"} for name in model_names()]}


class BadRequest(ValueError):
    """A request the API answers with 400 and OpenAI's error body."""


def _number(body: dict, key: str, default: float, low: float, high: float) -> float:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise BadRequest(f"'{key}' must be a number from {low} to {high}")
    return float(value)


def _settings(body) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    model = body.get("model") or chat.MODEL
    if model not in model_names():
        raise BadRequest(f"unknown model {str(model)[:40]!r}; served: {', '.join(model_names())}")
    return {"model": model,
            "max_tokens": int(_number(body, "max_tokens", 128, 1, MAX_TOKENS)),
            "temperature": _number(body, "temperature", 1.0, 0, 2),
            "top_p": _number(body, "top_p", 1.0, 1e-6, 1),
            "seed": None if body.get("seed") is None else int(_number(body, "seed", 0, 0, 2**31)),
            "logprobs": bool(body.get("logprobs")),
            "top_logprobs": int(_number(body, "top_logprobs", 0, 0, MAX_TOP_LOGPROBS)),
            "stream": bool(body.get("stream"))}


def _steps(lm, ids: list[int], s: dict, stop_at_eos: bool = True) -> Iterator[tuple[int, float, list]]:
    """(token, its log-probability at T = 1, the top alternatives) per generated token."""
    import torch

    from playground.backends.sampling import sampling_distribution

    generator = torch.Generator().manual_seed(s["seed"] if s["seed"] is not None
                                              else int.from_bytes(os.urandom(8), "little") >> 1)
    k = min(s["top_logprobs"], MAX_TOP_LOGPROBS)

    def choose(logits):
        logp = torch.log_softmax(logits.float(), dim=-1)
        if s["temperature"] == 0:
            token = int(torch.argmax(logits))
        else:
            probs = sampling_distribution(logits, s["temperature"], 0, s["top_p"])
            token = int(torch.multinomial(probs, 1, generator=generator))
        top = torch.topk(logp, k) if k else None
        seen.append((float(logp[token]), [] if top is None else
                     list(zip(top.indices.tolist(), top.values.tolist()))))
        return token, math.exp(seen[-1][0])

    seen: list[tuple[float, list]] = []          # what `choose` saw at each step
    start = time.perf_counter()
    for step in lm.decode_steps(ids, s["max_tokens"], choose):
        logprob, alternatives = seen[-1]
        if stop_at_eos and step.token in lm.eos_ids:
            return
        yield step.token, logprob, alternatives
        if time.perf_counter() - start > MAX_SECONDS:
            return


def _text(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("the prompt must be a non-empty string")
    if len(value) > MAX_PROMPT_CHARS:
        raise BadRequest(f"the prompt is longer than {MAX_PROMPT_CHARS} characters")
    return value


def _messages(value) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise BadRequest("'messages' must be a non-empty list")
    out = []
    for m in value:
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant"):
            raise BadRequest("each message needs a role: system, user or assistant")
        content = m.get("content")
        if isinstance(content, list):     # [{"type": "text", "text": ...}]
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        out.append({"role": m["role"], "content": _text(content)})
    return out


def _logprob_entry(lm, token: int, logprob: float, alternatives: list) -> dict:
    piece = lm.decode([token])
    return {"token": piece, "logprob": logprob, "bytes": list(piece.encode("utf-8")),
            "top_logprobs": [{"token": lm.decode([t]), "logprob": lp,
                              "bytes": list(lm.decode([t]).encode("utf-8"))} for t, lp in alternatives]}


def chat_completion(body) -> dict | Iterator[dict]:
    """POST /v1/chat/completions: a dict, or (stream) an iterator of chunk dicts."""
    s = _settings(body)
    messages = _messages(body.get("messages") if isinstance(body, dict) else None)
    lm = backends.get(s["model"])
    try:
        ids = lm.chat_ids(messages)
    except UserError as exc:
        raise BadRequest(f"{s['model']} has no chat template: use /v1/completions") from exc
    if len(ids) + 1 > lm.max_context:
        raise BadRequest(f"the conversation takes {len(ids)} tokens; the model reads {lm.max_context}")
    ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    steps = _steps(lm, ids, s)
    if s["stream"]:
        return _chat_chunks(lm, steps, s, ident, created, len(ids))
    tokens, entries = [], []
    for token, logprob, alternatives in steps:
        tokens.append(token)
        entries.append(_logprob_entry(lm, token, logprob, alternatives))
    finish = "length" if len(tokens) >= s["max_tokens"] else "stop"
    return {"id": ident, "object": "chat.completion", "created": created, "model": s["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": lm.decode(tokens)},
                         "logprobs": {"content": entries} if s["logprobs"] else None,
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": len(ids), "completion_tokens": len(tokens),
                      "total_tokens": len(ids) + len(tokens)}}


def _chat_chunks(lm, steps, s, ident, created, prompt_tokens) -> Iterator[dict]:
    def chunk(delta: dict, finish=None, logprobs=None) -> dict:
        return {"id": ident, "object": "chat.completion.chunk", "created": created, "model": s["model"],
                "choices": [{"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    tokens, sent = [], ""
    for token, logprob, alternatives in steps:
        tokens.append(token)
        text = lm.decode(tokens)
        if text.endswith("\ufffd"):          # half a character: wait for the rest of its bytes
            continue
        entry = {"content": [_logprob_entry(lm, token, logprob, alternatives)]} if s["logprobs"] else None
        yield chunk({"content": text[len(sent):]}, logprobs=entry)
        sent = text
    yield chunk({}, "length" if len(tokens) >= s["max_tokens"] else "stop")


def completion(body) -> dict | Iterator[dict]:
    """POST /v1/completions: a prompt continued (base models too). `logprobs` = n gives the n
    most likely alternatives at each step, in the legacy format."""
    s = _settings(body)
    prompt = _text(body.get("prompt") if isinstance(body, dict) else None)
    lm = backends.get(s["model"])
    ids = lm.prompt_ids(prompt)
    if len(ids) + 1 > lm.max_context:
        raise BadRequest(f"the prompt takes {len(ids)} tokens; the model reads {lm.max_context}")
    ident, created = f"cmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    if body.get("logprobs") is not None and not isinstance(body.get("logprobs"), bool):
        s["top_logprobs"] = int(_number(body, "logprobs", 0, 0, MAX_TOP_LOGPROBS))
        s["logprobs"] = True
    steps = _steps(lm, ids, s)

    def choice(text, finish, tokens=(), logps=(), alts=()):
        logprobs = None
        if s["logprobs"]:
            logprobs = {"tokens": [lm.decode([t]) for t in tokens], "token_logprobs": list(logps),
                        "top_logprobs": [{lm.decode([t]): lp for t, lp in a} for a in alts]}
        return {"index": 0, "text": text, "logprobs": logprobs, "finish_reason": finish}

    if s["stream"]:
        def chunks():
            for token, logprob, alternatives in steps:
                yield {"id": ident, "object": "text_completion", "created": created, "model": s["model"],
                       "choices": [choice(lm.decode([token]), None, [token], [logprob], [alternatives])]}
        return chunks()
    rows = list(steps)
    tokens = [r[0] for r in rows]
    finish = "length" if len(tokens) >= s["max_tokens"] else "stop"
    return {"id": ident, "object": "text_completion", "created": created, "model": s["model"],
            "choices": [choice(lm.decode(tokens), finish, tokens, [r[1] for r in rows], [r[2] for r in rows])],
            "usage": {"prompt_tokens": len(ids), "completion_tokens": len(tokens),
                      "total_tokens": len(ids) + len(tokens)}}
