"""GAN, VAE and diffusion (issue 7): the math against references, training steps that learn on
scikit-learn's 8x8 digits, the shipped checkpoints, the API events and the three tabs in a browser.

Nothing here needs the Fashion-MNIST package: the shipped weights and example images are in
assets/weights/, and training is tested on load_digits.
"""
from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
import torch

from playground.images import diffusion, diffusion2d, fashion, gan2d, gan_images, generative_models as gm, vae
from playground.core.i18n import t
from tests.conftest import screenshot

LANGS = ("es", "en")


@pytest.fixture(scope="module")
def digits():
    x, y = fashion.digits()
    return torch.from_numpy(x), torch.from_numpy(y)


@pytest.fixture
def one_thread():
    """Tiny networks train several times faster on one thread than on two busy cores."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def plot_json(value) -> dict:
    """A gr.Plot value from gradio_client -> the plotly figure as a dict."""
    return json.loads(value["plot"])


def title_of(value) -> str:
    return plot_json(value)["layout"]["title"]["text"]


# --- the forward process against the Markov chain it summarizes ----------------------------------

def test_schedule_is_ddpms():
    sched = diffusion.linear_schedule()
    assert sched.steps == 1000
    assert sched.betas[0].item() == pytest.approx(1e-4) and sched.betas[-1].item() == pytest.approx(0.02)
    # the DDPM paper's schedule leaves sqrt(abar_T) ~ 0.0064 of the image: x_T is noise
    assert math.sqrt(sched.alpha_bars[-1].item()) == pytest.approx(0.0064, abs=5e-4)


def test_one_jump_equals_t_small_steps():
    """q(x_t|x_0) in closed form (DDPM eq. 4) has the mean and variance of applying
    x_s = sqrt(1 - beta_s) x_{s-1} + sqrt(beta_s) eps one step at a time."""
    sched = diffusion.linear_schedule()
    gen = torch.Generator().manual_seed(0)
    x0 = torch.full((200_000,), 0.8)
    x = x0.clone()
    t_ = 250
    for s in range(t_ + 1):
        x = (1 - sched.betas[s]).sqrt() * x + sched.betas[s].sqrt() * torch.randn(x.shape, generator=gen)
    jump = diffusion.q_sample(x0, torch.full((len(x0),), t_), torch.randn(x0.shape, generator=gen), sched)
    assert jump.mean().item() == pytest.approx(x.mean().item(), abs=0.01)
    assert jump.var().item() == pytest.approx(x.var().item(), rel=0.02)


def test_ddim_is_deterministic_and_a_perfect_denoiser_recovers_the_image():
    """With an oracle that knows x_0, eps = (x_t - sqrt(abar) x_0) / sqrt(1 - abar): both
    samplers must land on x_0, whatever the number of steps."""
    target = torch.linspace(-0.9, 0.9, 64).view(1, 1, 8, 8)
    sched = diffusion.linear_schedule()

    class Oracle(torch.nn.Module):
        n_classes = 10

        def forward(self, x, t, y):
            abar = sched.alpha_bars[t].view(-1, 1, 1, 1)
            return (x - abar.sqrt() * target) / (1 - abar).sqrt()

    for method, steps in (("ddim", 10), ("ddim", 50), ("ddpm", 100)):
        out = diffusion.sample_images(Oracle(), [3, 3], n_steps=steps, method=method, size=8)
        assert torch.allclose(out, target.expand(2, 1, 8, 8), atol=1e-3), (method, steps)


def test_timesteps_visit_evenly_from_T_to_0():
    assert diffusion.timesteps(1000) == list(range(999, -1, -1))
    steps = diffusion.timesteps(50)
    assert len(steps) == 50 and steps[0] == 999 and steps[-1] == 0


# --- training steps lower their losses on the 8x8 digits -------------------------------------------

def fixed_eval(fn, seed=123):
    torch.manual_seed(seed)
    with torch.no_grad():
        return float(fn())


@pytest.mark.usefixtures("one_thread")
def test_diffusion_training_lowers_the_loss_on_digits(digits):
    x, y = digits
    torch.manual_seed(0)
    model = gm.Denoiser(channels=(16, 32))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = diffusion.linear_schedule()
    before = fixed_eval(lambda: diffusion.loss(model, x[:512], y[:512], sched))
    for i in range(80):
        batch = torch.randint(0, len(x), (128,))
        loss = diffusion.loss(model, x[batch], y[batch], sched)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = fixed_eval(lambda: diffusion.loss(model, x[:512], y[:512], sched))
    assert after < 0.6 * before, (before, after)
    images = diffusion.sample_images(model.eval(), [0, 1, 2], n_steps=10, size=8)
    assert images.shape == (3, 1, 8, 8) and images.abs().max() <= 1


@pytest.mark.usefixtures("one_thread")
def test_vae_training_lowers_the_loss_on_digits(digits):
    x, _ = digits
    torch.manual_seed(0)
    model = gm.VAE(pixels=64, hidden=128)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    before = fixed_eval(lambda: gm.vae_loss(model, x)[0])
    for _ in range(150):
        loss, _, _ = gm.vae_loss(model, x[torch.randint(0, len(x), (128,))])
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = fixed_eval(lambda: gm.vae_loss(model, x)[0])
    assert after < 0.6 * before, (before, after)


def test_vae_loss_is_the_negative_elbo():
    """KL(N(mu, sigma^2) || N(0, 1)) of the loss equals torch.distributions' KL."""
    torch.manual_seed(0)
    model = gm.VAE(pixels=64, hidden=32)
    x = torch.rand(16, 1, 8, 8) * 2 - 1
    _, _, kl = gm.vae_loss(model, x)
    mu, logvar = model.encode(x)
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    assert kl.item() == pytest.approx(torch.distributions.kl_divergence(q, p).sum(1).mean().item(), rel=1e-5)


@pytest.mark.usefixtures("one_thread")
def test_classifier_training_lowers_the_loss_on_digits(digits):
    x, y = digits
    torch.manual_seed(0)
    model = gm.Classifier(width=8)
    model(x[:1])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    ce = torch.nn.functional.cross_entropy
    before = fixed_eval(lambda: ce(model.eval()(x), y))
    model.train()
    for _ in range(60):
        batch = torch.randint(0, len(x), (128,))
        loss = ce(model(x[batch]), y[batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = fixed_eval(lambda: ce(model.eval()(x), y))
    assert after < 0.5 * before, (before, after)


@pytest.mark.usefixtures("one_thread")
def test_gan_learns_the_ring():
    """After training, G's points lie near the unit circle (the ring's radius is 1)."""
    run = gan2d.GanRun("ring", seed=0)
    radius = lambda: np.linalg.norm(run.snapshot()[0], axis=1)       # noqa: E731
    before = np.abs(radius() - 1).mean()
    t0 = time.perf_counter()
    for _ in range(600):
        run.train_step(1)
    assert time.perf_counter() - t0 < 30
    r = radius()
    assert abs(np.median(r) - 1) < 0.1 and np.abs(r - 1).mean() < min(0.1, before / 2)
    # the discriminator's verdict lies in [0, 1]
    _, _, verdict = run.snapshot()
    assert verdict.min() >= 0 and verdict.max() <= 1


@pytest.mark.usefixtures("one_thread")
def test_image_gan_training_brings_samples_toward_the_digits(digits):
    """The discriminator's loss falls below chance (log 2) as it learns, and the generator's
    per-class mean image moves toward the real per-class mean."""
    x, y = digits
    torch.manual_seed(0)
    G, D = gm.Generator(pixels=64, latent=8, hidden=128), gm.Discriminator(pixels=64, hidden=128)
    opt_g = torch.optim.Adam(G.parameters(), lr=5e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=5e-4, betas=(0.5, 0.999))
    real_means = torch.stack([x[y == c].mean(0) for c in range(10)])
    labels = torch.arange(10).repeat(20)

    def gap():
        G.eval()
        with torch.no_grad():
            fake = G(torch.randn(len(labels), 8, generator=torch.Generator().manual_seed(1)), labels)
        G.train()
        return (torch.stack([fake[labels == c].mean(0) for c in range(10)]) - real_means).abs().mean().item()

    before = gap()
    history = []
    for _ in range(300):
        batch = torch.randint(0, len(x), (128,))
        history.append(gm.gan_step(G, D, opt_g, opt_d, x[batch], y[batch]))
    assert gap() < 0.5 * before
    assert np.mean([d for d, _ in history[:10]]) == pytest.approx(math.log(2), abs=0.1)


@pytest.mark.usefixtures("one_thread")
def test_toy_diffusion_learns_two_moons():
    torch.manual_seed(0)
    model, sched = diffusion2d.PointDenoiser(), diffusion2d.schedule()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    data = torch.from_numpy(gan2d.target_points("moons", 4000))
    losses = [diffusion2d.train_step(model, opt, data[torch.randint(0, 4000, (256,))], sched)
              for _ in range(600)]
    assert np.mean(losses[-100:]) < 0.8 * np.mean(losses[:20])
    *_, (t_last, points) = diffusion2d.reverse(model, sched, n=1000)
    assert t_last == 0
    # compared with the data itself: same spread, close to the shape
    from scipy.spatial import cKDTree
    dist, _ = cKDTree(data.numpy()).query(points)
    assert np.median(dist) < 0.15
    assert np.allclose(points.std(0), data.numpy().std(0), rtol=0.25)


# --- prompts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("prompt, label", [
    ("una zapatilla", 7), ("a bag", 8), ("Un VESTIDO rojo", 3), ("ankle boot", 9), ("botas", 9),
    ("a t-shirt", 0), ("una camisa", 6), ("pantalón vaquero", 1), ("sandalias", 5)])
def test_prompt_keywords_in_both_languages(prompt, label):
    assert diffusion.prompt_class(prompt) == (label, "keyword")
    assert fashion.class_names("en")[label] and fashion.class_names("es")[label]


class NamesEncoder:
    """A stand-in for MiniLM: each class name is its own direction; the prompt leans
    toward the one of `target` (a name in fashion.CLASSES)."""

    def __init__(self, target):
        self.names = fashion.CLASSES["es"] + fashion.CLASSES["en"]
        self.target = target

    def embed(self, texts):
        rows = [self.names.index(text) if text in self.names else 0 for text in texts]
        vectors = np.eye(len(self.names))[rows]
        vectors[0] = 0.2 + 3 * (np.arange(len(self.names)) == self.names.index(self.target))
        return vectors


@pytest.mark.parametrize("target", ["Bag", "Bolso", "Ankle boot", "Camiseta"])
def test_prompt_without_keyword_takes_the_nearest_class_name(monkeypatch, target):
    label = fashion.CLASSES["en" if target in fashion.CLASSES["en"] else "es"].index(target)
    assert diffusion.prompt_class("zzz", NamesEncoder(target)) == (label, "minilm")
    asked = []
    monkeypatch.setattr(diffusion.backends, "get",
                        lambda name: asked.append(name) or NamesEncoder(target))
    assert diffusion.prompt_class("zzz") == (label, "minilm") and asked == ["minilm"]
    assert diffusion.prompt_class("una zapatilla") == (7, "keyword") and asked == ["minilm"]


# --- the shipped checkpoints --------------------------------------------------------------------------

def test_shipped_example_images_are_recognized_by_the_judge():
    images, labels = fashion.examples()
    assert images.shape == (100, 1, 28, 28) and images.min() >= -1 and images.max() <= 1
    judge = gm.load("classifier_fashion")
    with torch.no_grad():
        accuracy = (judge(torch.from_numpy(images)).argmax(1).numpy() == labels).mean()
    assert accuracy >= 0.85


def test_diffusion_checkpoint_samples_images_the_judge_recognizes():
    model = diffusion.model()
    assert model.config["channels"] == [32, 64]
    labels = list(range(10)) * 3
    images = diffusion.sample_images(model, labels, n_steps=25, guidance=3.0, seed=0)
    assert images.shape == (30, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1 and images.std() > 0.3
    with torch.no_grad():
        judged = gm.load("classifier_fashion")(images).argmax(1).numpy()
    assert (judged == np.array(labels)).mean() >= 0.7


def test_vae_checkpoint_decodes_and_reconstructs():
    images, _ = fashion.examples()
    recon = vae.reconstruct(images[:20])
    assert recon.shape == (20, 1, 28, 28) and recon.min() >= -1 and recon.max() <= 1
    # better than the blank image and than the mean image of the batch
    err = ((recon - images[:20]) ** 2).mean()
    assert err < ((images[:20] - images[:20].mean(0)) ** 2).mean()
    assert vae.metrics()["test_mse_per_pixel"] < 0.05
    codes, labels = vae.codes()
    assert codes.shape == (3000, 2) and np.abs(codes).max() < 10 and len(set(labels)) == 10
    assert vae.decode([[0, 0], [1, -1]]).shape == (2, 1, 28, 28)


def test_image_gan_checkpoint_samples_recognizable_classes():
    z = gan_images.noise(0, 30)
    labels = list(range(10)) * 3
    images = gan_images.generate(z, labels)
    assert images.shape == (30, 1, 28, 28) and images.min() >= -1 and images.max() <= 1
    with torch.no_grad():
        judged = gm.load("classifier_fashion")(torch.from_numpy(images)).argmax(1).numpy()
    assert (judged == np.array(labels)).mean() >= 0.7
    s = gan_images.snapshots()
    assert s["images"].shape[1:] == (20, 28, 28) and list(s["steps"]) == sorted(s["steps"])
    # the slerp path starts at A, ends at B and keeps a noise-like norm
    a, b = gan_images.noise(1, 1)[0], gan_images.noise(2, 1)[0]
    path = gan_images.slerp(a, b, 7)
    assert torch.allclose(path[0], a, atol=1e-5) and torch.allclose(path[-1], b, atol=1e-5)
    assert path.norm(dim=1).min() > 0.9 * min(a.norm(), b.norm())


# --- API --------------------------------------------------------------------------------------------

def collect(job, timeout=120):
    t0 = time.perf_counter()
    while not job.done() and time.perf_counter() - t0 < timeout:
        time.sleep(0.1)
    assert job.done()
    return job.outputs()


def test_api_gan_show_and_train_stream(client):
    fig = plot_json(client.predict("gaussians", "en", api_name="/gan_show"))
    assert fig["layout"]["title"]["text"] == t("gan_frame_title", "en", step=0)
    names = [trace.get("name") for trace in fig["data"]]
    assert t("gan_real", "en") in names and t("gan_fake", "en") in names
    job = client.submit("ring", 0.002, 0.002, 2, "es", api_name="/gan_train")
    t0 = time.perf_counter()
    while len(job.outputs()) < 12 and time.perf_counter() - t0 < 30:
        time.sleep(0.05)
    frames = job.outputs()
    job.cancel()
    assert len(frames) >= 12
    steps = [int(title_of(f).split()[1].rstrip(":")) for f in frames[:12]]
    assert steps == sorted(steps) and steps[0] >= 1 and "Paso" in title_of(frames[0])


def test_api_image_gan(client):
    grid = client.predict(5, "en", api_name="/gan_samples")
    assert title_of(grid) == t("gan_samples_title", "en", seed=5)
    notes = [a["text"] for a in plot_json(grid)["layout"]["annotations"]]
    assert notes == fashion.class_names("en")
    walk = client.predict(8, 1, 2, "es", api_name="/gan_walk")
    assert title_of(walk) == t("gan_walk_title", "es", cls="Bolso", a=1, b=2)
    snaps, curves = client.predict("es", api_name="/gan_history")
    assert title_of(snaps) == t("gan_snapshots_title", "es")
    names = [d.get("name") for d in plot_json(curves)["data"]]
    assert t("gan_loss_d", "es") in names and t("gan_loss_g", "es") in names


def test_api_diffusion_forward_shows_the_schedule(client):
    for step, signal, noise in ((0, "1.00", "0.01"), (999, "0.01", "1.00")):
        images, curve = client.predict(3, step, "en", api_name="/diffusion_forward")
        assert title_of(images) == t("diffusion_forward_title", "en", signal=signal, noise=noise)
    assert title_of(curve) == t("diffusion_schedule_title", "en")
    images, _ = client.predict(3, 500, "es", api_name="/diffusion_forward")
    assert "imagen" in title_of(images)


@pytest.mark.parametrize("lang, prompt, label", [("es", "una zapatilla", 7), ("en", "a bag", 8)])
def test_api_diffusion_sample_streams_the_asked_class(client, lang, prompt, label):
    outputs = collect(client.submit(prompt, 3, 20, "ddim", 1, lang, api_name="/diffusion_sample"))
    name = fashion.class_names(lang)[label]
    final, note = outputs[-1]
    assert title_of(final) == t("diffusion_done_title", lang, cls=name, n=20, w="3")
    assert name in note
    assert len(outputs) >= 10                                   # streamed, not one final image


def test_api_diffusion_sample_without_keyword_asks_minilm(client):
    final, note = collect(client.submit("algo para el frío en invierno", 2, 10, "ddpm", 0, "es",
                                        api_name="/diffusion_sample"))[-1]
    assert "MiniLM" in note and any(name in note for name in fashion.class_names("es"))


def test_api_diffusion_toy_trains_then_flows(client):
    frames = collect(client.submit("spiral", "en", api_name="/diffusion_toy"), timeout=180)
    titles = [title_of(f) for f in frames]
    assert titles[0] == t("diffusion2d_training", "en", step=100)
    assert titles[-1] == t("diffusion2d_reverse", "en", t=0)


def test_api_vae(client):
    decoded, scatter = client.predict(0.5, -1.0, "en", api_name="/vae_decode")
    assert title_of(decoded) == t("vae_decoded_title", "en", z1="0.50", z2="-1.00")
    fig = plot_json(scatter)
    assert [d["name"] for d in fig["data"][:10]] == fashion.class_names("en")
    assert fig["data"][-1]["x"] == [0.5] and fig["data"][-1]["y"] == [-1.0]
    grid, recon, text = client.predict("es", api_name="/vae_overview")
    assert "Error de reconstrucción" in text and title_of(grid) == t("vae_grid_title", "es")


# --- browser ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_browser_gan_trains_live(page_in, lang):
    # Headless, software-rendered Chromium draws a GAN frame in ~0.4 s or more on this 2-core
    # machine: the stream waits for the page to draw each frame (playground/core/pacing.py), so
    # Stop stays clickable at the default rate.
    page = page_in(lang, tab="gan")
    # The image GAN's grid, drawn when the tab opens: its heatmap image and its title in this
    # language (Playwright calls the SVG <image> of a plotly heatmap hidden, so count it).
    title = t("gan_samples_title", lang, seed=0)
    page.wait_for_function(
        "() => document.querySelectorAll('#gan-samples .hm image').length === 1 && "
        f"(document.querySelector('#gan-samples .gtitle')?.textContent || '') === {json.dumps(title)}",
        timeout=30_000)
    # The 2D GAN: train, see frames stream in, stop, read the frame.
    page.locator("#gan-target").get_by_text(t("gan_target_gaussians", lang)).click()
    page.wait_for_timeout(500)
    page.locator("#gan-train").click()
    word = t("gan_frame_title", lang, step=0).split()[0]
    try:
        page.wait_for_function(
            f"() => /{word} [1-9][0-9]+/.test(document.querySelector('#gan-plot .gtitle')?.textContent || '')",
            timeout=60_000)
    except Exception:
        screenshot(page, f"gan-training-failed-{lang}")
        raise
    page.locator("#gan-stop").click()
    page.wait_for_timeout(1000)
    text = page.locator("#gan-plot").inner_text(timeout=60_000)
    assert t("gan_loss_d", lang) in text and t("gan_fake", lang) in text
    screenshot(page, f"gan-training-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_browser_diffusion_generates_from_a_prompt(page_in, lang):
    page = page_in(lang, tab="diffusion")
    prompt = page.locator("#diffusion-prompt textarea, #diffusion-prompt input").first
    prompt.fill("una zapatilla" if lang == "es" else "a bag")
    page.locator("#diffusion-go").click()
    name = fashion.class_names(lang)[7 if lang == "es" else 8]
    done = t("diffusion_done_title", lang, cls=name, n=50, w="3")
    page.wait_for_function(
        f"() => (document.querySelector('#diffusion-samples .gtitle')?.textContent || '') === {json.dumps(done)}",
        timeout=60_000)
    assert name in page.locator("#diffusion-matched").inner_text()
    page.wait_for_function(
        f"() => (document.querySelector('#diffusion-schedule .gtitle')?.textContent || '') === "
        f"{json.dumps(t('diffusion_schedule_title', lang))}", timeout=15_000)
    screenshot(page, f"diffusion-generated-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_browser_vae_latent_plane(page_in, lang):
    page = page_in(lang, tab="vae")
    page.wait_for_selector("#vae-grid .gtitle", timeout=30_000)
    z1 = page.locator("#vae-z1 input[type=number]")
    z1.fill("1.5")
    z1.press("Enter")
    page.wait_for_function(
        "() => (document.querySelector('#vae-decoded .gtitle')?.textContent || '').includes('1.50')",
        timeout=15_000)
    assert fashion.class_names(lang)[8] in page.locator("#vae-scatter").inner_text()
    page.wait_for_selector("#vae-grid .hm image", timeout=30_000)       # the heatmap is drawn
    page.wait_for_selector("#vae-recon .hm image", timeout=30_000)
    screenshot(page, f"vae-plane-{lang}")
