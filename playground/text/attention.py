"""Attention: which earlier (or later) tokens each token looks at, and the numbers behind it.

Scaled dot-product attention (Vaswani et al., 2017, "Attention is all you need", eq. 1):

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + mask) V

Every token asks with a query vector q, every token answers with a key vector k; the score
q . k / sqrt(d) says how well they match, a softmax over the keys turns the scores into
weights that add up to 1, and the token's output is the weighted sum of the value vectors.
Each head of each layer has its own projections W_Q, W_K, W_V, so it looks for something else.

Two families of shared models, chosen by name (`model_names()`):
- GPT-like decoders, every backend of kind "causal_lm" (SmolLM2-135M, Llama architecture):
  causal mask (a token never sees the future), RMSNorm before attention, rotary positions
  (RoPE) applied to q and k, and grouped-query attention (several query heads share one
  key/value head).
- BERT-like encoders, kind "encoder" (all-MiniLM-L6-v2): every token sees every token (no
  mask besides padding, and one sentence has no padding); q, k, v are Linear layers on the
  previous layer's output.

One forward pass per (model, text) is cached (`run`, lru_cache): changing layer, head or the
query token only slices the cached arrays, and `qkv` recomputes one head from the cached
hidden states with the model's own weights (the backend's `head_vectors`), so its softmax
equals the model's attention. The figures are in `attention_figures.py`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from playground import backends
from playground.backends.facts import ROPE
from playground.core import validate
from playground.core.errors import UserError

CAUSAL_LM, ENCODER = "causal_lm", "encoder"
MAX_CHARS = 400                         # characters of a sentence
MAX_TOKENS = 64                         # tokens: a 64 x 64 heatmap is the most a wall shows
SHOWN_DIMS = 4                          # first dimensions of q, k, v printed


def model_names() -> tuple[str, ...]:
    """The models the lesson takes: every causal LM, then every encoder."""
    return backends.names(kind=CAUSAL_LM) + backends.names(kind=ENCODER)


def default_pair() -> tuple[str, str]:
    """(a causal LM, an encoder): the two the comparison puts side by side."""
    return backends.first(CAUSAL_LM), backends.first(ENCODER)


# --- one forward pass, cached ------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Analysis:
    """One sentence through one model: what every head of every layer did."""
    model: str
    ids: tuple[int, ...]
    tokens: tuple[str, ...]     # one short label per position, for ticks
    attentions: np.ndarray      # (L, H, T, T) float32, read-only; row = query, column = key
    hidden: np.ndarray          # (L, T, D) float32, read-only: the input of each layer
    causal: bool
    layer_kinds: tuple[str, ...] = ()   # per layer, from the config: "sliding_attention" /
                                        # "full_attention" (Gemma 3); empty if all alike
    window: int | None = None           # keys a sliding-window layer sees

    @property
    def n_layers(self) -> int:
        return self.attentions.shape[0]

    @property
    def n_heads(self) -> int:
        return self.attentions.shape[1]

    @property
    def n_tokens(self) -> int:
        return self.attentions.shape[2]

    def weights(self, layer: int, head: int) -> np.ndarray:
        """(T, T) attention of one head; layer and head count from 1."""
        return self.attentions[layer - 1, head - 1]

    def layer_kind(self, layer: int) -> str | None:
        """"sliding_attention" or "full_attention" for a model that mixes them, else None."""
        kinds = set(self.layer_kinds)
        return self.layer_kinds[layer - 1] if len(kinds) > 1 else None

    def as_dict(self) -> dict:
        return {"model": self.model, "tokens": list(self.tokens), "ids": list(self.ids),
                "layers": self.n_layers, "heads": self.n_heads, "causal": self.causal,
                "layer_kinds": list(self.layer_kinds), "sliding_window": self.window}


def token_label(piece: str, limit: int = 10) -> str:
    """A token as a tick label: spaces dropped, newline as ↵, a blank piece as ␣."""
    text = piece.replace("\n", "↵").replace("\t", "⇥").strip() or "␣"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def analyze(model: str, text: str) -> Analysis:
    """The cached forward pass of `text` through `model`, after checking both."""
    validate.choice(model, model_names(), "model")
    return run(model, validate.text(text, MAX_CHARS))


@lru_cache(maxsize=32)
def run(model: str, text: str) -> Analysis:
    """One forward pass with every head's attention and every layer's input (cached).

    An entry holds layers x heads x T^2 weights and layers x T x D hidden numbers, so 32
    entries of at most MAX_TOKENS tokens stay a few hundred MB at most.
    """
    causal = backends.backend(model).card.get("kind") == CAUSAL_LM
    kinds, window = (), None
    if causal:
        lm = backends.get(model)
        kinds, window = lm.shape.layer_kinds or (), lm.shape.sliding_window
        ids = lm.encode(text)
        _check_tokens(len(ids))
        out = lm.forward(ids, hidden_states=True, logits_to_keep=1)
        pieces = lm.pieces(ids)
    else:
        encoder = backends.get(model)
        _check_tokens(len(encoder.encode(text)))
        out = encoder.analyze(text)
        ids, pieces = out.ids, out.tokens
    attentions, hidden = out.attentions, out.hidden          # (L, H, T, T), (L, T, D)
    attentions.flags.writeable = False
    hidden.flags.writeable = False
    return Analysis(model, tuple(ids), tuple(token_label(p) for p in pieces), attentions,
                    hidden, causal, tuple(kinds), window)


def _check_tokens(n: int) -> None:
    if n > MAX_TOKENS:
        raise UserError("attention_error_too_many_tokens", tokens=n, limit=MAX_TOKENS)


def check_layer_head(analysis: Analysis, layer, head) -> tuple[int, int]:
    """Layer and head (from 1) as integers inside the model's ranges, or a UserError."""
    return (validate.integer(layer, "layer", 1, analysis.n_layers),
            validate.integer(head, "head", 1, analysis.n_heads))


def fit_layer_head(analysis: Analysis, layer, head) -> tuple[int, int]:
    """Layer and head moved inside this model's ranges (after switching to a smaller model)."""
    def clamp(value, high):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return 1
        return min(max(1, int(value)), high)
    return clamp(layer, analysis.n_layers), clamp(head, analysis.n_heads)


# --- Q, K, V for one head and one query token, from the model's own weights -----------------

@dataclass(frozen=True)
class QKV:
    layer: int                  # from 1
    head: int                   # from 1
    kv_head: int                # from 1: the key/value head this query head reads (GQA)
    query: int                  # position of the token that asks, from 0
    d: int                      # head dimension: scores are divided by sqrt(d)
    q: np.ndarray               # (d,) the query vector (after RoPE for a rotary model)
    keys: np.ndarray            # (T, d) every key vector (after RoPE for a rotary model)
    values: np.ndarray          # (T, d)
    scores: np.ndarray          # (T,) q . k
    scaled: np.ndarray          # (T,) q . k / sqrt(d)
    allowed: np.ndarray         # (T,) bool: False where the causal mask hides the key
    weights: np.ndarray         # (T,) softmax of the allowed scaled scores; 0 where masked
    output: np.ndarray          # (d,) sum_j weights_j v_j, this head's output for the token
    model_weights: np.ndarray   # (T,) the model's own attention row, for comparison
    rope: bool

    @property
    def max_difference(self) -> float:
        return float(np.abs(self.weights - self.model_weights).max())

    def as_dict(self) -> dict:
        def nums(a):
            return [round(float(v), 6) for v in a]
        return {
            "layer": self.layer, "head": self.head, "kv_head": self.kv_head, "query": self.query,
            "d": self.d, "sqrt_d": math.sqrt(self.d), "rope": self.rope,
            "q_first": nums(self.q[:SHOWN_DIMS]),
            "scores": [round(float(s), 6) if ok else None for s, ok in zip(self.scores, self.allowed)],
            "scaled": [round(float(s), 6) if ok else None for s, ok in zip(self.scaled, self.allowed)],
            "masked": [not ok for ok in self.allowed],
            "weights": nums(self.weights),
            "model_weights": nums(self.model_weights),
            "max_difference": self.max_difference,
            "output_first": nums(self.output[:SHOWN_DIMS]),
        }


def qkv(analysis: Analysis, layer: int, head: int, query: int) -> QKV:
    """Recompute head `head` of layer `layer` for the token at `query`, step by step.

    The backend makes the head's q, k, v from the cached input of the layer with its own
    weights (a causal LM: RMSNorm, projections, RoPE, the shared kv head; an encoder: the
    query, key and value Linear layers); the steps of attention are done here.
    """
    layer, head = check_layer_head(analysis, layer, head)
    query = validate.integer(query, "query", 0, analysis.n_tokens - 1)
    backend = backends.get(analysis.model)
    vectors = backend.head_vectors(analysis.hidden[layer - 1], layer, head)
    q = vectors.q[query].double().numpy()                                 # (d,)
    keys, values = vectors.k.double().numpy(), vectors.v.double().numpy()  # (T, d)
    d, T = vectors.head_dim, analysis.n_tokens
    # 1. how well the query matches each key
    scores = keys @ q                                                      # (T,)
    # 2. divided by sqrt(d), so the scores do not grow with the dimension (a model may set
    #    its own factor: Gemma 3's is 1/sqrt(query_pre_attn_scalar))
    scale = getattr(vectors, "scale", None) or 1 / math.sqrt(d)
    scaled = scores * scale
    # 3. the causal mask: a GPT token sees itself and the tokens before it (a sliding-window
    #    layer, only the last `window` of them)
    allowed = np.arange(T) <= query if analysis.causal else np.ones(T, bool)
    window = getattr(vectors, "window", None)
    if window:
        allowed &= query - np.arange(T) < window
    # 4. softmax over the allowed keys (exp of -inf is 0 for the masked ones)
    masked = np.where(allowed, scaled, -np.inf)
    exp = np.exp(masked - masked[allowed].max())
    weights = exp / exp.sum()
    # 5. the output: the weighted sum of the value vectors
    output = weights @ values                                              # (d,)
    return QKV(layer, head, vectors.kv_head, query, d, q, keys, values, scores, scaled, allowed,
               weights, output, analysis.weights(layer, head)[query].astype(float),
               rope=backend.shape.positions == ROPE)
