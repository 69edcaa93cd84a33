"""Only the tab in view works at load and at a language switch (pages/tab_in_view.py).

Before: every page drew its first figures on the page's load and redrew on the ES / EN
switch, tabs not in view included: fifteen requests to the server at each page load, and
the page's cost of each grew with the whole page (Gradio updates every component's loading
status on every status message). The checks: no event that draws in one tab listens to the
load or the switch any more (structural); a page load asks the server for almost nothing
(counted in Chromium); and a tab opened after a switch is drawn in the new language.
"""
import json

from playground.core.i18n import t
from tests.conftest import screenshot


def test_no_event_drawing_in_one_tab_listens_to_the_load_or_the_switch():
    import app
    from pages.lazy_tabs import contents, touched
    from pages.tab_in_view import owner
    demo = app.build_app()
    (lang,) = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "lang-switch"]
    tabs = {str(b.id): b for b in demo.blocks.values() if b.__class__.__name__ == "Tab"}
    assert len(tabs) == len(app.TAB_IDS)
    listening = [fn for fn in demo.fns.values() if owner(fn, tabs) and fn.fn is not None
                 and ((lang._id, "change") in fn.targets or any(e == "load" for _, e in fn.targets))]
    assert listening == []
    # they moved, with their inputs, outputs and api_names: onto each tab's own boxes (a tab
    # built on demand also has `ready`, its first showing once its part has arrived, and
    # `opened`, each time it is selected: pages/lazy_tabs.py)
    prefixes = ("shown-", "lang-of-", "ready-", "opened-")
    boxes = {b._id: next(b.elem_id[len(p):] for p in prefixes if b.elem_id.startswith(p))
             for b in demo.blocks.values() if (getattr(b, "elem_id", None) or "").startswith(prefixes)}
    moved = [fn for fn in demo.fns.values() if fn.renderable is None   # (not a tab's arrival)
             and any(target in boxes for target, _ in fn.targets)]
    assert len(moved) > 40
    for fn in moved:
        tab_id = owner(fn, tabs) or next(tab_id for tab_id, tab in tabs.items()
                                         if touched(fn) & contents(tab))
        assert {boxes[target] for target, _ in fn.targets if target in boxes} == {tab_id}
    assert any(fn.api_name == "diffusion_forward" for fn in moved)


def test_browser_a_page_load_asks_the_server_for_almost_nothing(browser, app_url):
    """Fifteen requests before (every tab's first figures and the Training tab's network),
    one now: the app's own `start`. The neuron tab, in view, is drawn from its values."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="es-ES")
    asked = []
    page.on("request", lambda r: asked.append(json.loads(r.post_data or "{}").get("fn_index"))
            if "/gradio_api/" in r.url and r.method == "POST" else None)
    try:
        page.goto(f"{app_url}/?lang=es")
        page.wait_for_function(
            "() => document.querySelector('#neuron-curve')?.textContent.includes('suma ponderada')",
            timeout=60_000)
        page.wait_for_timeout(3000)
        assert 1 <= len(asked) <= 2, asked
    finally:
        page.close()


def test_browser_a_tab_opened_after_a_switch_is_drawn_in_the_new_language(page_in):
    page = page_in("es")
    probs = "#nt-probs .gtitle"
    page.get_by_role("tab", name=t("tab_network_types", "es")).click()
    page.wait_for_function(f"() => document.querySelector({probs!r})?.textContent.includes("
                           f"{t('nt_probs_title', 'es')!r})", timeout=60_000)
    page.get_by_role("tab", name=t("tab_neuron", "es")).click()
    page.locator("#lang-switch").get_by_text("EN", exact=True).click()
    page.wait_for_function(                    # the tab in view follows the switch at once
        "() => document.querySelector('#neuron-curve')?.textContent.includes('weighted sum')",
        timeout=30_000)
    page.get_by_role("tab", name=t("tab_network_types", "en")).click()
    page.wait_for_function(f"() => document.querySelector({probs!r})?.textContent.includes("
                           f"{t('nt_probs_title', 'en')!r})", timeout=60_000)
    screenshot(page, "tab-in-view-switched-en")
