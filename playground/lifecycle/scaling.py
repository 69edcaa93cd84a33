"""Scaling laws: how the loss falls with the model's size N and the data D it trained on.

Hoffmann et al. (2022, "Training Compute-Optimal Large Language Models", Chinchilla), their
approach 3: fit

    L(N, D) = E + A / N^alpha + B / D^beta

E is the loss no model removes (the text's own entropy), A / N^alpha what a finite model
costs, B / D^beta what finite data costs. Training costs about C = 6 N D floating-point
operations (2 N D forward, 4 N D backward), so for a budget C the best split minimises
L(N, C / 6N):

    N_opt = G (C/6)^(beta / (alpha + beta)),  D_opt = (C/6) / N_opt,
    G = (alpha A / (beta B))^(1 / (alpha + beta))

The fit follows the paper: a Huber loss on log L, minimised with L-BFGS from a grid of
starting points, in the parametrisation E = exp(e), A = exp(a), B = exp(b).
Published fits: Hoffmann et al. 2022 and Epoch AI's replication (Besiroglu et al. 2024,
"Chinchilla Scaling: A replication attempt"), which finds about 20 tokens per parameter.
The sweep of this app's own GPT is made by scripts/scaling_sweep.py into assets/scaling/.
"""
from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from playground.core.paths import ASSETS

SWEEP = ASSETS / "scaling" / "sweep.csv"


@dataclass(frozen=True)
class Law:
    E: float
    A: float
    B: float
    alpha: float
    beta: float

    def loss(self, N, D):
        N, D = np.asarray(N, float), np.asarray(D, float)
        return self.E + self.A / N ** self.alpha + self.B / D ** self.beta

    def optimal(self, C):
        """Compute-optimal (N, D) for a budget of C FLOPs (C = 6 N D)."""
        C = np.asarray(C, float)
        a, b = self.alpha, self.beta
        G = (a * self.A / (b * self.B)) ** (1 / (a + b))
        N = G * (C / 6) ** (b / (a + b))
        return N, C / 6 / N

    def optimal_loss(self, C):
        return self.loss(*self.optimal(C))


PUBLISHED = {
    "hoffmann": Law(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28),
    "epoch": Law(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658),
}

# SmolLM2-135M (Allal et al., 2025): 135M parameters trained on about 2 trillion tokens.
SMOLLM2 = {"N": 135e6, "D": 2e12}


def fit(N, D, L, delta: float = 1e-3) -> Law:
    """The law that best fits the points (N, D, L): Huber loss on log L (Hoffmann 2022),
    with its exact gradient, from a grid of starting points."""
    from scipy.optimize import minimize

    logN, logD, logL = (np.log(np.asarray(v, float)) for v in (N, D, L))

    def objective(p):
        e, a, b, alpha, beta = p
        terms = np.stack([np.full_like(logN, e), a - alpha * logN, b - beta * logD])  # (3, n)
        top = terms.max(axis=0)
        w = np.exp(terms - top)
        total = w.sum(axis=0)
        r = top + np.log(total) - logL                      # log L_pred - log L
        w = w / total                                       # each term's share of L_pred
        huber = np.where(np.abs(r) <= delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))
        slope = np.clip(r, -delta, delta)                   # the Huber loss's derivative
        grad = np.array([(slope * w[0]).sum(), (slope * w[1]).sum(), (slope * w[2]).sum(),
                         -(slope * w[1] * logN).sum(), -(slope * w[2] * logD).sum()])
        return huber.sum(), grad

    best = None
    grid = itertools.product((-1.0, 0.0, 1.0), (0.0, 5.0, 10.0), (0.0, 5.0, 10.0),
                             (0.3,), (0.3,))
    for start in grid:
        result = minimize(objective, np.array(start), jac=True, method="L-BFGS-B")
        if best is None or result.fun < best.fun:
            best = result
    e, a, b, alpha, beta = best.x
    return Law(float(np.exp(e)), float(np.exp(a)), float(np.exp(b)), float(alpha), float(beta))


@dataclass(frozen=True)
class Sweep:
    """The committed sweep: one row per run."""
    N: np.ndarray           # parameters (without the embeddings)
    D: np.ndarray           # training tokens seen
    L: np.ndarray           # validation loss, nats per character
    label: tuple            # the size's name per row

    @property
    def C(self) -> np.ndarray:
        return 6 * self.N * self.D


def read_sweep(path=SWEEP) -> Sweep:
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(line for line in f if not line.startswith("#"))]
    return Sweep(np.array([float(r["params"]) for r in rows]),
                 np.array([float(r["tokens"]) for r in rows]),
                 np.array([float(r["val_loss"]) for r in rows]),
                 tuple(r["size"] for r in rows))


@lru_cache(maxsize=1)
def sweep_and_fit() -> tuple[Sweep, Law]:
    """The committed sweep and the law fitted to it (read and fitted once)."""
    s = read_sweep()
    return s, fit(s.N, s.D, s.L)


# --- one point of the sweep: scripts/scaling_sweep.py runs them all, a visitor one --------

SIZES = {"xs": (1, 2, 16), "s": (2, 2, 32), "m": (2, 4, 48), "l": (3, 4, 64), "xl": (4, 4, 96),
         "xxl": (4, 4, 128)}                    # name -> (layers, heads, width)
TOKENS = (65_536, 131_072, 262_144, 524_288, 1_048_576)
BLOCK, BATCH = 32, 8
EVAL = 256


def peak_lr(width: int) -> float:
    """Wider models take smaller steps: 1e-3 at width 128 (nanoGPT's baby GPT), x sqrt(128/width)."""
    return 1e-3 * (128 / width) ** 0.5


def train_point(data, size: str, tokens: int, seed: int = 0, stopped=lambda: False):
    """Train the GPT of `size` on `tokens` tokens of `data` (a corpus.Corpus) from scratch:
    batches of BATCH random windows of BLOCK tokens, the learning rate warmed up over the
    first tenth of the steps (at most 100), then along a cosine down to a tenth. Returns
    (N without embeddings, D seen, validation loss)."""
    import torch
    from playground.lifecycle.gpt import GPT, GPTConfig
    from playground.lifecycle.pretraining import shared_tensor, windows

    layers, heads, width = SIZES[size]
    config = GPTConfig(vocab_size=data.vocab_size, block_size=BLOCK, n_layer=layers,
                       n_head=heads, n_embd=width)
    torch.manual_seed(seed)
    model = GPT(config)
    g = model.init_weights(seed)
    top = peak_lr(width)
    opt = torch.optim.AdamW(model.parameters(), lr=top, betas=(0.9, 0.99))
    train, val = shared_tensor(data.train), shared_tensor(data.val)
    steps = tokens // (BATCH * BLOCK)
    warmup = min(100, steps // 10)
    for step in range(steps):
        if stopped():
            return None
        if step < warmup:
            lr = top * (step + 1) / warmup
        else:
            lr = top * (0.1 + 0.45 * (1 + np.cos(np.pi * (step - warmup) / (steps - warmup))))
        for group in opt.param_groups:
            group["lr"] = lr
        starts = torch.randint(0, len(train) - BLOCK - 1, (BATCH,), generator=g).tolist()
        _, loss, _ = model(*windows(train, starts, BLOCK))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    starts = np.random.default_rng(1).integers(0, len(val) - BLOCK - 1, EVAL).tolist()
    with torch.no_grad():
        val_loss = float(model(*windows(val, starts, BLOCK))[1])
    n = model.num_params() - model.wte.weight.numel()          # without the embeddings
    return n, steps * BATCH * BLOCK, val_loss


def budget(law: Law, C: float) -> dict:
    """What a law says of a compute budget C: the best N and D, their ratio, the loss."""
    N, D = law.optimal(C)
    return {"C": float(C), "N": float(N), "D": float(D), "tokens_per_param": float(D / N),
            "loss": float(law.loss(N, D))}


def smollm2(law: Law) -> dict:
    """SmolLM2-135M against the compute-optimal model of the same compute."""
    N, D = SMOLLM2["N"], SMOLLM2["D"]
    C = 6 * N * D
    return {"C": C, "tokens_per_param": D / N, "loss": float(law.loss(N, D)),
            "optimal": budget(law, C)}
