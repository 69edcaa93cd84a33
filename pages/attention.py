"""The Attention tab: heatmaps per head, every head of a layer, GPT against BERT, Q/K/V in numbers."""
from __future__ import annotations

import gradio as gr

from playground import backends
from playground.text import attention, attention_figures, attention_instant
from playground.core.i18n import strings
from pages.common import I18N, LIGHT, MODEL, Radio, Slider, guard
from pages.instant_plot import (AFTER_PAINT_JS, enabled as instant_enabled, instant_plot,
                                instant_slot, payload_json)

TAB_ID = "attention"

PRESETS = {
    "cat": "The cat sat on the mat because it was tired.",
    "bank": "I went to the bank to get money, then we sat on the bank of the river.",
    "long": "The old fisherman pulled his boat onto the sand, looked at the dark clouds over the sea, "
            "and decided that today the fish could wait.",
    "es": "El gato se sentó en la alfombra porque estaba cansado.",
}
DEFAULT_LAYER, DEFAULT_HEAD = 3, 2     # the model's own ranges reach the sliders after a run


# --- handlers (the last argument is the language) ----------------------------------------

@guard
def show(text, model, layer, head, lang):
    """`attention` and `attention_view`: the head's heatmap, the layer's heads, a line, the tokens."""
    return attention_figures.view(model, text, layer, head, lang)


@guard
def explain_qkv(text, model, layer, head, query, lang):
    """`attention_qkv`: one head recomputed for one query token, as bars, steps and numbers."""
    return attention_figures.qkv_view(model, text, layer, head, query, lang)


@guard
def compare(text, lang):
    """`attention_compare`: GPT's causal square against BERT's full one, with the explanation."""
    return attention_figures.compare_view(text, lang)


@guard
def switch_model(text, model, layer, head, lang):
    """After a switch of model: layer and head inside its ranges, and the view."""
    layer, head, *shown = attention_figures.fitted_view(model, text, layer, head, lang)
    return (gr.update(maximum=shown[-1]["layers"], value=layer),
            gr.update(maximum=shown[-1]["heads"], value=head), *shown)


# --- private helpers of the page -----------------------------------------------------------

# The head's heatmap and the layer's heads redrawn in the page (pages/instant_plot.py): its
# divs, and the sliders it follows.
INSTANT_IDS = ["attention-head-plot", "attention-heads-plot"]
INSTANT_SLIDERS = {"layer": "attention-layer", "head": "attention-head"}


@guard
def instant_numbers(text, model, layer, head, lang):
    """The page's copy of every head's weights and the figures, after each run, model switch,
    preset and language switch. A sentence too long for the model's heads (the payload's
    cap) leaves the sliders to the server: its gr.Plots show, the page's figures hide."""
    analysis = attention.analyze(model, text)           # cached: the run just made it
    layer, head = attention.fit_layer_head(analysis, layer, head)
    payload = attention_instant.payload(analysis, layer, head, lang)
    if payload is None:
        return gr.update(value="", visible=False), gr.update(visible=False), *[gr.update(visible=True)] * 2
    return (gr.update(value=payload_json(payload, INSTANT_IDS, INSTANT_SLIDERS), visible=True),
            gr.update(visible=True), *[gr.update(visible=False)] * 2)


def instant_if_shown(shown, text, model, layer, head, lang):
    """On a language switch: the page's copy relabelled, once something was shown (an error
    is the server's view's to tell: the page keeps its copy)."""
    try:
        if shown:
            return instant_numbers(text, model, layer, head, lang)
    except gr.Error:
        pass
    return gr.skip(), gr.skip(), gr.skip(), gr.skip()


def fit_sliders(numbers):
    """After a run: the layer and head sliders span the model's, the query slider the
    sentence's tokens (on the last one)."""
    numbers = numbers or {}
    n = len(numbers.get("tokens") or [0])
    layers, heads = numbers.get("layers"), numbers.get("heads")
    return (gr.update(maximum=layers) if layers else gr.skip(),
            gr.update(maximum=heads) if heads else gr.skip(),
            gr.update(maximum=max(1, n - 1), value=n - 1))


def model_choices() -> list:
    """Every model the lesson takes, labelled in the visitor's language when a key exists."""
    return [(I18N(f"attention_model_{m}") if f"attention_model_{m}" in strings() else backends.title(m), m)
            for m in attention.model_names()]


def pick_preset(name):
    return PRESETS.get(name, gr.skip())


def redraw(shown, text, model, layer, head, query, lang):
    """On a language switch: the same results, relabelled (all cached); nothing before a first run."""
    if not shown:
        return [gr.skip()] * 9
    return [*show(text, model, layer, head, lang), *explain_qkv(text, model, layer, head, query, lang),
            *compare(text, lang)]


def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_attention"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("attention_lesson"))
        with gr.Row():
            with gr.Column(scale=3):
                text = gr.Textbox(PRESETS["cat"], label=I18N("attention_sentence"), lines=2,
                                  max_lines=4, elem_id="attention-text")
            with gr.Column(scale=2, min_width=280):
                preset = gr.Dropdown([(I18N(f"attention_preset_{k}"), k) for k in PRESETS], value="cat",
                                     label=I18N("attention_preset"), elem_id="attention-preset")
                run = gr.Button(I18N("attention_run"), variant="primary", elem_id="attention-run")
        with gr.Row():
            model = Radio(model_choices(), value=attention.model_names()[0],
                          label=I18N("attention_model"), elem_id="attention-model")
            layer = Slider(1, DEFAULT_LAYER, value=DEFAULT_LAYER, step=1, label=I18N("attention_layer"),
                           elem_id="attention-layer")
            head = Slider(1, DEFAULT_HEAD, value=DEFAULT_HEAD, step=1, label=I18N("attention_head"),
                          elem_id="attention-head")
        info = gr.Markdown(I18N("attention_first_use"), elem_id="attention-info")
        # In the page (the default): layer and head redraw there; the gr.Plots, hidden, keep
        # the api_names' outputs (and show for a sentence too long to send).
        instant = slot = None
        hidden = "-server" if instant_enabled() else ""
        with gr.Row():
            with gr.Column(scale=1):
                if instant_enabled():
                    instant = instant_plot("attention-instant", min_height=480)
                head_plot = gr.Plot(elem_id=f"attention-head-plot{hidden}", show_label=False,
                                    visible=instant is None)
            with gr.Column(scale=1):
                gr.Markdown(I18N("attention_qkv_heading"))
                query = Slider(0, attention.MAX_TOKENS - 1, value=0, step=1,
                               label=I18N("attention_query"), elem_id="attention-query")
                qkv_plot = gr.Plot(elem_id="attention-qkv-plot", show_label=False)
        qkv_md = gr.Markdown(elem_id="attention-qkv-text")
        with gr.Accordion(I18N("attention_numbers"), open=False):
            qkv_numbers = gr.JSON(show_label=False)
        if instant:
            slot = instant_slot(INSTANT_IDS[1], min_height=480)
        heads_plot = gr.Plot(elem_id=f"attention-heads-plot{hidden}", show_label=False,
                             visible=instant is None)
        with gr.Accordion(I18N("attention_numbers"), open=False):
            numbers = gr.JSON(show_label=False, elem_id="attention-numbers")

        gr.Markdown(I18N("attention_compare_heading"))
        compare_button = gr.Button(I18N("attention_compare_button"), elem_id="attention-compare-run")
        compare_plot = gr.Plot(elem_id="attention-compare-plot", show_label=False)
        compare_md = gr.Markdown(elem_id="attention-compare-text")
        shown = gr.State(False)

        view_in, view_out = [text, model, layer, head, lang], [head_plot, heads_plot, info, numbers]
        qkv_in, qkv_out = [text, model, layer, head, query, lang], [qkv_plot, qkv_md, qkv_numbers]

        instant_out = [instant, slot, head_plot, heads_plot]

        def then_the_rest(event):
            """After a new sentence or model: the sliders' ranges, the page's copy of the
            weights, Q/K/V, the comparison."""
            fitted = event.success(fit_sliders, numbers, [layer, head, query], queue=False,
                                   api_visibility="private")
            if instant:
                fitted.then(instant_numbers, view_in, instant_out, api_visibility="private",
                            show_progress="hidden", **LIGHT)
            (fitted.then(explain_qkv, qkv_in, qkv_out, api_visibility="private", **LIGHT)
                  .success(compare, [text, lang], [compare_plot, compare_md],
                           api_visibility="private", **MODEL)
                  .success(lambda: True, None, shown, queue=False, api_visibility="private"))

        then_the_rest(gr.on([run.click, text.submit, tab.select], show, view_in, view_out,
                            api_name="attention", **MODEL))
        then_the_rest(model.input(switch_model, view_in, [layer, head, *view_out],
                                  api_visibility="private", **MODEL))
        then_the_rest(preset.input(pick_preset, preset, text, queue=False, api_visibility="private")
                      .then(show, view_in, view_out, api_visibility="private", **MODEL))
        # Layer and head: the cached forward pass, sliced (no model run)
        gr.on([layer.input, head.input], show, view_in, view_out, api_name="attention_view",
              trigger_mode="always_last", show_progress="hidden",
              js=AFTER_PAINT_JS if instant else None, **LIGHT) \
            .success(explain_qkv, qkv_in, qkv_out, api_visibility="private",
                     show_progress="hidden", **LIGHT)
        query.input(explain_qkv, qkv_in, qkv_out, api_name="attention_qkv",
                    trigger_mode="always_last", show_progress="hidden", **LIGHT)
        compare_button.click(compare, [text, lang], [compare_plot, compare_md],
                             api_name="attention_compare", **MODEL)
        lang.change(redraw, [shown, text, model, layer, head, query, lang],
                    view_out + qkv_out + [compare_plot, compare_md], api_visibility="private",
                    show_progress="hidden", **LIGHT)
        if instant:
            lang.change(instant_if_shown, [shown, *view_in], instant_out, api_visibility="private",
                        show_progress="hidden", **LIGHT)
    return tab
