"""The Diffusion tab: noise added step by step (forward), removed step by step (reverse),
a prompt that picks the class with classifier-free guidance, and a 2D toy trained live."""
from __future__ import annotations

import gradio as gr

from playground.images import diffusion, diffusion2d, diffusion_instant, fashion, shapes2d
from playground.core import deferred, validate
from playground.core.i18n import t
from pages.common import I18N, LIGHT, MODEL, Dropdown, Radio, Slider, guard
from pages.instant_plot import (AFTER_PAINT_JS, enabled as instant_enabled, instant_plot,
                                instant_slot, payload_json)

TAB_ID = "diffusion"
N_SAMPLES = 16
PROMPT_LIMIT = 200
TOY_STEPS = 1000         # training steps of the 2D toy
# Its own slots: the Training tab's streams use the shared "training" ones.
TOY = {"concurrency_limit": 2, "concurrency_id": "diffusion_toy"}


@guard
def forward(example, step, lang):
    """Handler of `diffusion_forward`: x_0, noise, x_t and the schedule at step t."""
    example = validate.integer(example, "example", 0, 9)
    step = validate.integer(step, "t", 0, diffusion.T - 1)
    return diffusion.forward_figure(example, step, lang), diffusion.schedule_figure(step, lang)


@guard
def generate(prompt, guidance, steps, method, seed, lang):
    """Handler of `diffusion_sample`: stream the denoising of 16 images of the asked class."""
    prompt = validate.text(prompt, PROMPT_LIMIT)
    guidance = validate.number(guidance, "w", 0, 10)
    steps = validate.integer(steps, "steps", 1, diffusion.T)
    method = validate.choice(method, ["ddim", "ddpm", "dpm"], "method")
    seed = validate.integer(seed, "seed", 0, 1000)
    label, how = diffusion.prompt_class(prompt)        # a keyword, else MiniLM's nearest name
    note = t(f"diffusion_matched_{how}", lang, cls=fashion.class_names(lang)[label])
    for fig in diffusion.stream_samples(label, N_SAMPLES, steps, guidance, method, seed, lang):
        yield fig, note


@guard
def toy(target, lang):
    """Handler of `diffusion_toy`: train a 2D diffusion live, then stream the reverse process."""
    target = validate.choice(target, list(shapes2d.TARGETS), "target")
    yield from diffusion2d.train_and_sample(target, TOY_STEPS, lang)


# The three images and the schedule redrawn in the page (pages/instant_plot.py) as t moves:
# its divs, and the slider it follows.
INSTANT_IDS = ["diffusion-forward", "diffusion-schedule"]
INSTANT_SLIDERS = {"t": "diffusion-t"}


@guard
def instant_forward(example, step, lang):
    """The page's copy of the example, the noise and the schedule, when the tab is shown, the
    example changes or the language does (the t slider then redraws in the page)."""
    example = validate.integer(example, "example", 0, 9)
    try:
        step = validate.integer(step, "t", 0, diffusion.T - 1)
    except Exception:          # noqa: BLE001 - diffusion_forward tells the visitor
        step = 0
    return payload_json(diffusion_instant.payload(example, step, lang), INSTANT_IDS, INSTANT_SLIDERS)


def build(lang: gr.Component) -> gr.Tab:
    steps_of_model = deferred.constant("playground.images.diffusion", "T")   # diffusion.T, unrun
    with gr.Tab(I18N("tab_diffusion"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("diffusion_lesson"))
        gr.Markdown(I18N("diffusion_forward_heading"))
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                example = Dropdown([(I18N(f"fashion_class_{i}"), i) for i in range(10)], value=0,
                                      label=I18N("diffusion_example"), elem_id="diffusion-example")
                step = Slider(0, steps_of_model - 1, value=300, step=1, label=I18N("diffusion_t"),
                              elem_id="diffusion-t")
                gr.Markdown(I18N("diffusion_forward_help"),
                            latex_delimiters=[{"left": "$", "right": "$", "display": False}])
            # Drawn when the tab is shown (select, or a link's ?tab=), not at the page's load.
            # In the page (the default): t redraws there; the gr.Plots, hidden, keep the
            # api_name's outputs.
            instant = instant_enabled()
            hidden = "-server" if instant else ""
            with gr.Column(scale=2):
                if instant:
                    instant = instant_plot("diffusion-instant", min_height=400)
                images = gr.Plot(None, elem_id=f"diffusion-forward{hidden}", show_label=False,
                                 visible=not instant)
            with gr.Column(scale=2):
                if instant:
                    instant_slot(INSTANT_IDS[1], min_height=400)
                curve = gr.Plot(None, elem_id=f"diffusion-schedule{hidden}", show_label=False,
                                visible=not instant)
        gr.on([example.change, step.change, lang.change, tab.select], forward, [example, step, lang],
              [images, curve], api_name="diffusion_forward", trigger_mode="always_last",
              show_progress="hidden", js=AFTER_PAINT_JS if instant else None, **LIGHT)
        if instant:
            gr.on([example.change, lang.change, tab.select], instant_forward, [example, step, lang],
                  instant, api_visibility="private", show_progress="hidden", **LIGHT)

        gr.Markdown(I18N("diffusion_reverse_heading"))
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                prompt = gr.Textbox(value="una zapatilla", label=I18N("diffusion_prompt"),
                                    max_lines=1, elem_id="diffusion-prompt")
                gr.Examples([["una zapatilla"], ["a bag"], ["un vestido"], ["trousers"], ["botas"]],
                            [prompt], label=I18N("diffusion_prompt_examples"))
                guidance = Slider(0, 8, value=3, step=0.5, label=I18N("diffusion_guidance"),
                                  elem_id="diffusion-guidance")
                steps = Slider(5, steps_of_model, value=50, step=5, label=I18N("diffusion_steps"),
                               elem_id="diffusion-steps")
                method = Radio([(I18N("diffusion_ddim"), "ddim"), (I18N("diffusion_ddpm"), "ddpm"),
                                (I18N("diffusion_dpm"), "dpm")],
                               value="ddim", label=I18N("diffusion_method"), elem_id="diffusion-method")
                seed = Slider(0, 1000, value=0, step=1, label=I18N("diffusion_seed"), elem_id="diffusion-seed")
                go = gr.Button(I18N("diffusion_generate"), variant="primary", elem_id="diffusion-go")
                matched = gr.Markdown("", elem_id="diffusion-matched")
            with gr.Column(scale=3):
                samples = gr.Plot(None, elem_id="diffusion-samples", show_label=False)
        gr.on([go.click, prompt.submit], generate, [prompt, guidance, steps, method, seed, lang],
              [samples, matched], api_name="diffusion_sample", show_progress="hidden", **MODEL)

        gr.Markdown(I18N("diffusion_toy_heading"))
        with gr.Row():
            with gr.Column(scale=1, min_width=280):
                target = Radio([(I18N(f"gan_target_{k}"), k) for k in shapes2d.TARGETS], value="moons",
                               label=I18N("gan_target"), elem_id="diffusion-toy-target")
                toy_go = gr.Button(I18N("diffusion_toy_go"), variant="primary", elem_id="diffusion-toy-go")
                gr.Markdown(I18N("diffusion_toy_help"))
            with gr.Column(scale=3):
                toy_plot = gr.Plot(None, elem_id="diffusion-toy", show_label=False)
        toy_go.click(toy, [target, lang], toy_plot, api_name="diffusion_toy",
                     show_progress="hidden", **TOY)
    return tab
