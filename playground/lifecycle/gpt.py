"""A GPT from scratch: the decoder-only Transformer of GPT-2, in one file to read top to bottom.

Follows Karpathy's nanoGPT (github.com/karpathy/nanoGPT, model.py), which follows GPT-2
(Radford et al., 2019) and the Transformer (Vaswani et al., 2017):

  tokens -> token embedding (+ learned position embedding)
         -> n_layer x Block:  x = x + attention(LayerNorm(x));  x = x + MLP(LayerNorm(x))
         -> LayerNorm -> a linear layer that shares the token embedding's matrix -> logits

Positions come one of two ways (`GPTConfig.positions`): GPT-2's learned table, added to the
token embeddings, or RoPE (Su et al., 2021, "RoFormer"; LLaMA's convention), which rotates
each query and key by an angle proportional to its position, so the score q.k depends only
on how far apart the two tokens are. With learned positions the weights load into
transformers' GPT2LMHeadModel and give the same logits (tests/test_pretraining.py).

Shapes in the comments: B batch, T time (tokens), C channels (n_embd), nh heads, hs head size.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int = 96        # characters of the corpus (or BPE tokens)
    block_size: int = 64        # the context the model is trained on
    n_layer: int = 4            # blocks
    n_head: int = 4             # attention heads per block
    n_embd: int = 128           # width of the residual stream
    positions: str = "learned"  # "learned" (GPT-2) or "rope" (RoFormer, LLaMA)
    n_positions: int = 0        # longest context accepted (the learned table's rows); 0: 4 x block_size
    rope_base: float = 10000.0  # RoPE's theta: the slowest rotation's wavelength scale

    @property
    def max_context(self) -> int:
        return self.n_positions or 4 * self.block_size

    @property
    def head_size(self) -> int:
        return self.n_embd // self.n_head


# --- RoPE: rotary position embedding ------------------------------------------------------

def rope_cos_sin(T: int, head_size: int, base: float = 10000.0):
    """cos and sin of the angles position * theta_i, (T, hs), in LLaMA's layout: the
    frequencies theta_i = base^(-2i/hs) for i < hs/2, written twice (halves, not pairs)."""
    inv_freq = 1.0 / base ** (torch.arange(0, head_size, 2, dtype=torch.float32) / head_size)  # (hs/2,)
    angles = torch.outer(torch.arange(T, dtype=torch.float32), inv_freq)                     # (T, hs/2)
    angles = torch.cat([angles, angles], dim=-1)                                             # (T, hs)
    return angles.cos(), angles.sin()


def rotate_half(x):
    """(x1, x2) -> (-x2, x1) on the two halves of the last dimension."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(x, cos, sin):
    """Rotate every pair (x_i, x_{i+hs/2}) of a query or key by its position's angle."""
    return x * cos + rotate_half(x) * sin       # (B, nh, T, hs)


# --- the blocks -------------------------------------------------------------------------------

class CausalSelfAttention(nn.Module):
    """Every position mixes the values of itself and the positions before it, weighted by
    softmax(q.k / sqrt(hs)); the heads run side by side and are joined by c_proj."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        assert config.n_embd % config.n_head == 0
        self.config = config
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd)   # q, k, v of all heads at once
        self.c_proj = nn.Linear(config.n_embd, config.n_embd)

    def forward(self, x, need_weights: bool = False):
        B, T, C = x.size()
        nh, hs = self.config.n_head, self.config.head_size
        q, k, v = self.c_attn(x).split(C, dim=2)                     # 3 x (B, T, C)
        q = q.view(B, T, nh, hs).transpose(1, 2)                     # (B, nh, T, hs)
        k = k.view(B, T, nh, hs).transpose(1, 2)                     # (B, nh, T, hs)
        v = v.view(B, T, nh, hs).transpose(1, 2)                     # (B, nh, T, hs)
        if self.config.positions == "rope":
            cos, sin = rope_cos_sin(T, hs, self.config.rope_base)    # (T, hs)
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if not need_weights:                                         # the fast fused kernel
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)   # (B, nh, T, hs)
            weights = None
        else:                                                        # the same, step by step
            scores = (q @ k.transpose(-2, -1)) / math.sqrt(hs)       # (B, nh, T, T)
            mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
            scores = scores.masked_fill(~mask, float("-inf"))        # no looking ahead
            weights = F.softmax(scores, dim=-1)                      # (B, nh, T, T), rows sum to 1
            y = weights @ v                                          # (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)             # (B, T, C): heads side by side
        return self.c_proj(y), weights


class MLP(nn.Module):
    """Position by position: widen 4x, GELU (GPT-2's tanh form), narrow back."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))                  # (B, T, C)


class Block(nn.Module):
    """Pre-norm residual block: communicate (attention), then compute (MLP)."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd)
        self.mlp = MLP(config)

    def forward(self, x, need_weights: bool = False):
        a, weights = self.attn(self.ln_1(x), need_weights)
        x = x + a                                                    # (B, T, C)
        x = x + self.mlp(self.ln_2(x))                               # (B, T, C)
        return x, weights


# --- the model ----------------------------------------------------------------------------

class GPT(nn.Module):

    def __init__(self, config: GPTConfig):
        super().__init__()
        if config.positions not in ("learned", "rope"):
            raise ValueError(f"positions must be 'learned' or 'rope', not {config.positions!r}")
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)    # token -> vector
        self.wpe = (nn.Embedding(config.max_context, config.n_embd)  # position -> vector
                    if config.positions == "learned" else None)
        self.h = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight                         # tied: one matrix, two uses

    def init_weights(self, seed: int = 0) -> torch.Generator:
        """GPT-2's initialisation (as nanoGPT): N(0, 0.02), the projections into the residual
        stream scaled by 1/sqrt(2 n_layer), zero biases. Returns the seeded generator."""
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("bias"):
                    p.zero_()
                elif "ln_" in name:
                    p.fill_(1.0)
                else:
                    std = 0.02 / math.sqrt(2 * self.config.n_layer) if name.endswith("c_proj.weight") else 0.02
                    p.normal_(0.0, std, generator=g)
        return g

    def num_params(self, non_embedding: bool = True) -> int:
        """Parameters; by default without the position table (as nanoGPT counts them)."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding and self.wpe is not None:
            n -= self.wpe.weight.numel()
        return n

    def forward(self, idx, targets=None, need_weights: bool = False):
        """Logits (B, T, vocab) for token ids `idx` (B, T); with `targets` (B, T) also the
        mean cross-entropy in nats; with `need_weights` the attention weights of every layer
        as a tensor (n_layer, B, nh, T, T)."""
        B, T = idx.size()
        if T > self.config.max_context:
            raise ValueError(f"a context of {T} tokens is longer than {self.config.max_context}")
        x = self.wte(idx)                                            # (B, T, C)
        if self.wpe is not None:
            x = x + self.wpe(torch.arange(T, device=idx.device))     # (B, T, C) + (T, C)
        weights = []
        for block in self.h:
            x, w = block(x, need_weights)                            # (B, T, C)
            weights.append(w)
        logits = self.lm_head(self.ln_f(x))                          # (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))
        attentions = torch.stack(weights) if need_weights else None  # (L, B, nh, T, T)
        return logits, loss, attentions

    @torch.no_grad()
    def generate(self, idx, max_new_tokens: int, temperature: float = 1.0,
                 generator: torch.Generator | None = None):
        """Continue `idx` (B, T) by `max_new_tokens` tokens, one at a time."""
        for _ in range(max_new_tokens):
            context = idx[:, -self.config.block_size:]               # 1. the last block_size tokens
            logits, _, _ = self(context)
            logits = logits[:, -1, :]                                # 2. the last position: (B, vocab)
            if temperature <= 0:                                     # 3. greedy ...
                nxt = logits.argmax(dim=-1, keepdim=True)
            else:                                                    #    ... or sample at T
                probs = F.softmax(logits / temperature, dim=-1)
                nxt = torch.multinomial(probs, 1, generator=generator)   # (B, 1)
            idx = torch.cat([idx, nxt], dim=1)                       # 4. append and repeat
        return idx
