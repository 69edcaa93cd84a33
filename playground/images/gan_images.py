"""The trained image GAN: samples from noise, a walk between two noises, and the training
seen through snapshots (the competition of Goodfellow et al. 2014, on Fashion-MNIST).

The generator G(z, y) is class-conditional (Mirza & Osindero 2014): z, 32 numbers drawn
from N(0, I), says *which* image; y says which class. scripts/train_gan.py trained it and
kept what G drew from the same noise at a few steps of training, with both losses.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from playground.images import fashion
from playground.core import plotstyle
from playground.images.generative_models import WEIGHTS_DIR, load, read_metadata
from playground.core.i18n import t

MODEL_NAME = "gan_fashion"
SNAPSHOTS = WEIGHTS_DIR / f"{MODEL_NAME}_snapshots.npz"
ROWS = 3                      # samples per class in the grid


def model():
    return load(MODEL_NAME)


def noise(seed: int, n: int) -> torch.Tensor:
    """n noise vectors z ~ N(0, I), the same for the same seed."""
    return torch.randn((n, model().latent), generator=torch.Generator().manual_seed(int(seed)))


@torch.inference_mode()
def generate(z: torch.Tensor, labels) -> np.ndarray:
    return model()(z, torch.as_tensor(labels, dtype=torch.long)).numpy()


def _class_names_on_top(lang: str, cols: int, size: int = 28, gap: int = 2) -> list[dict]:
    return [{"x": c * (size + gap) + size / 2 - 0.5, "y": -1, "text": name, "showarrow": False,
             "yanchor": "bottom", "xref": "x", "yref": "y", "font": {"size": 13}}
            for c, name in enumerate(fashion.class_names(lang)[:cols])]


def samples_figure(seed: int, lang: str):
    """ROWS x 10 samples: each column a class, each row another noise z."""
    labels = np.tile(np.arange(10), ROWS)
    images = generate(noise(seed, len(labels)), labels)
    fig = fashion.image_figure(fashion.tile(images, 10), t("gan_samples_title", lang, seed=seed),
                               height=380, annotations=_class_names_on_top(lang, 10))
    fig.layout.yaxis.range = [ROWS * 30, -8]
    fig.layout.margin.t = 50
    return fig


def slerp(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """Spherical interpolation (Shoemake 1985; for GAN latents, White 2016): stays at the norm
    Gaussian noise has, where a straight line would pass through unlikely small vectors."""
    omega = torch.arccos(torch.clamp((a / a.norm()) @ (b / b.norm()), -1, 1))
    ts = torch.linspace(0, 1, steps)[:, None]
    if omega.abs() < 1e-6:
        return (1 - ts) * a + ts * b
    return (torch.sin((1 - ts) * omega) * a + torch.sin(ts * omega) * b) / torch.sin(omega)


def walk_figure(label: int, seed_a: int, seed_b: int, lang: str, steps: int = 10):
    """Images along the path from noise A to noise B, for one class."""
    path = slerp(noise(seed_a, 1)[0], noise(seed_b, 1)[0], steps)
    images = generate(path, [label] * steps)
    title = t("gan_walk_title", lang, cls=fashion.class_names(lang)[label], a=seed_a, b=seed_b)
    return fashion.image_figure(fashion.tile(images, steps), title, height=230)


@lru_cache(maxsize=1)
def snapshots() -> dict:
    if not SNAPSHOTS.exists():
        from playground.core.errors import UserError
        raise UserError("generative_no_weights", name=SNAPSHOTS.name)
    with np.load(SNAPSHOTS) as f:
        return {k: f[k] for k in f.files}


def snapshots_figure(lang: str, cols: int = 10):
    """What G drew from the same noise at several steps: one row per step."""
    s = snapshots()
    rows = len(s["steps"])
    images = s["images"][:, :cols].reshape(-1, 28, 28).astype(np.float32) / 127.5 - 1
    fig = fashion.image_figure(fashion.tile(images, cols), t("gan_snapshots_title", lang),
                               height=110 + 62 * rows)
    notes = [{"x": -2, "y": r * 30 + 14, "text": t("gan_snapshot_step", lang, step=int(step)),
              "showarrow": False, "xanchor": "right", "xref": "x", "yref": "y", "font": {"size": 15}}
             for r, step in enumerate(s["steps"])]
    fig.layout.annotations = notes
    fig.layout.xaxis.range = [-75, cols * 30]
    fig.layout.margin.l = 10
    return fig


def losses_figure(lang: str):
    s = snapshots()
    steps, losses = s["loss_steps"], s["losses"].astype(np.float32)
    kernel = np.ones(5) / 5
    data = [{"type": "scatter", "x": steps[2:-2], "y": np.convolve(losses[:, i], kernel, "valid"),
             "mode": "lines", "name": t(key, lang), "line": {"width": 3, "color": color}}
            for i, (key, color) in enumerate((("gan_loss_d", "#e66101"), ("gan_loss_g", "#5e3c99")))]
    layout = plotstyle.base_layout(t("gan_losses_title", lang), t("gan_steps", lang), t("gan_loss", lang),
                                   height=380)
    for step in s["steps"]:
        data.append({"type": "scatter", "x": [int(step)], "y": [0], "mode": "markers", "showlegend": False,
                     "marker": {"symbol": "triangle-up", "size": 12, "color": "#444"}, "hoverinfo": "x"})
    layout["yaxis"]["rangemode"] = "tozero"
    return plotstyle.figure(data, layout)


def trained_facts() -> dict:
    return read_metadata(WEIGHTS_DIR / f"{MODEL_NAME}.safetensors")
