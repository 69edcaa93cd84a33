"""The GAN tab: a generator and a discriminator competing on a 2D shape, live (GAN Lab style)."""
from __future__ import annotations

import time

import gradio as gr

from playground.images import gan2d, gan_images, shapes2d
from playground.core import pacing, validate
from pages.common import (I18N, LIGHT, Dropdown, Radio, Slider, acknowledge_frames,
                          guard)

TAB_ID = "gan"
STEPS_PER_SECOND = 100       # generator steps, whatever the frame rate
STEPS_PER_RUN = 1000         # one press of Train: 1,000 generator steps, then press again
RUN_SECONDS = 60             # ... or a minute, whichever comes first (a slow page, a busy server)
MIN_FRAME_S = pacing.frame_seconds()      # at most GENAI_STREAM_FPS frames a second
# Its own slots: the Training tab's streams use the shared "training" ones.
LIVE = {"concurrency_limit": 2, "concurrency_id": "gan_live"}


def _inputs(target, lr_g, lr_d, d_steps):
    return (validate.choice(target, list(gan2d.TARGETS), "target"),
            validate.number(lr_g, "lr_G", 1e-5, 0.05), validate.number(lr_d, "lr_D", 1e-5, 0.05),
            validate.integer(d_steps, "k", 1, 5))


def _run(state, target, lr_g, lr_d):
    """The visitor's run, or a new one when there is none yet or the target changed."""
    if not isinstance(state, gan2d.GanRun) or state.target != target:
        state = gan2d.GanRun(target)
    state.set_rates(lr_g, lr_d)
    return state


@guard
def train(state, target, lr_g, lr_d, d_steps, lang):
    """Handler of `gan_train`: stream frames of training, resuming the visitor's run, as fast
    as the visitor's page draws them (playground/core/pacing.py)."""
    target, lr_g, lr_d, d_steps = _inputs(target, lr_g, lr_d, d_steps)
    run = _run(state, target, lr_g, lr_d)
    run.pacer.start()
    deadline = time.monotonic() + RUN_SECONDS
    for fig in gan2d.train_frames(run, d_steps, STEPS_PER_RUN, STEPS_PER_SECOND, lang):
        run.pacer.wait(MIN_FRAME_S)
        yield fig, run
        if time.monotonic() > deadline:
            return


@guard
def show(state, target, lang):
    """Handler of `gan_show`: the current frame (a fresh run if the target changed)."""
    target = validate.choice(target, list(gan2d.TARGETS), "target")
    run = state if isinstance(state, gan2d.GanRun) and state.target == target else gan2d.GanRun(target)
    return gan2d.frame_figure(run, gan2d.target_points(target, 400, seed=1), lang), run


def reset(target):
    return None


@guard
def samples(seed, lang):
    """Handler of `gan_samples`: the trained image GAN's samples, one column per class."""
    return gan_images.samples_figure(validate.integer(seed, "seed", 0, 1000), lang)


@guard
def walk(label, seed_a, seed_b, lang):
    """Handler of `gan_walk`: images along the way from noise A to noise B."""
    label = validate.integer(label, "class", 0, 9)
    a, b = (validate.integer(v, n, 0, 1000) for v, n in ((seed_a, "A"), (seed_b, "B")))
    return gan_images.walk_figure(label, a, b, lang)


@guard
def history(lang):
    """Handler of `gan_history`: snapshots of the samples during training, and both losses."""
    return gan_images.snapshots_figure(lang), gan_images.losses_figure(lang)


def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_gan"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("gan_lesson"))
        run = gr.State(None)
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                target = Radio([(I18N(f"gan_target_{k}"), k) for k in shapes2d.TARGETS], value="ring",
                               label=I18N("gan_target"), elem_id="gan-target")
                lr_g = Slider(0.0001, 0.01, value=0.001, step=0.0001, label=I18N("gan_lr_g"),
                              elem_id="gan-lr-g")
                lr_d = Slider(0.0001, 0.01, value=0.001, step=0.0001, label=I18N("gan_lr_d"),
                              elem_id="gan-lr-d")
                d_steps = Slider(1, 5, value=1, step=1, label=I18N("gan_d_steps"), elem_id="gan-d-steps")
                with gr.Row():
                    start = gr.Button(I18N("gan_train"), variant="primary", elem_id="gan-train")
                    stop = gr.Button(I18N("gan_stop"), elem_id="gan-stop")
                    restart = gr.Button(I18N("gan_reset"), elem_id="gan-reset")
                gr.Markdown(I18N("gan_howto"))
            with gr.Column(scale=3):
                # Drawn when the tab is shown (select, or a link's ?tab=gan): not at the page's load.
                plot = gr.Plot(None, elem_id="gan-plot", show_label=False)

        training = start.click(train, [run, target, lr_g, lr_d, d_steps, lang], [plot, run],
                               api_name="gan_train", show_progress="hidden", **LIVE)
        stop.click(None, None, None, cancels=[training], api_visibility="private")
        acknowledge_frames(plot, run)
        redraw = [target.change, lang.change, tab.select]
        gr.on(redraw, show, [run, target, lang], [plot, run], api_name="gan_show",
              show_progress="hidden", **LIGHT)
        restart.click(reset, target, run, api_visibility="private", queue=False).then(
            show, [run, target, lang], [plot, run], api_visibility="private", **LIGHT)

        gr.Markdown(I18N("gan_images_heading"))
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                seed = Slider(0, 1000, value=0, step=1, label=I18N("gan_seed"), elem_id="gan-seed")
                gr.Markdown(I18N("gan_images_help"))
            with gr.Column(scale=4):
                grid = gr.Plot(None, elem_id="gan-samples", show_label=False)
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                label = Dropdown([(I18N(f"fashion_class_{i}"), i) for i in range(10)], value=7,
                                 label=I18N("gan_walk_class"), elem_id="gan-walk-class")
                seed_a = Slider(0, 1000, value=1, step=1, label=I18N("gan_walk_a"), elem_id="gan-walk-a")
                seed_b = Slider(0, 1000, value=2, step=1, label=I18N("gan_walk_b"), elem_id="gan-walk-b")
            with gr.Column(scale=4):
                path = gr.Plot(None, elem_id="gan-walk", show_label=False)
        gr.Markdown(I18N("gan_history_heading"))
        with gr.Row():
            with gr.Column(scale=3):
                snaps = gr.Plot(None, elem_id="gan-snapshots", show_label=False)
            with gr.Column(scale=2):
                curves = gr.Plot(None, elem_id="gan-losses", show_label=False)
        gr.on([seed.change, lang.change, tab.select], samples, [seed, lang], grid,
              api_name="gan_samples", trigger_mode="always_last", show_progress="hidden", **LIGHT)
        gr.on([label.change, seed_a.change, seed_b.change, lang.change, tab.select], walk,
              [label, seed_a, seed_b, lang], path, api_name="gan_walk", trigger_mode="always_last",
              show_progress="hidden", **LIGHT)
        gr.on([lang.change, tab.select], history, [lang], [snaps, curves], api_name="gan_history",
              show_progress="hidden", **LIGHT)
    return tab
