"""Diffusion sampling, faster (issue 18): the traced channels-last denoiser gives the eager
model's numbers; DPM-Solver++(2M) against diffusers' DPMSolverMultistepScheduler and against
the exact solution of a Gaussian toy; the app's sampler gives the reference images."""
from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest
import torch

from playground.images import diffusion, diffusion_fast, fashion

S = 0.1          # the Gaussian toy's data: x_0 ~ N(0, S^2 I), small enough that no x_0 is clipped


class GaussianEps(torch.nn.Module):
    """The exact noise predictor when x_0 ~ N(0, S^2 I): E[eps | x_t] = sqrt(1 - abar) x_t /
    (abar S^2 + 1 - abar). It ignores the class, so guidance changes nothing."""
    n_classes = 10

    def forward(self, x, t, y):
        abar = diffusion.linear_schedule().alpha_bars[t].view(-1, 1, 1, 1)
        return (1 - abar).sqrt() * x / (abar * S ** 2 + 1 - abar)


def x_T(n, size=8, seed=3):
    """The starting noise `sample` draws for this seed."""
    return torch.randn((n, 1, size, size), generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("method, labels, steps", [("ddim", [8] * 16, 12), ("dpm", [0, 3, 5, 7, 9], 8)])
def test_traced_denoiser_gives_the_eager_models_images(method, labels, steps):
    model = diffusion.model()
    fast = diffusion_fast.fast(model)
    assert fast is not model and diffusion_fast.fast(model) is fast        # traced once, shared
    kwargs = dict(n_steps=steps, guidance=3.0, method=method, seed=5)
    reference = diffusion.sample_images(model, labels, **kwargs)
    assert torch.allclose(diffusion.sample_images(fast, labels, **kwargs), reference, atol=1e-4)
    x, t, y = torch.randn(6, 1, 28, 28), torch.tensor([0, 1, 250, 500, 998, 999]), torch.tensor([0, 1, 2, 3, 9, 10])
    with torch.inference_mode():
        assert torch.allclose(fast(x, t, y), model(x, t, y), atol=1e-5)


def test_fast_leaves_a_model_off_the_cpu_as_it_is():
    class Elsewhere(torch.nn.Module):
        n_classes = 10

        def parameters(self, recurse=True):
            yield torch.empty(1, device="meta")

    model = Elsewhere()
    assert diffusion_fast.fast(model) is model


def test_the_apps_warm_up_traces_the_denoiser_after_the_models(monkeypatch):
    """app.warm_up_in_background ends by tracing the denoiser; the tab's sampler
    (stream_samples calls diffusion_fast.fast) then finds it made: a first Generate does not
    trace. The language models' preload is stubbed (loading them is the backends' own test)."""
    import app
    from playground import backends

    diffusion_fast._traced.cache_clear()
    traces_when_models_load = []

    def preload_models():
        traces_when_models_load.append(diffusion_fast._traced.cache_info().currsize)
        done = threading.Thread(target=lambda: None)
        done.start()
        return done

    monkeypatch.setattr(backends, "preload_in_background", preload_models)
    app.warm_up_in_background(delay=0).join(timeout=300)
    assert traces_when_models_load == [0]                  # the trace comes after the models
    made = diffusion_fast._traced.cache_info()
    assert made.currsize == 1
    assert isinstance(diffusion_fast.fast(diffusion.model()), diffusion_fast.TracedDenoiser)
    assert diffusion_fast._traced.cache_info().misses == made.misses   # found, not traced again


def test_the_warm_up_does_not_trace_where_the_trace_is_not_used(monkeypatch):
    """On ZeroGPU the sampler runs on the lent GPU, where `fast` leaves the model as it is."""
    from playground.core import gpu

    diffusion_fast._traced.cache_clear()
    monkeypatch.setattr(gpu, "zero_gpu", lambda: True)
    diffusion.warm_up()
    assert diffusion_fast._traced.cache_info().currsize == 0


@pytest.mark.parametrize("steps", [6, 20, 50])
def test_dpm_solver_matches_diffusers(steps):
    """Our loop's DPM-Solver++(2M) against diffusers' scheduler on the same timesteps."""
    from diffusers import DPMSolverMultistepScheduler
    ours = diffusion.sample_images(GaussianEps(), [0] * 4, n_steps=steps, method="dpm", size=8, seed=3)
    scheduler = DPMSolverMultistepScheduler(num_train_timesteps=diffusion.T, beta_start=1e-4, beta_end=0.02,
                                            beta_schedule="linear", solver_order=2,
                                            algorithm_type="dpmsolver++", final_sigmas_type="zero")
    scheduler.set_timesteps(timesteps=diffusion.timesteps(steps))
    x = x_T(4)
    for t in scheduler.timesteps:
        eps = GaussianEps()(x, torch.full((4,), int(t)), None)
        x = scheduler.step(eps, t, x).prev_sample
    assert torch.allclose(ours, x, atol=1e-5)


def test_dpm_solver_is_second_order_and_ddim_first_on_a_gaussian():
    """The probability-flow ODE of a Gaussian is solved in closed form: x_t / sqrt(abar S^2 +
    1 - abar) stays constant, then the last step returns E[x_0 | x_(t=0)]. Four times the steps
    cut DDIM's error about 4x (first order) and DPM-Solver++(2M)'s about 16x (second order)."""
    ab = diffusion.linear_schedule().alpha_bars
    a0, aT = ab[0], ab[-1]
    exact = a0.sqrt() * S ** 2 / (a0 * S ** 2 + 1 - a0).sqrt() * x_T(4) / (aT * S ** 2 + 1 - aT).sqrt()

    def error(method, steps):
        out = diffusion.sample_images(GaussianEps(), [0] * 4, n_steps=steps, method=method, size=8, seed=3)
        return (out - exact).abs().max().item()

    ddim = error("ddim", 250) / error("ddim", 1000)
    dpm = error("dpm", 250) / error("dpm", 1000)
    assert 3 < ddim < 6 and dpm > 10
    assert error("dpm", 1000) < error("ddim", 1000) / 4


def test_api_diffusion_sample_with_dpm_gives_the_reference_images(client):
    """/diffusion_sample with method "dpm" (the app's traced model) shows the images of the
    eager model sampled here: grey levels within one step of 255."""
    job = client.submit("a bag", 3, 10, "dpm", 2, "en", api_name="/diffusion_sample")
    t0 = time.perf_counter()
    while not job.done() and time.perf_counter() - t0 < 120:
        time.sleep(0.1)
    final, _ = job.outputs()[-1]
    z = json.loads(final["plot"])["data"][0]["z"]
    shown = np.array([[np.nan if v is None else v for v in row] for row in z], dtype=float)
    images = diffusion.sample_images(diffusion.model(), [8] * 16, n_steps=10, guidance=3.0, method="dpm", seed=2)
    expected = np.round(fashion.tile(images.numpy(), 8) * 255)
    assert shown.shape == expected.shape
    assert np.nanmax(np.abs(shown - expected)) <= 1
