"""Work for the tab in view only: a tab is drawn when first shown, and redrawn in a new
language while in view (or when next opened), not the eighteen tabs at once.

As the pages build, each draws on the page's load (its first figures, a link's ?tab=) and
redraws on the ES / EN switch's change. Fired all at once, that is a dozen requests to the
server at every page load and some fifty at a language change, most for tabs not in view;
and the page's own cost of each request grows with the whole page's size (Gradio updates
every component's loading status on every status message of every event), so the first
tab took seconds to become usable (bench/bench_cold_start.py), and a class of thirty opening
the app sent hundreds of requests at once.

So, once every page is built (app.build_app calls `follow_tab_in_view`), each tab gets
hidden textboxes, and the events that draw in that tab alone move onto them:
- `shown`: empty until the tab is first in view (at load, the tab the link asks for, else
  the first; later, a click on the tab); the tab's load events fire on its change instead.
- `opened`: a new value each time the tab is selected, and at load for the tab in view; the
  tab's events that listened to its selection listen to it instead. A tab a link opens is
  selected by the server, which fires no select event: through `opened`, it draws as a
  clicked tab does (the pages need no handler of their own for links).
- `lang`: the tab's copy of the language: it takes the switch's value when the switch
  changes while the tab is in view, and when the tab is opened; the tab's events that
  listened to the switch's change listen to it instead.
- a tab built on demand (pages.lazy_tabs) also has `ready`: its load events fire on it once
  the tab's part of the page has arrived, and `opened` changes then too.
All are set by the browser alone (no request). The events keep their inputs (the switch
stays their last input: pages.common.follow_page_language), their outputs and api_names;
only what triggers them moves.
"""
from __future__ import annotations

import json

import gradio as gr

from pages import lazy_tabs
from pages.common import page_language_js

# The tab in view, in the browser: the one the tab bar marks selected; before the bar
# exists (the first load), the link's ?tab= if it names a tab, else the first tab.
IN_VIEW_JS = """
function genaiTabInView(ids) {
  const shown = document.querySelector('#tabs [role=tab][aria-selected=true]');
  const asked = window.genaiAskedTab ? genaiAskedTab() : '';
  return shown?.dataset.tabId || (ids.includes(asked) ? asked : ids[0]);
}"""


def tab_of(block) -> str | None:
    """The id of the tab that holds `block`, or None (outside every tab)."""
    while block is not None:
        if isinstance(block, gr.Tab) and block.id is not None:
            return str(block.id)
        block = block.parent
    return None


def owner(fn, tabs) -> str | None:
    """The tab every output of the event `fn` is in, or None (no outputs, several tabs, none)."""
    owners = {tab_of(block) for block in fn.outputs}
    if len(owners) != 1:
        return None
    tab_id = owners.pop()
    return tab_id if tab_id in tabs else None


def follow_tab_in_view(demo: gr.Blocks, lang: gr.Component, tabs: dict[str, gr.Tab],
                       lazy: tuple[str, ...] = ()) -> dict[str, int]:
    """Move the events of `demo` that draw in one tab from the page's load to the tab's first
    showing, from the tab's selection to its `opened` box (also set when the tab is in view at
    load: a tab a link opens is drawn as a clicked one is), and from the switch's change to the
    tab's copy of the language. Call inside `demo`'s context, after every page is built. The
    tabs in `lazy` reach the page when first opened (pages.lazy_tabs). Returns how many events
    moved, per kind."""
    ids = list(tabs)
    shown: dict[str, gr.Textbox] = {}
    copies: dict[str, gr.Textbox] = {}
    ready: dict[str, gr.Textbox] = {}
    opened: dict[str, gr.Textbox] = {}

    def box_of(boxes, kind, tab_id, value=""):
        if tab_id not in boxes:
            boxes[tab_id] = gr.Textbox(value, visible=False, elem_id=f"{kind}-{tab_id}")
        return boxes[tab_id]

    for tab_id in lazy:
        for boxes, kind in ((shown, "shown"), (ready, "ready"), (opened, "opened")):
            box_of(boxes, kind, tab_id)
        box_of(copies, "lang-of", tab_id, lang.value)
    inside = {tab_id: lazy_tabs.contents(tab) for tab_id, tab in tabs.items()}
    change = (lang._id, "change")
    moved = {"load": 0, "language": 0, "select": 0}
    for fn in list(demo.fns.values()):
        for tab_id, tab in tabs.items():      # what a tab draws when selected
            select = (tab._id, "select")
            if select in fn.targets and lazy_tabs.touched(fn) & inside[tab_id]:
                on = (box_of(opened, "opened", tab_id)._id, "change")
                fn.targets = [on if target == select else target for target in fn.targets]
                moved["select"] += 1
        load = [target for target in fn.targets if target[1] == "load"]
        tab_id = owner(fn, tabs) if (load or change in fn.targets) else None
        if tab_id is None:
            continue
        swaps = {}
        if load:
            # a lazy tab: once its part has arrived
            first = ready[tab_id] if tab_id in ready else box_of(shown, "shown", tab_id)
            swaps.update({target: (first._id, "change") for target in load})
            moved["load"] += 1
        if change in fn.targets:
            swaps[change] = (box_of(copies, "lang-of", tab_id, lang.value)._id, "change")
            moved["language"] += 1
        fn.targets = [swaps.get(target, target) for target in fn.targets]
    # At load, the tab in view is shown and opened; the others when clicked (a select fires
    # on a click). A lazy tab is opened again once its part has arrived (render_on below).
    at_load = list(shown.values()) + list(opened.values())
    demo.load(None, None, at_load, api_visibility="private", queue=False,
              js="() => {" + IN_VIEW_JS + f"\n  const ids = {json.dumps(ids)};\n"
                 f"  const first = genaiTabInView(ids);\n"
                 f"  return [...{json.dumps(list(shown))}.map((id) => (id === first ? id : '')),\n"
                 f"          ...{json.dumps(list(opened))}.map((id) => (id === first ? String(Math.random()) : ''))];\n}}")
    for tab_id in ids:
        boxes = [box for box in (shown.get(tab_id), copies.get(tab_id), opened.get(tab_id)) if box is not None]
        if not boxes:
            continue
        # a lazy tab's copy of the language waits for the tab's part to arrive (its events
        # are not on the page before): it keeps the language it was built in until then
        copy_value = (f"(window.genaiArrived?.[{json.dumps(tab_id)}] ? lang : {json.dumps(lang.value)})"
                      if tab_id in lazy else "lang")
        values = (([json.dumps(tab_id)] if tab_id in shown else []) + ([copy_value] if tab_id in copies else [])
                  + (["String(Math.random())"] if tab_id in opened else []))
        tabs[tab_id].select(None, lang, boxes, api_visibility="private", queue=False,
                            show_progress="hidden",
                            js=page_language_js(f"(lang) => [{', '.join(values)}]"))
    for tab_id, copy in copies.items():
        arrived = f" && window.genaiArrived?.[{json.dumps(tab_id)}]" if tab_id in lazy else ""
        lang.change(None, [lang, copy], copy, api_visibility="private", queue=False,
                    show_progress="hidden",
                    js="(lang, copy) => {" + IN_VIEW_JS + f"\n  return genaiTabInView({json.dumps(ids)}) === "
                       f"{json.dumps(tab_id)}{arrived} ? lang : copy;\n}}")
    if lazy:
        allowed = {tab_id: {box._id for box in (shown[tab_id], ready[tab_id], opened[tab_id], copies[tab_id])}
                   for tab_id in lazy}
        events = lazy_tabs.lazy_events(demo, {tab_id: inside[tab_id] for tab_id in lazy}, allowed)
        for tab_id in lazy:
            # arrived: its first showing, its selection, and its copy of the language takes
            # the page's (its language events run if the visitor's is not the one it was built in)
            arrival = (f"(lang) => {{ (window.genaiArrived ||= {{}})[{json.dumps(tab_id)}] = true;\n"
                       f"  return [{json.dumps(tab_id)}, String(Math.random()), lang]; }}")
            lazy_tabs.render_on(demo, shown[tab_id], tabs[tab_id], events[tab_id],
                                page_language_js(arrival), [lang],
                                [ready[tab_id], opened[tab_id], copies[tab_id]])
        lazy_tabs.serve_lazily(demo, {tab_id: tabs[tab_id] for tab_id in lazy}, events)
    return moved
