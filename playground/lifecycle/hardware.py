"""What a model needs to run: memory for its weights, its KV cache and its activations, and
how fast it can generate at most.

- **Weights**: parameters x bits per weight / 8. A format's bits per weight are its real
  storage cost: float32 32, bfloat16 16; a GGUF quantization stores blocks of weights with
  their scales (Q4_K: 256 weights in 144 bytes = 4.5 bits; Q8_0: 32 in 34 bytes = 8.5), read
  from the `gguf` library's own table. A "_M" mix (Q4_K_M) keeps some tensors in a larger
  type: its average is measured on a real file (`gguf_bits`).
- **KV cache**: 2 (a key and a value) x layers x KV heads x head size x tokens x bytes per
  number x batch (`facts.LMShape.kv_cache_bytes`, which also knows sliding-window layers).
  Grouped-query attention (fewer KV heads than query heads) is what keeps it small.
- **Activations** of one forward pass over the prompt, roughly: the largest tensors alive at
  once, batch x tokens x (hidden + MLP width) numbers, plus one layer's attention matrix,
  batch x heads x tokens^2 (without a fused attention kernel, which avoids it).
- **Speed bound**: generating one token reads every active weight (and the KV cache) from
  memory once, so tokens/s <= memory bandwidth / bytes read per token.

A mixture of experts stores all its experts (total parameters) but one token reads only the
ones it is routed to (active parameters): memory follows the total, speed the active.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from playground import backends
from playground.backends.facts import LMShape
from playground.core.errors import UserError
from playground.core.paths import ASSETS

PRESETS_FILE = ASSETS / "hardware" / "models.json"
FLOAT_BITS = {"fp32": 32.0, "bf16": 16.0, "fp16": 16.0, "int8": 8.0}
GGUF_FORMATS = ("Q8_0", "Q6_K", "Q5_K", "Q4_1", "Q4_K", "Q4_0", "Q3_K", "Q2_K")   # largest first
GIB = 2 ** 30
APP_MODELS = ("smollm2", "gemma3")      # the app's own: counted from the loaded model


def gguf_block_bits(name: str) -> float:
    """Bits per weight of one GGUF quantization type, from gguf's (block size, bytes) table."""
    import gguf

    block, nbytes = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType[name]]
    return 8 * nbytes / block


def formats() -> dict[str, float]:
    """Every format the calculator offers, with its bits per weight."""
    return {**FLOAT_BITS, **{name: gguf_block_bits(name) for name in GGUF_FORMATS}}


def gguf_bits(path: str | Path) -> tuple[float, dict[str, int]]:
    """A GGUF file's measured bits per weight (all its tensors' bytes over their numbers) and
    how many numbers each tensor type holds."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    numbers: dict[str, int] = {}
    total_bytes = 0
    for tensor in reader.tensors:
        numbers[tensor.tensor_type.name] = numbers.get(tensor.tensor_type.name, 0) + int(tensor.n_elements)
        total_bytes += int(tensor.n_bytes)
    return 8 * total_bytes / sum(numbers.values()), numbers


@dataclass(frozen=True)
class Model:
    name: str
    params: int                         # stored (all experts of a mixture)
    shape: LMShape
    intermediate: int                   # the MLP's width
    active_params: int | None = None    # read per token, if fewer (a mixture of experts)
    source: str = ""

    @property
    def active(self) -> int:
        return self.active_params or self.params


def presets() -> list[Model]:
    """The published models of assets/hardware/models.json."""
    data = json.loads(PRESETS_FILE.read_text(encoding="utf-8"))["models"]
    return [Model(m["name"], m["params"],
                  LMShape(layers=m["layers"], heads=m["heads"], kv_heads=m["kv_heads"], head_dim=m["head_dim"],
                          hidden=m["hidden"], vocab_size=0, positions="rope", rope_theta=None,
                          max_context=m["context"]),
                  m["intermediate"], m.get("active_params"), m["source"]) for m in data]


def from_loaded(name: str, model) -> Model:
    """One of the app's loaded transformers models: numbers counted, shape from its config."""
    params = {p.data_ptr(): p.numel() for p in model.parameters()}       # tied weights once
    config = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    return Model(name, sum(params.values()), LMShape.from_config(model.config),
                 getattr(config, "intermediate_size", 4 * config.hidden_size))


@dataclass(frozen=True)
class Estimate:
    weights: float                      # bytes
    kv_cache: float
    activations: float
    tokens_per_s: float | None          # the bandwidth bound for one sequence, if a bandwidth is given

    @property
    def total(self) -> float:
        return self.weights + self.kv_cache + self.activations

    def fits(self, memory_gib: float) -> bool:
        return self.total <= memory_gib * GIB


def estimate(model: Model, bits: float, context: int, batch: int = 1, kv_bytes: int = 2,
             act_bytes: int = 2, bandwidth_gbs: float | None = None) -> Estimate:
    """Memory for `batch` sequences of `context` tokens, and the tokens/s bound."""
    weights = model.params * bits / 8
    kv = batch * model.shape.kv_cache_bytes(context, kv_bytes)
    acts = act_bytes * batch * (context * (model.shape.hidden + model.intermediate)
                                + model.shape.heads * context ** 2)
    speed = None
    if bandwidth_gbs:
        per_token = model.active * bits / 8 + model.shape.kv_cache_bytes(context, kv_bytes)
        speed = bandwidth_gbs * 1e9 / per_token
    return Estimate(weights, kv, acts, speed)



def model_names() -> list[str]:
    """What the calculator offers: the app's models (by registry name), then the presets."""
    return list(APP_MODELS) + [m.name for m in presets()]


def find(name) -> Model:
    """A model by name: the app's own loaded and counted, or a published preset."""
    if name in APP_MODELS:
        return from_loaded(backends.title(name), backends.get(name).model)
    for model in presets():
        if model.name == name:
            return model
    raise UserError("hardware_error_model", model=str(name)[:40])
