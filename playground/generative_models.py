"""The small torch networks of the generative tabs, and how their weights are saved.

- `Denoiser`: a class-conditional residual MLP that predicts the noise in x_t given the
  step t and a class (DDPM, Ho et al. 2020); class id `n_classes` is the "no class" token
  that classifier-free guidance needs (Ho & Salimans 2022).
- `VAE`: a variational autoencoder (Kingma & Welling 2014) with a 2D latent, MLP encoder
  and decoder as in the paper's MNIST experiments.
- `Classifier`: a small CNN, the judge that tells which class a generated image looks like.

Weights ship in assets/weights/ as safetensors (float16), with the training metadata
(duration, epochs, final loss, test figures) in the file's header; `load()` rebuilds the
net from the config stored beside the weights. Built here only: pages never build models.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "assets" / "weights"


# --- the denoiser ------------------------------------------------------------------------

def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer steps t (B,) -> (B, dim), as in Vaswani et al. 2017."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]                      # (B, half)
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class Denoiser(nn.Module):
    """eps_theta(x_t, t, y): a residual MLP over the image's pixels.

    Not the U-Net of the DDPM paper: on 2 CPU cores an MLP of three 768-wide layers samples
    16 images x 50 steps (with guidance: 32 passes a step) several times faster than a small
    U-Net, and trains three times as many steps in the same 20 minutes. The step t and the
    class y enter as one embedding, concatenated to the pixels and added to each layer.
    """

    def __init__(self, pixels: int = 784, width: int = 768, depth: int = 3,
                 n_classes: int = 10, emb: int = 128):
        super().__init__()
        self.config = {"kind": "denoiser", "pixels": pixels, "width": width, "depth": depth,
                       "n_classes": n_classes, "emb": emb}
        self.n_classes = n_classes
        self.time = nn.Sequential(nn.Linear(emb, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.label = nn.Embedding(n_classes + 1, emb)             # last id = no class
        self.inp = nn.Linear(pixels + emb, width)
        self.cond = nn.ModuleList(nn.Linear(emb, width) for _ in range(depth - 1))
        self.hidden = nn.ModuleList(nn.Linear(width, width) for _ in range(depth - 1))
        self.norm = nn.ModuleList(nn.LayerNorm(width) for _ in range(depth - 1))
        self.out = nn.Linear(width, pixels)

    def forward(self, x, t, y):
        # x (B, 1, H, W), t (B,) integer steps, y (B,) class ids (n_classes = no class)
        e = self.time(timestep_embedding(t, self.label.embedding_dim)) + self.label(y)  # (B, emb)
        h = F.silu(self.inp(torch.cat([x.flatten(1), e], 1)))      # (B, width)
        for layer, cond, norm in zip(self.hidden, self.cond, self.norm):
            h = h + F.silu(layer(norm(h) + cond(e)))                # residual block
        return self.out(h).view_as(x)                              # predicted noise


# --- the VAE --------------------------------------------------------------------------------

class VAE(nn.Module):
    """q(z|x) = N(mu(x), diag sigma(x)^2), p(x|z) Gaussian with mean decoder(z); z in R^2."""

    def __init__(self, pixels: int = 784, hidden: int = 512, latent: int = 2):
        super().__init__()
        self.config = {"kind": "vae", "pixels": pixels, "hidden": hidden, "latent": latent}
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(pixels, hidden), nn.ReLU(),
                                     nn.Linear(hidden, hidden // 2), nn.ReLU(),
                                     nn.Linear(hidden // 2, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden // 2), nn.ReLU(),
                                     nn.Linear(hidden // 2, hidden), nn.ReLU(),
                                     nn.Linear(hidden, pixels), nn.Tanh())

    def encode(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=1)               # (B, latent) each
        return mu, logvar

    def decode(self, z):
        side = int(round(math.sqrt(self.config["pixels"])))
        return self.decoder(z).view(-1, 1, side, side)             # images in [-1, 1]

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)   # reparameterization trick
        return self.decode(z), mu, logvar


def vae_loss(model: VAE, x: torch.Tensor, beta: float = 1.0):
    """Negative ELBO per image: reconstruction (squared error) + beta * KL(q(z|x) || N(0, I))."""
    recon, mu, logvar = model(x)
    rec = F.mse_loss(recon, x, reduction="none").flatten(1).sum(1).mean()
    kl = (-0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum(1)).mean()
    return rec + beta * kl, rec, kl


# --- the judge --------------------------------------------------------------------------------

class Classifier(nn.Module):
    """Two conv layers and a linear head: ~92% on Fashion-MNIST's test set."""

    def __init__(self, n_classes: int = 10, width: int = 32):
        super().__init__()
        self.config = {"kind": "classifier", "n_classes": n_classes, "width": width}
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.LazyLinear(128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, n_classes))

    def forward(self, x):
        return self.net(x)


# --- saving and loading ------------------------------------------------------------------------

KINDS = {"denoiser": Denoiser, "vae": VAE, "classifier": Classifier}


def save(model: nn.Module, name: str, metadata: dict, weights_dir: Path = WEIGHTS_DIR) -> Path:
    """assets/weights/<name>.safetensors, float16, with config + metadata in the header."""
    from safetensors.torch import save_file
    weights_dir.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    path = weights_dir / f"{name}.safetensors"
    save_file(tensors, str(path), metadata={"config": json.dumps(model.config),
                                            "metadata": json.dumps(metadata)})
    return path


def read_metadata(path: Path) -> dict:
    from safetensors import safe_open
    with safe_open(str(path), framework="pt") as f:
        return json.loads(f.metadata()["metadata"])


def load_file(path: Path) -> nn.Module:
    """Rebuild the net from its stored config and load its weights (float32, eval mode)."""
    from safetensors import safe_open
    from safetensors.torch import load_file as load_tensors
    with safe_open(str(path), framework="pt") as f:
        config = json.loads(f.metadata()["config"])
    kind = config.pop("kind")
    model = KINDS[kind](**config)
    if kind == "classifier":
        model(torch.zeros(1, 1, 28, 28))                           # materialize LazyLinear
    state = {k: v.float() for k, v in load_tensors(str(path)).items()}
    model.load_state_dict(state)
    return model.eval().requires_grad_(False)


@lru_cache(maxsize=None)
def load(name: str) -> nn.Module:
    """The shipped model assets/weights/<name>.safetensors, loaded once and shared (read-only)."""
    from .backends import limit_torch_threads
    limit_torch_threads()
    return load_file(WEIGHTS_DIR / f"{name}.safetensors")
