"""Diffusion on images: add noise step by step, then learn to remove it.

Follows DDPM (Ho, Jain & Abbeel 2020, "Denoising Diffusion Probabilistic Models"), DDIM
(Song, Meng & Ermon 2021, "Denoising Diffusion Implicit Models") for sampling in fewer
steps, and classifier-free guidance (Ho & Salimans 2022) for conditioning on a class.
Equation numbers below are the papers'.

Forward process (fixed, no learning): with a schedule beta_1..beta_T,
    q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I),   abar_t = prod_{s<=t} (1 - beta_s)
so x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps in one jump (DDPM eq. 4).
Reverse process (learned): a network eps_theta(x_t, t, y) predicts eps; sampling walks
from x_T ~ N(0, I) back to x_0 (DDPM algorithm 2, or DDIM eq. 12 with eta = 0, or
DPM-Solver++(2M): Lu, Zhou, Bao, Chen, Li & Zhu 2022, "DPM-Solver++: Fast Solver for Guided
Sampling of Diffusion Probabilistic Models", algorithm 2).

Steps are 0-based in code: t = 0..T-1 stands for the paper's 1..T.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from playground import backends
from playground.core import gpu
from playground.images import diffusion_fast, fashion

T = 1000                 # diffusion steps of the shipped model
MODEL_NAME = "diffusion_fashion"


# --- the schedule ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    betas: torch.Tensor        # (T,) variance added at each step
    alphas: torch.Tensor       # 1 - beta_t
    alpha_bars: torch.Tensor   # prod_{s<=t} alpha_s: how much of x_0 survives at step t

    @property
    def steps(self) -> int:
        return len(self.betas)


@lru_cache(maxsize=8)
def linear_schedule(steps: int = T, beta_1: float = 1e-4, beta_T: float = 0.02) -> Schedule:
    """DDPM's schedule (section 4): betas rising linearly from 1e-4 to 0.02 over T = 1000."""
    betas = torch.linspace(beta_1, beta_T, steps, dtype=torch.float64)
    alphas = 1.0 - betas
    return Schedule(betas.float(), alphas.float(), torch.cumprod(alphas, 0).float())


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, schedule: Schedule) -> torch.Tensor:
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps (DDPM eq. 4, reparameterized). t: (B,)."""
    abar = schedule.alpha_bars[t].view(-1, *([1] * (x0.dim() - 1)))
    return abar.sqrt() * x0 + (1 - abar).sqrt() * noise


def loss(model, x0: torch.Tensor, y: torch.Tensor, schedule: Schedule, p_uncond: float = 0.1,
         generator: torch.Generator | None = None) -> torch.Tensor:
    """DDPM's simplified objective (eq. 14): || eps - eps_theta(x_t, t, y) ||^2.

    With probability p_uncond the class is replaced by the "no class" id, so one network
    learns both the conditional and the unconditional noise (classifier-free guidance).
    """
    b = x0.shape[0]
    t = torch.randint(0, schedule.steps, (b,), generator=generator)
    noise = torch.randn(x0.shape, generator=generator)
    drop = torch.rand(b, generator=generator) < p_uncond
    y = torch.where(drop, torch.full_like(y, model.n_classes), y)
    return torch.nn.functional.mse_loss(model(q_sample(x0, t, noise, schedule), t, y), noise)


# --- sampling -------------------------------------------------------------------------------

def guided_eps(model, x: torch.Tensor, t: int, y: torch.Tensor, guidance: float) -> torch.Tensor:
    """eps = eps(x, no class) + w (eps(x, y) - eps(x, no class))  (Ho & Salimans, eq. 6 as w+1).

    w = 0 is the unconditional model, w = 1 the conditional one, w > 1 pushes further
    toward the class. One batched pass computes both terms.
    """
    b = x.shape[0]
    tt = torch.full((2 * b,), t, dtype=torch.long, device=x.device)
    uncond = torch.full_like(y, model.n_classes)
    eps_u, eps_c = model(torch.cat([x, x]), tt, torch.cat([uncond, y])).chunk(2)
    return eps_u + guidance * (eps_c - eps_u)


def timesteps(n_steps: int, total: int = T) -> list[int]:
    """The steps a sampler visits, from T-1 down to 0: all of them, or n evenly spaced (DDIM)."""
    n_steps = max(1, min(n_steps, total))
    return sorted({int(round(s)) for s in np.linspace(0, total - 1, n_steps)}, reverse=True)


@torch.inference_mode()
def sample(model, labels, n_steps: int = 50, guidance: float = 3.0, method: str = "ddim",
           seed: int = 0, schedule: Schedule | None = None, frames_every: int = 0,
           size: int = 28):
    """Generate one image per label. Yields (step index, t, x_t) every `frames_every` steps
    (0: never) and finally (n, -1, x_0) with images clipped to [-1, 1], shape (B, 1, H, W).

    method "ddpm": DDPM algorithm 2 over the chosen steps (with the betas re-derived for the
    skipped steps, so fewer steps stay a valid Markov chain); "ddim": DDIM with eta = 0,
    deterministic given the starting noise; "dpm": DPM-Solver++(2M) (Lu et al. 2022), DDIM's
    step taken with x_0 extrapolated from this step's and the previous step's predictions, a
    second-order solver of the same ODE (the same cost per step, fewer steps for a result).
    `model` may be a faster stand-in with the same numbers (diffusion_fast.fast).
    """
    schedule = schedule or linear_schedule()
    dev = next(model.parameters(), torch.empty(0)).device   # the CPU, or a lent GPU (ZeroGPU)
    gen = torch.Generator().manual_seed(int(seed))                # noise drawn on the CPU: the
    y = torch.as_tensor(labels, dtype=torch.long, device=dev)     # same images on any device
    x = torch.randn((len(y), 1, size, size), generator=gen).to(dev)   # x_T ~ N(0, I)
    steps = timesteps(n_steps, schedule.steps)
    ab = schedule.alpha_bars.to(dev)
    previous = None                                               # dpm: (x_0, h) of the last step
    for i, t in enumerate(steps):
        t_prev = steps[i + 1] if i + 1 < len(steps) else -1
        abar_t = ab[t]
        abar_prev = ab[t_prev] if t_prev >= 0 else torch.tensor(1.0, device=dev)
        # 1. predict the noise in x_t (guided)
        eps = guided_eps(model, x, t, y, guidance)
        # 2. the x_0 it implies: x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)  (DDPM eq. 15)
        x0 = ((x - (1 - abar_t).sqrt() * eps) / abar_t.sqrt()).clamp(-1, 1)
        if method == "ddim":
            # 3. DDIM eq. 12, eta = 0: x_{t-1} = sqrt(abar_prev) x_0 + sqrt(1 - abar_prev) eps
            eps = (x - abar_t.sqrt() * x0) / (1 - abar_t).sqrt()   # eps consistent with clipped x_0
            x = abar_prev.sqrt() * x0 + (1 - abar_prev).sqrt() * eps
        elif method == "dpm":
            # 3. DPM-Solver++(2M) (Lu et al. 2022, eq. 9 and algorithm 2) in the log-SNR time
            #    lambda = log(sqrt(abar) / sqrt(1 - abar)), h = lambda_prev - lambda_t:
            #    x_{t-1} = sigma_prev / sigma_t x_t - alpha_prev (e^-h - 1) D, with D = x_0 on the
            #    first step (that is DDIM's step) and D = x_0 + (x_0 - x_0,last) h / (2 h_last) after
            if t_prev < 0:
                x = x0                                            # sigma = 0: the last step lands on x_0
            else:
                h = 0.5 * (torch.log(abar_prev / (1 - abar_prev)) - torch.log(abar_t / (1 - abar_t)))
                d = x0 if previous is None else x0 + (x0 - previous[0]) * h / (2 * previous[1])
                x = ((1 - abar_prev) / (1 - abar_t)).sqrt() * x - abar_prev.sqrt() * torch.expm1(-h) * d
                previous = (x0, h)
        else:
            # 3. DDPM eq. 7: the posterior q(x_{t-1} | x_t, x_0) = N(mu~, beta~ I), with
            #    beta_t = 1 - abar_t / abar_prev for the (possibly skipped) step
            beta = 1 - abar_t / abar_prev
            mean = (abar_prev.sqrt() * beta / (1 - abar_t)) * x0 \
                + ((1 - beta).sqrt() * (1 - abar_prev) / (1 - abar_t)) * x
            if t_prev >= 0:
                var = beta * (1 - abar_prev) / (1 - abar_t)
                x = mean + var.sqrt() * torch.randn(x.shape, generator=gen).to(dev)
            else:
                x = mean
        if frames_every and (i % frames_every == 0 or t_prev < 0):
            yield i, t, x.clamp(-1, 1)
    yield len(steps), -1, x.clamp(-1, 1)


def sample_images(model, labels, **kwargs) -> torch.Tensor:
    """The final images of `sample` only: (B, 1, H, W) in [-1, 1]."""
    *_, (_, _, x) = sample(model, labels, **kwargs)
    return x


# --- prompts ----------------------------------------------------------------------------------

def prompt_class(prompt: str, encoder=None) -> tuple[int, str]:
    """The Fashion-MNIST class a short prompt names, and how it was found: (class id,
    "keyword" or "minilm").

    First the keyword table of playground.images.fashion ("una zapatilla" -> Sneaker); if no
    keyword matches, the class name in either language closest to the prompt by cosine
    similarity of sentence embeddings, from `encoder` (anything with `embed(texts)`; by
    default the shared MiniLM backend, loaded on first use).
    """
    label = fashion.match_keyword(prompt)
    if label is not None:
        return label, "keyword"
    if encoder is None:
        encoder = backends.get("minilm")
    names = fashion.CLASSES["es"] + fashion.CLASSES["en"]
    vectors = encoder.embed([prompt] + names)                      # (1 + 20, D)
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = vectors[1:] @ vectors[0]                              # (20,) cosines
    return int(np.argmax(scores)) % len(fashion.CLASSES["en"]), "minilm"


# --- what the tab shows ---------------------------------------------------------------------------

def model():
    """The shipped class-conditional denoiser (loaded once, shared, read-only)."""
    from playground.images.generative_models import load
    return load(MODEL_NAME)


def warm_up() -> None:
    """The tab's denoiser loaded and, where sampling will use the trace (the CPU: not on
    ZeroGPU, not beside a GPU), traced and frozen (diffusion_fast.fast, ~0.7 s once): the
    app's warm-up after launch (app.warm_up_in_background), so a visitor's first Generate
    samples at once."""
    net = model()
    if not gpu.zero_gpu() and gpu.device().type == "cpu":
        diffusion_fast.fast(net)


def forward_figure(example: int, t: int, lang: str, seed: int = 0):
    """x_0, the noise eps and x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, side by side."""
    images, labels = fashion.examples()
    x0 = torch.from_numpy(images[example * fashion.PER_CLASS: example * fashion.PER_CLASS + 1])
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed))
    sched = linear_schedule()
    xt = q_sample(x0, torch.tensor([t]), noise, sched)
    abar = sched.alpha_bars[t].item()
    panels = torch.cat([x0, noise.clamp(-2, 2) / 2, xt.clamp(-1, 1)]).numpy()
    canvas = fashion.tile(panels, 3, gap=3)
    names = [t_("diffusion_x0", lang), t_("diffusion_noise", lang), f"x_t (t = {t})"]
    notes = [{"x": i * 31 + 13.5, "y": 30.5, "text": name, "showarrow": False, "yanchor": "top",
              "xref": "x", "yref": "y", "font": {"size": 18}} for i, name in enumerate(names)]
    title = t_("diffusion_forward_title", lang, signal=f"{abar ** 0.5:.2f}", noise=f"{(1 - abar) ** 0.5:.2f}")
    fig = fashion.image_figure(canvas, title, height=400, annotations=notes)
    fig.layout.yaxis.range = [36, -1]                            # room for the names below
    return fig


def schedule_figure(t: int, lang: str):
    """sqrt(abar_t) (how much image is left) and sqrt(1 - abar_t) (how much noise), over t."""
    sched = linear_schedule()
    ts = np.arange(sched.steps)
    abar = sched.alpha_bars.numpy()
    from playground.core import plotstyle
    data = [
        {"type": "scatter", "x": ts, "y": np.sqrt(abar), "mode": "lines", "name": t_("diffusion_signal", lang),
         "line": {"width": 4, "color": "#1f77b4"}},
        {"type": "scatter", "x": ts, "y": np.sqrt(1 - abar), "mode": "lines", "name": t_("diffusion_noise_share", lang),
         "line": {"width": 4, "color": "#d62728"}},
        {"type": "scatter", "x": [t, t], "y": [np.sqrt(abar[t]), np.sqrt(1 - abar[t])], "mode": "markers",
         "showlegend": False, "marker": {"size": 16, "color": "black"}},
    ]
    layout = plotstyle.base_layout(t_("diffusion_schedule_title", lang), t_("diffusion_step", lang),
                                   t_("diffusion_weight", lang), height=400)
    layout["shapes"] = [{"type": "line", "x0": t, "x1": t, "y0": 0, "y1": 1, "line": {"dash": "dot", "width": 2}}]
    layout["yaxis"]["range"] = [0, 1.05]
    layout["legend"] = {"orientation": "h", "y": -0.25, "x": 0, "yanchor": "top"}
    layout["margin"]["b"] = 110
    return plotstyle.figure(data, layout)


def samples_figure(x: torch.Tensor, title: str, cols: int = 8):
    return fashion.image_figure(fashion.tile(x.cpu().numpy(), cols), title, height=380)


@gpu.on_gpu(duration=30)
def stream_samples(label: int, n: int, n_steps: int, guidance: float, method: str, seed: int,
                   lang: str, max_frames: int = 25):
    """Figures of the samples while they are denoised (about `max_frames`), then the result.
    On ZeroGPU it runs on the GPU it is lent (playground/core/gpu.py)."""
    every = max(1, n_steps // max_frames)
    name = fashion.class_names(lang)[label]
    labels = [label] * n
    net = model()
    gpu.to_device(net)
    net = diffusion_fast.fast(net)          # the same numbers, traced for the CPU (else as it is)
    for i, t, x in sample(net, labels, n_steps, guidance, method, seed, frames_every=every):
        if t >= 0:
            title = t_("diffusion_frame_title", lang, cls=name, i=i + 1, n=n_steps, t=t)
        else:
            title = t_("diffusion_done_title", lang, cls=name, n=n_steps, w=f"{guidance:g}")
        yield samples_figure(x, title)


def t_(key, lang, **values):
    from playground.core.i18n import t
    return t(key, lang, **values)
