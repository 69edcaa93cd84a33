"""Tabs the browser builds when first opened (pages/lazy_tabs.py).

The page's first load carries the first tab's components only; another tab's part (its
components and every event touching them) reaches the page through Gradio's render protocol
when it is first opened. The checks: what the page is served and what each tab's arrival
carries, against the whole app's config read independently (its layout tree); that
gradio_client still sees every api_name; that an event spanning two lazy tabs is refused; and,
in Chromium, that a lazy tab arrives once, draws, and keeps what the visitor did in it.
"""
import json
import re

import gradio as gr
import httpx
import pytest


def descendants(layout: dict, ids: set[int]) -> dict[int, set[int]]:
    """For each node of `layout` whose id is in `ids`: the ids of everything below it."""
    found = {}

    def below(node):
        out = set()
        for child in node.get("children", []):
            out |= {child["id"]} | below(child)
        return out

    stack = [layout]
    while stack:
        node = stack.pop()
        if node["id"] in ids:
            found[node["id"]] = below(node)
        stack.extend(node.get("children", []))
    return found


def referenced(dep: dict) -> set[int]:
    return {target[0] for target in dep["targets"] if target[0] is not None} | set(dep["inputs"]) | set(dep["outputs"])


@pytest.fixture(scope="module")
def served(app_demo, app_url):
    """The whole config (/config, what gradio_client reads) and the page's (embedded in '/')."""
    import app
    whole = httpx.get(f"{app_url}/config", timeout=30).json()
    html = httpx.get(f"{app_url}/?lang=es", timeout=30).text
    page = json.loads(re.search(r"window\.gradio_config\s*=\s*(\{.*?\});\s*</script>", html, re.S).group(1))
    tab_ids = {c["id"]: c["props"]["id"] for c in whole["components"] if c["type"] == "tabitem"}
    lazy = {block_id: tab_id for block_id, tab_id in tab_ids.items() if tab_id in app.LAZY_TABS}
    inside = descendants(whole["layout"], set(lazy))
    return whole, page, lazy, inside


def test_the_page_leaves_out_the_lazy_tabs_and_the_api_keeps_every_name(served, app_demo):
    import app
    whole, page, lazy, inside = served
    assert len(app.LAZY_TABS) == len(app.TAB_IDS) - 1 and app.TAB_IDS[0] not in app.LAZY_TABS
    assert set(lazy.values()) == set(app.LAZY_TABS)
    hidden = set().union(*inside.values())
    shown = {c["id"] for c in page["components"]}
    assert len(hidden) > 600                           # most of the page waits for its tab
    assert not shown & hidden
    assert shown | hidden == {c["id"] for c in whole["components"]}
    # every tab is in the bar, empty until opened
    assert set(lazy) <= shown
    # the page's events touch nothing it does not have; the others are all in the whole config
    assert all(not referenced(dep) & hidden for dep in page["dependencies"])
    page_deps = {dep["id"] for dep in page["dependencies"]}
    assert all(referenced(dep) & hidden for dep in whole["dependencies"] if dep["id"] not in page_deps
               and dep["trigger_after"] is None)
    # gradio_client reads the whole config: every public api_name of the app is there
    names = {fn.api_name for fn in app_demo.fns.values() if fn.api_visibility == "public"}
    assert names <= {dep["api_name"] for dep in whole["dependencies"]}
    assert {"neuron", "attention", "diffusion_forward", "chat"} <= names


def test_each_lazy_tab_arrives_whole(served, app_demo):
    """A tab's part is its blocks and every event that touches them, with their chains."""
    whole, page, lazy, inside = served
    renders = {fn.renderable.container_id: fn.renderable for fn in app_demo.fns.values()
               if fn.renderable is not None}
    assert set(renders) == set(lazy)
    by_id = {dep["id"]: dep for dep in whole["dependencies"]}

    def head(dep):
        while dep["trigger_after"] is not None:
            dep = by_id[dep["trigger_after"]]
        return dep["id"]

    chain_of = {}
    for dep in whole["dependencies"]:
        chain_of.setdefault(head(dep), set()).add(dep["id"])
    for block_id, rendering in renders.items():
        part = app_demo.default_config.get_config(rendering)
        assert part["layout"]["id"] == block_id
        assert {c["id"] for c in part["components"]} == inside[block_id] | {block_id}
        touching = {dep["id"] for dep in whole["dependencies"] if referenced(dep) & inside[block_id]}
        expected = set().union(*(chain_of[head(by_id[i])] for i in touching))
        assert {dep["id"] for dep in part["dependencies"]} == expected, lazy[block_id]


def test_an_event_spanning_two_lazy_tabs_is_refused():
    from pages import lazy_tabs
    with gr.Blocks() as demo:
        with gr.Tabs():
            with gr.Tab("a", id="a") as a:
                x = gr.Number()
            with gr.Tab("b", id="b") as b:
                y = gr.Number()
        x.change(lambda v: v, x, y)
        inside = {"a": lazy_tabs.contents(a), "b": lazy_tabs.contents(b)}
        with pytest.raises(ValueError, match="touches the tabs"):
            lazy_tabs.lazy_events(demo, inside, {"a": set(), "b": set()})


def test_browser_a_lazy_tab_arrives_once_draws_and_keeps_what_was_done(page_in, app_demo):
    from playground.core.i18n import t
    from tests.conftest import screenshot
    renders = {fn._id for fn in app_demo.fns.values() if fn.renderable is not None}
    page = page_in("es")
    arrivals = []
    page.on("request", lambda r: arrivals.append(1) if r.method == "POST" and r.post_data
            and json.loads(r.post_data).get("fn_index") in renders else None)
    assert page.evaluate("() => window.gradio_config.components.length") < 200
    assert page.locator("#training-seed").count() == 0          # not on the page yet
    page.get_by_role("tab", name=t("tab_training", "es")).click()
    page.wait_for_selector("#training-boundary .js-plotly-plot", timeout=60_000)
    seed = page.locator("#training-seed input[type=number]")
    seed.fill("7")
    seed.press("Enter")
    page.get_by_role("tab", name=t("tab_neuron", "es")).click()
    page.get_by_role("tab", name=t("tab_training", "es")).click()
    page.wait_for_timeout(1000)
    assert page.locator("#training-seed input[type=number]").input_value() == "7"
    assert len(arrivals) == 1
    screenshot(page, "lazy-tab-training-es")


def test_a_lazy_tab_s_inputs_stay_interactive():
    """Gradio's page makes a component interactive if an event it knows reads it; a lazy
    tab's events are not known at load, so the whole app's events decide it beforehand."""
    from pages import lazy_tabs
    with gr.Blocks() as demo:
        with gr.Tabs():
            with gr.Tab("a", id="a"):
                gr.Number()
            with gr.Tab("b", id="b"):
                choice = gr.Dropdown(["x", "y"], value="x")
                shown = gr.Textbox("already written")
                result = gr.Textbox()
        choice.change(lambda v: v, choice, result)
    lazy_tabs.settle_interactivity(demo)
    assert choice.interactive is True            # read by an event: the page would enable it
    assert result.interactive is False           # written, never read
    assert shown.interactive is False            # neither, but not empty: Gradio shows it static
