"""A GPT-style causal language model (SmolLM2-135M-Instruct, Gemma 3 270M), its tokenizer and chat.

A causal language model (Radford et al., 2018-2019, GPT) reads tokens left to right: each
token attends only to itself and the tokens before it, and the output at the last
position is a score (logit) for every token of the vocabulary being the next one.
Generation repeats: pick a next token from those scores, append it, run again. The
keys and values of earlier tokens do not change, so they are kept (the KV cache) and each
new step runs the model on one token only.

SmolLM2-135M-Instruct (Hugging Face, 2024; Allal et al., 2025) is a Llama-architecture
model (grouped-query attention: several query heads share each key/value head; rotary
positions), with a byte-level BPE vocabulary and a chat template (<|im_start|>role ...).
Its numbers (layers, heads, head size, ...) are read from its config: `CausalLM.shape`.
Gemma 3 270M (Google, 2025; the base model, not instruction-tuned) speaks Spanish: a
262,144-token vocabulary, 18 layers of which 15 are local (a sliding window of 512 tokens)
and 3 global, one key/value head, RMSNorm on each head's query and key. Both ship as 4-bit
GGUF files on PyPI; the first start dequantizes them to float32 and saves the result in a
cache folder (playground.backends.gguf), so later starts are fast.

Longer than the project's ~350 lines on purpose: one causal LM whole, in one place: text <->
ids, the forward passes every lesson uses, the one cached decoding loop, the shipped models.

The sampler in `stream_tokens` follows the lesson's stages: logits -> divided by the
temperature -> top-k -> top-p (nucleus, Holtzman et al., 2019) -> softmax -> draw.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

import playground.backends.gguf as gguf
from playground.backends.compute import COMPUTE_LOCK, limit_torch_threads
from playground.core.validate import well_formed
from playground.backends.facts import LMShape, model_facts
from playground.backends.sampling import SampledToken, sampling_distribution  # noqa: F401 (re-exported)
from playground.core.errors import UserError

cache_root = gguf.cache_root   # re-exported: ~/.cache/genai-playground
MAX_CONTEXT = 2048  # tokens a visitor's prompt + generation may reach (the model takes 8192)
MAX_FORWARD = 256   # tokens of one `forward`: its attentions take layers x heads x T^2 floats
                    # (SmolLM2, 256 tokens: 71 MB) and its logits T x vocabulary (50 MB)


# --- the model ------------------------------------------------------------------------------

@dataclass(frozen=True)
class CausalOutput:
    ids: list[int]
    logits: np.ndarray          # (T, V) float32: row t scores the token after position t
                                # (only the last `logits_to_keep` rows if that was asked)
    attentions: np.ndarray      # (layers, heads, T, T) float32; zero above the diagonal
    hidden: np.ndarray | None = None  # (layers, T, D) float32: the input of each layer


@dataclass(frozen=True)
class DecodeStep:
    """One step of cached decoding: the token chosen and what the step cost."""
    token: int
    prob: float                 # its probability in the distribution it was chosen from
    seconds: float              # the step's forward pass, timed inside the compute lock
    cache: Any                  # the transformers cache after the step (every token read so far)


@dataclass(frozen=True)
class HeadVectors:
    """One attention head's query, key and value vectors for every token, as the model makes them."""
    q: Any                      # (T, d) torch tensor, after the rotary positions
    k: Any                      # (T, d) of the key/value head this query head reads
    v: Any                      # (T, d)
    kv_head: int                # from 1
    head_dim: int
    scale: float | None = None  # scores are multiplied by it: 1/sqrt(head_dim) unless the model says
    window: int | None = None   # a sliding-window layer: keys closer than this to the query only


@dataclass(frozen=True)
class CausalLM:
    name: str
    tokenizer: Any              # a transformers tokenizer
    model: Any                  # a transformers *ForCausalLM, eval mode, eager attention
    from_cache: bool | None = None  # SmolLM2: loaded from the dequantized cache folder?
    chat_template: str | None = None  # a Jinja template of our own (Gemma's GGUF ships none)
    # fast tokenizers change their settings in place; see encoder.Encoder.tokenizer_lock
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                           compare=False)

    @cached_property
    def shape(self) -> LMShape:
        """Layers, heads, kv heads, head size, positions... read from the model's config."""
        return LMShape.from_config(self.model.config)

    @property
    def bytes_per_number(self) -> int:
        """4 for float32 weights (and so for the keys and values they make)."""
        return next(self.model.parameters()).element_size()

    # text <-> ids
    def encode(self, text: str) -> list[int]:
        with self.tokenizer_lock:
            return self.tokenizer(well_formed(text), add_special_tokens=False)["input_ids"]

    def prompt_ids(self, text: str) -> list[int]:
        """A prompt as the model reads the start of a document: with the tokens its tokenizer
        puts in front (Gemma's <bos>, without which it answers poorly; SmolLM2 puts none)."""
        with self.tokenizer_lock:
            return self.tokenizer(well_formed(text))["input_ids"]

    def decode(self, ids) -> str:
        with self.tokenizer_lock:
            return self.tokenizer.decode(list(ids))

    def pieces(self, ids) -> list[str]:
        """Each token on its own, as text (a piece that splits a character shows as �)."""
        with self.tokenizer_lock:
            return [self.tokenizer.decode([i]) for i in ids]

    @property
    def has_chat_template(self) -> bool:
        return bool(self.chat_template or getattr(self.tokenizer, "chat_template", None))

    def chat_ids(self, messages: list[dict], add_generation_prompt: bool = True) -> list[int]:
        """[{"role": "user", "content": ...}, ...] through the chat template, as token ids."""
        if not self.has_chat_template:
            raise UserError("error_no_chat_template", model=self.name)
        with self.tokenizer_lock:
            out = self.tokenizer.apply_chat_template(
                messages, chat_template=self.chat_template, add_generation_prompt=add_generation_prompt,
                tokenize=True, return_dict=True)
        return list(out["input_ids"])

    @property
    def eos_ids(self) -> frozenset[int]:
        """Tokens that end a reply."""
        ids = {self.tokenizer.eos_token_id}
        configured = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        ids.update(configured if isinstance(configured, (list, tuple)) else [configured])
        return frozenset(i for i in ids if i is not None)

    # one forward pass
    def _check_length(self, n: int, limit: int | None = None) -> None:
        limit = limit or self.max_context
        if n == 0:
            raise UserError("error_empty_prompt")
        if n > limit:
            raise UserError("error_prompt_too_long", tokens=n, limit=limit)

    @property
    def max_context(self) -> int:
        return min(MAX_CONTEXT, self.shape.max_context or MAX_CONTEXT)

    def next_token_logits(self, ids) -> np.ndarray:
        """Scores for every vocabulary token following `ids`: (V,) float32."""
        import torch

        self._check_length(len(ids))
        with COMPUTE_LOCK, torch.inference_mode():
            out = self.model(torch.tensor([list(ids)]), logits_to_keep=1)
        return out.logits[0, -1].float().numpy()

    def full_pass_seconds(self, ids) -> float:
        """Seconds of one forward pass over all of `ids` without a cache, timed inside the lock."""
        import torch

        self._check_length(len(ids))
        with COMPUTE_LOCK, torch.inference_mode():
            start = time.perf_counter()
            self.model(torch.tensor([list(ids)]), use_cache=False, logits_to_keep=1)
            return time.perf_counter() - start

    def forward(self, ids, hidden_states: bool = False, logits_to_keep: int = 0) -> CausalOutput:
        """Logits and every head's attention (and, if asked, each layer's input) for up to
        MAX_FORWARD tokens. `logits_to_keep` = n keeps the logits of the last n positions only
        (0: all of them)."""
        import torch

        self._check_length(len(ids), MAX_FORWARD)
        with COMPUTE_LOCK, torch.inference_mode():
            out = self.model(torch.tensor([list(ids)]), output_attentions=True, use_cache=False,
                             output_hidden_states=hidden_states, logits_to_keep=logits_to_keep)
        if not out.attentions:
            raise RuntimeError("no attention weights: load the model with attn_implementation='eager'")
        hidden = None
        if hidden_states:   # hidden_states[l] is the input of layer l; the last is the output
            hidden = torch.stack(out.hidden_states[:-1])[:, 0].float().numpy()   # (L, T, D)
        return CausalOutput(ids=list(ids), logits=out.logits[0].float().numpy(),
                            attentions=torch.stack(out.attentions)[:, 0].float().numpy(),
                            hidden=hidden)

    def token_logprobs(self, sequences: list[list[int]], pad_id: int) -> list[np.ndarray]:
        """For each sequence, log p(token_t | tokens before t) for t = 1 .. T-1, float64.

        The sequences run as one right-padded batch (`pad_id` fills, the mask hides it).
        """
        import torch

        width = max(map(len, sequences))
        ids = torch.tensor([s + [pad_id] * (width - len(s)) for s in sequences])    # (B, T)
        mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences])
        with COMPUTE_LOCK, torch.inference_mode():
            logits = self.model(ids, attention_mask=mask, use_cache=False).logits  # (B, T, V)
            logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)                # predicts 1..T-1
            picked = logp.gather(-1, ids[:, 1:, None])[..., 0]                      # (B, T-1)
        return [picked[b, : len(s) - 1].double().numpy() for b, s in enumerate(sequences)]

    def head_vectors(self, hidden, layer: int, head: int) -> HeadVectors:
        """Query head `head` of layer `layer` (both from 1) recomputed from that layer's input
        `hidden` (T, D), with the model's own weights (a Llama-style block, or Gemma 3's):

        x -> RMSNorm (input_layernorm) -> q_proj, k_proj, v_proj -> (Gemma 3: RMSNorm of each
        head's q and k) -> RoPE on q and k (Gemma 3: the base of this layer's kind); query
        head h reads key/value head (h - 1) // (heads / kv_heads) + 1.
        """
        import torch

        base = getattr(self.model, "model", None)                 # the body, under the LM head
        if not all(hasattr(base, a) for a in ("layers", "rotary_emb")):
            raise UserError("attention_error_no_recompute", model=self.name)
        block = base.layers[layer - 1]
        attn = block.self_attn
        d = self.shape.head_dim
        kv_head = (head - 1) // self.shape.queries_per_kv_head + 1
        kind = getattr(attn, "layer_type", None)                  # Gemma 3: sliding / full
        x = torch.tensor(hidden)                                              # (T, D), a copy
        T = x.shape[0]
        with COMPUTE_LOCK, torch.inference_mode():
            xn = block.input_layernorm(x)                                     # RMSNorm
            q = attn.q_proj(xn).view(T, -1, d)                                # (T, heads, d)
            k = attn.k_proj(xn).view(T, -1, d)                                # (T, kv_heads, d)
            v = attn.v_proj(xn).view(T, -1, d)[:, kv_head - 1]                # (T, d)
            if hasattr(attn, "q_norm"):                                       # Gemma 3
                q, k = attn.q_norm(q), attn.k_norm(k)
            q, k = q[:, head - 1], k[:, kv_head - 1]                          # (T, d)
            cos, sin = base.rotary_emb(x[None], torch.arange(T)[None], *([kind] if kind else []))
            cos, sin = cos[0], sin[0]                                         # (T, d)
            q = q * cos + rotate_half(q) * sin                                # rotate by position
            k = k * cos + rotate_half(k) * sin
        return HeadVectors(q, k, v, kv_head, d, scale=float(getattr(attn, "scaling", d ** -0.5)),
                           window=getattr(attn, "sliding_window", None))

    # cached decoding: the one loop every generation goes through
    def decode_steps(self, prompt_ids, max_new_tokens: int,
                     choose: Callable[[Any], tuple[int, float]],
                     stop_event: threading.Event | None = None) -> Iterator[DecodeStep]:
        """Yield one new token at a time, reusing the KV cache.

        `choose(logits)` turns the last position's logits (V,) into (token, probability).
        Setting `stop_event` stops it between two tokens.
        """
        import torch

        ids = list(prompt_ids)
        self._check_length(len(ids))
        max_new_tokens = max(0, min(max_new_tokens, self.max_context - len(ids)))
        device = self.model.device                                     # the CPU, or a lent GPU
        step_input = torch.tensor([ids], device=device)                # (1, T) the prompt
        cache = None
        for _ in range(max_new_tokens):
            if stop_event is not None and stop_event.is_set():
                return
            # torch's inference mode is per thread, and a web server may resume this
            # generator on another thread: enter and leave it within one step, never
            # across a `yield`.
            with torch.inference_mode():
                # 1. run the model on the new tokens only; earlier ones are in the cache
                with COMPUTE_LOCK:
                    start = time.perf_counter()
                    out = self.model(step_input, past_key_values=cache, use_cache=True,
                                     logits_to_keep=1)
                    seconds = time.perf_counter() - start
                cache = out.past_key_values
                # 2. the last position's logits -> the next token
                token, prob = choose(out.logits[0, -1].cpu())          # (V,), sampled on the CPU
            yield DecodeStep(token, prob, seconds, cache)
            step_input = torch.tensor([[token]], device=device)        # (1, 1)

    def stream_tokens(self, prompt_ids, max_new_tokens: int = 128, temperature: float = 1.0,
                      top_k: int = 0, top_p: float = 1.0, seed: int | None = None,
                      stop_event: threading.Event | None = None,
                      stop_at_eos: bool = True) -> Iterator[SampledToken]:
        """Yield new tokens one at a time, reusing the KV cache; stops after an end token
        (unless `stop_at_eos` is False).

        `seed` makes a run repeatable (a generator of its own, never the global one);
        setting `stop_event` stops it between two tokens. temperature 0 is greedy.
        """
        import torch

        generator = torch.Generator().manual_seed(
            seed if seed is not None else int.from_bytes(os.urandom(8), "little") >> 1)

        def choose(logits) -> tuple[int, float]:
            if temperature == 0:
                token = int(torch.argmax(logits))
                return token, float(torch.softmax(logits.float(), -1)[token])
            probs = sampling_distribution(logits, temperature, top_k, top_p)
            token = int(torch.multinomial(probs, 1, generator=generator))     # draw
            return token, float(probs[token])

        eos = self.eos_ids
        for step in self.decode_steps(prompt_ids, max_new_tokens, choose, stop_event):
            yield SampledToken(step.token, step.prob)
            if stop_at_eos and step.token in eos:
                return

    def generate_ids(self, prompt_ids, max_new_tokens: int = 128, **sampling) -> list[int]:
        """All of `stream_tokens` at once: the new token ids."""
        return [t.token_id for t in self.stream_tokens(prompt_ids, max_new_tokens, **sampling)]

    def facts(self) -> dict:
        facts = model_facts(self.model, self.tokenizer)
        facts["kv_heads"] = self.shape.kv_heads
        if self.from_cache is not None:
            facts["from_cache"] = self.from_cache
        return facts


def rotate_half(x):
    """RoPE as Llama lays it out: dimension i is paired with dimension i + d/2."""
    import torch

    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def load(path_or_name: str | Path, name: str | None = None, from_cache: bool | None = None,
         **from_pretrained) -> CausalLM:
    """Any causal LM `from_pretrained` accepts, float32 with eager attention."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    limit_torch_threads()
    tokenizer = AutoTokenizer.from_pretrained(path_or_name, **from_pretrained)
    model = AutoModelForCausalLM.from_pretrained(path_or_name, attn_implementation="eager",
                                                 dtype=torch.float32, **from_pretrained).eval()
    return CausalLM(name or str(path_or_name), tokenizer, model, from_cache)


# --- the shipped models, from their float32 cache folders (see gguf.py) -----------------------

def smollm2_cache_dir(build: bool = True) -> Path | None:
    """SmolLM2's float32 folder (built on first call, ~25 s); None if missing and not `build`."""
    return gguf.float32_dir(gguf.SMOLLM2, build)


def gemma3_cache_dir(build: bool = True) -> Path | None:
    """Gemma 3 270M's float32 folder (built on first call, ~1 min); None if missing and not `build`."""
    return gguf.float32_dir(gguf.GEMMA3, build)


def load_smollm2() -> CausalLM:
    """SmolLM2-135M-Instruct from the cache folder, building the folder first if needed."""
    built_before = smollm2_cache_dir(build=False) is not None
    return load(smollm2_cache_dir(), name="SmolLM2-135M-Instruct", from_cache=built_before)


def load_gemma3() -> CausalLM:
    """Gemma 3 270M (base) from the cache folder, building the folder first if needed."""
    built_before = gemma3_cache_dir(build=False) is not None
    return load(gemma3_cache_dir(), name="Gemma 3 270M", from_cache=built_before)
