"""The Models tab: the shared backends with their figures, and their loading status."""
from __future__ import annotations

import time

import gradio as gr

from playground import backends
from playground.backends import hub
from playground.lifecycle import models_panel
from playground.core import validate
from playground.core.i18n import t
from pages.common import I18N, LIGHT, Dropdown, guard

TAB_ID = "models"
LOAD_ALL_BUDGET_S = 180   # the "load all" progress stream stops after this, loaded or not


@guard
def show(lang):
    return models_panel.summary(lang), models_panel.table(lang)


@guard
def licences(lang):
    return models_panel.licences(lang)


@guard
def load_all(lang):
    """Start loading every default backend and stream the table until they are loaded."""
    backends.preload_in_background()
    deadline = time.monotonic() + LOAD_ALL_BUDGET_S
    while True:
        infos = backends.describe_all()
        yield models_panel.summary(lang, infos), models_panel.table(lang, infos)
        states = [i["status"]["state"] for i in infos if i["kind"] != "hub"]
        if all(s in (backends.LOADED, backends.FAILED) for s in states) or time.monotonic() > deadline:
            return
        time.sleep(0.5)


@guard
def load_hub(name, lang):
    validate.choice(name, hub.allowed_models(), "model")
    start = time.monotonic()
    backends.get(name)
    message = t("models_hub_loaded", lang, name=name, seconds=f"{time.monotonic() - start:.1f}")
    return message, models_panel.summary(lang), models_panel.table(lang)


def build(lang: gr.Component) -> gr.Tab:
    allowed = list(hub.allowed_models())
    with gr.Tab(I18N("tab_models"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("models_lesson"))
        summary = gr.Markdown(elem_id="models-summary")
        with gr.Row():
            refresh = gr.Button(I18N("models_refresh"), size="lg")
            load = gr.Button(I18N("models_load_all"), variant="primary", size="lg")
        table = gr.Dataframe(elem_id="models-table", wrap=True, interactive=False)
        terms = gr.Markdown(elem_id="models-licences")
        gr.Markdown(I18N("models_hub_title"))
        if allowed:
            with gr.Row():
                choice = Dropdown(allowed, value=allowed[0], label=I18N("models_hub_choice"))
                hub_load = gr.Button(I18N("models_hub_load"))
            hub_message = gr.Markdown()
            hub_load.click(load_hub, [choice, lang], [hub_message, summary, table],
                           api_name="load_hub_model", concurrency_limit=1, concurrency_id="model")
        else:
            gr.Markdown(I18N("models_hub_none"))
        gr.on([tab.select, refresh.click, lang.change], show, lang, [summary, table],
              api_name="models", show_progress="hidden", **LIGHT)
        gr.on([tab.select, lang.change], licences, lang, terms, api_name="models_licences",
              show_progress="hidden", **LIGHT)
        load.click(load_all, lang, [summary, table], api_name="load_models",
                   concurrency_limit=1, concurrency_id="model_loading")
    return tab
