"""The KV cache: why generating the 100th token costs as little as the 10th.

A causal model generating text runs once per new token. Without a cache, step t runs the
whole sequence again (t tokens through every layer), so a step costs more and more. The keys
and values of the earlier tokens never change (a token only looks back), so generation keeps
them - the KV cache - and each step runs the model on the one new token, which attends to
the cached keys and values (`CausalLM.decode_steps`, the one decoding loop, does it).

Its memory grows with the text:

    bytes = 2 (a key and a value) x layers x kv_heads x head_dim x tokens x bytes per number

with the numbers of the model asked for, read from its config (`CausalLM.shape`). Grouped-
query attention (fewer kv heads than query heads) makes it heads / kv_heads times smaller.

`timed_steps` generates greedily through that loop and, at every step, also times a pass
over the whole sequence without the cache, so the two curves come from the same tokens.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Iterator

from playground import backends
from playground.core import plotstyle, validate
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.core.plotstyle import fmt

MAX_NEW = 64            # tokens one demo generates at most
MAX_PROMPT = 64         # tokens of the prompt
MAX_CHARS = 400
MEMORY_TOKENS = 2048    # the memory curve runs from 0 to this many tokens


def default_model() -> str:
    """The lesson's model when none is named: the first causal LM of the registry."""
    return backends.first("causal_lm")


def cache_bytes(tokens: int, model: str | None = None) -> int:
    """2 x layers x kv_heads x head_dim x tokens x bytes, with `model`'s own numbers."""
    lm = backends.get(model or default_model())
    return lm.shape.kv_cache_bytes(tokens, lm.bytes_per_number)


def measured_bytes(cache) -> int:
    """The actual size of a transformers cache's key and value tensors."""
    return sum(layer.keys.numel() * layer.keys.element_size()
               + layer.values.numel() * layer.values.element_size() for layer in cache.layers)


@dataclass(frozen=True)
class Step:
    position: int           # length of the sequence the step read (prompt + tokens so far)
    token: str              # the greedy token this step produced
    cached_s: float         # seconds, with the cache: the model reads the one new token
    uncached_s: float       # seconds, without: the model reads the whole sequence again
    cache_bytes: int        # measured size of the cache after the step


def check_inputs(prompt, n_new) -> tuple[str, int]:
    return validate.text(prompt, MAX_CHARS), validate.integer(n_new, "n", 1, MAX_NEW)


def _greedy(logits) -> tuple[int, float]:
    """The most likely next token (its probability is not shown here)."""
    return int(logits.argmax()), 1.0


def timed_steps(lm, prompt_ids: list[int], n_new: int) -> Iterator[Step]:
    """Greedy generation of `n_new` tokens, each step timed with and without the cache."""
    ids = list(prompt_ids)
    if not ids:
        raise UserError("error_empty_prompt")
    if len(ids) > MAX_PROMPT:
        raise UserError("error_prompt_too_long", tokens=len(ids), limit=MAX_PROMPT)
    # 1. with the cache: the decoding loop runs the model on the new token only, timed
    for step in lm.decode_steps(ids, n_new, _greedy):
        # 2. without: the whole sequence again, as if nothing had been kept
        uncached = lm.full_pass_seconds(ids)
        position = len(ids)
        ids.append(step.token)          # 3. the greedy token, appended
        yield Step(position, lm.pieces([step.token])[0], step.seconds, uncached,
                   measured_bytes(step.cache))


def stream(prompt, n_new, lang: str, model: str | None = None) -> Iterator[tuple]:
    """The lesson's run: after each step, the timing figure, the summary, the formula with
    the measured cache, and the steps as data (which `outputs` redraws from)."""
    prompt, n_new = check_inputs(prompt, n_new)
    model = model or default_model()
    lm = backends.get(model)
    ids = lm.encode(prompt)
    steps = []
    for step in timed_steps(lm, ids, n_new):
        steps.append(step)
        yield outputs(steps, n_new, len(ids), lang, model)


def outputs(steps: list[Step], n_new: int, prompt_tokens: int, lang: str,
            model: str | None = None) -> tuple:
    """What the page shows for these steps (also to relabel them in another language)."""
    model = model or default_model()
    last = steps[-1]
    return (timing_figure(steps, n_new, prompt_tokens, lang), summary_text(steps, lang),
            memory_text(lang, last.position, last.cache_bytes, model),
            {"steps": [dataclasses.asdict(s) for s in steps], "n": n_new,
             "prompt_tokens": prompt_tokens, "model": model})


def steps_from(data: dict) -> list[Step]:
    """`outputs`' data back into steps."""
    return [Step(**s) for s in data["steps"]]


def timing_figure(steps: list[Step], n_new: int, prompt_tokens: int, lang: str):
    """Milliseconds per token against the position, with and without the cache."""
    layout = plotstyle.base_layout(t("transformer_kv_timing_title", lang, done=len(steps), n=n_new),
                                   t("transformer_kv_axis_position", lang), t("transformer_kv_axis_ms", lang), height=480)
    layout["xaxis"].update(range=[prompt_tokens - 1, prompt_tokens + n_new])
    layout["yaxis"].update(rangemode="tozero")
    x = [s.position for s in steps]
    data = [
        {"type": "scatter", "mode": "lines+markers", "x": x, "name": t("transformer_kv_without", lang),
         "y": [round(1000 * s.uncached_s, 2) for s in steps],
         "line": {"color": plotstyle.COLORS["point"], "width": 3}, "marker": {"size": 7},
         "hovertemplate": "%{x}: %{y:.1f} ms<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "x": x, "name": t("transformer_kv_with", lang),
         "y": [round(1000 * s.cached_s, 2) for s in steps],
         "line": {"color": plotstyle.COLORS["line"], "width": 3}, "marker": {"size": 7},
         "hovertemplate": "%{x}: %{y:.1f} ms<extra></extra>"},
    ]
    return plotstyle.figure(data, layout)


def memory_figure(lang: str, model: str | None = None, max_tokens: int = MEMORY_TOKENS):
    """The cache's size by the formula, from 0 to max_tokens tokens, with `model`'s numbers."""
    model = model or default_model()
    lm = backends.get(model)
    xs = list(range(0, max_tokens + 1, max(1, max_tokens // 64)))
    layout = plotstyle.base_layout(
        t("transformer_kv_memory_title", lang, model=backends.title(model), bytes=lm.bytes_per_number),
        t("transformer_kv_axis_tokens", lang), t("transformer_kv_axis_mib", lang), height=420)
    layout["yaxis"].update(rangemode="tozero")
    data = [{"type": "scatter", "mode": "lines", "x": xs,
             "y": [round(cache_bytes(n, model) / 2**20, 3) for n in xs],
             "line": {"color": plotstyle.COLORS["line"], "width": 3}, "fill": "tozeroy",
             "hovertemplate": "%{x}: %{y:.2f} MiB<extra></extra>", "showlegend": False}]
    return plotstyle.figure(data, layout)


def memory_text(lang: str, tokens: int | None = None, measured: int | None = None,
                model: str | None = None) -> str:
    """The formula with the model's numbers; with `tokens`, also the cache the demo measured."""
    model = model or default_model()
    lm = backends.get(model)
    shape, context = lm.shape, lm.shape.max_context or MEMORY_TOKENS
    text = t("transformer_kv_formula", lang, model=backends.title(model), layers=shape.layers,
             kv_heads=shape.kv_heads, head_dim=shape.head_dim, bytes=lm.bytes_per_number,
             per_token=f"{cache_bytes(1, model):,}",
             k2048=fmt(cache_bytes(2048, model) / 2**20, 1), context=context,
             kcontext=fmt(cache_bytes(context, model) / 2**20, 1))
    if shape.queries_per_kv_head > 1:
        text += " " + t("transformer_kv_gqa", lang, kv_heads=shape.kv_heads, heads=shape.heads,
                        ratio=shape.queries_per_kv_head)
    local = (shape.layer_kinds or ()).count("sliding_attention")
    if local and shape.sliding_window:            # Gemma 3: local layers keep a window only
        text += " " + t("transformer_kv_sliding", lang, local=local, layers=shape.layers,
                        window=shape.sliding_window, kept=shape.sliding_window - 1)
    if tokens is not None and measured is not None:
        text += "\n\n" + t("transformer_kv_measured", lang, tokens=tokens,
                            formula=f"{cache_bytes(tokens, model):,}", measured=f"{measured:,}")
    return text


def summary_text(steps: list[Step], lang: str) -> str:
    if not steps:
        return ""
    import statistics

    later = steps[len(steps) // 2:] or steps
    with_ms = 1000 * statistics.median(s.cached_s for s in later)
    without_ms = 1000 * statistics.median(s.uncached_s for s in later)
    return t("transformer_kv_summary", lang, n=len(steps), text="".join(s.token for s in steps).strip()[:300],
             with_ms=fmt(with_ms, 1), without_ms=fmt(without_ms, 1),
             ratio=fmt(without_ms / max(with_ms, 1e-9), 1))
