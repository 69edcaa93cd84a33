"""What every page shares: the translations, the error guard, the queue settings."""
from __future__ import annotations

import functools
import inspect
import logging

import gradio as gr

from playground.core.errors import UserError
from playground.core.i18n import by_language, normalize, t

log = logging.getLogger("genai_playground")

# Static strings: the browser shows them in its language (see app.HEAD_SCRIPT for ?lang=).
I18N = gr.I18n(**by_language())

# Queue settings for a classroom on 2 CPU cores. Light events (numpy, milliseconds) run
# many at once; model events share one slot per model, because a forward pass already
# uses both cores and running two at once only makes both slower.
LIGHT = {"concurrency_limit": 8, "concurrency_id": "light"}
MODEL = {"concurrency_limit": 1, "concurrency_id": "model"}
TRAINING = {"concurrency_limit": 2, "concurrency_id": "training"}


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


# Opened from a link (?tab=vae): Tab.select only fires on a click, so the page's load event
# draws a tab's first pictures, and only for visitors whose link names that tab. The language is
# chosen as app.LOAD_JS chooses it (?lang=, else the browser's), since `lang` is not set yet.
URL_TAB_JS = """(tab, ...rest) => {
  const params = new URLSearchParams(window.location.search);
  let lang = (params.get("lang") || navigator.language || "es").slice(0, 2).toLowerCase();
  if (lang !== "es" && lang !== "en") lang = "en";
  return [params.get("tab") || "", ...rest.slice(0, -1), lang];
}"""


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
