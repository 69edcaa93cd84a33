"""The Embeddings tab: vector arithmetic and similar words in a chosen space (GloVe, English;
multilingual, Spanish and English in one space), sentence similarity with a chosen encoder
(multilingual by default, MiniLM for comparison), each drawn with PCA.

The space and the sentence model travel in `gr.State`s (not API parameters, so the existing
api_names keep theirs); empty, the space follows the language: a Spanish page starts on the
multilingual space. `embeddings_arithmetic_in`, `embeddings_similar_in` and
`embeddings_sentences_with` take them explicitly and answer plain data."""
from __future__ import annotations

import gradio as gr

from playground.core import validate
from playground.text import embeddings, embeddings_figures as figures, sentences as sentence_lesson
from pages.common import I18N, LIGHT, MODEL, Radio, Slider, guard

TAB_ID = "embeddings"
MAX_EXPRESSION = 200     # characters
MAX_EXTRA_CHARS = 300
DIMS = {"2d": 2, "3d": 3}
FIRST = {"glove": ("royalty", "frog"), "multilingual": ("reina", "rey")}   # preset, word shown first


def _extra_words(value) -> tuple[str, ...]:
    """The optional 'add your words' box (an API client may send None or a number)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ()
    return embeddings.parse_words(validate.text(value, MAX_EXTRA_CHARS))


def validate_view(k, dims) -> tuple[int, int]:
    """The picture's settings, checked: (how many neighbours, 2 or 3 dimensions)."""
    return (validate.integer(k, "k", 1, embeddings.MAX_NEIGHBOURS),
            DIMS[validate.choice(dims, list(DIMS), "dims")])


def _space(space, lang) -> str:
    """The visitor's space, or the language's default if they have not picked one."""
    return embeddings.check_space(space or embeddings.default_space(lang))


def _similar(word, k, space):
    """(neighbours, other language, its neighbours, words the encoder read as text)."""
    neighbours = embeddings.similar(word, k, space)
    if space != "multilingual":
        return neighbours, None, (), ()
    other_lang, other = embeddings.other_language(word, min(k, 8))
    return neighbours, other_lang, other, embeddings.check_words([word], space)


@guard
def arithmetic(expression, extra, k, dims, space, lang):
    """Handler of `embeddings_arithmetic`: a - b + c, its nearest words, the PCA picture."""
    terms = embeddings.parse(validate.text(expression, MAX_EXPRESSION))
    k, n_dims = validate_view(k, dims)
    extra = _extra_words(extra)
    answer = embeddings.arithmetic(terms, k, _space(space, lang))
    return (figures.arithmetic_figure(answer, extra, n_dims, lang),
            figures.embedded_note(answer.embedded, lang) + figures.answers_table(answer.neighbours, lang, answer.space),
            {"space": answer.space, "terms": [[x.sign, x.word] for x in terms],
             "neighbours": [[w, round(c, 4)] for w, c in answer.neighbours]})


@guard
def similar(word, extra, k, dims, space, lang):
    """Handler of `embeddings_similar`: one word's nearest neighbours, drawn the same way."""
    word = validate.text(word, 60).strip().lower()
    k, n_dims = validate_view(k, dims)
    extra = _extra_words(extra)
    space = _space(space, lang)
    neighbours, other_lang, other, embedded = _similar(word, k, space)
    return (figures.similar_figure(word, neighbours, extra, n_dims, lang, space, other),
            figures.embedded_note(embedded, lang)
            + figures.similar_table(neighbours, other_lang, other, lang, space))


@guard
def sentences(text, model, lang):
    """Handler of `embeddings_sentences`: the encoder's cosine matrix and PCA map."""
    parsed = sentence_lesson.parse_sentences(validate.text(text, 5_000))
    heat, scatter, _ = sentence_lesson.sentence_figures(parsed, lang, sentence_lesson.check_model(
        model or sentence_lesson.MODELS[0]))
    return heat, scatter


# --- the API endpoints that take the space or the model explicitly (plain data) --------------

@guard
def arithmetic_in(expression: str, space: str, k: int, lang: str) -> dict:
    """a - b + c in the named space ("glove" or "multilingual"): its nearest words."""
    terms = embeddings.parse(validate.text(expression, MAX_EXPRESSION))
    answer = embeddings.arithmetic(terms, validate.integer(k, "k", 1, embeddings.MAX_NEIGHBOURS),
                                   embeddings.check_space(space))
    return {"space": answer.space, "language": answer.lang, "embedded": list(answer.embedded),
            "neighbours": [[w, round(c, 4)] for w, c in answer.neighbours]}


@guard
def similar_in(word: str, space: str, k: int, lang: str) -> dict:
    """A word's nearest words in the named space; multilingual: also in the other language."""
    word = validate.text(word, 60).strip().lower()
    neighbours, other_lang, other, embedded = _similar(
        word, validate.integer(k, "k", 1, embeddings.MAX_NEIGHBOURS), embeddings.check_space(space))
    return {"space": space, "embedded": list(embedded),
            "neighbours": [[w, round(c, 4)] for w, c in neighbours],
            "other_language": other_lang, "other": [[w, round(c, 4)] for w, c in other]}


@guard
def sentences_with(text: str, model: str, lang: str) -> dict:
    """The cosine matrix of the sentences (one per line) by the named model."""
    parsed = sentence_lesson.parse_sentences(validate.text(text, 5_000))
    cos = sentence_lesson.cosines(parsed, sentence_lesson.check_model(model))
    return {"model": model, "sentences": list(parsed), "cosine": cos.round(4).tolist()}


# --- the space's own layout ----------------------------------------------------------------------

def show_space(space: str) -> tuple:
    """Radio, the two preset menus (one per space), the expression, the two word menus, the word."""
    glove = space == "glove"
    preset, word = FIRST[space]
    presets = embeddings.presets()
    expression = presets["arithmetic" if glove else "arithmetic_multilingual"][preset]
    return (space, gr.update(visible=glove, value="royalty"), gr.update(visible=not glove, value="reina"),
            expression, gr.update(visible=glove, value="frog"), gr.update(visible=not glove, value="rey"), word)


def settle(space, shown, lang):
    """On load and on a language change: show the visitor's space, or the language's default."""
    wanted = _space(space, lang) if space in (None, *embeddings.SPACES) else shown
    return show_space(wanted) if wanted != shown else tuple(gr.skip() for _ in range(7))


def pick_space(space, lang):
    """The visitor picked a space: remember it and show it."""
    space = _space(space, lang)
    return (space, *show_space(space))


def pick_expression(name):
    presets = embeddings.presets()
    return presets["arithmetic"].get(name) or presets["arithmetic_multilingual"].get(name, "king - man + woman")


def pick_sentences(name):
    return "\n".join(embeddings.presets()["sentences"].get(name, []))


def build(lang: gr.Component) -> gr.Tab:
    presets = embeddings.presets()
    with gr.Tab(I18N("tab_embeddings"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("embeddings_lesson"))
        gr.Markdown(I18N("embeddings_language_note"), elem_id="embeddings-language-note")
        space_state = gr.State(None)        # None: follow the language
        space = Radio([(I18N(f"embeddings_space_{s}"), s) for s in embeddings.SPACES], value="glove",
                      label=I18N("embeddings_space_label"), elem_id="embeddings-space")
        gr.Markdown(I18N("embeddings_space_note"), elem_id="embeddings-space-note")

        # 1. arithmetic
        gr.Markdown(I18N("embeddings_h_arith"))
        with gr.Row():
            preset = gr.Dropdown([(I18N(f"embeddings_preset_{k}"), k) for k in presets["arithmetic"]],
                                 value="royalty", label=I18N("embeddings_preset_label"), scale=2,
                                 elem_id="embeddings-preset")
            preset_es = gr.Dropdown([(I18N(f"embeddings_preset_es_{k}"), k) for k in presets["arithmetic_multilingual"]],
                                    value="reina", label=I18N("embeddings_preset_label"), scale=2,
                                    visible=False, elem_id="embeddings-preset-es")
            expression = gr.Textbox(presets["arithmetic"]["royalty"], label=I18N("embeddings_expression"),
                                    scale=3, elem_id="embeddings-expression")
        with gr.Row():
            extra = gr.Textbox("", label=I18N("embeddings_extra"), placeholder=I18N("embeddings_extra_placeholder"),
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
            similar_preset_es = gr.Dropdown(presets["similar_multilingual"], value="rey", visible=False,
                                            label=I18N("embeddings_similar_preset"), scale=1,
                                            elem_id="embeddings-similar-preset-es")
            word = gr.Textbox(presets["similar"][0], label=I18N("embeddings_word"), scale=2,
                              elem_id="embeddings-word")
        with gr.Row():
            similar_plot = gr.Plot(elem_id="embeddings-similar-plot", show_label=False, scale=2)
            with gr.Column(scale=1, min_width=380):
                similar_table = gr.Markdown(elem_id="embeddings-similar-table")

        # 3. sentences
        gr.Markdown(I18N("embeddings_h_sentences"))
        gr.Markdown(I18N("embeddings_sentences_note"))
        model_state = gr.State(sentence_lesson.MODELS[0])
        with gr.Row():
            model = Radio([(I18N(f"embeddings_sentences_model_{m}"), m) for m in sentence_lesson.MODELS],
                          value=sentence_lesson.MODELS[0], label=I18N("embeddings_sentences_model_label"),
                          elem_id="embeddings-sentences-model")
        with gr.Row():
            sentence_preset = gr.Dropdown([(I18N(f"embeddings_sentences_{k}"), k) for k in presets["sentences"]],
                                          value="spanish", label=I18N("embeddings_sentences_preset"),
                                          scale=1, elem_id="embeddings-sentences-preset")
            text = gr.Textbox(pick_sentences("spanish"), lines=6, max_lines=14, scale=3,
                              label=I18N("embeddings_sentences_label"), elem_id="embeddings-sentences")
            compare = gr.Button(I18N("embeddings_sentences_button"), variant="primary", scale=1,
                                elem_id="embeddings-sentences-button")
        with gr.Row():
            heat_plot = gr.Plot(elem_id="embeddings-heat-plot", show_label=False, scale=3)
            sentence_plot = gr.Plot(elem_id="embeddings-sentence-plot", show_label=False, scale=2)

        quiet = {"show_progress": "hidden", "trigger_mode": "always_last"}
        private = {"api_visibility": "private", **quiet}
        arith_in = [expression, extra, k, dims, space_state, lang]
        arith_out = [arith_plot, arith_table, arith_numbers]
        similar_inputs, similar_out = [word, extra, k, dims, space_state, lang], [similar_plot, similar_table]
        layout = [space, preset, preset_es, expression, similar_preset, similar_preset_es, word]

        gr.on([expression.submit, extra.submit, k.change, dims.change],
              arithmetic, arith_in, arith_out, api_name="embeddings_arithmetic", **quiet, **LIGHT)
        gr.on([word.submit, extra.submit, k.change, dims.change],
              similar, similar_inputs, similar_out, api_name="embeddings_similar", **quiet, **LIGHT)
        # on load and language change: the space first (a Spanish page starts multilingual), then both
        gr.on([tab.select, lang.change], settle, [space_state, space, lang], layout, queue=False,
              api_visibility="private").then(
            arithmetic, arith_in, arith_out, **private, **LIGHT).then(
            similar, similar_inputs, similar_out, **private, **LIGHT)
        space.input(pick_space, [space, lang], [space_state, *layout], queue=False, api_visibility="private").then(
            arithmetic, arith_in, arith_out, **private, **LIGHT).then(
            similar, similar_inputs, similar_out, **private, **LIGHT)
        for menu in (preset, preset_es):
            menu.input(pick_expression, menu, expression, queue=False, api_visibility="private").then(
                arithmetic, arith_in, arith_out, **private, **LIGHT)
        for menu in (similar_preset, similar_preset_es):
            menu.input(lambda w: w, menu, word, queue=False, api_visibility="private").then(
                similar, similar_inputs, similar_out, **private, **LIGHT)

        sentences_in = [text, model_state, lang]
        gr.on([tab.select, compare.click, lang.change], sentences, sentences_in,
              [heat_plot, sentence_plot], api_name="embeddings_sentences", **quiet, **MODEL)
        model.input(lambda m: m, model, model_state, queue=False, api_visibility="private").then(
            sentences, sentences_in, [heat_plot, sentence_plot], **private, **MODEL)
        sentence_preset.input(pick_sentences, sentence_preset, text, queue=False, api_visibility="private").then(
            sentences, sentences_in, [heat_plot, sentence_plot], **private, **MODEL)

        gr.api(arithmetic_in, api_name="embeddings_arithmetic_in", **LIGHT)
        gr.api(similar_in, api_name="embeddings_similar_in", **LIGHT)
        gr.api(sentences_with, api_name="embeddings_sentences_with", **MODEL)
    return tab
