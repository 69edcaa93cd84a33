"""A chatbot: an instruction-tuned model answering through its chat template.

The models to chat with (`models()`): SmolLM2-135M-Instruct, light and preloaded, which
answers in English; Gemma 3 270M instruction-tuned by this project with a LoRA adapter
(`backends.gemma_chat`: the base model's weights, shared, plus a few MB), which answers in
Spanish; Qwen2.5-Coder-0.5B-Instruct when installed, which answers in Spanish
but is heavy, loaded on first use and let go with `backends.qwen`. The Spanish interface
offers by default the first available model of SPANISH_ORDER, the order measured by
bench/bench_chat_spanish.py over the course's questions (assets/chat_questions.json).

An instruction-tuned model is still a next-token predictor. A conversation reaches it as
one text in which special tokens mark who speaks (ChatML, the template SmolLM2 ships):

    <|im_start|>system
    You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>
    <|im_start|>user
    Hola<|im_end|>
    <|im_start|>assistant

The model continues that text after "<|im_start|>assistant\\n" and ends its reply with
<|im_end|>. Nothing is remembered between turns: the whole conversation is sent again each
time. When it no longer fits the context window (with room left for the reply), the oldest
turns are left out, and the visitor is told how many.

A conversation belongs to its visitor: it lives in their gr.Chatbot and is passed in.
"""
from __future__ import annotations

import functools
import html
import json
import re
import threading
from dataclasses import dataclass
from typing import Iterator

from playground import backends
from playground.backends import remote
from playground.core import gpu
from playground.core.errors import UserError
from playground.text.generation_figures import count
from playground.text.streaming import bounded_tokens
from playground.core.i18n import normalize, t
from playground.core.plotstyle import fmt

MODEL = "smollm2"            # the English default, and the model of an unnamed request
SPANISH_ORDER = ("qwen", "gemma3-chat", "smollm2")   # best first, as bench/bench_chat_spanish.py measures
OPTIONAL = ("qwen",)         # loaded on first use only, never preloaded, can be let go
MAX_MESSAGE_CHARS = 2_000    # one message typed by the visitor
MAX_SYSTEM_CHARS = 1_000
MAX_HISTORY_MESSAGES = 200   # older ones are left out without being read
MAX_STORED_CHARS = 20_000    # one message of the history sent back by the browser
MAX_REPLY_TOKENS = 300
MAX_SERVER_MESSAGES = 40     # the last messages sent to a server's model (it counts its own window)
MAX_SECONDS = 120.0          # wall time of one reply
TOP_P = 0.9                  # with the temperature, as SmolLM2's model card suggests
ROLES = ("user", "assistant")
SPECIAL = re.compile(r"(<\|[a-z_]+\|>|<(?:bos|eos|start_of_turn|end_of_turn)>)")   # ChatML, Gemma


def models() -> tuple[str, ...]:
    """The chat models this machine can run: SmolLM2, Gemma with its adapter, and Qwen when
    its packages are installed."""
    from playground.backends import gemma_chat, qwen

    return ((MODEL,) + (("gemma3-chat",) if gemma_chat.installed() else ())
            + (("qwen",) if qwen.installed() else ()) + ((remote.NAME,) if remote.configured() else ()))


def title(model: str) -> str:
    """The model's name for a visitor: its card's title, or the host's server and its model."""
    return remote.title() if model == remote.NAME else backends.title(model)


def default_model(lang: str) -> str:
    """The model a visitor starts with: in Spanish, the best measured that is available."""
    if normalize(lang) == "es":
        available = models()
        return next(name for name in SPANISH_ORDER if name in available)
    return MODEL


def model_choice(value, lang: str) -> str:
    """The visitor's choice ("" or None: the default of their language), checked."""
    if value in (None, ""):
        return default_model(lang)
    if value not in models():
        raise UserError("chat_error_model", model=str(value)[:40], models=", ".join(models()))
    return value


def loaded(model: str) -> bool:
    """Is the model ready without a load (a server's model always is)?"""
    return model == remote.NAME or backends.backend(model).loaded


def loading(model: str, every: float = 1.0) -> Iterator[float]:
    """Load `model` if it is not yet, yielding the seconds elapsed every `every` s meanwhile
    (for a visible message); nothing if it is loaded. A failed load raises here."""
    if model == remote.NAME:          # nothing to load here: the server has it
        return
    holder = backends.backend(model)
    if holder.loaded:
        return
    failure: list[BaseException] = []

    def load() -> None:
        try:
            holder.get()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=load, name=f"load-{model}", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(every)
        if thread.is_alive():
            yield holder.status().seconds or 0.0
    if failure:
        raise failure[0]


def unload(model: str) -> bool:
    """Let an optional model go (its memory returns once no reply holds it); True if it was loaded."""
    if model not in OPTIONAL:
        raise UserError("chat_error_not_optional", model=backends.title(model))
    return backends.backend(model).unload()


def history_messages(history) -> list[dict]:
    """gr.Chatbot's value ([{"role", "content": str or [{"type": "text", "text"}]}, ...])
    as plain [{"role", "content": str}]; anything else is a UserError."""
    if history is None:
        return []
    if not isinstance(history, list):
        raise UserError("chat_error_history")
    messages = []
    for message in history[-MAX_HISTORY_MESSAGES:]:
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise UserError("chat_error_history")
        content = message.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text") or "" for part in content
                              if isinstance(part, dict) and part.get("type") == "text")
        if not isinstance(content, str) or len(content) > MAX_STORED_CHARS:
            raise UserError("chat_error_history")
        messages.append({"role": message["role"], "content": content})
    return messages


def system_prompt(value) -> str:
    """The system prompt as typed: may be empty (the template then adds its own)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise UserError("chat_error_system")
    if len(value) > MAX_SYSTEM_CHARS:
        raise UserError("error_text_too_long", length=len(value), limit=MAX_SYSTEM_CHARS)
    return value


@dataclass(frozen=True)
class Context:
    """What the model receives for one reply."""
    messages: list[dict]      # system (if any) first, then the turns that fit
    ids: list[int]            # the templated conversation as token ids
    text: str                 # the same, as text: special tokens included
    dropped: int              # messages of the conversation left out, the oldest ones
    window: int               # the context window (tokens); 0 for a server's model (its own)
    reply_tokens: int         # room kept for the reply
    exchange: remote.Exchange | None = None   # a server's model: the request and what came back

    @property
    def budget(self) -> int:
        return self.window - self.reply_tokens


def build_context(system: str, conversation: list[dict], reply_tokens: int,
                  window: int | None = None, model: str = MODEL,
                  add_generation_prompt: bool = True) -> Context:
    """Template the conversation, leaving out its oldest turns until it fits.

    A turn is a user message and the replies after it, so what remains still starts with
    the user. The last message always stays: if it alone does not fit, a UserError.
    `add_generation_prompt` ends the text with "<|im_start|>assistant\n", the cue to reply;
    without it, the conversation as it stands (to show it between turns).
    """
    head = [{"role": "system", "content": system}] if system.strip() else []
    if model == remote.NAME:           # the server templates and counts: send the last turns
        kept = conversation[-MAX_SERVER_MESSAGES:]
        exchange = remote.Exchange({"model": remote.model(), "messages": head + kept})
        return Context(messages=head + kept, ids=[], text=json.dumps(exchange.request, ensure_ascii=False, indent=1),
                       dropped=len(conversation) - len(kept), window=0, reply_tokens=reply_tokens,
                       exchange=exchange)
    lm = backends.get(model)
    window = window or lm.max_context
    budget = window - reply_tokens
    if not conversation:              # nothing said yet: the system prompt alone, if any
        ids = lm.chat_ids(head, add_generation_prompt=False) if head else []
        return Context(messages=head, ids=ids, text=lm.decode(ids) if ids else "", dropped=0,
                       window=window, reply_tokens=reply_tokens)
    skipped = max(0, len(conversation) - MAX_HISTORY_MESSAGES)
    starts = [i for i, m in enumerate(conversation) if m["role"] == "user" and i >= skipped]
    starts = starts or [skipped]

    def ids_from(start: int) -> list[int]:
        return lm.chat_ids(head + conversation[start:], add_generation_prompt=add_generation_prompt)

    # Fewer messages, fewer tokens: binary search for the earliest turn that fits.
    ids = ids_from(starts[0])
    first = 0
    if len(ids) > budget:
        last = ids_from(starts[-1])
        if len(last) > budget:
            raise UserError("chat_error_too_long", tokens=len(last), limit=budget)
        lo, hi = 1, len(starts) - 1          # starts[hi] fits, starts[lo - 1] does not
        while lo < hi:
            mid = (lo + hi) // 2
            if len(ids_from(starts[mid])) <= budget:
                hi = mid
            else:
                lo = mid + 1
        first = hi
        ids = ids_from(starts[first])
    start = starts[first]
    return Context(messages=head + conversation[start:], ids=ids, text=lm.decode(ids),
                   dropped=start, window=window, reply_tokens=reply_tokens)


def reply(context: Context, temperature: float, max_new_tokens: int,
          stop_event: threading.Event | None = None, seed: int | None = None,
          max_seconds: float = MAX_SECONDS, model: str = MODEL) -> Iterator[str]:
    """The reply so far, after each new token, until <|im_end|>, the token limit, the
    stop event or the wall-time limit."""
    if context.exchange is not None:
        top_p = TOP_P if temperature else 1.0
        context.exchange.request.update(remote.chat_request(context.exchange.request["messages"], temperature,
                                                            min(max_new_tokens, MAX_REPLY_TOKENS), top_p))
        yield from remote.stream_chat(context.exchange, stop_event, max_seconds)
        return                          # a server's model: no GPU of ours is asked for
    yield from local_reply(context, temperature, max_new_tokens, stop_event, seed, max_seconds, model)


@gpu.on_gpu(duration=60)
def local_reply(context: Context, temperature: float, max_new_tokens: int,
                stop_event: threading.Event | None = None, seed: int | None = None,
                max_seconds: float = MAX_SECONDS, model: str = MODEL) -> Iterator[str]:
    """`reply` from the app's own model: on ZeroGPU one GPU call (`gpu.on_gpu`; a reply is
    bounded in tokens and seconds), the model moved to the GPU it was lent."""
    lm = backends.get(model)
    gpu.to_device(getattr(lm, "model", None))
    ids: list[int] = []
    for token in bounded_tokens(lm, context.ids, min(max_new_tokens, MAX_REPLY_TOKENS), temperature,
                                0, TOP_P if temperature else 1.0, seed, max_seconds, stop_event):
        if token.token_id in lm.eos_ids:
            return
        ids.append(token.token_id)
        yield lm.decode(ids)


def respond(system: str, history: list[dict], message: str, temperature: float,
            max_new_tokens: int, stop_event: threading.Event | None = None,
            seed: int | None = None, model: str = MODEL) -> Iterator[tuple[list[dict], Context]]:
    """One chat turn: (the visitor's history with the new message and the reply so far,
    what the model received), first with an empty reply, then after each token."""
    conversation = history + [{"role": "user", "content": message}]
    context = build_context(system, conversation, max_new_tokens, model=model)
    answer = {"role": "assistant", "content": ""}
    yield conversation + [answer], context
    for text in reply(context, temperature, max_new_tokens, stop_event, seed, model=model):
        answer = {"role": "assistant", "content": text}
        yield conversation + [answer], context


# --- what the visitor sees besides the chat ------------------------------------------------

def template_html(context: Context, lang: str) -> str:
    """The exact text the model receives, special tokens highlighted (HTML, escaped); for a
    server's model, the JSON sent and, once the reply is in, the last chunk received."""
    if context.exchange is not None:
        sent = json.dumps(context.exchange.request, ensure_ascii=False, indent=1)
        parts = [f'<div class="chat-template-head">{html.escape(t("chat_server_sent", lang))}</div>'
                 f'<pre class="chat-template">{html.escape(sent)}</pre>']
        if context.exchange.chunks:
            last = json.dumps(context.exchange.chunks[-1], ensure_ascii=False, indent=1)
            parts.append(f'<div class="chat-template-head">{html.escape(t("chat_server_received", lang, n=len(context.exchange.chunks)))}</div>'
                         f'<pre class="chat-template">{html.escape(last)}</pre>')
        return "".join(parts)
    parts = []
    for piece in SPECIAL.split(context.text):
        if SPECIAL.fullmatch(piece):
            parts.append(f'<span class="chat-special">{html.escape(piece)}</span>')
        else:
            parts.append(html.escape(piece).replace("\n", '<span class="chat-nl">↵</span>\n'))
    head = t("chat_template_head", lang, tokens=count(len(context.ids), lang), window=count(context.window, lang),
             reply=context.reply_tokens)
    return (f'<div class="chat-template-head">{html.escape(head)}</div>'
            f'<pre class="chat-template">{"".join(parts)}</pre>')


@functools.lru_cache(maxsize=16)
def adds_default_system(model: str) -> bool:
    """Does the model's template put in a system prompt of its own when there is none
    (SmolLM2's and Qwen's ChatML do; Gemma's does not)? A fact of the template, found once
    per model: the notice that asks is redrawn on every slider move."""
    lm = backends.get(model)
    return "system" in lm.decode(lm.chat_ids([{"role": "user", "content": "."}]))


def notice(context: Context, temperature: float, lang: str, model: str = MODEL) -> str:
    """What a visitor should know about this turn (Markdown): trimming, greedy decoding."""
    if context.exchange is not None:
        lines = [t("chat_notice_model", lang, model=title(model)), t("chat_notice_server", lang)]
        e = context.exchange
        if e.tokens_per_s is not None:
            lines.append(t("chat_notice_server_speed", lang, tokens=e.tokens, seconds=fmt(e.seconds, 1),
                           speed=fmt(e.tokens_per_s, 1)))
        return "\n\n".join(lines)
    lines = [t("chat_notice_model", lang, model=backends.title(model)),
             t("chat_notice_tokens", lang, tokens=count(len(context.ids), lang),
               window=count(context.window, lang))]
    if context.dropped:
        lines.append(t("chat_notice_dropped", lang, n=context.dropped, window=count(context.window, lang),
                       budget=count(context.budget, lang)))
    if not any(m["role"] == "system" for m in context.messages) and adds_default_system(model):
        lines.append(t("chat_notice_default_system", lang))
    if temperature == 0:
        lines.append(t("chat_notice_greedy", lang))
    else:
        lines.append(t("chat_notice_sampling", lang, T=fmt(temperature, 2), p=TOP_P))
    return "\n\n".join(lines)
