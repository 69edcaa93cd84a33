"""The Embeddings tab: vector arithmetic over GloVe, similar words, sentence similarity
with MiniLM, each drawn with PCA."""
from __future__ import annotations

import gradio as gr

from playground.text import embeddings
from playground.core import validate
from pages.common import I18N, LIGHT, MODEL, Radio, Slider, guard

TAB_ID = "embeddings"
MAX_EXPRESSION = 200     # characters
MAX_EXTRA_CHARS = 300
DIMS = {"2d": 2, "3d": 3}


def _extra_words(value) -> tuple[str, ...]:
    """The optional 'add your words' box (an API client may send None or a number)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ()
    return embeddings.parse_words(validate.text(value, MAX_EXTRA_CHARS))


def validate_view(k, dims) -> tuple[int, int]:
    """The picture's settings, checked: (how many neighbours, 2 or 3 dimensions)."""
    return (validate.integer(k, "k", 1, embeddings.MAX_NEIGHBOURS),
            DIMS[validate.choice(dims, list(DIMS), "dims")])


@guard
def arithmetic(expression, extra, k, dims, lang):
    """Handler of `embeddings_arithmetic`: a - b + c, its nearest words, the PCA picture."""
    terms = embeddings.parse(validate.text(expression, MAX_EXPRESSION))
    k, n_dims = validate_view(k, dims)
    extra = _extra_words(extra)
    answer = embeddings.arithmetic(terms, k)
    return (embeddings.arithmetic_figure(answer, extra, n_dims, lang),
            embeddings.answers_table(answer.neighbours, lang),
            {"terms": [[x.sign, x.word] for x in terms],
             "neighbours": [[w, round(c, 4)] for w, c in answer.neighbours]})


@guard
def similar(word, extra, k, dims, lang):
    """Handler of `embeddings_similar`: one word's nearest neighbours, drawn the same way."""
    word = validate.text(word, 60).strip().lower()
    k, n_dims = validate_view(k, dims)
    extra = _extra_words(extra)
    neighbours = embeddings.similar(word, k)
    return (embeddings.similar_figure(word, neighbours, extra, n_dims, lang),
            embeddings.answers_table(neighbours, lang))


@guard
def sentences(text, lang):
    """Handler of `embeddings_sentences`: MiniLM's cosine matrix and PCA map."""
    parsed = embeddings.parse_sentences(validate.text(text, 5_000))
    heat, scatter, _ = embeddings.sentence_figures(parsed, lang)
    return heat, scatter


def pick_expression(name):
    return embeddings.presets()["arithmetic"].get(name, "king - man + woman")


def pick_sentences(name):
    return "\n".join(embeddings.presets()["sentences"].get(name, []))


def build(lang: gr.Component) -> gr.Tab:
    presets = embeddings.presets()
    with gr.Tab(I18N("tab_embeddings"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("embeddings_lesson"))
        gr.Markdown(I18N("embeddings_language_note"), elem_id="embeddings-language-note")

        # 1. arithmetic
        gr.Markdown(I18N("embeddings_h_arith"))
        with gr.Row():
            preset = gr.Dropdown([(I18N(f"embeddings_preset_{k}"), k) for k in presets["arithmetic"]],
                                 value="royalty", label=I18N("embeddings_preset_label"), scale=2,
                                 elem_id="embeddings-preset")
            expression = gr.Textbox(presets["arithmetic"]["royalty"], label=I18N("embeddings_expression"),
                                    scale=3, elem_id="embeddings-expression")
        with gr.Row():
            extra = gr.Textbox("", label=I18N("embeddings_extra"), placeholder="prince, princess, boy, girl",
                               scale=3, elem_id="embeddings-extra")
            k = Slider(1, embeddings.MAX_NEIGHBOURS, value=8, step=1, label=I18N("embeddings_k"), scale=2,
                       elem_id="embeddings-k")
            dims = Radio([("2D", "2d"), ("3D", "3d")], value="2d", label=I18N("embeddings_dims"), scale=1,
                         elem_id="embeddings-dims")
        with gr.Row():
            arith_plot = gr.Plot(elem_id="embeddings-arith-plot", show_label=False, scale=2)
            with gr.Column(scale=1, min_width=380):
                arith_table = gr.Markdown(elem_id="embeddings-arith-table")
                with gr.Accordion(I18N("embeddings_numbers"), open=False):
                    arith_numbers = gr.JSON(show_label=False)

        # 2. similar words
        gr.Markdown(I18N("embeddings_h_similar"))
        with gr.Row():
            similar_preset = gr.Dropdown(presets["similar"], value=presets["similar"][0],
                                         label=I18N("embeddings_similar_preset"), scale=1,
                                         elem_id="embeddings-similar-preset")
            word = gr.Textbox(presets["similar"][0], label=I18N("embeddings_word"), scale=2,
                              elem_id="embeddings-word")
        with gr.Row():
            similar_plot = gr.Plot(elem_id="embeddings-similar-plot", show_label=False, scale=2)
            with gr.Column(scale=1, min_width=380):
                similar_table = gr.Markdown(elem_id="embeddings-similar-table")

        # 3. sentences
        gr.Markdown(I18N("embeddings_h_sentences"))
        gr.Markdown(I18N("embeddings_sentences_note"))
        with gr.Row():
            sentence_preset = gr.Dropdown([(I18N(f"embeddings_sentences_{k}"), k) for k in presets["sentences"]],
                                          value="paraphrases", label=I18N("embeddings_sentences_preset"),
                                          scale=1, elem_id="embeddings-sentences-preset")
            text = gr.Textbox(pick_sentences("paraphrases"), lines=6, max_lines=14, scale=3,
                              label=I18N("embeddings_sentences_label"), elem_id="embeddings-sentences")
            compare = gr.Button(I18N("embeddings_sentences_button"), variant="primary", scale=1,
                                elem_id="embeddings-sentences-button")
        with gr.Row():
            heat_plot = gr.Plot(elem_id="embeddings-heat-plot", show_label=False, scale=3)
            sentence_plot = gr.Plot(elem_id="embeddings-sentence-plot", show_label=False, scale=2)

        quiet = {"show_progress": "hidden", "trigger_mode": "always_last"}
        arith_in, arith_out = [expression, extra, k, dims, lang], [arith_plot, arith_table, arith_numbers]
        gr.on([tab.select, expression.submit, extra.submit, k.change, dims.change, lang.change],
              arithmetic, arith_in, arith_out, api_name="embeddings_arithmetic", **quiet, **LIGHT)
        preset.input(pick_expression, preset, expression, queue=False, api_visibility="private").then(
            arithmetic, arith_in, arith_out, api_visibility="private", **quiet, **LIGHT)

        similar_in, similar_out = [word, extra, k, dims, lang], [similar_plot, similar_table]
        gr.on([tab.select, word.submit, extra.submit, k.change, dims.change, lang.change],
              similar, similar_in, similar_out, api_name="embeddings_similar", **quiet, **LIGHT)
        similar_preset.input(lambda w: w, similar_preset, word, queue=False, api_visibility="private").then(
            similar, similar_in, similar_out, api_visibility="private", **quiet, **LIGHT)

        gr.on([tab.select, compare.click, lang.change], sentences, [text, lang],
              [heat_plot, sentence_plot], api_name="embeddings_sentences", **quiet, **MODEL)
        sentence_preset.input(pick_sentences, sentence_preset, text, queue=False, api_visibility="private").then(
            sentences, [text, lang], [heat_plot, sentence_plot], api_visibility="private", **quiet, **MODEL)
    return tab
