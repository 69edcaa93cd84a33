"""The Training tab: datasets, live training, one step by hand (playground.networks.backprop)
against autograd, the settings read from the controls, the export;
then its API events and a browser journey in both languages."""
import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from playwright.sync_api import expect

from playground.networks import backprop, datasets2d, neuron, training, training_code
from playground.networks import training_figures as figs
from playground.core.errors import UserError
from playground.core.i18n import t
from tests.conftest import screenshot

LANGS = ("es", "en")


# --- datasets ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(datasets2d.GENERATORS))
def test_datasets_are_seeded_balanced_and_split_70_30(name):
    a = datasets2d.make(name, 300, 0.2, 0.3, seed=7)
    b = datasets2d.make(name, 300, 0.2, 0.3, seed=7)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert len(a.X_train) == 210 and len(a.X_test) == 90
    assert a.X_train.shape[1] == 2 and a.X_train.dtype == np.float32
    y = np.concatenate([a.y_train, a.y_test])
    assert set(np.unique(y)) == {0.0, 1.0}
    assert y.sum() == 150 if name != "xor" else abs(y.mean() - 0.5) < 0.1   # xor: four quadrants
    assert not np.array_equal(a.X_train, datasets2d.make(name, 300, 0.2, 0.3, seed=8).X_train)
    assert np.quantile(np.abs(a.X_train), 0.95) <= a.extent


def test_noise_free_shapes_are_what_their_names_say():
    rng = np.random.default_rng(0)
    X, y = datasets2d.circles(400, 0.0, rng)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 1].max() < r[y == 0].min()                  # a disc inside a ring
    X, y = datasets2d.xor(400, 0.0, rng)
    assert np.all((X[:, 0] * X[:, 1] > 0) == (y == 1))
    assert datasets2d.train_size(300, 0.3) == 210 == len(datasets2d.make("moons").X_train)


# --- one step by hand, against torch autograd ---------------------------------------------

def autograd_step(x, y, params, activation):
    """The same 2-2-1 network in torch (float64): loss and dL/dp by autograd."""
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    x1, x2 = (torch.tensor(v, dtype=torch.float64) for v in x)
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    h1 = f(p["w11"] * x1 + p["w12"] * x2 + p["b1"])
    h2 = f(p["w21"] * x1 + p["w22"] * x2 + p["b2"])
    y_hat = torch.sigmoid(p["v1"] * h1 + p["v2"] * h2 + p["c"])
    loss = F.binary_cross_entropy(y_hat, torch.tensor(float(y), dtype=torch.float64))
    loss.backward()
    return loss.item(), {k: v.grad.item() for k, v in p.items()}


@pytest.mark.parametrize("activation", backprop.ACTIVATIONS)
def test_step_gradients_equal_autograd(activation):
    rng = np.random.default_rng(42)
    for _ in range(25):
        params = {k: float(rng.uniform(-2, 2)) for k in backprop.PARAMS}
        x, y, lr = rng.uniform(-2, 2, 2), int(rng.integers(0, 2)), float(rng.uniform(0.01, 2))
        step = backprop.one_step(x[0], x[1], y, params, lr, activation)
        loss, grads = autograd_step(x, y, params, activation)
        assert step.loss == pytest.approx(loss, rel=1e-9, abs=1e-12)
        ours = torch.tensor([step.grads[k] for k in backprop.PARAMS], dtype=torch.float64)
        ref = torch.tensor([grads[k] for k in backprop.PARAMS], dtype=torch.float64)
        assert torch.allclose(ours, ref, rtol=1e-9, atol=1e-12)
        for k in backprop.PARAMS:
            assert step.new_params[k] == pytest.approx(params[k] - lr * grads[k], abs=1e-12)


def test_step_loss_is_bce_with_logits_even_when_saturated():
    params = dict.fromkeys(backprop.PARAMS, 5.0)
    step = backprop.one_step(5, 5, 0, params, 0.1, "relu")        # z = 5 * 55 * 2 + 5
    ref = F.binary_cross_entropy_with_logits(torch.tensor(step.z_out, dtype=torch.float64),
                                             torch.tensor(0.0, dtype=torch.float64))
    assert math.isfinite(step.loss) and step.loss == pytest.approx(ref.item())


def test_step_reproduces_the_classic_worked_example():
    """M. Mazur's numbers: net_h1 = 0.3775, out_h1 = 0.593269992, out_o1 = 0.75136507."""
    ex = backprop.EXAMPLE
    step = backprop.one_step(ex["x1"], ex["x2"], ex["y"], ex["params"], ex["lr"], ex["activation"])
    assert step.z_hidden[0] == pytest.approx(0.3775)
    assert step.h[0] == pytest.approx(0.593269992)
    assert step.y_hat == pytest.approx(0.75136507)
    assert step.new_loss < step.loss                               # the step helps
    too_long = backprop.one_step(ex["x1"], ex["x2"], ex["y"], ex["params"], 10.0, "relu")
    assert too_long.new_params["c"] == pytest.approx(ex["params"]["c"] - 10 * too_long.grads["c"])


def test_step_uses_the_courses_one_sigmoid():
    assert backprop.sigmoid is neuron.sigmoid
    for z in (-800.0, -7.0, 0.0, 0.3775, 7.0, 800.0):
        value, slope = backprop.activate_with_slope("sigmoid", z)
        ref = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        torch.sigmoid(ref).backward()
        assert value == pytest.approx(torch.sigmoid(ref).item(), abs=1e-15)
        assert slope == pytest.approx(ref.grad.item(), abs=1e-15)


def test_step_explanation_plugs_in_the_numbers_in_both_languages():
    ex = backprop.EXAMPLE
    step = backprop.one_step(ex["x1"], ex["x2"], ex["y"], ex["params"], ex["lr"], ex["activation"])
    es, en = backprop.explain(step, "es"), backprop.explain(step, "en")
    for text in (es, en):
        assert "0.15·0.05 + 0.2·0.1 + 0.35 = **0.3775**" in text
        assert "ŷ = σ(z) = **0.7514**" in text
        assert "∂L/∂w11 = ∂L/∂z · v1 · σ′(z1) · x1 = (-0.2486)·0.4·0.2413·0.05" in text
        assert "| w11 | 0.15 |" in text
    assert "Retropropagación" in es and "Backpropagation" in en
    assert "baja" in es and "goes down" in en
    fig = backprop.figure(step, "en")
    assert "gradient" in fig.layout.title.text and fig.layout.height


# --- live training ----------------------------------------------------------------------

def test_default_network_learns_two_moons():
    session = training.Session(training.Config())            # two moons, seed 0, 2x8 tanh Adam
    before = session.evaluate(session.X_test, session.y_test)[1]
    for _ in range(60):
        session.train_epoch()
    loss, accuracy = session.evaluate(session.X_test, session.y_test)
    assert before < 0.9 <= 0.95 <= accuracy                   # a linear boundary gets ~0.86
    assert session.history["train"][-1] < session.history["train"][0] / 3
    assert len(session.history["epoch"]) == 61 and session.epoch == 60


def test_runs_are_bounded_and_frames_carry_the_pictures_numbers(monkeypatch):
    monkeypatch.setattr(training, "TRAIN_BUDGET", 60.0)      # on a busy machine, too
    session = training.Session(training.Config(hidden=(3, 5, 2)))
    frames = list(training.train_epochs(session, 2, max_epochs=7, frame_seconds=0))
    assert [f.run_epochs for f in frames] == [2, 4, 6, 7]
    assert frames[-1].stopped == "epochs" and all(f.stopped is None for f in frames[:-1])
    f = frames[-1]
    assert f.probability.shape == (training.GRID, training.GRID)
    assert 0 <= f.probability.min() and f.probability.max() <= 1
    assert [m.shape[0] for m in f.neurons] == [3, 5, 2]
    timed = list(training.train_epochs(session, 1, max_epochs=10 ** 6, max_seconds=0.2,
                                       frame_seconds=0))
    assert timed[-1].stopped == "seconds" and timed[-1].run_seconds < 5


def test_a_long_session_keeps_a_bounded_history(monkeypatch):
    monkeypatch.setattr(training, "MAX_HISTORY", 10)
    session = training.Session(training.Config(n_points=60, batch_size=60))
    for _ in range(25):
        session.train_epoch()
    assert len(session.history["train"]) <= 10 and session.history["epoch"][-1] == 25


def test_hyperparameters_keep_the_network_structure_makes_a_new_one():
    config = training.Config(n_points=100)
    session = training.prepare(None, config)
    session.train_epoch()
    faster = training.prepare(session, training.Config(n_points=100, lr=0.1, optimizer="sgd"))
    assert faster is session and session.epoch == 1
    assert session.optimizer.param_groups[0]["lr"] == 0.1
    assert isinstance(session.optimizer, torch.optim.SGD)
    wider = training.prepare(session, training.Config(n_points=100, hidden=(4,)))
    assert wider is not session and wider.epoch == 0


def test_settings_are_read_from_the_controls_and_checked():
    values = {**ARGS, "layers": 3, "n3": 2, "n4": 7}            # n4..n6: hidden layers not used
    assert list(values) == list(training.CONTROLS)              # the order the API passes them
    config = training.Config.from_controls(list(values.values()), "en")
    assert config == training.Config(n_points=200, hidden=(8, 8, 2))
    assert config.lr == 0.03 and config.test_fraction == 0.3 and config.batch_size == 32
    for bad, lang, words in ((("batch_size", 500), "es", "Tamaño del mini-lote"),
                             (("lr", 0), "en", "learning rate must be greater than 0"),
                             (("n2", 9), "en", t("training_neurons_2", "en")),
                             (("dataset", "spiral!"), "en", t("training_dataset", "en"))):
        with pytest.raises(UserError) as error:
            training.Config.from_controls(list({**ARGS, bad[0]: bad[1]}.values()), lang)
        assert words in t(error.value.key, lang, **error.value.values)


def test_export_runs_and_reproduces_the_apps_training():
    config = training.Config(dataset="xor", n_points=120, noise=0.1, test_fraction=0.25, seed=3,
                             hidden=(4, 3, 2), activation="relu", optimizer="sgd", lr=0.1,
                             batch_size=16, regularization="l2", reg_rate=0.001)
    listing = training_code.export_code(config, "en", epochs=3)
    namespace = {}
    exec(compile(listing, "listing.py", "exec"), namespace)      # prints its test accuracy
    model = namespace["model"]
    shapes = [tuple(m.weight.shape) for m in model if isinstance(m, torch.nn.Linear)]
    assert shapes == [(4, 2), (3, 4), (2, 3), (1, 2)]
    assert sum(isinstance(m, torch.nn.ReLU) for m in model) == 3
    session = training.Session(config)
    for _ in range(3):
        session.train_epoch()
    for ours, theirs in zip(session.model.parameters(), model.parameters()):
        assert torch.allclose(ours, theirs, atol=1e-6)
    assert "Adam" in training_code.export_code(training.Config(), "es") and "# 1. Los datos" in \
        training_code.export_code(training.Config(), "es")


def test_figures_are_labelled_in_the_visitors_language():
    frame = training.Session(training.Config(hidden=(8, 4, 2))).frame()
    for lang in LANGS:
        boundary, loss, neurons = figs.figures(frame, lang)
        assert boundary.layout.title.text == t("training_boundary_title", lang, epoch=0)
        assert t("training_points_test", lang, n=90) in [tr.name for tr in boundary.data]
        assert loss.layout.xaxis.title.text == t("training_epoch", lang)
        assert list(neurons.layout.yaxis.ticktext) == [t("training_layer_n", lang, n=i) for i in (1, 2, 3)]
        assert all(f.layout.height for f in (boundary, loss, neurons))
        assert not boundary.layout.template.to_plotly_json()   # no 7 KB default template
    assert "Época 0" in figs.status_text(frame, "es") and "Epoch 0" in figs.status_text(frame, "en")
    for state in figs.RUN_STATES:
        assert figs.run_text("es", state, 7) != figs.run_text("en", state, 7)
    assert "época 7" in figs.run_text("es", "paused", 7)


def test_lesson_states_the_run_limits():
    for lang in LANGS:
        text = t("training_lesson", lang)
        assert f"{training.RUN_SECONDS} s" in text and f"{training.RUN_EPOCHS}" in text


# --- API --------------------------------------------------------------------------------

ARGS = dict(dataset="moons", n_points=200, noise=0.2, test_percent=30, seed=0, layers=2, n1=8,
            n2=8, n3=4, n4=4, n5=4, n6=4, activation="tanh", optimizer="adam", lr=0.03,
            batch_size=32, regularization="none", reg_rate=0.0)


def epoch_of(status: str) -> int:
    """The epoch in the status line, as Markdown (API) or as rendered text (browser)."""
    return int(re.search(r"(?:Época|Epoch) (\d+)", status).group(1))


@pytest.fixture
def own_client(app_url):
    """A client of its own: its own session, so its own network in gr.State."""
    from gradio_client import Client
    return Client(app_url, verbose=False)


def test_api_show_step_train_pause_resume_reset(own_client):
    c = own_client
    status, boundary, loss, neurons, state = c.predict(*ARGS.values(), "en",
                                                       api_name="/training_show")
    assert epoch_of(status) == 0 and "Ready" in state and boundary["type"] == "plotly"
    status, *_, state = c.predict(*ARGS.values(), "es", api_name="/training_step")
    assert epoch_of(status) == 1 and "Una época más" in state
    job = c.submit(*ARGS.values(), 5, "en", api_name="/training_train")
    while len(job.outputs()) < 3 and not job.done():
        pass
    epochs = [epoch_of(out[0]) for out in job.outputs()]
    assert epochs[:3] == sorted(epochs[:3]) and epochs[0] > 1 and "this run" in job.outputs()[0][0]
    status, *_, state = c.predict("en", api_name="/training_pause")
    assert "Paused at epoch" in state
    stopped_at = epoch_of(status)
    status, *_ = c.predict(*ARGS.values(), "en", api_name="/training_step")
    assert epoch_of(status) == stopped_at + 1 and stopped_at >= epochs[2]   # the network was kept
    status, *_, state = c.predict(*ARGS.values(), "en", api_name="/training_reset")
    assert epoch_of(status) == 0 and "Ready" in state


def test_api_parameters_are_named_after_the_controls(client):
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    names = {name: [p["parameter_name"] for p in endpoint["parameters"]]
             for name, endpoint in endpoints.items() if name.startswith("/training_")}
    for name in ("/training_show", "/training_step", "/training_reset", "/training_code"):
        assert names[name] == [*ARGS, "lang"], name
    assert names["/training_train"] == [*ARGS, "speed", "lang"]
    assert names["/training_pause"] == ["lang"]


def test_api_code_and_backprop(client):
    listing = client.predict(**{**ARGS, "layers": 3, "n3": 2}, lang="en",   # by keyword too
                             api_name="/training_code")
    assert "nn.Linear(8, 2), nn.Tanh()" in listing and "torch.optim.Adam" in listing
    ex = backprop.EXAMPLE
    text, figure = client.predict(ex["x1"], ex["x2"], ex["y"], ex["lr"], ex["activation"],
                                  *ex["params"].values(), "en", api_name="/training_backprop")
    assert "**0.7514**" in text and "goes down" in text and figure["type"] == "plotly"


def test_api_errors_name_the_control_in_the_visitors_language(client):
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError, match="Tamaño del mini-lote"):
        client.predict(*{**ARGS, "batch_size": 500}.values(), "es", api_name="/training_step")
    with pytest.raises(AppError, match="learning rate must be greater than 0"):
        client.predict(*{**ARGS, "lr": 0}.values(), "en", api_name="/training_code")
    with pytest.raises(AppError, match="Hidden layers"):
        client.predict(*{**ARGS, "layers": 7}.values(), 2, "en", api_name="/training_train")


# --- browser ----------------------------------------------------------------------------

# Records every epoch the status line shows, as the page draws it.
WATCH_EPOCHS = """() => {
  window.epochsSeen = [];
  const status = document.querySelector('#training-status');
  new MutationObserver(() => {
    const m = status.innerText.match(/(Época|Epoch) (\\d+)/);
    if (m) window.epochsSeen.push(+m[2]);
  }).observe(status, {subtree: true, childList: true, characterData: true});
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_browser_train_streams_then_pause(page_in, lang):
    # A headless, software-rendered Chromium on a busy machine draws a frame (three plots)
    # slowly: the stream waits for the page (playground/core/pacing.py).
    page = page_in(lang, tab="training")
    if not page.locator("#training-status").is_visible():      # the ?tab= load was slow
        page.get_by_role("tab", name=t("tab_training", lang)).click()
    status, state = page.locator("#training-status"), page.locator("#training-run-state")
    state.get_by_text(t("training_status_ready", lang, seconds=0, epochs=0)[:5]).wait_for(
        timeout=20_000)
    # The run state is in the tab as built; its plots are drawn by the tab's first showing,
    # an answer later (the tab reaches the page when opened: pages/lazy_tabs.py).
    expect(page.locator("#training-loss")).to_contain_text(t("training_loss_axis", lang),
                                                          timeout=20_000)
    page.evaluate(WATCH_EPOCHS)
    page.locator("#training-train").click()
    page.wait_for_function("() => new Set(window.epochsSeen.filter(e => e > 0)).size >= 2",
                           timeout=30_000, polling=500)       # two frames of training, at least
    seen = [e for e in page.evaluate("window.epochsSeen") if e > 0]
    assert seen == sorted(seen) and seen[-1] > seen[0]
    page.locator("#training-pause").click()
    state.get_by_text(t("training_status_paused", lang, epoch=0)[:8]).wait_for(timeout=20_000)
    paused_at = int(re.search(r"\d+", state.inner_text()).group())
    assert paused_at >= seen[-1]
    # Frames a slow browser still had queued may be drawn after Pause's answer; the end of
    # the run draws the network at rest again. What stays on screen is one, up-to-date picture.
    page.wait_for_function(
        """epoch => (document.querySelector('#training-status').innerText
                     .match(/(Época|Epoch) (\\d+)/) || [])[2] == epoch""",
        arg=paused_at, timeout=20_000, polling=250)
    page.wait_for_timeout(1_000)        # nothing stale lands later
    assert epoch_of(status.inner_text()) == paused_at
    assert int(re.search(r"\d+", state.inner_text()).group()) == paused_at
    boundary = page.locator("#training-boundary").inner_text()
    assert t("training_boundary_title", lang, epoch=0).split("·")[0].strip() in boundary
    assert t("training_layer_n", lang, n=2) in page.locator("#training-neurons").inner_text()
    ex = backprop.EXAMPLE                                 # one step in numbers, twice
    first = backprop.one_step(ex["x1"], ex["x2"], ex["y"], ex["params"], ex["lr"], ex["activation"])
    after = {k: round(v, 4) for k, v in first.new_params.items()}
    second = backprop.one_step(ex["x1"], ex["x2"], ex["y"], after, ex["lr"], ex["activation"])
    page.locator("#training-step-apply").click()
    page.wait_for_function(
        "text => document.querySelector('#training-step-figure').textContent.includes(text)",
        arg=f"L = {backprop.four_digits(second.loss)}", timeout=20_000, polling=500)
    assert backprop.four_digits(second.new_loss) in page.locator("#training-step-numbers").inner_text()
    screenshot(page, f"training-paused-{lang}")
