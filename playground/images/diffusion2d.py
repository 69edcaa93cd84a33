"""Diffusion on 2D points, trained live: noise flows back into the shape.

The same DDPM as playground.images.diffusion (Ho et al. 2020), on points instead of pixels and with
T = 100 steps: a small MLP learns eps_theta(x_t, t) in a couple of thousand steps (seconds),
then the reverse process moves 600 points from N(0, I) to the target shape, one frame per
step. The targets are the GAN tab's (playground.images.gan2d.TARGETS).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from playground.images import diffusion, gan2d
from playground.core import plotstyle
from playground.core.i18n import t

STEPS = 100              # T of the toy model
N_POINTS = 600


class PointDenoiser(nn.Module):
    """eps_theta(x_t, t) for 2D points: the step as a sinusoidal embedding beside the point."""

    def __init__(self, width: int = 128, emb: int = 32):
        super().__init__()
        self.emb = emb
        self.net = nn.Sequential(nn.Linear(2 + emb, width), nn.SiLU(), nn.Linear(width, width),
                                 nn.SiLU(), nn.Linear(width, width), nn.SiLU(), nn.Linear(width, 2))

    def forward(self, x, t):
        from playground.images.generative_models import timestep_embedding
        return self.net(torch.cat([x, timestep_embedding(t, self.emb)], 1))


def schedule() -> diffusion.Schedule:
    # 100 steps: betas from 1e-4 to 0.2 rescaled so abar_T is about as small as DDPM's
    return diffusion.linear_schedule(STEPS, 1e-4, 0.2)


def train_step(model, opt, points: torch.Tensor, sched: diffusion.Schedule,
               generator: torch.Generator | None = None) -> float:
    """One step of DDPM's simplified loss (eq. 14) on a batch of 2D points."""
    tt = torch.randint(0, sched.steps, (len(points),), generator=generator)
    noise = torch.randn(points.shape, generator=generator)
    loss = torch.nn.functional.mse_loss(model(diffusion.q_sample(points, tt, noise, sched), tt), noise)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


@torch.no_grad()
def reverse(model, sched: diffusion.Schedule, n: int = N_POINTS, seed: int = 0):
    """DDPM algorithm 2 on points: yields (t, x_t) from t = T (pure noise) down to 0."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn((n, 2), generator=gen)
    yield sched.steps, x.numpy()
    for t_ in range(sched.steps - 1, -1, -1):
        beta, alpha, abar = sched.betas[t_], sched.alphas[t_], sched.alpha_bars[t_]
        # 1. predict the noise
        eps = model(x, torch.full((n,), t_, dtype=torch.long))
        # 2. x_{t-1} = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t) + sigma_t z
        x = (x - beta / (1 - abar).sqrt() * eps) / alpha.sqrt()
        if t_ > 0:
            x = x + beta.sqrt() * torch.randn(x.shape, generator=gen)
        yield t_, x.numpy()


def frame_figure(points: np.ndarray, target: np.ndarray, title: str, losses: list[float], lang: str):
    """Left: the points over the faint target shape. Right: the training loss."""
    data = [
        {"type": "scatter", "x": target[:, 0], "y": target[:, 1], "mode": "markers",
         "name": t("diffusion2d_target", lang), "marker": {"size": 5, "color": "#c7e9c0"}},
        {"type": "scatter", "x": points[:, 0], "y": points[:, 1], "mode": "markers",
         "name": t("diffusion2d_points", lang), "marker": {"size": 6, "color": "#2166ac", "opacity": 0.7}},
        {"type": "scatter", "x": np.arange(1, len(losses) + 1), "y": losses, "mode": "lines",
         "xaxis": "x2", "yaxis": "y2", "name": t("diffusion2d_loss", lang),
         "line": {"width": 3, "color": "#e66101"}},
    ]
    layout = plotstyle.base_layout(title, height=520)
    lim = gan2d.EXTENT * 1.5
    layout["xaxis"].update(domain=[0, 0.55], range=[-lim, lim], title={"text": "x₁"})
    layout["yaxis"].update(range=[-lim, lim], title={"text": "x₂"}, scaleanchor="x")
    layout["xaxis2"] = {**plotstyle.AXIS, "domain": [0.66, 1], "anchor": "y2",
                        "title": {"text": t("diffusion2d_train_steps", lang)}}
    layout["yaxis2"] = {**plotstyle.AXIS, "anchor": "x2", "title": {"text": t("diffusion2d_loss", lang)},
                        "rangemode": "tozero"}
    layout["legend"] = {"orientation": "h", "y": -0.14, "x": 0, "yanchor": "top"}
    layout["margin"] = {"l": 60, "r": 20, "t": 60, "b": 90}
    return plotstyle.figure(data, layout)


def train_and_sample(target: str, train_steps: int, lang: str, seed: int = 0, every: int = 100):
    """Stream figures: training (the samples of the model so far, every `every` steps), then
    the final reverse process step by step."""
    torch.manual_seed(seed)
    model, sched = PointDenoiser(), schedule()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    data = gan2d.target_points(target, 4000, seed=seed)
    shown = data[:N_POINTS]
    rng = np.random.default_rng(seed)
    losses = []
    for step in range(1, train_steps + 1):
        batch = torch.from_numpy(data[rng.integers(0, len(data), 256)])
        losses.append(train_step(model, opt, batch, sched))
        if step % every == 0 or step == train_steps:
            *_, (_, x0) = reverse(model, sched, n=300, seed=seed)   # what it makes so far
            smooth = np.convolve(losses, np.ones(20) / 20, mode="valid").tolist() or losses
            yield frame_figure(x0, shown, t("diffusion2d_training", lang, step=step), smooth, lang)
    for t_, x in reverse(model, sched, seed=seed + 1):
        if t_ % 2 == 0 or t_ == sched.steps:
            yield frame_figure(x, shown, t("diffusion2d_reverse", lang, t=t_), smooth, lang)
