"""The Chatbot tab: an instruction-tuned model answering, streamed, with the exact text it
receives. The model choice travels in a gr.State ("" = the default of the visitor's language),
so the `chat` and `chat_context` endpoints keep their parameters; `chat_with_model` names it."""
from __future__ import annotations

import gradio as gr

from playground.text import chat
from playground.core import validate
from playground.core.i18n import DEFAULT_LANG, t
from pages.common import I18N, LIGHT, STREAM, Slider, guard

TAB_ID = "chat"
TEMPERATURE_MAX = 2.0
MIN_REPLY_TOKENS = 16

TEMPLATE_CSS = """
.chat-template-head { font-size: 1rem; margin-bottom: 0.3rem; }
.chat-template { white-space: pre-wrap; word-break: break-word; font-size: 1.05rem; line-height: 1.6rem;
                 background: #f9fafb; border: 1px solid #d1d5db; border-radius: 0.4rem; padding: 0.6rem;
                 max-height: 520px; overflow-y: auto; margin: 0; }
.chat-special { background: #fde68a; color: #7c2d12; font-weight: 700; border-radius: 0.2rem; }
.chat-nl { color: #9ca3af; }
"""


def _inputs(message, history, system, temperature, max_tokens, lang, *, message_required: bool):
    if message_required or message not in (None, ""):
        message = validate.text(message, chat.MAX_MESSAGE_CHARS)
    else:
        message = ""
    system = chat.system_prompt(system)
    n = validate.integer(max_tokens, t("chat_max_tokens", lang), MIN_REPLY_TOKENS, chat.MAX_REPLY_TOKENS)
    temperature = validate.number(temperature, t("chat_temperature", lang), 0.0, TEMPERATURE_MAX)
    return message, chat.history_messages(history), system, temperature, n


def _replies(message, history, system, temperature, max_tokens, model, lang):
    model = chat.model_choice(model, lang)
    message, history, system, temperature, n = _inputs(message, history, system, temperature,
                                                       max_tokens, lang, message_required=True)
    for seconds in chat.loading(model):       # first use of a heavy model: say so, meanwhile
        yield (gr.skip(), gr.skip(), gr.skip(),
               t("chat_loading", lang, model=chat.title(model), seconds=round(seconds)))
    template = notice = context = None
    for messages, context in chat.respond(system, history, message, temperature, n, model=model):
        if template is None:
            template = chat.template_html(context, lang)
            notice = chat.notice(context, temperature, lang, model)
        yield "", messages, template, notice
    if context is not None and context.exchange is not None:    # a server's reply: what came back
        yield "", messages, chat.template_html(context, lang), chat.notice(context, temperature, lang, model)


@guard
def respond(message, history, system, temperature, max_tokens, model, lang):
    """`chat`: the visitor's message and the reply, streamed token by token, from the model
    in their state (none: their language's default)."""
    yield from _replies(message, history, system, temperature, max_tokens, model, lang)


@guard
def _chat_with_model(model, message, history, system, temperature, max_tokens, lang):
    *_, last = _replies(message, history, system, temperature, max_tokens, model, lang)
    return last


def chat_with_model(model: str, message: str, history: list, system: str, temperature: float,
                    max_tokens: int, lang: str) -> tuple[str, list, str, str]:
    """`chat_with_model`: `chat` with the model named ("smollm2", "qwen"); the final reply."""
    return _chat_with_model(model, message, history, system, temperature, max_tokens, lang)


@guard
def context(message, history, system, temperature, max_tokens, model, lang):
    """`chat_context`: what the model would receive now (the draft message included)."""
    model = chat.model_choice(model, lang)
    message, history, system, temperature, n = _inputs(message, history, system, temperature,
                                                       max_tokens, lang, message_required=False)
    if model in chat.OPTIONAL and not chat.loaded(model):   # never load it for a preview
        return gr.skip(), t("chat_notice_first_use", lang, model=chat.title(model))
    conversation = history + ([{"role": "user", "content": message}] if message else [])
    # A draft message: what the model would receive; none: the conversation as it stands.
    ctx = chat.build_context(system, conversation, n, add_generation_prompt=bool(message), model=model)
    return chat.template_html(ctx, lang), chat.notice(ctx, temperature, lang, model)


@guard
def context_if_loaded(message, history, system, temperature, max_tokens, model, lang):
    """On a language switch: only if the model is loaded already (never load it for that)."""
    if not chat.loaded(chat.model_choice(model, lang)):
        return gr.skip(), gr.skip()
    return context(message, history, system, temperature, max_tokens, model, lang)


@guard
def follow_language(chosen, lang):
    """A visitor who has not chosen a model sees their language's default."""
    return gr.skip() if chosen else chat.default_model(lang)


@guard
def unload(model, lang):
    """`chat_unload`: let a heavy model go (every visitor's copy: it is shared)."""
    model = chat.model_choice(model, lang)
    key = "chat_unloaded" if chat.unload(model) else "chat_not_loaded"
    return t(key, lang, model=chat.title(model))


def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_chat"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("chat_lesson"))
        gr.Markdown(I18N("chat_lesson_base"))
        chosen = gr.State("")                 # the visitor's model; "": their language's default
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label=I18N("chat_label"), height=520, elem_id="chat-bot",
                                     placeholder=I18N("chat_placeholder"), feedback_options=None,
                                     layout="bubble")
                with gr.Row():
                    message = gr.Textbox(placeholder=I18N("chat_message_placeholder"), show_label=False,
                                         lines=1, max_lines=5, scale=5, elem_id="chat-message",
                                         submit_btn=False)
                    send = gr.Button(I18N("chat_send"), variant="primary", scale=1, min_width=110,
                                     elem_id="chat-send")
                    stop = gr.Button(I18N("chat_stop"), variant="stop", scale=1, min_width=110,
                                     elem_id="chat-stop")
                new = gr.Button(I18N("chat_new"), size="sm", elem_id="chat-new")
            with gr.Column(scale=2, min_width=340):
                model = gr.Dropdown([(chat.title(m), m) for m in chat.models()],
                                    value=chat.default_model(DEFAULT_LANG), label=I18N("chat_model"),
                                    info=I18N("chat_model_info"), elem_id="chat-model")
                system = gr.Textbox("", label=I18N("chat_system"), placeholder=I18N("chat_system_placeholder"),
                                    lines=3, max_lines=8, elem_id="chat-system")
                temperature = Slider(0, TEMPERATURE_MAX, value=0.3, step=0.05,
                                     label=I18N("chat_temperature"), info=I18N("chat_temperature_info"),
                                     elem_id="chat-temperature")
                max_tokens = Slider(MIN_REPLY_TOKENS, chat.MAX_REPLY_TOKENS, value=150, step=1,
                                    label=I18N("chat_max_tokens"), elem_id="chat-max-tokens")
                notice = gr.Markdown(I18N("chat_waiting"), elem_id="chat-notice")
                show_template = gr.Checkbox(False, label=I18N("chat_show_template"),
                                            elem_id="chat-show-template")
                template = gr.HTML(visible=False, elem_id="chat-template", css_template=TEMPLATE_CSS)
                if any(m in chat.OPTIONAL for m in chat.models()):
                    let_go = gr.Button(I18N("chat_unload"), size="sm", elem_id="chat-unload")
                    let_go.click(unload, [model, lang], notice, api_name="chat_unload", **LIGHT)

        inputs = [message, chatbot, system, temperature, max_tokens, chosen, lang]
        replying = gr.on([message.submit, send.click], respond, inputs,
                         [message, chatbot, template, notice], api_name="chat",
                         show_progress="minimal", **STREAM)
        stop.click(None, cancels=[replying], api_visibility="private")
        show_template.change(lambda on: gr.update(visible=on), show_template, template,
                             queue=False, api_visibility="private")
        new.click(lambda: [], None, chatbot, queue=False, api_visibility="private").then(
            context, inputs, [template, notice], api_visibility="private", **LIGHT)
        gr.on([tab.select, show_template.change, system.change, max_tokens.change,
               temperature.change, chatbot.clear], context, inputs, [template, notice],
              api_name="chat_context", trigger_mode="always_last", show_progress="hidden", **LIGHT)
        lang.change(context_if_loaded, inputs, [template, notice], api_visibility="private",
                    show_progress="hidden", **LIGHT)
        lang.change(follow_language, [chosen, lang], model, api_visibility="private",
                    show_progress="hidden", **LIGHT)
        model.input(lambda m: m, model, chosen, queue=False, api_visibility="private").then(
            context, inputs, [template, notice], api_visibility="private", **LIGHT)
        gr.api(chat_with_model, api_name="chat_with_model", **STREAM)
    return tab
