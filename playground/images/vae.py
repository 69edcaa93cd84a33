"""A variational autoencoder with a two-dimensional latent space (Kingma & Welling 2014).

The encoder maps an image x to a Gaussian q(z|x) = N(mu(x), sigma(x)^2) over a point z of
the plane; the decoder maps any point z back to an image. Training maximizes the ELBO:
reconstruct well, and keep q(z|x) close to N(0, I) (the KL term), which is what makes the
plane continuous: every point decodes to something that looks like clothing, and nearby
points decode to similar images. Two latent dimensions are few (reconstructions are blurry)
but they can be drawn, which is the lesson.

The shipped model (scripts/train_vae.py) comes with the codes mu(x) of 3,000 Fashion-MNIST
test images, so the tab can draw the latent plane without the dataset.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from playground.images import fashion
from playground.core import plotstyle
from playground.images.generative_models import WEIGHTS_DIR, load, read_metadata
from playground.core.i18n import t

MODEL_NAME = "vae_fashion"
CODES = WEIGHTS_DIR / "vae_fashion_codes.npz"
EXTENT = 3.0                 # the latent plane shown: [-EXTENT, EXTENT]^2
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def model():
    return load(MODEL_NAME)


@lru_cache(maxsize=1)
def codes() -> tuple[np.ndarray, np.ndarray]:
    """(codes (N, 2) float32, labels (N,)) of the shipped test images."""
    if not CODES.exists():
        from playground.core.errors import UserError
        raise UserError("generative_no_weights", name=CODES.name)
    with np.load(CODES) as f:
        return f["codes"].astype(np.float32), f["labels"].astype(np.int64)


def metrics() -> dict:
    return read_metadata(WEIGHTS_DIR / f"{MODEL_NAME}.safetensors")


@torch.inference_mode()
def decode(points) -> np.ndarray:
    """Images (N, 1, 28, 28) in [-1, 1] decoded at the latent points (N, 2)."""
    return model().decode(torch.as_tensor(np.asarray(points, dtype=np.float32).reshape(-1, 2))).numpy()


@torch.inference_mode()
def reconstruct(images: np.ndarray) -> np.ndarray:
    """Decode each image's mean code mu(x): the VAE's reconstruction, no sampling."""
    mu, _ = model().encode(torch.from_numpy(images))
    return model().decode(mu).numpy()


# --- figures ------------------------------------------------------------------------------------

def scatter_figure(z1: float, z2: float, lang: str):
    """The test images' codes coloured by class, with the chosen point marked."""
    z, labels = codes()
    names = fashion.class_names(lang)
    data = [{"type": "scattergl", "x": z[labels == c, 0], "y": z[labels == c, 1], "mode": "markers",
             "name": names[c], "marker": {"size": 5, "color": PALETTE[c], "opacity": 0.7}}
            for c in range(10)]
    data.append({"type": "scatter", "x": [z1], "y": [z2], "mode": "markers", "name": t("vae_point", lang),
                 "marker": {"size": 22, "color": "#ffd92f", "symbol": "x",
                            "line": {"width": 2, "color": "black"}}})
    layout = plotstyle.base_layout(t("vae_scatter_title", lang), "z₁", "z₂", height=560)
    layout["xaxis"]["range"] = [-EXTENT, EXTENT]
    layout["yaxis"].update(range=[-EXTENT, EXTENT], scaleanchor="x")
    layout["legend"] = {"orientation": "v", "x": 1.02, "y": 1, "font": {"size": 15},
                        "itemsizing": "constant"}
    return plotstyle.figure(data, layout)


def decoded_figure(z1: float, z2: float, lang: str):
    canvas = fashion.tile(decode([[z1, z2]]), 1)
    return fashion.image_figure(canvas, t("vae_decoded_title", lang, z1=f"{z1:.2f}", z2=f"{z2:.2f}"),
                                height=400)


def grid_figure(lang: str, n: int = 12):
    """Images decoded on an n x n grid over the plane (z2 upward, as in the scatter)."""
    axis = np.linspace(-EXTENT * 0.8, EXTENT * 0.8, n)
    points = [[a, b] for b in axis[::-1] for a in axis]            # row 0 is the top: largest z2
    canvas = fashion.tile(decode(points), n, gap=0)
    return fashion.image_figure(canvas, t("vae_grid_title", lang), height=600)


def reconstruction_figure(lang: str, per_row: int = 10):
    """One test image per class (top row) and its reconstruction (bottom row)."""
    images, labels = fashion.examples()
    first = images[::fashion.PER_CLASS][:per_row]
    canvas = fashion.tile(np.concatenate([first, reconstruct(first)]), per_row, gap=2)
    return fashion.image_figure(canvas, t("vae_recon_title", lang), height=300)


def explain(lang: str) -> str:
    m = metrics()
    return t("vae_metrics", lang, mse=f"{m.get('test_mse_per_pixel', float('nan')):.4f}",
             bce=f"{m.get('test_recon_sum', float('nan')):.1f}", minutes=m.get("trained_minutes", "?"))
