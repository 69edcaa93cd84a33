"""The small torch networks of the generative tabs, and how their weights are saved.

- `Denoiser`: a small class-conditional U-Net that predicts the noise in x_t given the
  step t and a class (DDPM, Ho et al. 2020); class id `n_classes` is the "no class" token
  that classifier-free guidance needs (Ho & Salimans 2022).
- `VAE`: a variational autoencoder (Kingma & Welling 2014) with a 2D latent, MLP encoder
  and decoder as in the paper's MNIST experiments.
- `Generator`, `Discriminator`: a class-conditional GAN on images (Goodfellow et al. 2014;
  Mirza & Osindero 2014), MLPs.
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

from playground.core.paths import ASSETS

WEIGHTS_DIR = ASSETS / "weights"


# --- the denoiser ------------------------------------------------------------------------

def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer steps t (B,) -> (B, dim), as in Vaswani et al. 2017."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]                      # (B, half)
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class ResBlock(nn.Module):
    """GroupNorm -> SiLU -> 3x3 conv, plus the step/class embedding, twice; with a skip."""

    def __init__(self, c_in: int, c_out: int, emb: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb, c_out)
        self.norm2 = nn.GroupNorm(8, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(e)[:, :, None, None]                    # (B, C, 1, 1), broadcast
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class Denoiser(nn.Module):
    """eps_theta(x_t, t, y): a small U-Net (Ronneberger et al. 2015, as DDPM uses it).

    To be cheap on 2 CPU cores it first folds each 2x2 block of pixels into 4 channels
    (pixel unshuffle: 28x28x1 -> 14x14x4), works at 14x14 and 7x7 only, and unfolds at the
    end. The step t and the class y enter every block as one embedding.
    """

    def __init__(self, channels=(32, 64), n_classes: int = 10, emb: int = 128):
        super().__init__()
        c1, c2 = channels
        self.config = {"kind": "denoiser", "channels": list(channels), "n_classes": n_classes, "emb": emb}
        self.n_classes = n_classes
        self.time = nn.Sequential(nn.Linear(emb, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.label = nn.Embedding(n_classes + 1, emb)             # last id = no class
        self.inc = nn.Conv2d(4, c1, 3, padding=1)
        self.down_block = ResBlock(c1, c1, emb)
        self.down = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.mid1 = ResBlock(c1, c2, emb)
        self.mid2 = ResBlock(c2, c2, emb)
        self.up_block = ResBlock(c2 + c1, c1, emb)
        self.out = nn.Sequential(nn.GroupNorm(8, c1), nn.SiLU(), nn.Conv2d(c1, 4, 3, padding=1))

    def forward(self, x, t, y):
        # x (B, 1, H, W) with H, W even; t (B,) integer steps; y (B,) class ids (n_classes = none)
        e = self.time(timestep_embedding(t, self.label.embedding_dim)) + self.label(y)  # (B, emb)
        h1 = self.down_block(self.inc(F.pixel_unshuffle(x, 2)), e)  # (B, c1, H/2, W/2)
        h = self.mid2(self.mid1(self.down(h1), e), e)                # (B, c2, H/4, W/4)
        h = F.interpolate(h, size=h1.shape[-2:], mode="nearest")
        h = self.up_block(torch.cat([h, h1], 1), e)                  # (B, c1, H/2, W/2)
        return F.pixel_shuffle(self.out(h), 2)                       # (B, 1, H, W): the noise


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


# --- the image GAN ---------------------------------------------------------------------------

class Generator(nn.Module):
    """G(z, y): noise z (latent) and a class y -> an image in [-1, 1] (a conditional GAN,
    Mirza & Osindero 2014, with MLP layers as in Goodfellow et al. 2014)."""

    def __init__(self, pixels: int = 784, latent: int = 32, hidden: int = 512, n_classes: int = 10):
        super().__init__()
        self.config = {"kind": "generator", "pixels": pixels, "latent": latent, "hidden": hidden,
                       "n_classes": n_classes}
        self.latent = latent
        self.label = nn.Embedding(n_classes, 16)
        self.net = nn.Sequential(nn.Linear(latent + 16, hidden // 2), nn.BatchNorm1d(hidden // 2), nn.ReLU(),
                                 nn.Linear(hidden // 2, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
                                 nn.Linear(hidden, pixels), nn.Tanh())

    def forward(self, z, y):
        side = int(round(math.sqrt(self.config["pixels"])))
        return self.net(torch.cat([z, self.label(y)], 1)).view(-1, 1, side, side)


class Discriminator(nn.Module):
    """D(x, y): the logit of "x is a real image of class y"."""

    def __init__(self, pixels: int = 784, hidden: int = 512, n_classes: int = 10):
        super().__init__()
        self.config = {"kind": "discriminator", "pixels": pixels, "hidden": hidden, "n_classes": n_classes}
        self.label = nn.Embedding(n_classes, 16)
        self.net = nn.Sequential(nn.Linear(pixels + 16, hidden), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                                 nn.Linear(hidden, hidden // 2), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                                 nn.Linear(hidden // 2, 1))

    def forward(self, x, y):
        return self.net(torch.cat([x.flatten(1), self.label(y)], 1))


def gan_step(G, D, opt_g, opt_d, x, y, generator: torch.Generator | None = None):
    """One step of each player (non-saturating loss). Returns (loss_D, loss_G)."""
    b = len(x)
    ones, zeros = torch.ones(b, 1), torch.zeros(b, 1)
    z = torch.randn((b, G.latent), generator=generator)
    fake = G(z, y)
    bce = F.binary_cross_entropy_with_logits
    loss_d = (bce(D(x, y), ones * 0.9) + bce(D(fake.detach(), y), zeros)) / 2   # one-sided smoothing
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    loss_g = bce(D(fake, y), ones)
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    return loss_d.item(), loss_g.item()


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

KINDS = {"denoiser": Denoiser, "vae": VAE, "classifier": Classifier, "generator": Generator,
         "discriminator": Discriminator}


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
    from playground.backends.compute import limit_torch_threads
    from playground.core.errors import UserError
    path = WEIGHTS_DIR / f"{name}.safetensors"
    if not path.exists():
        raise UserError("generative_no_weights", name=name)
    limit_torch_threads()
    return load_file(path)
