"""Tabs the browser builds when first opened: the page's first load carries the first tab's
components only, and another tab's reach the page when the visitor opens it.

Why: Gradio's page set-up (its tree of components, their events, their loading states)
grows with the whole page, not with the tab in view. With every tab in the first load (925
components) the first tab was usable 3.19 s after navigation on this machine; with the first
tab alone (123), 2.19 s, in the same run (bench/bench_cold_start.py).

Nothing changes on the server: every page is built as before, so every event and api_name
exists from the start (gradio_client reads the whole /config, and calls any api_name). Only
what a browser receives changes:
- the page's config (Gradio's own per-page copy, config["page"][""], which its "/" route
  serves) leaves out the lazy tabs' contents and the events that touch them;
- a tab opened for the first time (pages.tab_in_view's `shown` box changes) sends one event
  whose answer carries the tab's part of the page, through Gradio's render protocol (the one
  gr.render uses: an answer's `render_config` is inserted into the page under the block it
  names, its events registered); here the block is the tab itself, and its part is taken from
  the app as built, not built again (1-6 ms on the server);
- then, in the page, the tab's `ready` box changes once (its first-showing events: what it
  drew at the page's load), its `opened` box (what it draws each time it is selected), and its
  copy of the language takes the page's (pages.tab_in_view).
- Gradio's page decides a component's interactivity from the events it knows; with some of
  them left out it would decide otherwise, so `settle_interactivity` decides it beforehand
  from the whole app's events.

The constraint this puts on pages: an event touching a lazy tab is sent with that tab, so it
may not touch another lazy tab, nor listen to a block outside its tab other than the tab's
boxes (pages.tab_in_view moves the page's load, the tab's selection and the language onto
them). `lazy_events` checks it and names the offending event.

This leans on Gradio's page internals (the render protocol, the per-page config), which the
pinned Gradio (requirements.txt) keeps; tests/test_lazy_tabs.py checks them in Chromium, and
GENAI_LAZY_TABS=0 (app.LAZY_TABS) sends every tab with the first load as before.
"""
from __future__ import annotations

import copy

import gradio as gr

# Far above gr.render's own render ids (0, 1, ...), and distinct per tab.
RENDER_ID_BASE = 1_000_000


class TabRendering:
    """A tab, as Gradio's render protocol sees a gr.render: an id for its part of the page
    (`_id`), the block the part goes in (`container_id`), and the function the event runs."""

    def __init__(self, tab: gr.Tab, fn):
        self._id = RENDER_ID_BASE + tab._id
        self.container_id = tab._id
        self.fn = fn
        self.page = tab.page


def contents(tab: gr.Tab) -> set[int]:
    """The ids of every block inside `tab` (not the tab itself)."""
    ids, stack = set(), list(tab.children)
    while stack:
        block = stack.pop()
        ids.add(block._id)
        stack.extend(getattr(block, "children", []))
    return ids


def touched(fn) -> set[int]:
    """The ids of the blocks an event listens to, reads or writes."""
    return ({target[0] for target in fn.targets if target[0] is not None}
            | {block._id for block in fn.inputs} | {block._id for block in fn.outputs})


def chains(fns) -> dict[int, int]:
    """Each event's chain (the first event of its .then / .success links), by event id: a
    chain must reach the page whole, since the page links the steps when they arrive."""
    after = {fn._id: fn.trigger_after for fn in fns}
    first = {}
    for fn_id in after:
        head = fn_id
        while after.get(head) is not None:
            head = after[head]
        first[fn_id] = head
    return first


def lazy_events(demo: gr.Blocks, inside: dict[str, set[int]], allowed: dict[str, set[int]]) -> dict[str, list]:
    """The events sent with each lazy tab: every chain that touches the tab's contents.
    `allowed[tab]` are the blocks outside the tab its events may listen to (its boxes)."""
    fns = list(demo.fns.values())
    first = chains(fns)
    chain_tabs: dict[int, set[str]] = {}
    for fn in fns:
        tabs = {tab_id for tab_id, ids in inside.items() if touched(fn) & ids}
        chain_tabs.setdefault(first[fn._id], set()).update(tabs)
    owned: dict[str, list] = {tab_id: [] for tab_id in inside}
    for fn in fns:
        tabs = chain_tabs[first[fn._id]]
        if len(tabs) > 1:
            raise ValueError(f"event {fn.name!r} touches the tabs {sorted(tabs)}: a tab built on "
                             "demand cannot share an event with another")
        if not tabs:
            continue
        (tab_id,) = tabs
        outside = [target for target in fn.targets if target[0] is not None   # (None, "then"): chained
                   and target[0] not in inside[tab_id] and target[0] not in allowed[tab_id]]
        if outside:
            raise ValueError(f"event {fn.name!r} of the tab {tab_id!r} listens to {outside}, "
                             "outside the tab: it would reach the page only with the tab")
        owned[tab_id].append(fn)
    return owned


def render_on(demo: gr.Blocks, box: gr.Textbox, tab: gr.Tab, events: list, then_js: str,
              inputs: list, outputs: list) -> None:
    """When `box` changes, send `tab`'s part of the page (its blocks and `events`), then run
    `then_js` in the page on `inputs` into `outputs` (the tab's first-showing boxes). Call
    inside `demo`'s context."""
    rendering = TabRendering(tab, _nothing)
    event = box.change(_nothing, None, None, queue=False, api_visibility="private", show_progress="hidden")
    demo.fns[event["id"]].renderable = rendering
    for owned in events:
        owned.rendered_in = rendering
    event.then(None, inputs, outputs, js=then_js, api_visibility="private", queue=False,
               show_progress="hidden")


def _nothing():
    """The render event's own work: none (its answer is the tab's part of the page)."""
    return None


def prune_page(config: dict, lazy: dict[str, gr.Tab], events: dict[str, list]) -> dict:
    """The page's config without the lazy tabs' contents and events (in place; returns it).
    The whole config (config["layout"], ["components"], ["dependencies"], which /config serves
    to gradio_client) stays as it is."""
    page = config["page"][""]
    hidden = set().union(*(contents(tab) for tab in lazy.values())) if lazy else set()
    hidden_fns = {fn._id for fns in events.values() for fn in fns}
    tab_ids = {tab._id for tab in lazy.values()}
    layout = copy.deepcopy(page["layout"])
    stack = [layout]
    while stack:
        node = stack.pop()
        if node["id"] in tab_ids:
            node["children"] = []
        stack.extend(node.get("children", []))
    page["layout"] = layout
    page["components"] = [i for i in page["components"] if i not in hidden]
    page["dependencies"] = [i for i in page["dependencies"] if i not in hidden_fns]
    return config


def settle_interactivity(demo: gr.Blocks) -> int:
    """Make explicit what the page would decide for each component whose `interactive` is
    unset. The page decides it from the events it knows: a component is interactive if some
    event reads it, or if none writes it and it starts empty (Gradio's frontend,
    determine_interactivity). A page that knows only some events would decide otherwise (a
    lazy tab's dropdown read only by that tab's events would start disabled), so the whole
    app's events decide it, once. Returns how many components were settled."""
    fns = list(demo.fns.values())
    read = {block._id for fn in fns for block in fn.inputs}
    written = {block._id for fn in fns for block in fn.outputs}
    settled = 0
    for block in demo.blocks.values():
        if not isinstance(block, gr.components.Component) or getattr(block, "interactive", False) is not None:
            continue
        value = block.get_config().get("value")
        empty = value in ("", 0, None, False) or (isinstance(value, (list, dict)) and not value)
        block.interactive = block._id in read or (block._id not in written and empty)
        settled += 1
    return settled


def serve_lazily(demo: gr.Blocks, lazy: dict[str, gr.Tab], events: dict[str, list]) -> None:
    """From now on, the config Gradio computes for `demo` (at launch) serves the page without
    the lazy tabs' contents (prune_page)."""
    settle_interactivity(demo)
    compute = demo.get_config_file

    def get_config_file():
        return prune_page(compute(), lazy, events)

    demo.get_config_file = get_config_file
