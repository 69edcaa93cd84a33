"""Mixture of experts, trained live: a router sends each token to one of several MLPs.

In a transformer block the MLP works on each position alone. A mixture-of-experts layer
(Shazeer et al., 2017; Switch Transformer, Fedus et al., 2022; Mixtral, Jiang et al., 2024)
keeps E such MLPs, the experts, and a router: a linear layer that scores the experts for each
token, p = softmax(W_r x). The token goes to its top-k experts only, and their outputs are
added weighted by p (top-1: p of the one chosen, as in Switch; top-2: renormalised, as in
Mixtral). The model stores E MLPs but each token runs k: more parameters, the same compute.

Left alone, the router tends to send almost everything to one or two experts (they learn
faster, so they win more tokens, so they learn faster). Switch's load-balancing loss,
E x sum_e f_e P_e (f_e: the share of tokens sent to expert e; P_e: the mean router probability
of e), is smallest when both are even, 1/E each; added to the loss with a small weight, it
keeps the load even.

Here the experts replace the MLP of every block of the pre-training tab's GPT
(`lifecycle.gpt`); a dense GPT with the same active parameters (one MLP per block) trains on
the same batches beside it.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from playground.lifecycle import corpus as corpora
from playground.lifecycle import gpt

BALANCE_WEIGHT = 0.01          # Switch's alpha
MAX_STEPS = 2_000
MAX_SECONDS = 90.0
CLASSES = ("vowel", "consonant", "space", "punctuation", "other")
VOWELS = set("aeiouáéíóúüAEIOUÁÉÍÓÚÜ")


class Expert(nn.Module):
    """One expert: the GPT's MLP (widen 4x, GELU, narrow back)."""

    def __init__(self, n_embd: int):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class MoE(nn.Module):
    """Router + experts, in place of a block's MLP. After each forward: `aux_loss` (the
    balancing loss) and `choice` (B, T), the expert of each token's first pick."""

    def __init__(self, n_embd: int, n_experts: int = 4, top_k: int = 1):
        super().__init__()
        self.n_experts, self.top_k = n_experts, top_k
        self.router = nn.Linear(n_embd, n_experts, bias=False)
        self.experts = nn.ModuleList(Expert(n_embd) for _ in range(n_experts))
        self.aux_loss = torch.zeros(())
        self.choice = None

    def route(self, x):
        """Router probabilities (B, T, E) and the top-k (weights, experts), each (B, T, k)."""
        probs = F.softmax(self.router(x), dim=-1)                   # (B, T, E): each row sums to 1
        weights, chosen = probs.topk(self.top_k, dim=-1)            # (B, T, k)
        if self.top_k > 1:
            weights = weights / weights.sum(dim=-1, keepdim=True)   # Mixtral: renormalised
        return probs, weights, chosen

    def forward(self, x):
        B, T, C = x.shape
        probs, weights, chosen = self.route(x)
        flat, out = x.reshape(-1, C), torch.zeros_like(x).reshape(-1, C)
        for k in range(self.top_k):
            for e, expert in enumerate(self.experts):
                rows = (chosen[..., k].reshape(-1) == e).nonzero(as_tuple=True)[0]   # its tokens
                if len(rows):
                    out.index_add_(0, rows, weights[..., k].reshape(-1, 1)[rows] * expert(flat[rows]))
        first = chosen[..., 0]
        share = F.one_hot(first, self.n_experts).float().mean(dim=(0, 1))   # f_e (no gradient)
        self.aux_loss = self.n_experts * (share * probs.mean(dim=(0, 1))).sum()
        self.choice = first.detach()
        return out.reshape(B, T, C)


def moe_gpt(config: gpt.GPTConfig, n_experts: int, top_k: int, seed: int) -> gpt.GPT:
    """The pre-training tab's GPT with every block's MLP replaced by a mixture of experts."""
    model = gpt.GPT(config)
    model.init_weights(seed)
    torch.manual_seed(seed)
    for block in model.h:
        block.mlp = MoE(config.n_embd, n_experts, top_k)
    return model


def layers(model) -> list[MoE]:
    return [block.mlp for block in model.h if isinstance(block.mlp, MoE)]


def active_params(model) -> int:
    """Numbers one token runs through: an MoE block counts its router and top-k experts only."""
    total = sum(p.numel() for p in model.parameters())
    for moe in layers(model):
        per_expert = sum(p.numel() for p in moe.experts[0].parameters())
        total -= per_expert * (moe.n_experts - moe.top_k)
    return total


def char_class(ch: str) -> str:
    if ch in VOWELS:
        return "vowel"
    if ch.isalpha():
        return "consonant"
    if ch.isspace():
        return "space"
    if ch in ".,;:¿?¡!'\"()-":
        return "punctuation"
    return "other"


@dataclass
class Snapshot:
    step: int
    dense_loss: list[float] = field(default_factory=list)     # per step, the training batch
    moe_loss: list[float] = field(default_factory=list)       # cross-entropy only (no balancing term)
    load: list[list[float]] = field(default_factory=list)     # per step, each expert's share (first MoE layer)
    routing: np.ndarray | None = None      # (classes, E): where each kind of character goes
    sentence: str = ""
    sentence_experts: list[int] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    seconds: float = 0.0
    done: bool = False


def routing_table(model, data: corpora.Corpus, text: str) -> tuple[np.ndarray, list[int]]:
    """For a text: each character's expert (first MoE layer) and the share of each class of
    characters sent to each expert (rows sum to 1 where the class occurs)."""
    ids = torch.tensor([data.tokenizer.encode(text)[: model.config.block_size]])
    with torch.no_grad():
        model(ids)
    experts = layers(model)[0].choice[0].tolist()
    pieces = [data.tokenizer.decode([i]) for i in ids[0].tolist()]
    n = layers(model)[0].n_experts
    table = np.zeros((len(CLASSES), n))
    for piece, e in zip(pieces, experts):
        table[CLASSES.index(char_class(piece[:1] or " ")), e] += 1
    sums = table.sum(axis=1, keepdims=True)
    return np.divide(table, sums, out=np.zeros_like(table), where=sums > 0), experts


def train(lang: str = "es", n_experts: int = 4, top_k: int = 1, balance: bool = True, steps: int = 400,
          seed: int = 0, batch_size: int = 16, lr: float = 3e-3, every: int = 10,
          stop_event: threading.Event | None = None, max_seconds: float = MAX_SECONDS,
          sentence: str | None = None) -> Iterator[Snapshot]:
    """A dense GPT and its mixture-of-experts twin on the same character batches, live."""
    data = corpora.builtin(lang, "char")
    config = gpt.GPTConfig(vocab_size=data.vocab_size, block_size=64, n_layer=2, n_head=4, n_embd=64)
    dense = gpt.GPT(config)
    dense.init_weights(seed)
    moe = moe_gpt(config, n_experts, top_k, seed)
    opts = [torch.optim.AdamW(m.parameters(), lr=lr) for m in (dense, moe)]
    rng = np.random.default_rng(seed)
    sentence = sentence or ("El futuro de la IA se basa en la capacidad de aprender, ¿verdad?" if lang == "es"
                            else "The future of AI rests on the ability to learn, doesn't it?")
    snap = Snapshot(0, sentence=sentence, params={
        "dense": sum(p.numel() for p in dense.parameters()),
        "moe_total": sum(p.numel() for p in moe.parameters()), "moe_active": active_params(moe)})
    start = time.perf_counter()
    for step in range(1, min(steps, MAX_STEPS) + 1):
        if (stop_event is not None and stop_event.is_set()) or time.perf_counter() - start > max_seconds:
            break
        starts = rng.integers(0, len(data.train) - config.block_size - 1, batch_size)
        x = torch.from_numpy(np.stack([data.train[s:s + config.block_size] for s in starts]))
        y = torch.from_numpy(np.stack([data.train[s + 1:s + 1 + config.block_size] for s in starts]))
        for model, opt, losses in ((dense, opts[0], snap.dense_loss), (moe, opts[1], snap.moe_loss)):
            _, loss, _ = model(x, y)
            total = loss
            if model is moe and balance:
                total = loss + BALANCE_WEIGHT * sum(m.aux_loss for m in layers(moe))
            opt.zero_grad(set_to_none=True)
            total.backward()
            opt.step()
            losses.append(float(loss.detach()))
        first = layers(moe)[0].choice
        snap.load.append(np.bincount(first.reshape(-1).numpy(), minlength=n_experts).astype(float)
                         .__truediv__(first.numel()).tolist())
        snap.step, snap.seconds = step, time.perf_counter() - start
        if step % every == 0:
            snap.routing, snap.sentence_experts = routing_table(moe, data, sentence)
            yield snap
    snap.routing, snap.sentence_experts = routing_table(moe, data, sentence)
    snap.done = True
    yield snap
