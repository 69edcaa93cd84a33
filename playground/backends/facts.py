"""A model's shape, read from its transformers config in one place (like nanoGPT's GPTConfig).

Every lesson that needs a layer count, a head count, a head size, the kind of positions or
the size of the KV cache reads it from `LMShape`, built from the loaded model's own config:
no other module writes SmolLM2's (or any model's) numbers by hand.

    shape = LMShape.from_config(model.config)
    shape.layers, shape.heads, shape.kv_heads, shape.head_dim    # 30, 9, 3, 64 for SmolLM2
    shape.kv_cache_bytes(tokens=1, bytes_per_number=4)           # 2 x layers x kv_heads x head_dim x 4

Config names differ between families (Llama: num_hidden_layers; GPT-2: n_layer; ...): each
field lists the names it is read from. Multimodal configs (Gemma 3) keep the language model's
numbers in a nested text config, which `get_text_config()` returns.
"""
from __future__ import annotations

from dataclasses import dataclass

ROPE, LEARNED, NO_POSITIONS = "rope", "learned", "none"


@dataclass(frozen=True)
class LMShape:
    layers: int
    heads: int                          # query heads per layer
    kv_heads: int                       # key/value heads (fewer than `heads`: grouped-query attention)
    head_dim: int                       # numbers per head: scores are divided by sqrt(head_dim)
    hidden: int                         # numbers per token between layers
    vocab_size: int
    positions: str                      # ROPE, LEARNED or NO_POSITIONS
    rope_theta: float | None            # RoPE's base (theta_i = base^(-2i/d)); None without RoPE
    max_context: int | None             # positions the model was trained for
    layer_kinds: tuple[str, ...] | None = None  # per layer, e.g. "sliding_attention" / "full_attention"
    sliding_window: int | None = None   # keys a sliding-window layer sees

    @classmethod
    def from_config(cls, config) -> "LMShape":
        if hasattr(config, "get_text_config"):
            config = config.get_text_config()
        layers = _first(config, "num_hidden_layers", "n_layer", "num_layers")
        heads = _first(config, "num_attention_heads", "n_head", "num_heads")
        hidden = _first(config, "hidden_size", "n_embd", "d_model")
        kv_heads = _first(config, "num_key_value_heads", "multi_query_group_num") or heads
        head_dim = _first(config, "head_dim") or hidden // heads
        theta = _rope_theta(config)
        if theta is not None:
            positions = ROPE
        elif _first(config, "max_position_embeddings", "n_positions") is not None and \
                getattr(config, "position_embedding_type", "absolute") == "absolute":
            positions = LEARNED
        else:
            positions = NO_POSITIONS
        kinds = getattr(config, "layer_types", None)
        return cls(layers=layers, heads=heads, kv_heads=kv_heads, head_dim=head_dim, hidden=hidden,
                   vocab_size=_first(config, "vocab_size"), positions=positions, rope_theta=theta,
                   max_context=_first(config, "max_position_embeddings", "n_positions"),
                   layer_kinds=tuple(kinds) if kinds else None,
                   sliding_window=_first(config, "sliding_window"))

    @property
    def queries_per_kv_head(self) -> int:
        """Query heads that share one key/value head (1 without grouped-query attention)."""
        return self.heads // self.kv_heads

    def kv_cache_bytes(self, tokens: int, bytes_per_number: int) -> int:
        """2 (a key and a value) x layers x kv_heads x head_dim x tokens x bytes per number,
        where a sliding-window layer (Gemma 3's local ones) keeps only the last
        `sliding_window` - 1 tokens: all the next token may look at besides itself."""
        kinds = self.layer_kinds or ("full_attention",) * self.layers
        kept = sum(min(tokens, self.sliding_window - 1)
                   if kind == "sliding_attention" and self.sliding_window else tokens
                   for kind in kinds)                              # tokens kept, over the layers
        return 2 * self.kv_heads * self.head_dim * kept * bytes_per_number


def model_facts(model, tokenizer) -> dict:
    """What a learner would like to know about a loaded transformers model."""
    shape = LMShape.from_config(model.config)
    params = {p.data_ptr(): p for p in model.parameters()}            # tied weights once
    buffers = {b.data_ptr(): b for b in model.buffers()}
    nbytes = sum(t.numel() * t.element_size() for t in [*params.values(), *buffers.values()])
    return {
        "parameters": sum(p.numel() for p in params.values()),
        "layers": shape.layers,
        "heads": shape.heads,
        "vocab_size": len(tokenizer),
        "dim": shape.hidden,
        "dtype": str(next(model.parameters()).dtype).removeprefix("torch."),
        "bytes_in_memory": nbytes,
    }


def _rope_theta(config) -> float | None:
    """RoPE's base from `rope_parameters` (transformers 5; per layer kind for Gemma 3) or `rope_theta`."""
    params = getattr(config, "rope_parameters", None)
    if isinstance(params, dict):
        if "rope_theta" in params:
            return float(params["rope_theta"])
        nested = params.get("full_attention") or next(
            (v for v in params.values() if isinstance(v, dict)), None)
        if nested and "rope_theta" in nested:
            return float(nested["rope_theta"])
    theta = getattr(config, "rope_theta", None)
    return float(theta) if theta is not None else None


def _first(config, *names):
    for name in names:
        value = getattr(config, name, None)
        if value is not None:
            return value
    return None
