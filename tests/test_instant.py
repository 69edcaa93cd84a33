"""Sliders redrawn in the page (pages/instant_plot.py, pages/instant_plot.js): the page's numbers
against the server's, which stay the reference.

- The JavaScript runs in node on the numbers the page receives, and its results are compared
  with Python's (playground.text.generation.next_token: torch's softmax, top-k, top-p).
- The figures it patches are compared with the ones Python draws at the same setting.
- In Chromium, a slider moved in the page redraws the figure within the same JavaScript task
  (no server could have answered), in Spanish and English, and agrees with the server's
  numbers once they arrive.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from pages.instant_plot import payload_json
from playground.core.i18n import t
from playground.text import generation, generation_figures, generation_instant
from tests.conftest import screenshot

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "pages" / "instant_plot.js"
SETTINGS = [(T, k, p) for T in (0.0, 0.3, 1.0, 2.5) for k in (0, 5, 200) for p in (0.5, 0.95, 1.0)]


def run_js(body: str, data) -> object:
    """Run `body` in node with `g` (pages/instant_plot.js) and `data` defined; it prints JSON."""
    code = (f"const g = require({json.dumps(str(SCRIPT))});\n"
            "const data = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n" + body)
    done = subprocess.run(["node", "-e", code], input=json.dumps(data), capture_output=True,
                          text=True, check=True, timeout=60)
    return json.loads(done.stdout)


def fake_scores(vocab: int, seed: int = 0) -> generation.Scores:
    """Scores shaped like a language model's: a broad bulk and a few favourites."""
    rng = np.random.default_rng(seed)
    logits = (rng.standard_normal(vocab) * 2.5 - 5).astype(np.float32)
    logits[:40] += rng.uniform(6, 14, 40).astype(np.float32)
    top = torch.topk(torch.tensor(logits), generation.TOP_N).indices.numpy()
    original = torch.softmax(torch.tensor(logits), -1)[top].numpy()
    return generation.Scores(ids=(1, 2), n_prompt=2, pieces=("a", "b"), logits=logits, top_ids=top,
                             top_pieces=tuple("abcdefghijkl"), original=original,
                             entropy_original=0.0, entropy_curve=np.zeros(len(generation.ENTROPY_TEMPERATURES)),
                             model="smollm2")


@pytest.mark.parametrize("vocab", [500, 49_152, 262_144])
def test_page_sampling_equals_torch(vocab):
    """Temperature, top-k and top-p in the page give torch's distribution (generation.next_token)."""
    scores = fake_scores(vocab)
    numbers = {"kind": "next_token", "top_n": generation.TOP_N,
               **generation_instant.compact_logits(scores.logits)}
    out = run_js("g.KINDS.next_token.prepare(data.P);\n"
                 "console.log(JSON.stringify(data.settings.map(([T, k, p]) => g.nextToken(data.P, T, k, p))));",
                 {"P": numbers, "settings": SETTINGS})
    for (T, k, p), page in zip(SETTINGS, out):
        ref = generation.next_token(scores, T, k, p)
        assert np.allclose(page["tempered"], ref.tempered, atol=1e-4), (T, k, p)
        assert np.allclose(page["sampled"], ref.sampled, atol=1e-4), (T, k, p)
        assert tuple(page["cut_by"]) == ref.cut_by, (T, k, p)
        assert page["entropy_tempered"] == pytest.approx(ref.entropy_tempered, abs=2e-3)
        assert page["entropy_sampled"] == pytest.approx(ref.entropy_sampled, abs=2e-3)
        assert page["kept_mass"] == pytest.approx(ref.kept_mass, abs=1e-3)
        assert page["kept_by_k"] == pytest.approx(ref.kept_by_k, rel=1e-2)
        assert page["kept"] == pytest.approx(ref.kept, rel=1e-2)


def test_compact_logits_are_small_and_exact_at_the_top():
    scores = fake_scores(262_144)
    numbers = generation_instant.compact_logits(scores.logits)
    assert len(json.dumps(numbers)) < 40_000                       # not 1 MB of logits
    head = np.frombuffer(__import__("base64").b64decode(numbers["head"]), "<f4")
    assert np.array_equal(head, np.sort(scores.logits)[::-1][:generation_instant.HEAD])
    count = np.frombuffer(__import__("base64").b64decode(numbers["tail_count"]), "<u4")
    assert head.size + count.sum() == 262_144


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_figures_equal_python_figures(lang):
    """The page patches Python's figure drawn at one setting into Python's figure at another."""
    scores = fake_scores(49_152)
    payload = json.loads(payload_json(generation_instant.payload(scores, 0.8, 50, 0.95, lang),
                                      ["bars", "entropy"], {}, temperature=3.0, top_k=200))
    others = [(1.7, 0, 0.5), (0.0, 50, 0.95), (0.35, 3, 1.0), (2.5, 200, 0.9)]
    out = run_js("g.KINDS.next_token.prepare(data.P);\n"
                 "console.log(JSON.stringify(data.others.map(([T, k, p]) => "
                 "g.nextTokenFigures(data.P, {temperature: T, top_k: k, top_p: p}))));",
                 {"P": payload, "others": others})
    for (T, k, p), (bars, entropy) in zip(others, out):
        d = generation.next_token(scores, T, k, p)
        ref_bars = generation_figures.bars_figure(d, lang)
        ref_entropy = generation_figures.entropy_figure(d, lang)
        assert bars["layout"]["title"]["text"] == ref_bars.layout.title.text
        assert np.allclose(bars["layout"]["xaxis"]["range"], ref_bars.layout.xaxis.range, atol=0.05)
        sampled = ref_bars.data[1]
        assert bars["data"][1]["name"] == sampled.name
        assert np.allclose(bars["data"][1]["x"], sampled.x, atol=0.02)
        assert list(bars["data"][1]["marker"]["color"]) == list(sampled.marker.color)
        # the percentages as written (a rounding at the last digit may differ by one)
        for page_text, ref_text in zip(bars["data"][1]["text"], sampled.text):
            if ref_text.endswith("%"):
                assert float(page_text[:-1]) == pytest.approx(float(ref_text[:-1]), abs=0.11)
            else:
                assert page_text == ref_text
        assert entropy["layout"]["title"]["text"] == ref_entropy.layout.title.text
        assert entropy["data"][1]["y"][0] == pytest.approx(ref_entropy.data[1].y[0], abs=2e-3)
        assert entropy["data"][2]["y"][0] == pytest.approx(ref_entropy.data[2].y[0], abs=2e-3)
        assert entropy["data"][1]["x"] == [T]


def test_page_leaves_bad_values_to_the_server():
    scores = fake_scores(500)
    payload = json.loads(payload_json(generation_instant.payload(scores, 0.8, 50, 0.95, "en"),
                                      ["bars", "entropy"], {}, temperature=3.0, top_k=200))
    out = run_js("g.KINDS.next_token.prepare(data);\n"
                 "console.log(JSON.stringify([[-1, 5, 0.9], [NaN, 5, 0.9], [1, 2.5, 0.9], [1, 5, 0],"
                 " [1, 5, 1.5], [9, 5, 0.9], [1, 500, 0.9]].map(([T, k, p]) => "
                 "g.nextTokenFigures(data, {temperature: T, top_k: k, top_p: p}))));", payload)
    assert out == [None] * 7


# --- in Chromium --------------------------------------------------------------------------

# Set a slider's value and fire its input event as a key press does; return the title, read in
# the same JavaScript task: no server answer can have arrived in between.
MOVE = """([box, value, title]) => {
  const input = document.querySelector(box + ' input[type=range]');
  input.value = String(value);
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return document.querySelector(title).textContent;
}"""


@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_temperature_redraws_in_the_page(page_in, lang):
    page = page_in(lang, tab="generation")
    title = "#generation-bars .gtitle"
    page.wait_for_selector(title, timeout=120_000)
    page.wait_for_function("() => document.querySelector('#generation-bars')?.dataset.drawn",
                           timeout=60_000)
    assert t("generation_bars_title", lang, T="0.8") in page.locator(title).text_content()
    entropy_before = page.locator("#generation-entropy .gtitle").text_content()
    shown = page.evaluate(MOVE, ["#generation-temperature", 1.45, title])
    assert t("generation_bars_title", lang, T="1.45") in shown
    assert t("generation_bar_sampled", lang, T="1.45") in page.locator("#generation-bars").inner_text()
    # the entropy curve's marker follows in the next frame
    page.wait_for_function("(before) => document.querySelector('#generation-entropy .gtitle')"
                           ".textContent !== before", arg=entropy_before, timeout=10_000)
    entropy = page.locator("#generation-entropy .gtitle").text_content()
    # top-k to 1 in the page: every bar but the first is cut, in the visitor's language
    page.evaluate(MOVE, ["#generation-top-k", 1, title])
    assert page.locator("#generation-bars").inner_text().count(t("generation_cut_top_k", lang)) \
        == generation.TOP_N - 1
    page.evaluate(MOVE, ["#generation-top-k", 50, title])
    # the server's numbers (next_token_redraw), once they arrive for the last setting, say the
    # entropy the page drew
    h = re.search(r"([\d.]+) bits", entropy).group(1)
    page.wait_for_function(
        f"() => (document.querySelector('#generation-summary')?.textContent || '').includes('→ {h} bits')",
        timeout=30_000)
    assert "1.45" in page.locator("#generation-summary").text_content()
    screenshot(page, f"instant_generation_{lang}")


# --- the neuron -----------------------------------------------------------------------------

NEURONS = [(1, [3, 0, 0], [2, 0, 0], 1, "relu"), (2, [1, 1, 0], [1, 1, 0], -1.5, "step"),
           (3, [1, -2, 0.5], [0.8, 0.3, -1.2], 0.2, "sigmoid"), (1, [3, 0, 0], [-2, 0, 0], 1, "relu"),
           (2, [7.5, -9, 0], [0, 0, 0], -3.3, "tanh"), (2, [-1, 4, 0], [2.5, 0, 0], 0.7, "gelu"),
           (3, [9.9, 9.9, 9.9], [9.9, 9.9, 9.9], 10, "leaky_relu"), (2, [0.3, -0.1, 0], [-4, 6, 0], -2, "linear")]


def _values(n, xs, ws, b, act) -> dict:
    return {"n": n, "b": b, "activation": act, **{f"x{i + 1}": x for i, x in enumerate(xs)},
            **{f"w{i + 1}": w for i, w in enumerate(ws)}}


def _decoded(array):
    import base64
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), "<f4").astype(float)
    return np.asarray(array, dtype=float)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_neuron_equals_python(lang):
    """The page's curve and plane, from the payload the page holds (both languages, the points
    left out), equal neuron.curve_figure and plane_figure (numpy, scipy's erf)."""
    from pages.neuron import instant_figures
    from playground.networks import neuron

    out = run_js("const P = g.forLanguage(data.P, data.lang);\n"
                 "console.log(JSON.stringify(data.cases.map((v) => g.neuronFigures(P, v))));",
                 {"P": json.loads(instant_figures()), "lang": lang,
                  "cases": [_values(*case) for case in NEURONS]})
    for (n, xs, ws, b, act), (curve, plane) in zip(NEURONS, out):
        result = neuron.forward(xs[:n], ws[:n], b, act)
        ref_curve, ref_plane = neuron.curve_figure(result, lang), neuron.plane_figure(result, lang)
        assert curve["layout"]["title"]["text"] == ref_curve.layout.title.text
        for page_trace, ref_trace in zip(curve["data"], ref_curve.data):
            assert np.allclose(page_trace["x"], _decoded(ref_trace.x), atol=1e-9)
            assert np.allclose(page_trace["y"], _decoded(ref_trace.y), atol=1e-6)
        assert curve["data"][0]["name"] == ref_curve.data[0].name
        assert curve["data"][2]["text"] == list(ref_curve.data[2].text)
        assert len(plane["data"]) == len(ref_plane.data)
        z = np.array(plane["data"][0]["z"])
        assert np.allclose(z, _decoded(ref_plane.data[0].z).reshape(z.shape), atol=1e-5)
        assert plane["data"][0].get("zmid") == ref_plane.data[0].zmid
        for page_trace, ref_trace in zip(plane["data"][1:], ref_plane.data[1:]):
            assert page_trace["name"] == ref_trace.name
            assert np.allclose(page_trace["x"], _decoded(ref_trace.x))
            assert np.allclose(page_trace["y"], _decoded(ref_trace.y))
        texts = [a["text"] for a in plane["layout"].get("annotations", [])]
        assert texts == [a.text for a in ref_plane.layout.annotations]


def test_page_neuron_leaves_bad_values_to_the_server():
    from pages.neuron import INSTANT_CONTROLS, INSTANT_IDS, LIMIT
    from playground.networks import neuron_instant

    payload = json.loads(payload_json(neuron_instant.payload("en"), INSTANT_IDS, INSTANT_CONTROLS,
                                      value=LIMIT))
    bad = [_values(1, [11, 0, 0], [1, 0, 0], 0, "relu"), _values(0, [1, 0, 0], [1, 0, 0], 0, "relu"),
           _values(1, [1, 0, 0], [1, 0, 0], 0, "softmax"), _values(2, [1, None, 0], [1, 1, 0], 0, "relu")]
    out = run_js("console.log(JSON.stringify(data.cases.map((v) => g.neuronFigures(data.P, v))));",
                 {"P": payload, "cases": bad})
    assert out == [None] * 4


@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_neuron_redraws_in_the_page(page_in, lang):
    page = page_in(lang, tab="neuron")
    title = "#neuron-curve .gtitle"
    page.wait_for_function("() => document.querySelector('#neuron-curve')?.dataset.drawn",
                           timeout=60_000)
    page.wait_for_function(f"() => document.querySelector('{title}')?.textContent.includes("
                           f"{t('act_relu', lang)!r})", timeout=30_000)
    shown = page.evaluate(MOVE, ["#neuron-b", 2.5, title])       # z = 3 * 2 + 2.5
    assert t("neuron_curve_title", lang, act=t("act_relu", lang), z="8.5", y="8.5") == shown
    assert t("neuron_plane_title", lang) in page.locator("#neuron-plane").inner_text()
    # the server's steps, once they arrive, say the same sum
    page.wait_for_function("() => document.querySelector('#neuron-steps')?.textContent.includes('8.5')",
                           timeout=30_000)
    screenshot(page, f"instant_neuron_{lang}")


def test_the_page_bundle_is_plotly_js_for_plotly_py_and_is_served(app_url):
    """scripts/setup.sh installed plotly.js's cartesian bundle, of the version plotly.py draws
    its figures for; the app serves it, for browsers to keep."""
    import httpx
    import plotly.offline

    from pages import instant_plot
    assert instant_plot.BUNDLE is not None, "run scripts/setup.sh (it installs the bundle with npm)"
    head = instant_plot.BUNDLE.read_text(encoding="utf-8")[:200]
    assert re.search(r"plotly\.js \(cartesian[^)]*\) v(\S+)", head).group(1) == \
        plotly.offline.get_plotlyjs_version()
    assert instant_plot.BUNDLE_VERSION == plotly.offline.get_plotlyjs_version()
    served = httpx.get(f"{app_url}/{instant_plot.BUNDLE_ROUTE}", timeout=30)
    assert served.status_code == 200 and served.content == instant_plot.BUNDLE.read_bytes()
    assert "immutable" in served.headers["cache-control"]


# Every title the Neuron curve shows, in order, from before the page loads.
TITLES_SEEN = """window.titlesSeen = [];
new MutationObserver(() => {
  const title = document.querySelector('#neuron-curve .gtitle');
  if (title && window.titlesSeen[window.titlesSeen.length - 1] !== title.textContent)
    window.titlesSeen.push(title.textContent);
}).observe(document, {subtree: true, childList: true, characterData: true});"""


def test_browser_neuron_draws_in_the_page_language_first_and_follows_a_switch(page_in, app_demo):
    """Opened in English (the figures are built in Spanish), the curve's first title is English;
    the ES / EN switch redraws it in the page, without asking the server for it."""
    page = page_in("en", tab="neuron")
    page.add_init_script(TITLES_SEEN)
    page.reload()
    page.wait_for_function("() => window.titlesSeen.length > 0", timeout=60_000)
    english = t("neuron_curve_title", "en", act=t("act_relu", "en"), z="7", y="7")
    assert page.evaluate("window.titlesSeen")[0] == english
    # drawn by the page's own plotly.js bundle (pages/instant_plot.py's BUNDLE)
    from pages.instant_plot import BUNDLE_ROUTE, PLOTLY_CHUNK
    fetched = "r => performance.getEntriesByType('resource').some((e) => e.name.endsWith(r))"
    assert page.evaluate(fetched, BUNDLE_ROUTE)
    # and, once the page is idle, Gradio's full copy ahead, for the other tabs' gr.Plots
    page.wait_for_function(fetched, arg=PLOTLY_CHUNK, timeout=20_000)
    asked = []
    page.on("request", lambda r: asked.append(r.post_data_json.get("fn_index"))
            if r.method == "POST" and "/gradio_api/" in r.url and r.post_data else None)
    page.locator("#lang-switch").get_by_text("ES", exact=True).click()
    spanish = t("neuron_curve_title", "es", act=t("act_relu", "es"), z="7", y="7")
    page.wait_for_function("t => window.titlesSeen.includes(t)", arg=spanish, timeout=10_000)
    assert set(page.evaluate("window.titlesSeen")) == {english, spanish}
    # no event of the page answers with the instant plot: the switch was the page's own
    answered = [app_demo.fns[i] for i in asked if i in app_demo.fns]
    assert asked and not [f for f in answered
                          if any(getattr(o, "elem_id", None) == "neuron-instant" for o in f.outputs)]


# --- attention: the layer and head sliders ------------------------------------------------------

def fake_analysis(model: str, causal: bool, L: int, H: int, T: int, kinds=(), window=None, seed=0):
    """An attention pass shaped like a model's: softmax rows (masked above the diagonal when
    causal), without loading the model (the browser journey below runs the real ones)."""
    from playground.text.attention import Analysis
    rng = np.random.default_rng(seed)
    scores = torch.tensor(rng.standard_normal((L, H, T, T)) * 2.5)
    if causal:
        scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    weights = torch.softmax(scores, -1).float().numpy()
    return Analysis(model, tuple(range(T)), tuple(f"w{i}" for i in range(T)), weights,
                    np.zeros((L, T, 4), np.float32), causal, kinds, window)


ANALYSES = {   # GPT-like (SmolLM2's shape), BERT-like (MiniLM's), Gemma 3's local and global layers
    "gpt": lambda: fake_analysis("smollm2", True, 30, 9, 13),
    "bert": lambda: fake_analysis("minilm", False, 6, 12, 11, seed=1),
    "gemma": lambda: fake_analysis("gemma3", True, 6, 4, 9, seed=2, window=4,
                                   kinds=("sliding_attention",) * 5 + ("full_attention",)),
}


def _z(trace) -> np.ndarray:
    return np.array([[np.nan if w is None else w for w in row] for row in trace], dtype=float)


@pytest.mark.parametrize("which, lang", [("gpt", "es"), ("bert", "en"), ("gemma", "en")])
def test_page_attention_equals_python(which, lang):
    """Every layer and head the page draws equals attention_figures.head_figure and heads_figure."""
    from pages.attention import INSTANT_IDS, INSTANT_SLIDERS
    from playground.text import attention_figures, attention_instant

    analysis = ANALYSES[which]()
    L, H = analysis.n_layers, analysis.n_heads
    payload = json.loads(payload_json(attention_instant.payload(analysis, 3, 2, lang), INSTANT_IDS,
                                      INSTANT_SLIDERS))
    cases = [(1, 1), (L, H), (2, H), (L, 1), (3, 2)]
    out = run_js("g.KINDS.attention.prepare(data.P);\n"
                 "console.log(JSON.stringify(data.cases.map(([l, h]) => "
                 "g.attentionFigures(data.P, {layer: l, head: h}))));", {"P": payload, "cases": cases})
    for (layer, head), (one, grid) in zip(cases, out):
        ref_one = attention_figures.head_figure(analysis, layer, head, lang).to_plotly_json()
        ref_grid = attention_figures.heads_figure(analysis, layer, head, lang).to_plotly_json()
        assert one["layout"]["title"]["text"] == ref_one["layout"]["title"]["text"]
        # the same numbers (uint16 in transit: at most one in the 4th decimal) and the same mask
        z, ref = _z(one["data"][0]["z"]), _z(ref_one["data"][0]["z"].to_plotly_json())
        assert np.array_equal(np.isnan(z), np.isnan(ref))
        assert np.allclose(np.nan_to_num(z), np.nan_to_num(ref), atol=1.01e-4), (layer, head)
        assert np.allclose(np.nan_to_num(z), np.nan_to_num(analysis.weights(layer, head)), atol=6e-5)
        assert grid["layout"]["title"]["text"] == ref_grid["layout"]["title"]["text"]
        assert len(grid["data"]) == H + 1
        for page_trace, ref_trace in zip(grid["data"], ref_grid["data"]):
            z, ref = _z(page_trace["z"]), _z(ref_trace["z"].to_plotly_json())
            assert np.array_equal(np.isnan(z), np.isnan(ref))
            assert np.allclose(np.nan_to_num(z), np.nan_to_num(ref), atol=1.01e-4)
        assert [(a["text"], a["font"]) for a in grid["layout"]["annotations"]] == \
               [(a["text"], a["font"]) for a in ref_grid["layout"]["annotations"]]
        assert grid["layout"]["shapes"] == list(ref_grid["layout"]["shapes"])
    bad = run_js("g.KINDS.attention.prepare(data.P);\n"
                 "console.log(JSON.stringify(data.cases.map(([l, h]) => "
                 "g.attentionFigures(data.P, {layer: l, head: h}))));",
                 {"P": payload, "cases": [[0, 1], [L + 1, 1], [1, H + 1], [1.5, 1], [1, None]]})
    assert bad == [None] * 5


def test_attention_payload_is_compact_and_capped():
    from playground.text import attention_instant
    analysis = ANALYSES["gpt"]()
    packed = np.frombuffer(__import__("base64").b64decode(
        attention_instant.payload(analysis, 1, 1, "en")["weights"]), "<u2")
    assert packed.size == 30 * 9 * 13 * 14 // 2                    # the causal lower triangles
    long = fake_analysis("smollm2", True, 30, 9, 64)               # 561,600 weights: the server's
    assert attention_instant.payload(long, 1, 1, "en") is None


# The numbers the page drew in a plotly div: its first trace's z, null as NaN.
PAGE_Z = "(sel) => document.querySelector(sel).data[0].z.map((r) => r.map((w) => (w === null ? NaN : w)))"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_attention_layer_and_head_redraw_in_the_page(page_in, lang):
    """Layer and head move in the page (the title changes within the same task), for SmolLM2
    (causal) and MiniLM (bidirectional); the numbers drawn are attention_figures' own."""
    from pages.attention import PRESETS
    from playground.text import attention, attention_figures

    page = page_in(lang, tab="attention")
    title = "#attention-head-plot .gtitle"
    page.wait_for_function("() => document.querySelector('#attention-head-plot')?.dataset.drawn",
                           timeout=120_000)
    for model, layer, head in (("smollm2", 7, 5), ("minilm", 4, 11)):
        if model == "minilm":
            page.locator("#attention-model").get_by_text("MiniLM", exact=False).first.click()
            page.wait_for_function("() => document.querySelector('#attention-head-plot .gtitle')"
                                   "?.textContent.includes('MiniLM')", timeout=60_000)
        analysis = attention.analyze(model, PRESETS["cat"])
        page.evaluate(MOVE, ["#attention-layer", layer, title])
        shown = page.evaluate(MOVE, ["#attention-head", head, title])
        ref_title = attention_figures.head_figure(analysis, layer, head, lang).layout.title.text
        assert shown == ref_title.replace("<br>", "")             # the SVG's text has no <br>
        z = np.array(page.evaluate(PAGE_Z, "#attention-head-plot"), dtype=float)
        ref = attention_figures.head_figure(analysis, layer, head, lang).to_plotly_json()["data"][0]["z"]
        ref = np.array([[np.nan if w is None else w for w in row] for row in ref], dtype=float)
        assert np.array_equal(np.isnan(z), np.isnan(ref))
        assert np.allclose(np.nan_to_num(z), np.nan_to_num(ref), atol=1.01e-4)
        grid = attention_figures.heads_figure(analysis, layer, head, lang).layout.title.text
        page.wait_for_function("(t) => document.querySelector('#attention-heads-plot .gtitle')"
                               "?.textContent === t", arg=grid.replace("<br>", ""), timeout=10_000)
    # the server's answer (attention_view) follows: its Q/K/V text names the head the page drew
    qkv = attention_figures.qkv_view("minilm", PRESETS["cat"], 4, 11, analysis.n_tokens - 1, lang)
    page.wait_for_function("(t) => document.querySelector('#attention-qkv-plot .gtitle')"
                           "?.textContent === t", arg=qkv[0].layout.title.text.replace("<br>", ""),
                       timeout=30_000)
    page.wait_for_timeout(500)
    screenshot(page, f"instant_attention_{lang}")


# --- diffusion: the forward step ------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_diffusion_forward_equals_q_sample(lang):
    """The page's x_t is diffusion.q_sample's (torch), and its figures forward_figure's and
    schedule_figure's, at steps across the schedule."""
    from playground.images import diffusion, diffusion_instant, fashion

    example, steps = 3, [0, 1, 37, 300, 999]
    payload = json.loads(payload_json(diffusion_instant.payload(example, 300, lang),
                                      ["images", "schedule"], {"t": "diffusion-t"}))
    out = run_js("g.KINDS.diffusion.prepare(data.P);\n"
                 "console.log(JSON.stringify(data.steps.map((t) => [Array.from(g.diffusionXt(data.P, t)),"
                 " g.diffusionFigures(data.P, {t})])));", {"P": payload, "steps": steps})
    images, _ = fashion.examples()
    x0 = torch.from_numpy(images[example * fashion.PER_CLASS][None])
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
    for t_, (xt, (pictures, schedule)) in zip(steps, out):
        ref = diffusion.q_sample(x0, torch.tensor([t_]), noise, diffusion.linear_schedule())
        assert np.allclose(xt, ref.flatten().numpy(), atol=1e-6), t_
        ref_pictures = diffusion.forward_figure(example, t_, lang)
        ref_z = np.array([[np.nan if v is None else v for v in row] for row in ref_pictures.data[0].z], float)
        z = np.array([[np.nan if v is None else v for v in row] for row in pictures["data"][0]["z"]], float)
        assert np.array_equal(np.isnan(z), np.isnan(ref_z))
        assert np.abs(np.nan_to_num(z) - np.nan_to_num(ref_z)).max() <= 1      # grey levels 0..255
        assert pictures["layout"]["title"]["text"] == ref_pictures.layout.title.text
        assert [a["text"] for a in pictures["layout"]["annotations"]] == \
               [a.text for a in ref_pictures.layout.annotations]
        ref_schedule = diffusion.schedule_figure(t_, lang)
        assert schedule["data"][2]["x"] == [t_, t_]
        assert np.allclose(schedule["data"][2]["y"], _decoded(ref_schedule.data[2].y), atol=1e-7)
        assert schedule["layout"]["shapes"][0]["x0"] == ref_schedule.layout.shapes[0].x0 == t_
    bad = run_js("g.KINDS.diffusion.prepare(data.P);\nconsole.log(JSON.stringify("
                 "[-1, 1000, 2.5, NaN].map((t) => g.diffusionFigures(data.P, {t}))));", {"P": payload})
    assert bad == [None] * 4


@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_diffusion_t_redraws_in_the_page(page_in, lang):
    """The t slider redraws x_t in the page, within the same task; the pixels are q_sample's."""
    from playground.images import diffusion, fashion

    page = page_in(lang, tab="diffusion")
    title = "#diffusion-forward .gtitle"
    page.wait_for_function("() => document.querySelector('#diffusion-forward')?.dataset.drawn",
                           timeout=60_000)
    shown = page.evaluate(MOVE, ["#diffusion-t", 700, title])
    ref = diffusion.forward_figure(0, 700, lang)
    assert shown == ref.layout.title.text
    assert "x_t (t = 700)" in page.locator("#diffusion-forward").inner_text()
    z = np.array(page.evaluate(PAGE_Z, "#diffusion-forward"), dtype=float)
    images, _ = fashion.examples()
    x0 = torch.from_numpy(images[:1])
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
    xt = diffusion.q_sample(x0, torch.tensor([700]), noise, diffusion.linear_schedule()).clamp(-1, 1)
    assert np.abs(z[:, -28:] / 255 * 2 - 1 - xt[0, 0].numpy()).max() <= 1 / 255 + 1e-6
    # the schedule's marker follows in the next frame
    page.wait_for_function("() => document.querySelector('#diffusion-schedule')?.data?.[2].x[0] === 700",
                           timeout=10_000)
    page.wait_for_timeout(500)
    screenshot(page, f"instant_diffusion_{lang}")
