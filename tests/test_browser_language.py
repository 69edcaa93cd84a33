"""Browser layer: text computed in Python follows the language the page settles on, however
slow the page and however late the server answers.

The ES / EN radio starts at "es" and holds the visitor's language only once the page's load
event has set it. A tab's first computation (a link's `?tab=`) could run before that and draw
Spanish for an English visitor: seen when the server, busy, answered the load event late.
Here Chromium's CPU is throttled (CDP Emulation.setCPUThrottlingRate) from before the page
loads, the server answers the app's load event (app.start) seconds late, and the link asks
for one language while the browser says the other: the first computed texts must be in the
link's language.
"""
import os
import time

import pytest

from playground.core.i18n import t
from tests.conftest import screenshot

# The page's JavaScript runs this many times slower (GENAI_TEST_CPU_SLOWDOWN: 20 made the old
# race show on this project's 2-core machine, 6 did not).
SLOWDOWN = float(os.environ.get("GENAI_TEST_CPU_SLOWDOWN", 6))
LATE_S = 6            # seconds the busy server takes to answer the app's load event
OTHER = {"es": "en", "en": "es"}
LOCALE = {"es": "en-US", "en": "es-ES"}     # the browser says the other language

# tab -> (selector of a text computed in Python for that tab's first picture, its key and values)
FIRST_TEXT = {
    "generation": ("#generation-bars .gtitle", "generation_bars_title", {"T": "0.8"}),
    "vae": ("#vae-grid .gtitle", "vae_grid_title", {}),
}


@pytest.fixture
def busy_server(app_demo):
    """The app's load event (app.start) answers LATE_S seconds late, as on a busy server."""
    (block_fn,) = [f for f in app_demo.fns.values() if getattr(f.fn, "__name__", "") == "start"]
    start = block_fn.fn

    def late_start(*args):
        time.sleep(LATE_S)
        return start(*args)

    block_fn.fn = late_start
    yield
    block_fn.fn = start


def _text(page, selector: str) -> str:
    return page.evaluate(f"() => document.querySelector({selector!r})?.textContent || ''")


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("tab", list(FIRST_TEXT))
def test_browser_slow_page_computes_text_in_the_links_language(page_in, busy_server, tab, lang):
    selector, key, values = FIRST_TEXT[tab]
    expected, wrong = t(key, lang, **values), t(key, OTHER[lang], **values)
    page = page_in(lang, tab=tab, locale=LOCALE[lang], cpu_slowdown=SLOWDOWN)
    # The model may load first (the generation tab): wait for the text in any language.
    page.wait_for_selector(selector, timeout=180_000)
    try:                      # a redraw in the page's language may follow the first picture
        page.wait_for_function(f"() => document.querySelector({selector!r})?.textContent === "
                               f"{expected!r}", timeout=20_000)
    except Exception:         # noqa: BLE001 - the assertion below says what was drawn instead
        pass
    page.wait_for_timeout(3000)                   # and nothing redraws it in the other language
    shown = _text(page, selector)
    screenshot(page, f"slow-{tab}-{lang}")
    assert shown == expected, f"{tab} drew {shown!r} (the other language: {shown == wrong})"
