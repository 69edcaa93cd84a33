"""Sampling: from a model's scores (logits) to the distribution the next token is drawn from.

The lesson's stages, named as transformer-explainer names them (poloclub), each one function
on one row of scores (V,):

    1. scale by the temperature T: logits / T  (T < 1 sharpens, T > 1 flattens)
    2. top-k: keep the k highest scaled logits, the others become -inf
    3. softmax: scores -> probabilities that add up to 1
    4. top-p (nucleus, Holtzman et al., 2019): keep the most likely tokens until their
       probabilities add up to p, and renormalise

T = 0 is greedy decoding: all the probability on the highest logit. top_k = 0 and
top_p = 1 switch those filters off. `sampling_distribution` composes the stages (the
sampler of `CausalLM.stream_tokens`); `stages` keeps each intermediate result, computed
once, for a lesson that shows them (playground.text.generation).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class SampledToken(NamedTuple):
    token_id: int
    prob: float   # its probability in the distribution it was drawn from


def check_settings(temperature: float, top_k: int, top_p: float) -> None:
    if temperature < 0 or not 0 < top_p <= 1 or top_k < 0:
        raise ValueError("need temperature >= 0, 0 < top_p <= 1 and top_k >= 0")


# --- the stages ---------------------------------------------------------------------------------

def scale(logits, temperature: float):
    """Stage 1, scaled logits: logits / T (T > 0)."""
    return logits / temperature


def top_k(scaled, k: int):
    """Stage 2: the k highest scores kept, the others set to -inf (k = 0: all kept)."""
    import torch

    if not 0 < k < scaled.numel():
        return scaled
    kth = torch.topk(scaled, k).values[-1]                   # the k-th best score
    return scaled.masked_fill(scaled < kth, float("-inf"))  # ties with the k-th stay


def softmax(scores):
    """Stage 3: p_i = exp(s_i) / sum_j exp(s_j); a -inf score gets probability 0."""
    import torch

    return torch.softmax(scores, dim=-1)


def top_p(probs, p: float):
    """Stage 4, nucleus: the best tokens until their probabilities add up to p (the first is
    always kept), renormalised; the others get 0. p = 1: unchanged."""
    import torch

    if p >= 1.0:
        return probs
    sorted_probs, order = torch.sort(probs, descending=True)
    before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs   # mass of the better ones
    kept = probs.clone()
    kept[order[before >= p]] = 0.0                              # never drops the first
    return kept / kept.sum()


def greedy(logits):
    """T = 0: probability 1 on the highest score, 0 elsewhere."""
    import torch

    probs = torch.zeros_like(logits)
    probs[int(torch.argmax(logits))] = 1.0
    return probs


# --- composed -------------------------------------------------------------------------------------

def sampling_distribution(logits, temperature: float = 1.0, top_k: int = 0,
                          top_p: float = 1.0):
    """The probabilities a next token is drawn from, as a torch tensor (V,)."""
    return stages(logits, temperature, top_k, top_p, keep_tempered=False).sampled


@dataclass(frozen=True)
class Stages:
    """Each stage's result on one row of scores, torch tensors (V,)."""
    tempered: object      # softmax(logits / T): before top-k and top-p (None if not kept)
    after_top_k: object   # softmax(top_k(logits / T)): what top-p starts from
    sampled: object       # after top-p: what the next token is drawn from


def stages(logits, temperature: float, k: int = 0, p: float = 1.0,
           keep_tempered: bool = True) -> Stages:
    """The stages of `logits` under one setting, each computed once.

    `tempered` is the whole vocabulary's distribution at this temperature (what a lesson
    shows); with top-k off it is `after_top_k` itself, so softmax runs once. Without
    `keep_tempered` (a sampler), it is not computed when top-k is on.
    """
    import torch

    check_settings(temperature, k, p)
    logits = torch.as_tensor(logits, dtype=torch.float32)
    if temperature == 0:
        one_hot = greedy(logits)
        return Stages(one_hot, one_hot, one_hot)
    scaled = scale(logits, temperature)                                  # 1.
    cut = top_k(scaled, k)                                               # 2.
    after_k = softmax(cut)                                               # 3.
    tempered = after_k if cut is scaled else softmax(scaled) if keep_tempered else None
    return Stages(tempered, after_k, top_p(after_k, p))                  # 4.
