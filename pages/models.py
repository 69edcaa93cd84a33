"""The Models tab: the shared backends with their figures, and their loading status."""
from __future__ import annotations

import time
from collections.abc import Iterator

import gradio as gr

from playground import backends
from playground.backends import hub
from playground.lifecycle import models_panel
from playground.core import validate
from playground.core.i18n import t
from pages.common import I18N, LIGHT, Dropdown, guard

TAB_ID = "models"
LOAD_ALL_BUDGET_S = 180   # "load all" stops showing progress after this, loaded or not
POLL_S = 1.0              # while they load, the page asks for the table this often


@guard
def show(lang):
    return models_panel.summary(lang), models_panel.table(lang)


@guard
def licences(lang):
    return models_panel.licences(lang)


@guard
def load_all(lang: str) -> Iterator[tuple[str, dict]]:
    """API `load_models`: start loading every default backend and stream the table until they
    are loaded (or LOAD_ALL_BUDGET_S). The page does not call it: it polls with a gr.Timer
    (start_loading, poll), so no queue worker sleeps for a visitor."""
    backends.preload_in_background()
    deadline = time.monotonic() + LOAD_ALL_BUDGET_S
    while True:
        infos = backends.describe_all()
        yield models_panel.summary(lang, infos), models_panel.table(lang, infos)
        if models_panel.all_settled(infos) or time.monotonic() > deadline:
            return
        time.sleep(POLL_S)


@guard
def start_loading(lang):
    """"Load all now" on the page: start loading in the background, show the table, and let the
    page's timer ask again every POLL_S seconds until LOAD_ALL_BUDGET_S from now."""
    backends.preload_in_background()
    infos = backends.describe_all()
    done = models_panel.all_settled(infos)
    return (models_panel.summary(lang, infos), models_panel.table(lang, infos),
            time.monotonic() + LOAD_ALL_BUDGET_S, gr.Timer(active=not done))


@guard
def poll(deadline, lang):
    """A tick of the page's timer: the table now; the timer stops once all are loaded, or at the
    deadline start_loading set."""
    infos = backends.describe_all()
    done = (models_panel.all_settled(infos) or not isinstance(deadline, (int, float))
            or time.monotonic() > deadline)
    return models_panel.summary(lang, infos), models_panel.table(lang, infos), gr.Timer(active=not done)


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
            load = gr.Button(I18N("models_load_all"), variant="primary", size="lg",
                             elem_id="models-load-all")
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
        # "Load all now": loading runs in a background thread; the page's timer polls the table.
        timer = gr.Timer(POLL_S, active=False)
        deadline = gr.State(None)
        load.click(start_loading, lang, [summary, table, deadline, timer], api_visibility="private",
                   **LIGHT)
        timer.tick(poll, [deadline, lang], [summary, table, timer], api_visibility="private",
                   show_progress="hidden", **LIGHT)
        gr.api(load_all, api_name="load_models", concurrency_limit=1, concurrency_id="model_loading")
    return tab
