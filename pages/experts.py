"""The Mixture-of-experts tab: a GPT whose MLPs are experts, trained live beside a dense GPT
with the same active parameters; the router made visible; the load-balancing loss switched
on and off."""
from __future__ import annotations

import threading

import gradio as gr

from playground.core import validate
from playground.lifecycle import corpus, moe, moe_figures as figures
from pages.common import I18N, LIGHT, TRAINING, Radio, Slider, guard

TAB_ID = "experts"
MAX_EXPERTS = 8
CSS = """
.moe-sentence { font-family: ui-monospace, monospace; font-size: 1.35rem; line-height: 2.2rem; }
.moe-char { display: inline-block; min-width: 0.7em; text-align: center; padding: 0 1px; margin: 1px; border-radius: 3px; }
.moe-sentence-head { font-size: 1rem; margin: 0.4rem 0; }
"""


def _stop(event):
    """Stop: the visitor's run ends after its current step."""
    if event is not None:
        event.set()


@guard
def train(lang_text, n_experts, top_k, balance, steps, lang):
    """Handler of `experts_train`: both models trained on the same batches, streamed; the
    run's stop event first goes to the visitor's state, for Stop."""
    lang_text = validate.choice(lang_text, ["es", "en"], "text")
    n_experts = validate.integer(n_experts, "experts", 2, MAX_EXPERTS)
    top_k = validate.integer(top_k, "top_k", 1, 2)
    steps = validate.integer(steps, "steps", 10, moe.MAX_STEPS)
    balance = validate.choice(balance, [True, False], "balance")     # None is not "off"
    tok = corpus.builtin(lang_text, "char").tokenizer
    pieces = None
    stop = threading.Event()
    yield (gr.skip(),) * 5 + (stop,)
    for snap in moe.train(lang_text, n_experts, top_k, balance, steps, every=20, stop_event=stop):
        pieces = pieces or [tok.decode([i]) for i in tok.encode(snap.sentence)][:64]
        yield (figures.loss_figure(snap, lang), figures.load_figure(snap, lang), figures.routing_figure(snap, lang),
               figures.sentence_html(snap, pieces, lang), figures.status_text(snap, lang), gr.skip())


@guard
def empty(running, lang):
    """The figures before any run: titled and labelled in the visitor's language (once a run
    has started, its figures stay)."""
    if running is not None:
        return gr.skip(), gr.skip(), gr.skip()
    return figures.loss_figure(None, lang), figures.load_figure(None, lang), figures.routing_figure(None, lang)


def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_experts"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("moe_lesson"))
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                text = Radio([(I18N("moe_lang_es"), "es"), (I18N("moe_lang_en"), "en")], value="es",
                             label=I18N("moe_lang"), elem_id="moe-text")
                n_experts = Slider(2, MAX_EXPERTS, value=4, step=1, label=I18N("moe_experts"), elem_id="moe-experts")
                top_k = Radio([("1", 1), ("2", 2)], value=1, label=I18N("moe_top_k"), elem_id="moe-topk")
                balance = gr.Checkbox(True, label=I18N("moe_balance"), elem_id="moe-balance")
                steps = Slider(50, 1000, value=300, step=50, label=I18N("moe_steps"), elem_id="moe-steps")
                with gr.Row():
                    go = gr.Button(I18N("moe_train"), variant="primary", elem_id="moe-train")
                    stop = gr.Button(I18N("moe_stop"), variant="stop", elem_id="moe-stop")
                status = gr.Markdown(elem_id="moe-status")
            with gr.Column(scale=2):
                with gr.Row():
                    loss = gr.Plot(show_label=False, elem_id="moe-loss")
                    load = gr.Plot(show_label=False, elem_id="moe-load")
                routing = gr.Plot(show_label=False, elem_id="moe-routing")
                sentence = gr.HTML(elem_id="moe-sentence", css_template=CSS)
        running = gr.State(None)           # the visitor's run: its stop event
        go.click(train, [text, n_experts, top_k, balance, steps, lang],
                 [loss, load, routing, sentence, status, running], api_name="experts_train",
                 show_progress="minimal", **TRAINING)
        stop.click(_stop, running, None, queue=False, api_visibility="private")
        gr.on([tab.select, lang.change], empty, [running, lang], [loss, load, routing], api_visibility="private",
              show_progress="hidden", **LIGHT)
    return tab
