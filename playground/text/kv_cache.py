"""The KV cache: why generating the 100th token costs as little as the 10th.

A causal model generating text runs once per new token. Without a cache, step t runs the
whole sequence again (t tokens through every layer), so a step costs more and more. The keys
and values of the earlier tokens never change (a token only looks back), so generation keeps
them - the KV cache - and each step runs the model on the one new token, which attends to
the cached keys and values (`causal_lm.CausalLM.stream_tokens` does it).

Its memory grows with the text:

    bytes = 2 (a key and a value) x layers x kv_heads x head_dim x tokens x bytes per number

For SmolLM2-135M in float32: 2 x 30 x 3 x 64 x 4 = 46,080 bytes per token (45 KiB). Grouped-
query attention (3 kv heads for 9 query heads) makes it 3 times smaller than 9 kv heads would.

`timed_steps` generates greedily twice in lockstep - with the cache, and re-running the whole
sequence without it - timing each step, so the two curves come from the same tokens.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

from playground.core import plotstyle, validate
from playground.backends.compute import COMPUTE_LOCK
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.core.plotstyle import fmt

MAX_NEW = 64            # tokens one demo generates at most: ~10 s on 2 cores
MAX_PROMPT = 64         # tokens of the prompt
MAX_CHARS = 400
# SmolLM2-135M's config (tests check them against the loaded model's config)
SMOLLM2 = {"layers": 30, "kv_heads": 3, "head_dim": 64, "bytes": 4}


def cache_bytes(tokens: int, layers: int, kv_heads: int, head_dim: int, bytes_per: int) -> int:
    """2 x layers x kv_heads x head_dim x tokens x bytes: keys and values of every layer."""
    return 2 * layers * kv_heads * head_dim * tokens * bytes_per


def smollm2_cache_bytes(tokens: int) -> int:
    s = SMOLLM2
    return cache_bytes(tokens, s["layers"], s["kv_heads"], s["head_dim"], s["bytes"])


def measured_bytes(cache) -> int:
    """The actual size of a transformers cache's key and value tensors."""
    return sum(layer.keys.numel() * layer.keys.element_size()
               + layer.values.numel() * layer.values.element_size() for layer in cache.layers)


def config_numbers(model) -> dict:
    """layers, kv_heads, head_dim, bytes of a loaded Llama-like model."""
    import torch

    c = model.config
    return {"layers": c.num_hidden_layers, "kv_heads": c.num_key_value_heads,
            "head_dim": getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads,
            "bytes": torch.finfo(next(model.parameters()).dtype).bits // 8}


@dataclass(frozen=True)
class Step:
    position: int           # length of the sequence the step read (prompt + tokens so far)
    token: str              # the greedy token this step produced
    cached_s: float         # seconds, with the cache: the model reads the one new token
    uncached_s: float       # seconds, without: the model reads the whole sequence again
    cache_bytes: int        # measured size of the cache after the step


def check_inputs(prompt, n_new) -> tuple[str, int]:
    return validate.text(prompt, MAX_CHARS), validate.integer(n_new, "n", 1, MAX_NEW)


def timed_steps(lm, prompt_ids: list[int], n_new: int) -> Iterator[Step]:
    """Greedy generation of `n_new` tokens, each step timed with and without the cache."""
    import torch

    ids = list(prompt_ids)
    if not ids:
        raise UserError("error_empty_prompt")
    if len(ids) > MAX_PROMPT:
        raise UserError("error_prompt_too_long", tokens=len(ids), limit=MAX_PROMPT)
    cache, step_input = None, torch.tensor([ids])
    for _ in range(n_new):
        # inference_mode is per thread, and a streaming handler may resume this generator in
        # another thread: enter it for each step, never across a `yield`.
        with torch.inference_mode():
            # 1. with the cache: only the new tokens go through the model
            with COMPUTE_LOCK:
                t0 = time.perf_counter()
                out = lm.model(step_input, past_key_values=cache, use_cache=True, logits_to_keep=1)
                cached = time.perf_counter() - t0
            cache = out.past_key_values
            # 2. without: the whole sequence again, as if nothing had been kept
            with COMPUTE_LOCK:
                t0 = time.perf_counter()
                lm.model(torch.tensor([ids]), use_cache=False, logits_to_keep=1)
                uncached = time.perf_counter() - t0
            # 3. greedy: the most likely next token, appended
            token = int(torch.argmax(out.logits[0, -1]))
            step_input = torch.tensor([[token]])
        position = len(ids)
        ids.append(token)
        yield Step(position, lm.pieces([token])[0], cached, uncached, measured_bytes(cache))


def timing_figure(steps: list[Step], n_new: int, prompt_tokens: int, lang: str):
    """Milliseconds per token against the position, with and without the cache."""
    layout = plotstyle.base_layout(t("attention_kv_timing_title", lang, done=len(steps), n=n_new),
                                   t("attention_kv_axis_position", lang), t("attention_kv_axis_ms", lang), height=480)
    layout["xaxis"].update(range=[prompt_tokens - 1, prompt_tokens + n_new])
    layout["yaxis"].update(rangemode="tozero")
    x = [s.position for s in steps]
    data = [
        {"type": "scatter", "mode": "lines+markers", "x": x, "name": t("attention_kv_without", lang),
         "y": [round(1000 * s.uncached_s, 2) for s in steps],
         "line": {"color": plotstyle.COLORS["point"], "width": 3}, "marker": {"size": 7},
         "hovertemplate": "%{x}: %{y:.1f} ms<extra></extra>"},
        {"type": "scatter", "mode": "lines+markers", "x": x, "name": t("attention_kv_with", lang),
         "y": [round(1000 * s.cached_s, 2) for s in steps],
         "line": {"color": plotstyle.COLORS["line"], "width": 3}, "marker": {"size": 7},
         "hovertemplate": "%{x}: %{y:.1f} ms<extra></extra>"},
    ]
    return plotstyle.figure(data, layout)


def memory_figure(max_tokens: int, lang: str):
    """The cache's size by the formula, from 0 to max_tokens tokens (SmolLM2, float32)."""
    xs = list(range(0, max_tokens + 1, max(1, max_tokens // 64)))
    layout = plotstyle.base_layout(t("attention_kv_memory_title", lang), t("attention_kv_axis_tokens", lang),
                                   t("attention_kv_axis_mib", lang), height=420)
    layout["yaxis"].update(rangemode="tozero")
    data = [{"type": "scatter", "mode": "lines", "x": xs,
             "y": [round(smollm2_cache_bytes(n) / 2**20, 3) for n in xs],
             "line": {"color": plotstyle.COLORS["line"], "width": 3}, "fill": "tozeroy",
             "hovertemplate": "%{x}: %{y:.2f} MiB<extra></extra>", "showlegend": False}]
    return plotstyle.figure(data, layout)


def memory_text(lang: str, tokens: int | None = None, measured: int | None = None) -> str:
    """The formula with SmolLM2's numbers; with `tokens`, also the cache the demo measured."""
    s = SMOLLM2
    per_token = smollm2_cache_bytes(1)
    text = t("attention_kv_formula", lang, layers=s["layers"], kv_heads=s["kv_heads"], head_dim=s["head_dim"],
             bytes=s["bytes"], per_token=f"{per_token:,}", k2048=fmt(smollm2_cache_bytes(2048) / 2**20, 1),
             k8192=fmt(smollm2_cache_bytes(8192) / 2**20, 1))
    if tokens is not None and measured is not None:
        text += "\n\n" + t("attention_kv_measured", lang, tokens=tokens, formula=f"{smollm2_cache_bytes(tokens):,}",
                           measured=f"{measured:,}")
    return text


def summary_text(steps: list[Step], lang: str) -> str:
    if not steps:
        return ""
    import statistics

    later = steps[len(steps) // 2:] or steps
    with_ms = 1000 * statistics.median(s.cached_s for s in later)
    without_ms = 1000 * statistics.median(s.uncached_s for s in later)
    return t("attention_kv_summary", lang, n=len(steps), text="".join(s.token for s in steps).strip()[:300],
             with_ms=fmt(with_ms, 1), without_ms=fmt(without_ms, 1),
             ratio=fmt(without_ms / max(with_ms, 1e-9), 1))
