"""What every page shares: the translations, the error guard, the queue settings."""
from __future__ import annotations

import functools
import inspect
import logging

import gradio as gr

from playground.core.errors import UserError
from playground.core.i18n import by_language, normalize, t

log = logging.getLogger("genai_playground")

# Static strings: Gradio's i18n library shows them in the browser's language; app.LOCALE_JS
# switches it to the one the page settles on (?lang=, the ES / EN switch).
I18N = gr.I18n(**by_language())

# Queue settings for a classroom on 2 CPU cores. Light events (numpy, milliseconds) run
# many at once; model events share one slot per model, because a forward pass already
# uses both cores and running two at once only makes both slower.
LIGHT = {"concurrency_limit": 8, "concurrency_id": "light"}
MODEL = {"concurrency_limit": 1, "concurrency_id": "model"}
TRAINING = {"concurrency_limit": 2, "concurrency_id": "training"}
# Long token streams (generation, the chat) have their own slot: a stream takes the compute
# lock per token (playground/backends/compute.py), so a short forward pass on the MODEL slot
# (a prompt's first view, an attention run) waits for one token, never for a whole stream.
STREAM = {"concurrency_limit": 1, "concurrency_id": "stream"}
# A request to the host's inference server: the network waits, not the cores.
SERVER = {"concurrency_limit": 8, "concurrency_id": "server"}
# Watching a run someone else shares: an async stream that sleeps between looks, holding no
# thread and no core, so a whole class can watch at once.
WATCH = {"concurrency_limit": None, "concurrency_id": "watch"}


def _frame_drawn(state) -> None:
    """The page painted a frame: the stream that owns `state` (a Training session, a GAN
    run: each has a pacing.Pacer) may send the next one."""
    pacer = getattr(state, "pacer", None)
    if pacer is not None:
        pacer.ack()


def acknowledge_frames(plot: gr.Plot, state: gr.State) -> None:
    """A live stream's frames are acknowledged once the page has painted them: after two
    animation frames following each change of `plot` (playground/core/pacing.py)."""
    plot.change(_frame_drawn, state, None, queue=False, api_visibility="private",
                show_progress="hidden",
                js="(s) => new Promise(r => requestAnimationFrame(() => "
                   "requestAnimationFrame(() => setTimeout(() => r(s), 0))))")


def app_of(block) -> gr.Blocks:
    """The gr.Blocks that holds `block` (a page adds a load event to the whole app)."""
    while block.parent is not None:
        block = block.parent
    return block


# --- the page's language, and the tab its link asks for ----------------------------------
# The one copy of what the browser detects, as JavaScript functions every piece of the app's
# JS includes. genaiPageLanguage: the language the page shows once set (window.genaiLang:
# app.LOCALE_JS sets it on load and on every ES / EN switch); before that the link's ?lang=,
# else the browser's language (Spanish if it says Spanish, English otherwise). Used by
# app.LOAD_JS, the radio's settling (app.SETTLE_LANG_JS) and every event's language
# (follow_page_language). genaiAskedTab: the link's ?tab=, for app.LOAD_JS and pages.tab_in_view.
PAGE_JS = """
function genaiPageLanguage() {
  if (window.genaiLang) return window.genaiLang;
  const asked = new URLSearchParams(window.location.search).get("lang") || navigator.language || "es";
  const code = asked.slice(0, 2).toLowerCase();
  return code === "es" || code === "en" ? code : "en";
}
function genaiAskedTab() {
  // The tab the link asked for (?tab=), read once: selecting a tab, the first one included as
  // the page mounts, rewrites ?tab= (app.remember_tab_js calls this first).
  if (window.genaiTabOfLink === undefined)
    window.genaiTabOfLink = new URLSearchParams(window.location.search).get("tab") || "";
  return window.genaiTabOfLink;
}
"""

# PAGE_JS once for the whole page, before any event runs: app.launch_kwargs passes it as `head`.
HEAD = "<script>\n" + PAGE_JS + "</script>"

# The app's load event marks the language radio as settled once it has put the page's
# language in it (app.build_app).
LANGUAGE_SETTLED_JS = "() => { window.genaiLangSettled = true; }"


def page_language_js(js: str | None = None) -> str:
    """An event's `js` that hands the handler the page's language as its last input, then runs
    `js` (the event's own, if any) on the inputs.

    The ES / EN radio starts at "es" and only holds the visitor's language once the load
    event has set it; an event fired before (a page's load event, a tab opened by a link, a
    click on a slow laptop) would read "es" from it and draw Spanish text for an English
    visitor. So until then the language comes from the page itself (genaiPageLanguage); after
    it, the radio is the truth (a click on ES / EN changes it before its change events fire).
    """
    inner = js or "(...inputs) => inputs"
    # PAGE_JS's functions come once, in the page's <head> (HEAD): not repeated in each of the
    # app's two hundred events, which made a tenth of the page's config.
    return ("async (...inputs) => {"
            "  if (!window.genaiLangSettled && window.genaiPageLanguage) "
            "inputs[inputs.length - 1] = genaiPageLanguage();\n"
            f"  return await ({inner})(...inputs);\n}}")


def follow_page_language(demo: gr.Blocks, lang: gr.Component) -> int:
    """Give every event of `demo` that takes `lang` as its last input page_language_js, so its
    text is computed in the language the page settles on, however early the event fires and
    however slow the page. Called once by app.build_app after the pages are built: no page
    has to do anything. Returns how many events it changed."""
    changed = 0
    for fn in demo.fns.values():
        if fn.inputs and fn.inputs[-1] is lang and fn.js is not True:
            fn.js = page_language_js(fn.js)
            changed += 1
    return changed


def _error(exc: Exception, lang) -> gr.Error:
    if isinstance(exc, UserError):
        return gr.Error(t(exc.key, lang, **exc.values), print_exception=False)
    log.exception("unexpected error in a handler")
    return gr.Error(t("error_internal", lang), print_exception=False)


def guard(fn):
    """Turn a handler's errors into a gr.Error in the visitor's language.

    Convention: the handler's last argument is the language ("es" / "en"). A UserError
    becomes its translated message; anything else is logged and answered with a generic
    message, so one visitor's bad input never takes the app down for the others.
    """
    if inspect.isasyncgenfunction(fn):
        @functools.wraps(fn)
        async def stream_async(*args):
            lang = normalize(args[-1] if args else None)
            try:
                async for item in fn(*args[:-1], lang):
                    yield item
            except gr.Error:
                raise
            except Exception as exc:  # noqa: BLE001
                raise _error(exc, lang) from exc
        return stream_async

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def stream(*args):
            lang = normalize(args[-1] if args else None)
            try:
                yield from fn(*args[:-1], lang)
            except gr.Error:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure gets a message
                raise _error(exc, lang) from exc
        return stream

    @functools.wraps(fn)
    def call(*args):
        lang = normalize(args[-1] if args else None)
        try:
            return fn(*args[:-1], lang)
        except gr.Error:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _error(exc, lang) from exc
    return call


# --- components that leave validation to the handler -----------------------------------
# Gradio's own Slider and Radio reject out-of-range values and unknown choices with an
# English-only message before the handler runs. These pass the raw value through, and the
# handler checks it with playground.core.validate, which answers in the visitor's language.
# `is_template` makes the browser draw them with the stock Slider / Radio.

class Slider(gr.Slider):
    is_template = True

    def preprocess(self, payload):
        return payload


class Radio(gr.Radio):
    is_template = True

    def preprocess(self, payload):
        return payload


class Dropdown(gr.Dropdown):
    is_template = True

    def preprocess(self, payload):
        return payload


class Number(gr.Number):
    is_template = True

    def preprocess(self, payload):
        return payload
