"""The Training tab: a network learning live, one training step in numbers, the PyTorch code."""
from __future__ import annotations

import inspect
import json

import gradio as gr
import numpy as np

from playground.networks import backprop, datasets2d, training, training_code
from playground.networks import training_figures as figs
from playground.core import validate
from playground.core.errors import UserError
from playground.core.i18n import LANGS, t
from pages.common import (I18N, LIGHT, TRAINING, Dropdown, Radio, Slider, acknowledge_frames,
                          app_of, guard)

TAB_ID = "training"
DEFAULT = training.Config()
LEARNING_RATES = [0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REG_RATES = [0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0]
MAX_SPEED = 25          # epochs per frame
EPOCHS_PER_SECOND = 25  # the default speed, whatever the frame rate (playground/core/pacing.py)
DEFAULT_SPEED = max(1, round(EPOCHS_PER_SECOND * training.FRAME_SECONDS))
STEP_LIMIT = 5.0        # the step-in-numbers sliders span [-STEP_LIMIT, STEP_LIMIT]
NEURONS_EVERY = 3       # while training, redraw the hidden neurons' pictures every 3rd frame:
                        # the browser's work per frame is mostly redrawing plots


def api_parameters(*names):
    """Give a handler that takes `*values` these parameter names. Gradio reads a handler's
    signature to name its API's parameters (a `*values` handler would get param_0,
    param_1, ...): with this, the API keeps the names, one per control."""
    def named(fn):
        fn.__signature__ = inspect.Signature(
            [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names])
        return fn
    return named


def _draw(session, lang, frame=None):
    """The outputs every training event shares: the state, the numbers and three figures."""
    frame = frame or session.frame()
    return (session, figs.status_text(frame, lang), *figs.figures(frame, lang))


def _draw_at_rest(session, lang, state):
    """The picture of a network at rest, and what the buttons do now."""
    return (*_draw(session, lang), figs.run_text(lang, state, session.epoch))


@guard
@api_parameters("session", *training.CONTROLS, "speed", "lang")
def train(session, *values):
    """Handler of `training_train`: train, streaming frames as fast as the visitor's page
    draws them (playground/core/pacing.py), until the run's limit (training.RUN_SECONDS or
    RUN_EPOCHS) or Pause."""
    *controls, speed, lang = values
    config = training.Config.from_controls(controls, lang)
    epochs_per_frame = validate.integer(speed, t("training_speed", lang), 1, MAX_SPEED)
    session = training.prepare(session, config)
    for i, frame in enumerate(training.train_epochs(session, epochs_per_frame)):
        picture = _draw(session, lang, frame)
        if i % NEURONS_EVERY and not frame.stopped:
            picture = (*picture[:-1], gr.skip())    # these pictures change slowly
        yield picture


def training_started_js() -> str:
    """A browser-side function: "Training…" in the visitor's language, the moment Train is
    pressed (a server round trip could come back after Pause's answer)."""
    texts = {lang: figs.run_text(lang, "running") for lang in LANGS}
    return f"(lang) => ({json.dumps(texts, ensure_ascii=False)})[lang] || ''"


@guard
def run_ended(session, lang):
    """After a run (it stopped at its limit, or Pause, Step or Reset ended it): the picture
    of the network at rest, and the run state. The page applies a stream's frames in order,
    but separately from other events' answers: frames still queued in a slow browser when
    Pause answers are drawn after that answer. This event comes after the stream's last
    frame, so what stays on screen is the network as it is."""
    if session is None:
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), figs.run_text(lang, "ready")
    if session.ended_by:                # it stopped by itself: its last frame is the picture
        return (gr.skip(),) * 4 + (figs.run_text(lang, f"stopped_{session.ended_by}",
                                                 session.epoch),)
    state = "ready" if session.epoch == 0 else "paused"
    return _draw_at_rest(session, lang, state)[1:]     # the session itself is Reset's to replace


@guard
@api_parameters("session", *training.CONTROLS, "lang")
def step(session, *values):
    """Handler of `training_step`: one epoch, then the picture."""
    *controls, lang = values
    session = training.prepare(session, training.Config.from_controls(controls, lang))
    session.train_epoch()
    return _draw_at_rest(session, lang, "step")


@guard
@api_parameters("session", *training.CONTROLS, "lang")
def show(session, *values):
    """Handler of `training_show`: the picture of the visitor's network, a new one if the
    data or the architecture changed."""
    *controls, lang = values
    session = training.prepare(session, training.Config.from_controls(controls, lang))
    return _draw_at_rest(session, lang, "ready" if session.epoch == 0 else "paused")


@guard
@api_parameters("session", *training.CONTROLS, "lang")
def reset(session, *values):
    """Handler of `training_reset`: a new, untrained network."""
    *controls, lang = values
    if session is not None:
        session.stop(wait=training.STOP_WAIT)
    config = training.Config.from_controls(controls, lang)
    return _draw_at_rest(training.Session(config), lang, "ready")


@guard
def pause(session, lang):
    """Handler of `training_pause` (it also cancels a `training_train` still in the queue):
    end the run, keep the network, show where it stands."""
    if session is None:                 # nothing trained yet: nothing to show but the hint
        return None, gr.skip(), gr.skip(), gr.skip(), gr.skip(), figs.run_text(lang, "ready")
    session.stop(wait=training.STOP_WAIT)
    return _draw_at_rest(session, lang, "paused")


@guard
@api_parameters(*training.CONTROLS, "lang")
def code(*values):
    """Handler of `training_code`: the configured network as a runnable PyTorch listing."""
    *controls, lang = values
    return training_code.export_code(training.Config.from_controls(controls, lang), lang)


def validate_step(x1, x2, y, lr, activation, weights, lang) -> dict:
    """The step-in-numbers controls, checked, as the arguments of backprop.one_step."""
    x1, x2 = (validate.number(v, name, -STEP_LIMIT, STEP_LIMIT)
              for v, name in ((x1, "x1"), (x2, "x2")))
    target = float(validate.choice(y, [0, 1], "y"))
    rate = validate.number(lr, t("training_lr", lang), 0, training.MAX_LR)
    if rate <= 0:
        raise UserError("training_error_lr", value=lr)
    act = validate.choice(activation, list(backprop.ACTIVATIONS), t("training_activation", lang))
    params = {name: validate.number(w, name, -STEP_LIMIT, STEP_LIMIT)
              for name, w in zip(backprop.PARAMS, weights)}
    return {"x1": x1, "x2": x2, "y": target, "params": params, "lr": rate, "activation": act}


@guard
def backprop_step(x1, x2, y, lr, activation, w11, w12, w21, w22, b1, b2, v1, v2, c, lang):
    """Handler of `training_backprop`: one step of a 2-2-1 network on one example, by hand."""
    weights = (w11, w12, w21, w22, b1, b2, v1, v2, c)
    result = backprop.one_step(**validate_step(x1, x2, y, lr, activation, weights, lang))
    return backprop.explain(result, lang), backprop.figure(result, lang)


@guard
def apply_update(x1, x2, y, lr, activation, w11, w12, w21, w22, b1, b2, v1, v2, c, lang):
    """The weights after the step, into the sliders (which recompute the next step)."""
    weights = (w11, w12, w21, w22, b1, b2, v1, v2, c)
    result = backprop.one_step(**validate_step(x1, x2, y, lr, activation, weights, lang))
    return [float(np.clip(round(result.new_params[k], 4), -STEP_LIMIT, STEP_LIMIT))
            for k in backprop.PARAMS]


def random_weights():
    params = backprop.random_params(np.random.default_rng())
    return [params[k] for k in backprop.PARAMS]


def classic_example():
    ex = backprop.EXAMPLE
    return [ex["x1"], ex["x2"], ex["y"], ex["lr"], ex["activation"],
            *[ex["params"][k] for k in backprop.PARAMS]]


def show_layers(layers):
    top = training.MAX_LAYERS
    n = int(layers) if isinstance(layers, (int, float)) and 1 <= layers <= top else top
    return [gr.update(visible=i < n) for i in range(training.MAX_LAYERS)]


def batch_limit(n_points, test_percent, batch_size):
    """Keep the batch slider inside the training set's size."""
    try:
        top = datasets2d.train_size(int(n_points), int(test_percent) / 100)
    except (TypeError, ValueError):
        return gr.update()
    return gr.update(maximum=top, value=min(batch_size, top) if isinstance(batch_size, (int, float)) else top)


def _live_section(lang):
    """Controls, buttons and the three live plots; returns the controls events read."""
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            gr.Markdown(I18N("training_data_heading"))
            dataset = Radio([(I18N(f"training_dataset_{k}"), k) for k in datasets2d.GENERATORS],
                            value=DEFAULT.dataset, label=I18N("training_dataset"),
                            elem_id="training-dataset")
            n_points = Slider(20, training.MAX_POINTS, value=DEFAULT.n_points, step=10,
                              label=I18N("training_points"), elem_id="training-points")
            noise = Slider(0, 1, value=DEFAULT.noise, step=0.05, label=I18N("training_noise"),
                           elem_id="training-noise")
            test_percent = Slider(10, 90, value=round(DEFAULT.test_fraction * 100), step=5,
                                  label=I18N("training_test_percent"), elem_id="training-test")
            seed = Slider(0, training.MAX_SEED, value=DEFAULT.seed, step=1, label=I18N("training_seed"),
                          elem_id="training-seed")
            gr.Markdown(I18N("training_network_heading"))
            layers = Slider(1, training.MAX_LAYERS, value=len(DEFAULT.hidden), step=1,
                            label=I18N("training_layers"), elem_id="training-layers")
            neurons = [Slider(1, training.MAX_NEURONS, step=1, label=I18N(f"training_neurons_{i + 1}"),
                              value=DEFAULT.hidden[i] if i < len(DEFAULT.hidden) else 4,
                              visible=i < len(DEFAULT.hidden), elem_id=f"training-neurons-{i + 1}")
                       for i in range(training.MAX_LAYERS)]
            activation = Radio([(I18N(f"act_{k}"), k) for k in training.ACTIVATIONS],
                               value=DEFAULT.activation, label=I18N("training_activation"),
                               elem_id="training-activation")
        with gr.Column(scale=3):
            with gr.Row():
                train_btn = gr.Button(I18N("training_train_button"), variant="primary",
                                      elem_id="training-train")
                pause_btn = gr.Button(I18N("training_pause_button"), elem_id="training-pause")
                step_btn = gr.Button(I18N("training_step_button"), elem_id="training-step")
                reset_btn = gr.Button(I18N("training_reset_button"), elem_id="training-reset")
            status = gr.Markdown(elem_id="training-status")
            run_state = gr.Markdown(elem_id="training-run-state")
            with gr.Row():
                boundary = gr.Plot(elem_id="training-boundary", show_label=False, scale=3)
                loss = gr.Plot(elem_id="training-loss", show_label=False, scale=2)
            neuron_maps = gr.Plot(elem_id="training-neurons", show_label=False)
            gr.Markdown(I18N("training_learning_heading"))
            with gr.Row():
                with gr.Column(min_width=220):
                    optimizer = Radio([(I18N(f"training_optimizer_{k}"), k) for k in training.OPTIMIZERS],
                                      value=DEFAULT.optimizer, label=I18N("training_optimizer"),
                                      elem_id="training-optimizer")
                    lr = Dropdown(LEARNING_RATES, value=DEFAULT.lr, label=I18N("training_lr"),
                                  elem_id="training-lr")
                with gr.Column(min_width=220):
                    batch = Slider(1, datasets2d.train_size(DEFAULT.n_points, DEFAULT.test_fraction),
                                   value=DEFAULT.batch_size, step=1, label=I18N("training_batch"),
                                   elem_id="training-batch")
                    speed = Slider(1, MAX_SPEED, value=DEFAULT_SPEED, step=1, label=I18N("training_speed"),
                                   elem_id="training-speed")
                with gr.Column(min_width=220):
                    regularization = Radio([(I18N(f"training_reg_{k}"), k)
                                            for k in training.REGULARIZATIONS],
                                           value=DEFAULT.regularization,
                                           label=I18N("training_regularization"), elem_id="training-reg")
                    reg_rate = Dropdown(REG_RATES, value=DEFAULT.reg_rate,
                                        label=I18N("training_reg_rate"), elem_id="training-reg-rate")

    session = gr.State(None)
    structure = [dataset, n_points, noise, test_percent, seed, layers, *neurons, activation]
    controls = [*structure, optimizer, lr, batch, regularization, reg_rate]   # training.CONTROLS
    picture = [session, status, boundary, loss, neuron_maps]

    layers.change(show_layers, layers, neurons, queue=False, api_visibility="private")
    gr.on([n_points.change, test_percent.change], batch_limit, [n_points, test_percent, batch],
          batch, queue=False, api_visibility="private")
    # The train event alone writes the picture while it runs; Pause, Step and Reset answer
    # at once, and the end of the run (run_ended) draws the network at rest once more after
    # the stream's last frame. What training is doing (run state) is a line of its own.
    running = train_btn.click(train, [session, *controls, speed, lang], picture,
                              api_name="training_train", show_progress="hidden", **TRAINING)
    train_btn.click(None, lang, run_state, js=training_started_js(), api_visibility="private",
                    show_progress="hidden")
    acknowledge_frames(boundary, session)
    still = [*picture, run_state]
    running.then(run_ended, [session, lang], still[1:], api_visibility="private",
                 show_progress="hidden", trigger_mode="always_last", **LIGHT)
    pause_btn.click(pause, [session, lang], still, cancels=[running], api_name="training_pause",
                    show_progress="hidden", **LIGHT)
    step_btn.click(step, [session, *controls, lang], still, cancels=[running],
                   api_name="training_step", show_progress="hidden", **LIGHT)
    reset_btn.click(reset, [session, *controls, lang], still, cancels=[running],
                    api_name="training_reset", show_progress="hidden", **LIGHT)
    # No `cancels=[running]` here: `show` stops the visitor's run itself (training.prepare
    # stops the session it is given). A cancel raced with a Train pressed as the page loaded:
    # the load's `show`, having read no session yet, cancelled the new run's stream and left
    # a fresh network in the state, so Pause then showed epoch 0 while the run went on.
    gr.on([app_of(lang).load, lang.change, *[c.change for c in structure]], show,
          [session, *controls, lang], still, api_name="training_show",
          trigger_mode="always_last", show_progress="hidden", **LIGHT)
    return controls


def _step_section(lang):
    gr.Markdown(I18N("training_step_lesson"),
                latex_delimiters=[{"left": "$", "right": "$", "display": False}])
    ex = backprop.EXAMPLE
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            with gr.Row():
                x1 = Slider(-STEP_LIMIT, STEP_LIMIT, value=ex["x1"], step=0.01, label="x1",
                            elem_id="training-step-x1")
                x2 = Slider(-STEP_LIMIT, STEP_LIMIT, value=ex["x2"], step=0.01, label="x2",
                            elem_id="training-step-x2")
            target = Radio([("0", 0), ("1", 1)], value=ex["y"], label=I18N("training_step_target"),
                           elem_id="training-step-y")
            rate = Slider(0.01, 10, value=ex["lr"], step=0.01, label=I18N("training_lr"),
                          elem_id="training-step-lr")
            act = Radio([(I18N(f"act_{k}"), k) for k in backprop.ACTIVATIONS],
                        value=ex["activation"], label=I18N("training_step_activation"),
                        elem_id="training-step-activation")
            weights = []
            with gr.Accordion(I18N("training_step_weights"), open=True):
                for row in (("w11", "w12", "b1"), ("w21", "w22", "b2"), ("v1", "v2", "c")):
                    with gr.Row():
                        weights += [Slider(-STEP_LIMIT, STEP_LIMIT, value=ex["params"][k],
                                           step=0.0001, label=k, min_width=90, buttons=[],
                                           elem_id=f"training-step-{k}") for k in row]
            weights = sorted(weights, key=lambda w: backprop.PARAMS.index(w.label))
            apply_btn = gr.Button(I18N("training_step_apply"), variant="primary",
                                  elem_id="training-step-apply")
            with gr.Row():
                random_btn = gr.Button(I18N("training_step_random"), elem_id="training-step-random")
                example_btn = gr.Button(I18N("training_step_example"),
                                        elem_id="training-step-example")
        with gr.Column(scale=2):
            diagram = gr.Plot(elem_id="training-step-figure", show_label=False)
    explanation = gr.Markdown(elem_id="training-step-numbers")

    inputs = [x1, x2, target, rate, act, *weights]
    gr.on([app_of(lang).load, lang.change, *[c.change for c in inputs]], backprop_step,
          [*inputs, lang], [explanation, diagram], api_name="training_backprop",
          trigger_mode="always_last", show_progress="hidden", **LIGHT)
    apply_btn.click(apply_update, [*inputs, lang], weights, api_visibility="private",
                    show_progress="hidden", **LIGHT)
    random_btn.click(random_weights, None, weights, queue=False, api_visibility="private")
    example_btn.click(classic_example, None, inputs, queue=False, api_visibility="private")


def build(lang: gr.Component) -> gr.Tab:
    latex = [{"left": "$", "right": "$", "display": False}]
    with gr.Tab(I18N("tab_training"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("training_lesson"), latex_delimiters=latex)
        controls = _live_section(lang)
        _step_section(lang)
        gr.Markdown(I18N("training_export_lesson"))
        listing = gr.Code(training_code.export_code(DEFAULT, "es"), language="python",
                          label=I18N("training_code_label"), interactive=False, max_lines=40,
                          show_line_numbers=False,
                          elem_id="training-code")
        gr.on([lang.change, *[c.change for c in controls]], code, [*controls, lang], listing,
              api_name="training_code", trigger_mode="always_last", show_progress="hidden",
              **LIGHT)
    return tab
