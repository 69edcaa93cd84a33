"""Recurrent networks against transformers, measured on the same toy task.

An RNN (Elman 1990) reads a sequence one token at a time: h_t = tanh(W_ih x_t + b_ih +
W_hh h_{t-1} + b_hh), so step t waits for step t-1 and the only road from the first token
to the last output runs through every step in between; the gradient along it shrinks with
each step (vanishing gradients: Hochreiter 1991, Bengio et al. 1994). A transformer's
self-attention (Vaswani et al. 2017) looks at all tokens in one pass, and the last output
reaches the first token directly.

The task (both models): read a sequence of digits 1..9 and, at the end, say the FIRST one.
The RNN: Embedding(10, 16) -> torch.nn.RNN(16, 32, tanh) -> Linear(32, 10) on the last
hidden state. The transformer: Embedding(10, 32) + sinusoidal positions -> one
torch.nn.TransformerEncoderLayer (2 heads) -> Linear(32, 10) on the last token. Trained by
scripts/train_network_types.py (`train_and_save`: sequences of 2 to 20 digits, a minute),
shipped in assets/weights/.
Pure: no gradio. Figures in recurrence_figures.py.
"""
from __future__ import annotations

import math
import time
from functools import lru_cache

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from playground.core.errors import UserError
from playground.core.paths import ASSETS

WEIGHTS = {"rnn": ASSETS / "weights" / "network-types-rnn.safetensors",
           "transformer": ASSETS / "weights" / "network-types-transformer.safetensors"}
VOCAB = 10              # digits 0..9; sequences use 1..9
TRAIN_LENGTHS = (2, 20) # the task's sequences in training: each batch a length in this range
TRAIN_LENGTH = 10       # the length accuracy is quoted at
MAX_LENGTH = 40         # what the tab accepts from a visitor
EMBED, HIDDEN = 16, 32


def positions(length: int, dim: int) -> torch.Tensor:
    """Sinusoidal position codes (length, dim), Vaswani et al. 2017 section 3.5."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freqs = torch.exp(-math.log(10_000) * torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    pe = torch.zeros(length, dim)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * freqs), torch.cos(pos * freqs)
    return pe


class RNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.rnn = nn.RNN(EMBED, HIDDEN, batch_first=True)      # tanh
        self.head = nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens, embedded=None):
        x = self.embed(tokens) if embedded is None else embedded  # (B, T, E)
        states, _ = self.rnn(x)                                   # (B, T, H)
        return self.head(states[:, -1])


class Transformer(nn.Module):
    def __init__(self, dim: int = 32, heads: int = 2):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, dim)
        self.layer = nn.TransformerEncoderLayer(dim, heads, dim_feedforward=64, dropout=0.0,
                                                batch_first=True)
        self.head = nn.Linear(dim, VOCAB)

    def inputs(self, tokens):
        return self.embed(tokens) + positions(tokens.shape[1], self.embed.embedding_dim)

    def forward(self, tokens, embedded=None):
        x = self.inputs(tokens) if embedded is None else embedded   # (B, T, D)
        return self.head(self.layer(x)[:, -1])

    def attention(self, tokens) -> torch.Tensor:
        """The last token's attention over all tokens (heads, T), averaged nowhere."""
        x = self.inputs(tokens)
        _, weights = self.layer.self_attn(x, x, x, need_weights=True, average_attn_weights=False)
        return weights[0, :, -1]                                 # (heads, T)


def build(kind: str) -> nn.Module:
    return RNN() if kind == "rnn" else Transformer()


@lru_cache(maxsize=2)
def model(kind: str) -> nn.Module:
    """The shipped network, loaded once and shared (read-only) by every visitor."""
    from safetensors.torch import load_file
    if not WEIGHTS[kind].exists():
        raise UserError("nt_no_weights", name=WEIGHTS[kind].name)
    with torch.inference_mode(False):      # normal tensors: gradient_by_distance needs autograd
        net = build(kind)
        net.load_state_dict(load_file(WEIGHTS[kind]))
    return net.eval()


def batch(n: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n random sequences of digits 1..9 and their targets (the first digit)."""
    tokens = torch.randint(1, VOCAB, (n, length), generator=generator)
    return tokens, tokens[:, 0].clone()


def accuracy(net: nn.Module, length: int = TRAIN_LENGTH, n: int = 1000, seed: int = 1) -> float:
    tokens, target = batch(n, length, torch.Generator().manual_seed(seed))
    with torch.inference_mode():
        return float((net(tokens).argmax(1) == target).float().mean())


@lru_cache(maxsize=2 * MAX_LENGTH)
def measured_accuracy(kind: str, length: int) -> float:
    """The shipped model's accuracy on 500 fresh sequences of `length` (fixed seed)."""
    return accuracy(model(kind), length, n=500)


def train(kind: str, steps: int, seed: int = 0, lengths: tuple[int, int] = TRAIN_LENGTHS) -> nn.Module:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = build(kind)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(steps):
        length = int(torch.randint(lengths[0], lengths[1] + 1, (1,), generator=gen))
        tokens, target = batch(64, length, gen)
        loss = F.cross_entropy(net(tokens), target)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
    return net.eval()


def train_and_save(steps: int = 3000) -> dict:
    """Train both models (scripts/train_network_types.py) and save them; their accuracies."""
    from safetensors.torch import save_file
    out = {}
    for kind in ("rnn", "transformer"):
        start = time.perf_counter()
        net = train(kind, steps)
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(WEIGHTS[kind]))
        out[kind] = {"steps": steps, "seconds": round(time.perf_counter() - start, 1),
                     "parameters": sum(p.numel() for p in net.parameters()),
                     "accuracy_by_length": {n: round(accuracy(net, n), 4) for n in (5, 10, 20, 40)}}
        print(kind, out[kind], flush=True)
    return out


# --- the RNN stepped by hand ------------------------------------------------------------

def parse(text: str) -> list[int]:
    """'3 1 4 1 5' or '31415' -> [3, 1, 4, 1, 5]; digits 1..9 only, 2..MAX_LENGTH of them."""
    if not isinstance(text, str) or not text.strip():
        raise UserError("nt_sequence_empty")
    if len(text) > 4 * MAX_LENGTH:
        raise UserError("nt_sequence_length", low=2, high=MAX_LENGTH)
    digits = [c for c in text if not c.isspace() and c not in ",;"]
    if any(c not in "123456789" for c in digits):
        raise UserError("nt_sequence_digits")
    if not 2 <= len(digits) <= MAX_LENGTH:
        raise UserError("nt_sequence_length", low=2, high=MAX_LENGTH)
    return [int(c) for c in digits]


@torch.inference_mode()
def hidden_states(tokens: list[int], net: RNN | None = None) -> np.ndarray:
    """h_1 .. h_T (T, H), one step at a time: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""
    net = net or model("rnn")
    r = net.rnn
    x = net.embed(torch.tensor(tokens))                     # (T, E)
    h = torch.zeros(r.hidden_size)
    states = []
    for x_t in x:                                           # step t needs h_{t-1}: a loop
        h = torch.tanh(r.weight_ih_l0 @ x_t + r.bias_ih_l0 + r.weight_hh_l0 @ h + r.bias_hh_l0)
        states.append(h)
    return torch.stack(states).numpy()


@torch.inference_mode()
def read(tokens: list[int]) -> dict:
    """Both models on one sequence: the RNN's states step by step, the transformer's outputs
    all at once, the last token's attention, and each model's probabilities."""
    t = torch.tensor([tokens])
    rnn, tr = model("rnn"), model("transformer")
    return {"tokens": tokens, "rnn_states": hidden_states(tokens, rnn),
            "transformer_states": tr.layer(tr.inputs(t))[0].numpy(),
            "attention": tr.attention(t).numpy(),
            "rnn_probs": torch.softmax(rnn(t)[0], 0).numpy(),
            "transformer_probs": torch.softmax(tr(t)[0], 0).numpy(),
            "accuracy": {k: measured_accuracy(k, len(tokens)) for k in ("rnn", "transformer")}}


# --- measured, not told -----------------------------------------------------------------

LENGTHS = (16, 32, 64, 128, 256, 512)


def _best_time(fn, repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


@torch.inference_mode()
def timings(lengths=LENGTHS, repeats: int = 5, seed: int = 0) -> dict[str, np.ndarray]:
    """Wall time (ms, best of `repeats`) to read one sequence of each length: the RNN stepped
    in Python (each step waits for the last), torch.nn.RNN (the same loop in C++), and the
    transformer (one pass over all tokens)."""
    gen = torch.Generator().manual_seed(seed)
    rnn, tr = model("rnn"), model("transformer")
    out = {"length": np.array(lengths), "rnn_loop": [], "rnn_torch": [], "transformer": []}
    for n in lengths:
        tokens = torch.randint(1, VOCAB, (1, n), generator=gen)
        listed = tokens[0].tolist()
        out["rnn_loop"].append(1000 * _best_time(lambda: hidden_states(listed, rnn), repeats))
        out["rnn_torch"].append(1000 * _best_time(lambda: rnn(tokens), repeats))
        out["transformer"].append(1000 * _best_time(lambda: tr(tokens), repeats))
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def gradient_by_distance(kind: str, length: int = 60, seed: int = 0,
                         net: nn.Module | None = None) -> np.ndarray:
    """|| d(last output's logits . u) / d(input at position t) || for every t, ordered by the
    distance from the last position (index 0 = the last token itself, length-1 = the first):
    how much of the gradient reaches a token that far back. u is a fixed random direction."""
    net = net or model(kind)
    gen = torch.Generator().manual_seed(seed)
    tokens = torch.randint(1, VOCAB, (1, length), generator=gen)
    direction = torch.randn(VOCAB, generator=gen)
    base = net.embed(tokens) if kind == "rnn" else net.inputs(tokens)
    embedded = base.detach().requires_grad_(True)               # (1, T, D), a leaf
    (net(tokens, embedded=embedded)[0] @ direction).backward()
    norms = embedded.grad[0].norm(dim=1).numpy()                # (T,) by position
    return norms[::-1].copy()                                   # by distance from the end
