"""GenAI Playground / Laboratorio de IA generativa: builds the tabs and launches.

    python app.py [--host 127.0.0.1] [--port 7860]

Host and port also come from GRADIO_SERVER_NAME / GRADIO_SERVER_PORT.
"""
from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector paused for the block, then what the block made frozen
    (gc.freeze: later collections skip it) and the collector as it was. For what lives as long
    as the process: the app's modules (importing gradio alone runs eight full collections,
    0.43 s of its 1.9 s here), then the app built and launched (main). Building the pages'
    959 components with the imports frozen costs a third less.
    bench/bench_cold_start.py: process start -> HTTP 200 3.2 s -> 2.3 s."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


with collector_paused():
    import argparse
    import json
    import os

    import gradio as gr

    from playground.core import deferred

    # The lessons that pull torch in at import (their networks are defined at module level) are
    # imported deferred: the page build needs their names, not their bodies, which run on first
    # use or in the warm-up after launch (main). tests/test_cold_start.py checks that building the
    # app imports neither torch nor transformers.
    DEFERRED = ("playground.images.gan2d", "playground.images.gan_images", "playground.images.diffusion",
                "playground.images.diffusion2d", "playground.images.vae",
                "playground.images.generative_models", "playground.lifecycle.moe",
                "playground.lifecycle.moe_figures", "playground.lifecycle.gpt",
                "playground.lifecycle.pretraining", "playground.lifecycle.pretrained",
                "playground.networks.convolution", "playground.networks.convolution_figures",
                "playground.networks.recurrence", "playground.networks.recurrence_figures",
                "playground.networks.family")
    deferred.defer(DEFERRED)

    from pages import (attention, chat, diffusion, embeddings, experts, gan, generation, hardware,
                       models, network_types, neuron, posttraining, pretraining, rag, tokens, training,
                       transformer, vae)
    from pages import instant_plot, tab_in_view
    from pages.common import HEAD, I18N, LANGUAGE_SETTLED_JS, PAGE_JS, follow_page_language
    from playground.core.i18n import LANGS, t


# In the course's order; the Models panel last.
PAGES = [neuron, training, network_types, tokens, embeddings, attention, transformer, generation, chat,
         gan, vae, diffusion, pretraining, posttraining, rag, experts, hardware, models]
TAB_IDS = [page.TAB_ID for page in PAGES]
# The tabs whose contents reach the page when first opened (pages.lazy_tabs): all but the first.
# GENAI_LAZY_TABS=0 sends every tab with the page's first load, as before.
LAZY_TABS = tuple(TAB_IDS[1:]) if os.environ.get("GENAI_LAZY_TABS", "1") != "0" else ()

# The static strings are translated in the browser by Gradio's i18n library, which picks the
# browser's language. LOCALE_JS switches it to the visitor's choice through the library's own
# `changeLocale` (exported by Gradio's core module, already loaded by the page); if that is
# ever missing, it falls back to reloading the page with ?lang=..., which the load event reads.
#
# Gradio translates a tab's name only while that tab is mounted: after a switch, the names
# of tabs not yet opened stay in the language the page started in. So the tab bar (and its
# hidden copy and its overflow menu) is watched, and every tab name put in the chosen language.
TAB_LABELS = {lang: {page_id: t(f"tab_{page_id}", lang) for page_id in TAB_IDS} for lang in LANGS}
LOCALE_JS = """
function nameTabs() {
  const labels = """ + json.dumps(TAB_LABELS, ensure_ascii=False) + """;
  const names = {};                     // a tab's name in any language -> in the chosen one
  for (const other of Object.values(labels))
    for (const [id, name] of Object.entries(other)) names[name] = (labels[window.genaiLang] || other)[id];
  for (const button of document.querySelectorAll("#tabs .tab-wrapper button")) {
    for (const node of button.childNodes) {
      const name = node.nodeType === Node.TEXT_NODE ? names[node.data.trim()] : undefined;
      if (name !== undefined && node.data.trim() !== name) node.data = node.data.replace(node.data.trim(), name);
    }
  }
}
// Gradio writes a waiting event's place as "queue: 2/5 |", in English only: put it in the
// visitor's language, wherever it appears (a run waiting for a training slot, say).
function nameQueue(node) {
  const match = /^queue: (\d+)\/(\d*) \|/.exec(node.data || "");
  if (!match) return;
  const words = (""" + json.dumps({lang: t("queue_place", lang, place="{place}", size="{size}")
                                   for lang in LANGS}, ensure_ascii=False) + """)[window.genaiLang || "es"];
  if (words) node.data = node.data.replace(match[0], words.replace("{place}", match[1]).replace("{size}", match[2] || "?"));
}
function watchQueue() {
  if (window.genaiQueueWatcher) return;
  window.genaiQueueWatcher = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "characterData") { nameQueue(record.target); continue; }
      for (const added of record.addedNodes) {
        if (added.nodeType === Node.TEXT_NODE) { nameQueue(added); continue; }
        if (!added.textContent || !added.textContent.includes("queue: ")) continue;
        const walker = document.createTreeWalker(added, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) nameQueue(node);
      }
    }
  });
  window.genaiQueueWatcher.observe(document.body, {childList: true, subtree: true, characterData: true});
}
function watchTabNames() {
  const bar = document.querySelector("#tabs .tab-wrapper");
  if (!bar || window.genaiTabWatcher) return;
  window.genaiTabWatcher = new MutationObserver(nameTabs);
  window.genaiTabWatcher.observe(bar, {childList: true, subtree: true, characterData: true});
}
async function setLocale(lang, reloadIfMissing) {
  const url = new URL(window.location.href);
  url.searchParams.set("lang", lang);
  window.history.replaceState(null, "", url.toString());
  window.genaiLang = lang;
  if (window.genaiInstant) window.genaiInstant.relanguage();   // pages/instant_plot.js
  watchTabNames();
  watchQueue();
  nameTabs();
  const core = performance.getEntriesByType("resource").map((e) => e.name)
    .find((name) => /\\/assets\\/core-[\\w-]+\\.js$/.test(name));
  try {
    const module = core && (await import(core));
    if (module && module.changeLocale) { module.changeLocale(lang); return true; }
  } catch (e) { console.warn("changeLocale failed", e); }
  if (reloadIfMissing) window.location.reload();
  return false;
}
"""

# On load: the static strings in the page's language (pages.common.genaiPageLanguage: ?lang=,
# else the browser's); the tab from ?tab=, for the server's `start` to select.
LOAD_JS = "async (tab) => {" + PAGE_JS + LOCALE_JS + """
  const asked = genaiAskedTab();
  const chosen = genaiPageLanguage();
  await setLocale(chosen, false);
  // The server selects the tab (start); should that answer be lost in a slow first load,
  // click the tab's own button (in the bar, or in its overflow menu) for a few seconds.
  const name = ((""" + json.dumps(TAB_LABELS, ensure_ascii=False) + """)[chosen] || {})[asked];
  const deadline = Date.now() + 8000;
  const ensureTab = () => {
    const selected = document.querySelector("#tabs [role=tab][aria-selected=true]");
    if (!asked || Date.now() > deadline) return;
    if (selected?.dataset.tabId === asked) {          // and the address bar says so
      const url = new URL(window.location.href);
      url.searchParams.set("tab", asked);
      window.history.replaceState(null, "", url.toString());
      return;
    }
    const button = document.querySelector(`#tabs [role=tab][data-tab-id="${asked}"]`) ||
      Array.from(document.querySelectorAll("#tabs .overflow-dropdown button"))
        .find((b) => b.textContent.trim() === name);
    if (button) button.click();
    setTimeout(ensureTab, 1000);
  };
  setTimeout(ensureTab, 1500);
  return asked;
}"""

# On load, in the browser alone (no round trip): the ES / EN radio takes the page's language.
# Until it has (LANGUAGE_SETTLED_JS runs after), every event reads the language from the page
# instead of the radio (pages.common.follow_page_language).
SETTLE_LANG_JS = "() => {" + PAGE_JS + "  return genaiPageLanguage();\n}"

# The visible ES / EN switch: switch the static strings now; the events listening to the
# language recompute the text computed in Python.
SWITCH_JS = "async (lang) => {" + LOCALE_JS + """
  await setLocale(lang, true);
  return lang;
}"""


def remember_tab_js(tab_id: str) -> str:
    """Put ?tab=<id> in the address bar, so the link a teacher copies opens this tab."""
    return "() => {" + PAGE_JS + f"""
  genaiAskedTab();                  // the link's tab, read before this select rewrites it
  const url = new URL(window.location.href);
  url.searchParams.set("tab", "{tab_id}");
  window.history.replaceState(null, "", url.toString());
}}"""


def start(tab: str):
    """On page load: select the tab LOAD_JS read from the URL (?tab=), else the first."""
    return gr.Tabs(selected=tab if tab in TAB_IDS else TAB_IDS[0])


CSS = """
#lang-switch { max-width: 220px; margin-left: auto; }
.gradio-container { max-width: 1500px !important; }
"""


def build_app() -> gr.Blocks:
    with contextlib.ExitStack() as stack, \
            gr.Blocks(title="Laboratorio de IA generativa · GenAI Playground") as demo:
        with gr.Row(equal_height=True):
            with gr.Column(scale=5):
                gr.Markdown(I18N("app_title"), elem_id="app-title", elem_classes="app-title")
                gr.Markdown(I18N("app_subtitle"))
            lang = gr.Radio([("ES", "es"), ("EN", "en")], value="es", label=I18N("language_label"),
                            elem_id="lang-switch", scale=1, min_width=160)
        built = {}
        with gr.Tabs(elem_id="tabs") as tabs:
            for page in PAGES:
                built[page.TAB_ID] = tab = page.build(lang)
                tab.select(None, js=remember_tab_js(page.TAB_ID), api_visibility="private")
        # Every page's events now exist: make those that take the language follow the page's
        # (before the app's own language events below, which must not be changed), and
        # leave what each tab draws at load or in a new language to the tab in view.
        follow_page_language(demo, lang)
        tab_in_view.follow_tab_in_view(demo, lang, built, lazy=LAZY_TABS)
        tab_asked = gr.Textbox(visible=False)
        demo.load(start, tab_asked, tabs, js=LOAD_JS, api_visibility="private", queue=False)
        demo.load(None, None, lang, js=SETTLE_LANG_JS, api_visibility="private").then(
            None, js=LANGUAGE_SETTLED_JS, api_visibility="private")
        lang.input(None, lang, lang, js=SWITCH_JS, api_visibility="private")
        stack.enter_context(config_skipped(demo))    # until the Blocks have closed (the with)
    return demo


@contextlib.contextmanager
def config_skipped(demo: gr.Blocks):
    """Gradio computes the whole app's config (every component's: ~50 ms for this app) as the
    Blocks close (twice) and as the queue is set, for servers that launch makes anew; launch
    computes it again, and that one is served. Within this block those are left empty (an empty
    dict, for the servers nobody serves): ~0.15 s of the app's start (bench/bench_cold_start.py).
    tests/test_cold_start.py checks that the launched app's config is whole."""
    compute_config, demo.get_config_file = demo.get_config_file, dict
    try:
        yield
    finally:
        demo.get_config_file = compute_config


def launch_kwargs() -> dict:
    # System fonts only: the app must look right offline, where web fonts cannot load.
    font = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"]
    theme = gr.themes.Soft(text_size="lg", font=font, font_mono=["ui-monospace", "monospace"])
    return {"i18n": I18N, "css": CSS, "theme": theme, "ssr_mode": False,
            "head": HEAD + instant_plot.PRELOAD}


def prepare(demo: gr.Blocks) -> gr.Blocks:
    """The queue, set for a classroom: dozens of visitors at once on 2 CPU cores.

    Each event sets its own concurrency (pages.common: LIGHT, MODEL, TRAINING); the default
    of 2 matches the two cores. max_size=200 lets a class of thirty queue a few clicks each;
    beyond that a visitor is told the queue is full instead of waiting minutes.
    """
    with config_skipped(demo):
        return demo.queue(default_concurrency_limit=2, max_size=200)


def add_openai_routes(demo: gr.Blocks) -> None:
    """After launch: the OpenAI-compatible API (playground/lifecycle/serving.py) on the same
    server, /v1/models, /v1/chat/completions and /v1/completions (streaming as server-sent
    events)."""
    import json

    from fastapi.concurrency import run_in_threadpool
    from fastapi.responses import JSONResponse, StreamingResponse

    from playground.lifecycle import serving

    def events(chunks):
        for chunk in chunks:
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"

    def route(answer):
        async def endpoint(request):
            try:
                body = await request.json()
            except ValueError:
                body = None
            try:
                result = await run_in_threadpool(answer, body)
            except serving.BadRequest as exc:
                return JSONResponse({"error": {"message": str(exc), "type": "invalid_request_error"}}, 400)
            if isinstance(result, dict):
                return JSONResponse(result)
            return StreamingResponse(events(result), media_type="text/event-stream")
        return endpoint

    async def models(request):
        return JSONResponse(serving.models_list())

    demo.app.add_route("/v1/models", models, methods=["GET"])
    demo.app.add_route("/v1/chat/completions", route(serving.chat_completion), methods=["POST"])
    demo.app.add_route("/v1/completions", route(serving.completion), methods=["POST"])


def add_routes(demo: gr.Blocks) -> None:
    """After launch, on the launched server: the OpenAI-compatible API, the page's own
    plotly.js (if the setup installed it), and the page and /config gzip'd."""
    add_openai_routes(demo)
    instant_plot.add_route(demo.app)
    compress_page(demo.app)


def compress_page(app) -> None:
    """Gradio's own compression (its Brotli middleware) takes only paths with a file extension:
    the page (0.84 MB: its HTML and config) and /config went out uncompressed, which a visitor
    on a Space or a school's Wi-Fi pays. Their routes answer through gzip (level 6, ~10 ms
    for the page) to browsers that accept it. After launch, on the launched server's app."""
    from starlette.middleware.gzip import GZipMiddleware

    for route in app.router.routes:
        if getattr(route, "path", None) in ("/", "/config", "/config/"):
            route.app = GZipMiddleware(route.app, minimum_size=1000, compresslevel=6)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    args = parser.parse_args(argv)
    with collector_paused():                # the app lives as long as the process
        demo = prepare(build_app())
        demo.launch(server_name=args.host, server_port=args.port, prevent_thread_lock=True,
                    **launch_kwargs())
        add_routes(demo)
    if os.environ.get("GENAI_PRELOAD", "1") != "0":
        warm_up_in_background()
    demo.block_thread()


def warm_up_in_background(delay: float | None = None) -> "threading.Thread":
    """After launch, in one low-priority thread: the deferred lessons' bodies (torch), then
    the models in backends.PRELOAD_ORDER, while the first visitors read the first tab. The
    server answers at once; nothing waits for this, and a visitor who needs a model sooner
    loads it (the backends' locks make both share one copy).

    It starts `delay` seconds after launch ($GENAI_WARMUP_DELAY, default 10): importing torch
    and loading models hold Python's lock for seconds, and a first page served meanwhile took
    several times longer (bench/bench_cold_start.py). Last, the diffusion tab's denoiser is
    traced for the CPU (playground/images/diffusion.py's warm_up). Returns the thread."""
    import threading
    import time

    if delay is None:
        delay = float(os.environ.get("GENAI_WARMUP_DELAY", 10))

    def run():
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # Linux: this thread
        except (AttributeError, OSError):
            pass
        time.sleep(delay)
        deferred.load_all()
        from playground import backends
        backends.preload_in_background().join()
        from playground.images import diffusion
        try:
            diffusion.warm_up()         # the denoiser's trace: a first Generate finds it made
        except Exception:  # noqa: BLE001 - the tab's first Generate tries again and explains
            pass

    thread = threading.Thread(target=run, name="genai-playground-warm-up", daemon=True)
    thread.start()
    return thread


if __name__ == "__main__":
    main()
