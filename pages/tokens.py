"""The Tokens tab: one text through seven tokenizers, Spanish against English, BERT's and
SmolLM2's special tokens, and BPE trained from scratch on the visitor's text."""
from __future__ import annotations

import gradio as gr

from playground.text import bpe, tokens, tokens_figures as figures
from playground.core import validate
from pages.common import I18N, LIGHT, MODEL, Slider, guard

TAB_ID = "tokens"
MAX_WORD = 100          # characters of the word to mask


def optional_text(value, limit: int) -> str:
    """'' for an empty box, else validated text (an API client may send None or a number)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    return validate.text(value, limit)


@guard
def compare(text, lang):
    """Handler of `tokens_compare`: token counts (figure), the chips, the numbers."""
    return figures.comparison(validate.text(text), lang)


@guard
def costs(es_text, en_text, lang):
    """Handler of `tokens_languages`: the same sentence in Spanish and English."""
    result = tokens.language_costs(validate.text(es_text), validate.text(en_text))
    return figures.costs_figure(result, lang), figures.costs_summary(result, lang)


@guard
def bert(text, pad_to, mask_word, lang):
    """Handler of `tokens_bert`: [CLS] ... [SEP], [PAD] up to a length, [MASK] on a word."""
    pad = validate.integer(pad_to, "pad", 0, tokens.MAX_PAD)
    view = tokens.bert_view(validate.text(text), pad, optional_text(mask_word, MAX_WORD))
    return figures.bert_html(view, lang)


@guard
def chat(system, user, lang):
    """Handler of `tokens_chat`: the conversation through SmolLM2's chat template."""
    view = tokens.chat_view(validate.text(user, tokens.MAX_CHAT), optional_text(system, tokens.MAX_CHAT))
    return figures.chat_html(view, lang), True


def chat_again(shown, system, user, lang):
    """On a language switch: redraw the chat view only if the visitor asked for it."""
    if not shown:
        return gr.skip(), gr.skip()
    return chat(system, user, lang)


@guard
def bpe_steps(text, step, lang):
    """Handler of `tokens_bpe`: BPE trained on the text (cached), seen after `step` merges."""
    k = validate.integer(step, "merges", 0, bpe.MAX_MERGES)
    return figures.bpe_view(tokens.bpe_state(validate.text(text), k), lang)


def pick_pair(name):
    es, en = tokens.PAIRS.get(name, tokens.PAIRS["course"])
    return es, en


def build(lang: gr.Component) -> gr.Tab:
    chips_css = figures.CSS
    with gr.Tab(I18N("tab_tokens"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("tokens_lesson"))

        # 1. the same text through every tokenizer
        gr.Markdown(I18N("tokens_h_compare"))
        with gr.Row():
            text = gr.Textbox(tokens.EXAMPLES["es"], lines=3, max_lines=12, scale=4,
                              label=I18N("tokens_text_label"), elem_id="tokens-text")
            with gr.Column(scale=1, min_width=200):
                example_es = gr.Button(I18N("tokens_example_es"), size="sm", elem_id="tokens-example-es")
                example_en = gr.Button(I18N("tokens_example_en"), size="sm", elem_id="tokens-example-en")
        compare_plot = gr.Plot(elem_id="tokens-compare-plot", show_label=False)
        chips = gr.HTML(css_template=chips_css, elem_id="tokens-chips")
        with gr.Accordion(I18N("tokens_numbers"), open=False):
            numbers = gr.JSON(show_label=False)

        # 2. Spanish against English
        gr.Markdown(I18N("tokens_h_costs"))
        pair = gr.Dropdown([(I18N(f"tokens_pair_{k}"), k) for k in tokens.PAIRS], value="course",
                           label=I18N("tokens_pair_label"), elem_id="tokens-pair")
        with gr.Row():
            es_text = gr.Textbox(tokens.PAIRS["course"][0], lines=2, label=I18N("tokens_costs_es_label"),
                                 elem_id="tokens-es")
            en_text = gr.Textbox(tokens.PAIRS["course"][1], lines=2, label=I18N("tokens_costs_en_label"),
                                 elem_id="tokens-en")
        with gr.Row():
            costs_plot = gr.Plot(elem_id="tokens-costs-plot", show_label=False, scale=3)
            costs_text = gr.Markdown(elem_id="tokens-costs-summary")

        # 3. special tokens: BERT, then SmolLM2's chat template
        gr.Markdown(I18N("tokens_h_bert"))
        with gr.Row():
            bert_text = gr.Textbox("El gato duerme en el sofá.", label=I18N("tokens_bert_text"),
                                   scale=3, elem_id="tokens-bert-text")
            mask_word = gr.Textbox("gato", label=I18N("tokens_bert_mask"), scale=1,
                                   elem_id="tokens-bert-mask")
            pad_to = Slider(0, tokens.MAX_PAD, value=16, step=1, label=I18N("tokens_bert_pad"),
                            scale=2, elem_id="tokens-bert-pad")
        bert_out = gr.HTML(css_template=chips_css, elem_id="tokens-bert")

        gr.Markdown(I18N("tokens_h_chat"))
        with gr.Row():
            system = gr.Textbox("", label=I18N("tokens_chat_system"), scale=2, elem_id="tokens-chat-system")
            user = gr.Textbox("¿Qué es un token?", label=I18N("tokens_chat_user"), scale=2,
                              elem_id="tokens-chat-user")
            chat_button = gr.Button(I18N("tokens_chat_button"), variant="primary", scale=1,
                                    elem_id="tokens-chat-button")
        chat_out = gr.HTML(css_template=chips_css, elem_id="tokens-chat")
        chat_shown = gr.State(False)

        # 4. BPE from scratch
        gr.Markdown(I18N("tokens_h_bpe"))
        with gr.Row():
            bpe_text = gr.Textbox(tokens.BPE_EXAMPLE, lines=4, max_lines=12, scale=4,
                                  label=I18N("tokens_bpe_text"), elem_id="tokens-bpe-text")
            with gr.Column(scale=1, min_width=200):
                bpe_example = gr.Button(I18N("tokens_bpe_example"), size="sm", elem_id="tokens-bpe-example")
                bpe_classic = gr.Button(I18N("tokens_bpe_classic"), size="sm", elem_id="tokens-bpe-classic")
        step = Slider(0, bpe.MAX_MERGES, value=10, step=1, label=I18N("tokens_bpe_slider"),
                      elem_id="tokens-bpe-step")
        bpe_plot = gr.Plot(elem_id="tokens-bpe-plot", show_label=False)
        bpe_out = gr.HTML(css_template=chips_css, elem_id="tokens-bpe")
        with gr.Accordion(I18N("tokens_numbers"), open=False):
            bpe_numbers = gr.JSON(show_label=False)

        # events: each section computes when the tab opens, on its inputs, on a language switch
        quiet = {"show_progress": "hidden", "trigger_mode": "always_last"}
        example_es.click(lambda: tokens.EXAMPLES["es"], None, text, queue=False, api_visibility="private")
        example_en.click(lambda: tokens.EXAMPLES["en"], None, text, queue=False, api_visibility="private")
        gr.on([tab.select, text.change, lang.change], compare, [text, lang],
              [compare_plot, chips, numbers], api_name="tokens_compare", **quiet, **LIGHT)

        pair.input(pick_pair, pair, [es_text, en_text], queue=False, api_visibility="private")
        gr.on([tab.select, es_text.change, en_text.change, lang.change], costs, [es_text, en_text, lang],
              [costs_plot, costs_text], api_name="tokens_languages", **quiet, **LIGHT)

        gr.on([tab.select, bert_text.change, mask_word.change, pad_to.change, lang.change], bert,
              [bert_text, pad_to, mask_word, lang], bert_out, api_name="tokens_bert", **quiet, **LIGHT)

        gr.on([chat_button.click, user.submit, system.submit], chat, [system, user, lang],
              [chat_out, chat_shown], api_name="tokens_chat", **MODEL)
        lang.change(chat_again, [chat_shown, system, user, lang], [chat_out, chat_shown],
                    api_visibility="private", show_progress="hidden", **MODEL)

        bpe_example.click(lambda: tokens.BPE_EXAMPLE, None, bpe_text, queue=False, api_visibility="private")
        bpe_classic.click(lambda: tokens.BPE_CLASSIC, None, bpe_text, queue=False, api_visibility="private")
        gr.on([tab.select, bpe_text.change, step.change, lang.change], bpe_steps, [bpe_text, step, lang],
              [bpe_plot, bpe_out, bpe_numbers], api_name="tokens_bpe", **quiet, **LIGHT)
    return tab
