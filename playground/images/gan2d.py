"""A GAN learning a 2D shape, live, the way GAN Lab shows it (Kahng et al. 2018).

Generative Adversarial Networks (Goodfellow et al. 2014): a generator G turns noise z into
points, a discriminator D says how real a point looks. They compete:
    D maximizes  log D(x_real) + log(1 - D(G(z)))
    G maximizes  log D(G(z))       (the "non-saturating" loss of the paper, section 3)
Each is a tiny MLP here; a few hundred steps a second run on one CPU core. A `GanRun` holds
one visitor's two networks, optimizers and loss history (kept in the page's gr.State), so
training can stop and resume where it was.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from playground.core import pacing, plotstyle
from playground.core.i18n import t
# The target shapes live in a numpy-only module (the pages lay out their choices without torch).
from playground.images.shapes2d import (EXTENT, TARGETS, gaussians, moons, ring,  # noqa: F401
                                        spiral, target_points)

NOISE_DIM = 2


# --- the two networks -------------------------------------------------------------------------------

def mlp(n_in: int, n_out: int, width: int = 64) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, width), nn.LeakyReLU(0.2), nn.Linear(width, width),
                         nn.LeakyReLU(0.2), nn.Linear(width, n_out))


@dataclass
class GanRun:
    """One visitor's GAN in training: networks, optimizers, history."""
    target: str
    seed: int = 0
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    generator: nn.Module = None
    discriminator: nn.Module = None
    opt_g: torch.optim.Optimizer = None
    opt_d: torch.optim.Optimizer = None
    step: int = 0
    history: list = field(default_factory=list)      # (step, loss_d, loss_g)
    rng: np.random.Generator = None
    z_fixed: torch.Tensor = None                     # the same noise drawn each frame
    pacer: pacing.Pacer = field(default_factory=pacing.Pacer)   # frames as fast as the page draws

    def __post_init__(self):
        torch.manual_seed(self.seed)
        self.generator, self.discriminator = mlp(NOISE_DIM, 2), mlp(2, 1)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=self.lr_g, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=self.lr_d, betas=(0.5, 0.999))
        self.rng = np.random.default_rng(self.seed)
        self.z_fixed = torch.randn(400, NOISE_DIM, generator=torch.Generator().manual_seed(self.seed))

    def set_rates(self, lr_g: float, lr_d: float):
        self.lr_g, self.lr_d = lr_g, lr_d
        for g in self.opt_g.param_groups:
            g["lr"] = lr_g
        for g in self.opt_d.param_groups:
            g["lr"] = lr_d

    def real(self, n: int) -> torch.Tensor:
        return torch.from_numpy(TARGETS[self.target](n, self.rng).astype(np.float32))

    def train_step(self, d_steps: int = 1, batch: int = 128) -> tuple[float, float]:
        """d_steps discriminator updates, then one generator update. Returns (loss_D, loss_G)."""
        ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
        for _ in range(d_steps):
            # 1. D: real points -> 1, generated points -> 0 (binary cross-entropy)
            fake = self.generator(torch.randn(batch, NOISE_DIM)).detach()
            loss_d = (F.binary_cross_entropy_with_logits(self.discriminator(self.real(batch)), ones)
                      + F.binary_cross_entropy_with_logits(self.discriminator(fake), zeros))
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
        # 2. G: make D say 1 on generated points (non-saturating loss, -log D(G(z)))
        fake = self.generator(torch.randn(batch, NOISE_DIM))
        loss_g = F.binary_cross_entropy_with_logits(self.discriminator(fake), ones)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.step += 1
        self.history.append((self.step, loss_d.item() / 2, loss_g.item()))
        return loss_d.item() / 2, loss_g.item()

    @torch.no_grad()
    def snapshot(self, grid: int = 41):
        """What a frame shows: generated points, D's verdict over the plane (probability real)."""
        fake = self.generator(self.z_fixed).numpy()
        axis = np.linspace(-EXTENT, EXTENT, grid, dtype=np.float32)
        xx, yy = np.meshgrid(axis, axis)
        plane = torch.from_numpy(np.stack([xx.ravel(), yy.ravel()], 1))
        verdict = torch.sigmoid(self.discriminator(plane)).numpy().reshape(grid, grid)
        return fake, axis, verdict


# --- the frame ----------------------------------------------------------------------------------------

def frame_figure(run: GanRun, real: np.ndarray, lang: str) -> "plotstyle.go.Figure":
    """Left: D's verdict as a heatmap, real points (green) and generated ones (purple).
    Right: both losses over the steps."""
    fake, axis, verdict = run.snapshot()
    hist = np.array(run.history[-2000:] or [(0, np.nan, np.nan)], dtype=float)
    if len(hist) > 400:                                         # keep the frame light
        hist = hist[np.linspace(0, len(hist) - 1, 400).astype(int)]
    data = [
        {"type": "heatmap", "x": axis, "y": axis, "z": verdict, "zmin": 0, "zmax": 1,
         "colorscale": [[0, "#f4a582"], [0.5, "#f7f7f7"], [1, "#92c5de"]], "showscale": True,
         "colorbar": {"title": {"text": t("gan_verdict", lang), "side": "right"}, "x": 0.52,
                      "xanchor": "left", "len": 0.9, "thickness": 14}, "hoverinfo": "skip"},
        {"type": "scatter", "x": real[:, 0], "y": real[:, 1], "mode": "markers",
         "name": t("gan_real", lang), "marker": {"size": 6, "color": "#1a9641", "opacity": 0.7}},
        {"type": "scatter", "x": fake[:, 0], "y": fake[:, 1], "mode": "markers",
         "name": t("gan_fake", lang), "marker": {"size": 6, "color": "#7b3294", "opacity": 0.8}},
        {"type": "scatter", "x": hist[:, 0], "y": hist[:, 1], "mode": "lines", "xaxis": "x2",
         "yaxis": "y2", "name": t("gan_loss_d", lang), "line": {"width": 3, "color": "#e66101"}},
        {"type": "scatter", "x": hist[:, 0], "y": hist[:, 2], "mode": "lines", "xaxis": "x2",
         "yaxis": "y2", "name": t("gan_loss_g", lang), "line": {"width": 3, "color": "#5e3c99"}},
    ]
    layout = plotstyle.base_layout(t("gan_frame_title", lang, step=run.step), height=560)
    layout["xaxis"].update(domain=[0, 0.5], range=[-EXTENT, EXTENT], title={"text": "x₁"})
    layout["yaxis"].update(range=[-EXTENT, EXTENT], title={"text": "x₂"}, scaleanchor="x")
    layout["xaxis2"] = {**plotstyle.AXIS, "domain": [0.74, 1], "anchor": "y2",
                        "title": {"text": t("gan_steps", lang)}}
    layout["yaxis2"] = {**plotstyle.AXIS, "anchor": "x2", "title": {"text": t("gan_loss", lang)},
                        "rangemode": "tozero"}
    layout["legend"] = {"orientation": "h", "y": -0.17, "x": 0, "yanchor": "top"}
    layout["margin"] = {"l": 60, "r": 20, "t": 60, "b": 90}
    layout["uirevision"] = "gan"                                 # keep zoom between frames
    for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        layout[axis]["automargin"] = False      # redrawn for every streamed frame: no relayout passes
    return plotstyle.figure(data, layout)


def train_frames(run: GanRun, d_steps: int, total_steps: int, steps_per_second: float,
                 lang: str, budget: float = 0.25, clock=time.monotonic):
    """Train `total_steps` generator steps and yield a figure after each slice of them. A
    slice is as many steps as `steps_per_second` makes of the time since the previous slice
    began (at least one, at most one second's worth), and no more than fit in `budget`
    seconds: the GAN learns at the same speed whether its figures are drawn five times a
    second or once, as far as the processor allows, and Stop is never far away.
    `clock` measures the time between slices (a test may pass its own); the budget is
    wall time."""
    real = target_points(run.target, 400, seed=1)
    done, last = 0, None
    while done < total_steps:
        now = clock()
        wanted = 1 if last is None else round(steps_per_second * (now - last))
        steps = min(total_steps - done, max(1, min(wanted, round(steps_per_second))))
        last, started = now, time.perf_counter()
        for _ in range(steps):
            run.train_step(d_steps)
            done += 1
            if time.perf_counter() - started > budget:
                break
        yield frame_figure(run, real, lang)
