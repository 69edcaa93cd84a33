"""Quantization you can see: a model's weights rounded to fewer bits, and what it costs.

The GGUF idea (llama.cpp's Q4_1, Q5_1, ...): split each weight row into groups of 32
numbers; store, per group, its minimum m and a step d = (max - min) / (2^bits - 1) as two
16-bit floats, and each weight as the integer q = round((w - m) / d), from 0 to 2^bits - 1.
Reading it back gives w ~ m + q d: the error is at most half a step. Bits per weight =
bits + 2 x 16 / 32 (the group's two numbers shared by its 32 weights): 4-bit costs 5.

`quantize` is written here because it is the lesson; tests/test_quantization.py checks it
against the `gguf` library's own Q4_1 (llama.cpp's layout). `measure` rounds every linear
layer and the embedding of a small LM, then measures the size, the perplexity on a fixed
text and a greedy sample; the weights of the rounded model are new tensors in a sharing
copy (`gemma_chat.sharing_copy`), freed when the measurement ends.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from playground import backends
from playground.backends import gemma_chat
from playground.backends.compute import COMPUTE_LOCK

GROUP = 32
BITS = (8, 6, 5, 4, 3, 2)
MODEL = "smollm2"
SAMPLE_TOKENS = 24
TEXTS = {   # the fixed texts perplexity is measured on (the course's own words)
    "es": "Una red neuronal aprende ajustando sus pesos. En cada paso calcula una predicción, "
          "mide el error con la función de pérdida y corrige los pesos en la dirección que reduce "
          "ese error. Con muchos ejemplos y muchas épocas, la red encuentra patrones en los datos.",
    "en": "A neural network learns by adjusting its weights. At each step it makes a prediction, "
          "measures the error with the loss function and corrects the weights in the direction "
          "that reduces that error. With many examples and many epochs, the network finds "
          "patterns in the data.",
}
PROMPTS = {"es": "La inteligencia artificial generativa", "en": "Generative artificial intelligence"}


def bits_per_weight(bits: int, group: int = GROUP) -> float:
    """What one weight costs stored this way: its bits plus its share of the group's two fp16 numbers."""
    return bits + 2 * 16 / group


def quantize(w, bits: int, group: int = GROUP):
    """`w` (a float tensor whose size divides into groups) rounded to `bits` per weight and
    read back, group by group: min + round((w - min) / step) x step."""
    import torch

    g = w.reshape(-1, group).float()                                    # (groups, 32)
    low, high = g.min(dim=1, keepdim=True).values, g.max(dim=1, keepdim=True).values
    step = (high - low) / (2 ** bits - 1)
    inv = torch.where(step > 0, 1 / step, torch.zeros_like(step))
    q = torch.clamp(torch.floor((g - low) * inv + 0.5), 0, 2 ** bits - 1)   # the integers stored
    # The group's two numbers are stored as 16-bit floats: reading back uses those.
    return (low.half().float() + q * step.half().float()).reshape(w.shape).to(w.dtype)


def rounded_copy(model, bits: int, group: int = GROUP):
    """A sharing copy of `model` whose linear and embedding weights are quantized copies
    (the shared model is not touched)."""
    import torch

    twin = gemma_chat.sharing_copy(model)
    with torch.no_grad():
        for module in twin.modules():
            if isinstance(module, (torch.nn.Linear, torch.nn.Embedding)) and module.weight.numel() % group == 0:
                module.weight = torch.nn.Parameter(quantize(module.weight, bits, group), requires_grad=False)
    twin.tie_weights()
    return twin


def perplexity(model, ids: list[int]) -> float:
    """exp(mean negative log-likelihood of each token given the ones before it)."""
    import torch

    with COMPUTE_LOCK, torch.inference_mode():
        out = model(torch.tensor([ids]), labels=torch.tensor([ids]), use_cache=False)
    return math.exp(float(out.loss))


@dataclass(frozen=True)
class Row:
    bits: int | None            # None: the float32 model as the app runs it
    bits_per_weight: float
    megabytes: float            # the rounded weights' size at that cost
    perplexity: float
    sample: str


def measure(lang: str, bits_list=BITS, model_name: str = MODEL) -> list[Row]:
    """The float32 model, then each number of bits: size, perplexity on TEXTS[lang], a sample."""
    import dataclasses

    lm = backends.get(model_name)
    params = sum({p.data_ptr(): p.numel() for p in lm.model.parameters()}.values())
    text_ids = lm.prompt_ids(TEXTS[lang])
    prompt = lm.prompt_ids(PROMPTS[lang])

    def row(model, bits):
        runner = dataclasses.replace(lm, model=model)
        sample = lm.decode(runner.generate_ids(prompt, SAMPLE_TOKENS, temperature=0))
        cost = 32.0 if bits is None else bits_per_weight(bits)
        return Row(bits, cost, params * cost / 8 / 1e6, perplexity(model, text_ids), sample)

    rows = [row(lm.model, None)]
    for bits in bits_list:
        rows.append(row(rounded_copy(lm.model, bits), bits))
    return rows


_CACHE: dict[str, list[Row]] = {}
_CACHE_LOCK = threading.Lock()


def table(lang: str) -> list[Row]:
    """`measure(lang)`, computed once per language and process (the same for every visitor)."""
    with _CACHE_LOCK:
        if lang not in _CACHE:
            _CACHE[lang] = measure(lang)
        return _CACHE[lang]
