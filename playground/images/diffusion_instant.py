"""The Diffusion lesson's forward step for the page: what the browser needs to redraw the three
images (x_0, the noise, x_t) and the schedule's marker itself when the step t moves.

x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps (DDPM eq. 4) is two multiplications per pixel
over a fixed schedule: what the t slider waited for was the round trip. The page
(pages/instant_plot.js, kind "diffusion") gets once per example and language the example x_0
(28 x 28), the noise eps (seed 0, as diffusion.forward_figure draws it), the schedule's 1,000
alpha_bars, all float32, and Python's own figures; it computes x_t in float32 as torch does
and patches the figures. diffusion.forward_figure / schedule_figure / q_sample stay the
reference: tests/test_instant.py compares the page's x_t with q_sample.

No torch at import: `diffusion` is deferred (app.DEFERRED) and torch is imported on call.
"""
from __future__ import annotations

import json

import plotly.io as pio

from playground.core.i18n import t
from playground.core.plotstyle import typed_array
from playground.images import diffusion, fashion

SEED = 0                       # forward_figure's noise
XT_NAME = "x_t (t = {t})"      # forward_figure's third name (not translated: a formula)


def _figure_json(fig, strip_z: bool = False) -> dict:
    out = json.loads(pio.to_json(fig, validate=False))
    if strip_z:
        out["data"][0]["z"] = []           # the page rebuilds the canvas
    return out


def payload(example: int, step: int, lang: str) -> dict:
    """x_0, eps and the alpha_bars as float32 (base64), the two figures at step `step`, the
    strings a move changes, and the canvas's layout (fashion.tile's)."""
    import torch

    images, _ = fashion.examples()
    x0 = images[example * fashion.PER_CLASS]                                   # (1, 28, 28)
    noise = torch.randn((1, *x0.shape), generator=torch.Generator().manual_seed(SEED))
    abar = diffusion.linear_schedule().alpha_bars.numpy()                     # (T,) float32
    return {"kind": "diffusion", "size": int(x0.shape[-1]), "gap": 3, "steps": int(abar.size),
            "x0": typed_array(x0.ravel(), "float32")["bdata"],
            "noise": typed_array(noise.numpy().ravel(), "float32")["bdata"],
            "alpha_bars": typed_array(abar, "float32")["bdata"],
            "figures": [_figure_json(diffusion.forward_figure(example, step, lang), strip_z=True),
                        _figure_json(diffusion.schedule_figure(step, lang))],
            "text": {"title": t("diffusion_forward_title", lang, signal="{signal}", noise="{noise}"),
                     "xt": XT_NAME}}
