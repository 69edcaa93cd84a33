"""The Network types tab: the family map; what a CNN sees layer by layer (an example or a
drawing), one convolution step with its numbers, dense against convolutional under a shift;
a recurrent network against a transformer, measured."""
from __future__ import annotations

import gradio as gr
import numpy as np

from playground.core import deferred, validate
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.images import fashion
from playground.networks import convolution as cv
from playground.networks import convolution_figures as cvf
from playground.networks import family
from playground.networks import recurrence as rc
from playground.networks import recurrence_figures as rcf
from pages.common import I18N, LIGHT, MODEL, Dropdown, Radio, Slider, guard

TAB_ID = "network_types"
VARIANTS = 10                       # images of each class to pick from in the shipped subset
PATCH_LAYERS = ["relu1", "relu2", "pool2"]
PATCH_CHANNELS = 8                  # rows of the top-patches figure
MAX_SHIFT = 4
DEFAULT_SEQUENCE = "7 3 5 2 8 1 4 6 9 2"


def _image_of(state) -> np.ndarray:
    """The visitor's current image (a gr.State: 28x28 nested lists), else the first example."""
    if state is None:
        return example_image(0, 1)
    image = np.asarray(state, dtype=np.float32)
    if image.shape != (cv.SIZE, cv.SIZE) or not np.isfinite(image).all():
        raise UserError("nt_empty_drawing")
    return np.clip(image, -1, 1)


def example_image(label: int, variant: int) -> np.ndarray:
    images, labels = cv.subset()
    return images[np.flatnonzero(labels == label)[variant - 1], 0]


def _seen(image: np.ndarray, title: str, lang: str):
    seen = cv.feature_maps(image)
    return (image.tolist(), cvf.image_figure(image, title),
            cvf.probabilities_figure(seen.probabilities, fashion.class_names(lang), t("nt_probs_title", lang)),
            cvf.maps_figure(seen, lang))


@guard
def cnn(label, variant, lang):
    """Handler of `network_types_cnn`: a test image, its feature maps and class probabilities."""
    label = validate.integer(label, "label", 0, 9)
    variant = validate.integer(variant, "variant", 1, VARIANTS)
    image = example_image(label, variant)
    return _seen(image, t("nt_image_example", lang, name=fashion.class_names(lang)[label]), lang)


@guard
def draw(sketch, lang):
    """Handler of `network_types_draw`: the visitor's drawing as a 28x28 image, then as `cnn`."""
    grey = sketch.get("composite") if isinstance(sketch, dict) else None
    if grey is None:
        raise UserError("nt_empty_drawing")
    return _seen(cv.from_drawing(grey), t("nt_image_drawing", lang), lang)


@guard
def overview(layer, lang):
    """Handler of `network_types_patches`: the first layer's filters and the top patches."""
    layer = validate.choice(layer, PATCH_LAYERS, "layer")
    rows = [(c, *cv.top_patches(layer, c)) for c in range(PATCH_CHANNELS)]
    return cvf.filters_figure(*cv.filters(), lang), cvf.patches_figure(layer, rows, lang)


@guard
def conv_step(state, channel, row, col, lang):
    """Handler of `network_types_conv_step`: one convolution step with its numbers."""
    channel = validate.integer(channel, "channel", 1, 8)
    row = validate.integer(row, "row", 0, cv.SIZE - 1)
    col = validate.integer(col, "col", 0, cv.SIZE - 1)
    image = _image_of(state)
    step = cv.conv_step(image, channel - 1, row, col)
    return cvf.step_figure(image, step, lang), cvf.step_text(step, lang)


@guard
def shift(state, pixels, lang):
    """Handler of `network_types_shift`: accuracy against shift for both models, the
    visitor's image moved, and both models' answers for it."""
    s = validate.integer(pixels, "shift", 0, MAX_SHIFT)
    image = _image_of(state)
    moved = cv.shift(image[None, None], 0, s)
    names = fashion.class_names(lang)
    p_cnn, p_mlp = cv.predict("cnn", moved)[0], cv.predict("mlp", moved)[0]
    curves = cv.shift_accuracy(MAX_SHIFT)
    answers = t("nt_shifted_answers", lang, s=s, cnn=names[p_cnn.argmax()], pc=f"{100 * p_cnn.max():.0f}",
                mlp=names[p_mlp.argmax()], pm=f"{100 * p_mlp.max():.0f}")
    return (cvf.shift_figure(curves, s, lang), cvf.image_figure(moved[0, 0], t("nt_shifted_title", lang, s=s)),
            answers + "\n\n" + cvf.comparison_text(cv.metrics(), curves, lang))


@guard
def read(sequence, lang):
    """Handler of `network_types_rnn`: both models read the visitor's sequence."""
    tokens = rc.parse(sequence)
    r = rc.read(tokens)
    return (rcf.rnn_states_figure(r["rnn_states"], tokens, lang),
            rcf.transformer_figure(r["transformer_states"], r["attention"], tokens, lang),
            rcf.probabilities_text(r["rnn_probs"], r["transformer_probs"], tokens, lang, r["accuracy"]))


@guard
def measure(lang):
    """Handler of `network_types_measure`: time per sequence and gradient against distance."""
    return (rcf.timing_figure(rc.timings(), lang),
            rcf.gradient_figure(rc.gradient_by_distance("rnn"), rc.gradient_by_distance("transformer"), lang))


@guard
def family_map(lang):
    """Handler of `network_types_family`: the six families drawn small."""
    return family.figure(lang)


def build(lang: gr.Component) -> gr.Tab:
    size = deferred.constant("playground.networks.convolution", "SIZE")   # cv.SIZE, unrun (no torch)
    with gr.Tab(I18N("tab_network_types"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        image_state = gr.State(None)
        gr.Markdown(I18N("nt_lesson"))
        gr.Markdown(I18N("nt_family_heading"))
        family_plot = gr.Plot(None, elem_id="nt-family", show_label=False)
        gr.Markdown(I18N("nt_family_table"))

        gr.Markdown(I18N("nt_cnn_heading"))
        gr.Markdown(I18N("nt_cnn_lesson"))
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                label = Dropdown([(I18N(f"nt_class_{i}"), i) for i in range(10)], value=0,
                                 label=I18N("nt_example_class"), elem_id="nt-class")
                variant = Slider(1, VARIANTS, value=1, step=1, label=I18N("nt_example_variant"),
                                 elem_id="nt-variant")
                sketch = gr.Sketchpad(label=I18N("nt_sketch"), type="numpy", image_mode="L",
                                      canvas_size=(280, 280), elem_id="nt-sketch", layers=False,
                                      brush=gr.Brush(default_size=18, colors=["#000000"],
                                                     color_mode="fixed"))
                use_drawing = gr.Button(I18N("nt_use_drawing"), variant="primary", elem_id="nt-use-drawing")
            with gr.Column(scale=1, min_width=300):
                image_plot = gr.Plot(None, elem_id="nt-image", show_label=False)
                probs_plot = gr.Plot(None, elem_id="nt-probs", show_label=False)
        maps_plot = gr.Plot(None, elem_id="nt-maps", show_label=False)

        gr.Markdown(I18N("nt_hierarchy_heading"))
        gr.Markdown(I18N("nt_hierarchy_lesson"))
        with gr.Row():
            with gr.Column(scale=2):
                filters_plot = gr.Plot(None, elem_id="nt-filters", show_label=False)
            with gr.Column(scale=3):
                patch_layer = Radio([(I18N(f"nt_layer_name_{k}"), k) for k in PATCH_LAYERS], value="relu1",
                                    label=I18N("nt_patch_layer"), elem_id="nt-patch-layer")
                patches_plot = gr.Plot(None, elem_id="nt-patches", show_label=False)

        gr.Markdown(I18N("nt_step_heading"))
        gr.Markdown(I18N("nt_step_lesson"))
        with gr.Row():
            with gr.Column(scale=2, min_width=300):
                channel = Slider(1, 8, value=1, step=1, label=I18N("nt_step_channel"), elem_id="nt-channel")
                row = Slider(0, size - 1, value=14, step=1, label=I18N("nt_step_row"), elem_id="nt-row")
                col = Slider(0, size - 1, value=14, step=1, label=I18N("nt_step_col"), elem_id="nt-col")
                step_plot = gr.Plot(None, elem_id="nt-step-image", show_label=False)
            with gr.Column(scale=3):
                step_md = gr.Markdown("", elem_id="nt-step")

        gr.Markdown(I18N("nt_dense_heading"))
        gr.Markdown(I18N("nt_dense_lesson"))
        pixels = Slider(0, MAX_SHIFT, value=0, step=1, label=I18N("nt_shift_label"), elem_id="nt-shift")
        with gr.Row():
            with gr.Column(scale=3):
                shift_plot = gr.Plot(None, elem_id="nt-shift-plot", show_label=False)
            with gr.Column(scale=2):
                shifted_plot = gr.Plot(None, elem_id="nt-shifted", show_label=False)
        shift_md = gr.Markdown("", elem_id="nt-shift-text")

        gr.Markdown(I18N("nt_rnn_heading"))
        gr.Markdown(I18N("nt_rnn_lesson"))
        with gr.Row():
            sequence = gr.Textbox(DEFAULT_SEQUENCE, label=I18N("nt_sequence_label"), elem_id="nt-sequence",
                                  scale=3)
            read_button = gr.Button(I18N("nt_read_button"), elem_id="nt-read", scale=1)
        answers_md = gr.Markdown("", elem_id="nt-answers")
        with gr.Row():
            rnn_plot = gr.Plot(None, elem_id="nt-rnn", show_label=False)
            transformer_plot = gr.Plot(None, elem_id="nt-transformer", show_label=False)
        gr.Markdown(I18N("nt_measure_heading"))
        gr.Markdown(I18N("nt_measure_lesson"))
        measure_button = gr.Button(I18N("nt_measure_button"), variant="primary", elem_id="nt-measure")
        with gr.Row():
            timing_plot = gr.Plot(None, elem_id="nt-timing", show_label=False)
            gradient_plot = gr.Plot(None, elem_id="nt-gradient", show_label=False)

        quiet = {"show_progress": "hidden", **LIGHT}
        gr.on([tab.select, lang.change], family_map, [lang], family_plot, api_name="network_types_family",
              **quiet)
        seen_outputs = [image_state, image_plot, probs_plot, maps_plot]
        gr.on([label.change, variant.change, tab.select, lang.change], cnn, [label, variant, lang],
              seen_outputs, api_name="network_types_cnn", trigger_mode="always_last", **quiet)
        gr.on([use_drawing.click], draw, [sketch, lang], seen_outputs,
              api_name="network_types_draw", **quiet)
        gr.on([patch_layer.change, tab.select, lang.change], overview, [patch_layer, lang],
              [filters_plot, patches_plot], api_name="network_types_patches", **quiet)
        gr.on([image_state.change, channel.change, row.change, col.change, lang.change], conv_step,
              [image_state, channel, row, col, lang], [step_plot, step_md],
              api_name="network_types_conv_step", trigger_mode="always_last", **quiet)
        gr.on([image_state.change, pixels.change, lang.change], shift, [image_state, pixels, lang],
              [shift_plot, shifted_plot, shift_md], api_name="network_types_shift",
              trigger_mode="always_last", **quiet)
        gr.on([read_button.click, sequence.submit, tab.select, lang.change], read, [sequence, lang],
              [rnn_plot, transformer_plot, answers_md], api_name="network_types_rnn", **quiet)
        measure_button.click(measure, [lang], [timing_plot, gradient_plot], api_name="network_types_measure",
                             show_progress="minimal", **MODEL)
    return tab
