"""The Generation tab: each sampling stage against torch, top-k / top-p against a hand-made
distribution, the sliders redrawing from the visitor's own scores (never the model), seeds,
the sequence probability against one forward pass of the model, the API events, and a
visitor's journey in both languages.

SmolLM2 is loaded once per test session by the shared backend.
"""
import math

import numpy as np
import pytest
import torch

from pages import generation as page
from playground import backends
from playground.backends import sampling
from playground.backends.causal_lm import CausalLM
from playground.text import generation, generation_figures as figures, pieces
from playground.text.generation import Steps
from playground.core.i18n import t
from tests.conftest import screenshot

ES, EN = generation.PROMPTS["es"], generation.PROMPTS["en"]


@pytest.fixture(scope="module")
def lm():
    return backends.get("smollm2")


def scores_of(prompt):
    return generation.scores_after(generation.encode_prompt(prompt))


# --- each stage against torch ------------------------------------------------------------------

LOGITS = torch.randn(1000, generator=torch.Generator().manual_seed(0)) * 3


@pytest.mark.parametrize("temperature", [0.05, 0.7, 1.0, 2.5])
def test_scale_and_softmax_are_torchs(temperature):
    torch.testing.assert_close(sampling.scale(LOGITS, temperature), LOGITS / temperature)
    torch.testing.assert_close(sampling.softmax(LOGITS / temperature),
                               torch.softmax(LOGITS / temperature, dim=-1))


@pytest.mark.parametrize("k", [1, 5, 50, 999])
def test_top_k_keeps_torch_topk(k):
    kept = sampling.top_k(LOGITS, k)
    reference = torch.topk(LOGITS, k)
    assert torch.isfinite(kept).sum() == k
    assert set(torch.nonzero(torch.isfinite(kept)).flatten().tolist()) == set(reference.indices.tolist())
    torch.testing.assert_close(kept[reference.indices], reference.values)
    assert sampling.top_k(LOGITS, 0) is LOGITS and sampling.top_k(LOGITS, 1000) is LOGITS


@pytest.mark.parametrize("p, kept", [(0.65, [0, 1]), (0.72, [0, 1, 2]), (0.30, [0]), (1.0, [0, 1, 2, 3, 4])])
def test_top_p_by_hand(p, kept):
    probs = torch.tensor([0.40, 0.30, 0.15, 0.10, 0.05])
    before = probs.clone()
    out = sampling.top_p(probs, p)
    assert torch.nonzero(out).flatten().tolist() == kept        # 0.40 + 0.30 >= 0.65, ...
    torch.testing.assert_close(out[kept], probs[kept] / probs[kept].sum())
    assert torch.equal(probs, before)                            # the input is left alone


def test_each_stage_is_computed_once(monkeypatch):
    calls = []
    real = sampling.softmax
    monkeypatch.setattr(sampling, "softmax", lambda x: calls.append(1) or real(x))
    stages = sampling.stages(LOGITS, 0.8, 0, 0.9)
    assert len(calls) == 1 and stages.tempered is stages.after_top_k    # top-k off: one softmax
    calls.clear()
    stages = sampling.stages(LOGITS, 0.8, 40, 0.9)                      # tempered, after top-k
    assert len(calls) == 2
    torch.testing.assert_close(stages.tempered, torch.softmax(LOGITS / 0.8, -1))
    calls.clear()
    sampling.sampling_distribution(LOGITS, 0.8, 40, 0.9)                # a sampler: one
    assert len(calls) == 1


@pytest.mark.parametrize("temperature", [0.05, 0.5, 1.0, 1.7, 3.0])
def test_tempered_distribution_is_torch_softmax_of_logits_over_t(lm, temperature):
    scores = scores_of(EN)
    logits = torch.tensor(scores.logits)
    expected = torch.softmax(logits / temperature, dim=-1)
    stages = sampling.stages(logits, temperature, 0, 1.0)
    torch.testing.assert_close(stages.tempered, expected, atol=1e-7, rtol=1e-5)
    nt = generation.next_token(scores, temperature, 0, 1.0)
    np.testing.assert_allclose(nt.tempered, expected[torch.tensor(nt.top_ids)].numpy(), rtol=1e-5)
    np.testing.assert_allclose(nt.original, torch.softmax(logits, -1)[torch.tensor(nt.top_ids)].numpy(), rtol=1e-5)
    reference_bits = torch.distributions.Categorical(probs=expected).entropy() / math.log(2)
    assert nt.entropy_tempered == pytest.approx(float(reference_bits), abs=1e-3)


# Five tokens with probabilities 0.40, 0.30, 0.15, 0.10, 0.05 (logits = their logs).
HAND = torch.log(torch.tensor([0.40, 0.30, 0.15, 0.10, 0.05]))


@pytest.mark.parametrize("top_k, top_p, kept, cut", [
    (2, 1.0, [0, 1], ["", "", "top_k", "top_k", "top_k"]),
    (0, 0.65, [0, 1], ["", "", "top_p", "top_p", "top_p"]),      # 0.40 + 0.30 >= 0.65
    (0, 0.72, [0, 1, 2], ["", "", "", "top_p", "top_p"]),         # 0.70 < 0.72 <= 0.85
    (0, 0.30, [0], ["", "top_p", "top_p", "top_p", "top_p"]),     # the best alone is enough
    (4, 0.80, [0, 1, 2], ["", "", "", "top_p", "top_k"]),         # top-k first, then top-p
    (0, 1.0, [0, 1, 2, 3, 4], [""] * 5),
])
def test_top_k_and_top_p_keep_exactly_the_right_tokens(top_k, top_p, kept, cut):
    stages = sampling.stages(HAND, 1.0, top_k, top_p)
    sampled = stages.sampled
    assert torch.nonzero(sampled).flatten().tolist() == kept
    assert generation.cut_by(stages.after_top_k, sampled) == cut
    original = torch.tensor([0.40, 0.30, 0.15, 0.10, 0.05])
    if top_k == 4:     # top-k 4 renormalises over 0.95 first: 0.40/0.95 + 0.30/0.95 < 0.80
        original = original[:4] / original[:4].sum()
    expected = original[kept] / original[kept].sum()             # renormalised over the kept
    torch.testing.assert_close(sampled[kept], expected, atol=1e-6, rtol=1e-5)
    assert float(sampled.sum()) == pytest.approx(1.0, abs=1e-6)
    torch.testing.assert_close(sampling.sampling_distribution(HAND, 1.0, top_k, top_p), sampled)


def test_temperature_zero_is_greedy(lm):
    scores = scores_of(EN)
    nt = generation.next_token(scores, 0.0, 50, 0.9)
    assert nt.greedy and nt.kept == 1 and nt.sampled[0] == 1.0 and nt.entropy_sampled == 0.0
    best = int(np.argmax(scores.logits))
    assert nt.top_ids[0] == best
    assert "greedy" in figures.summary(nt, "en") and "greedy" in figures.summary(nt, "es")
    steps = generation.sample_step(Steps(EN), 0.0, 0, 1.0, seed=1)
    assert steps.ids == (best,)


def test_lower_temperature_never_raises_the_entropy(lm):
    for prompt in (ES, EN):
        scores = scores_of(prompt)
        temps = [0.0, 0.05, 0.1, 0.3, 0.5, 0.8, 1.0, 1.3, 2.0, 3.0]
        entropies = [generation.next_token(scores, T, 0, 1.0).entropy_tempered for T in temps]
        assert all(a <= b + 1e-4 for a, b in zip(entropies, entropies[1:])), entropies
        assert np.all(np.diff(scores.entropy_curve) >= -1e-4)
        assert entropies[0] == 0.0 and entropies[-1] < math.log2(49_152)
        # the curve's point at T = 1 is the entropy of the model's own distribution
        at_one = list(generation.ENTROPY_TEMPERATURES).index(1.0)
        assert scores.entropy_curve[at_one] == pytest.approx(scores.entropy_original, abs=1e-3)


# --- the sliders redraw from the visitor's scores: the model never runs -----------------------

def _no_model(monkeypatch):
    """From here on, running SmolLM2 or its tokenizer is a failure."""
    def boom(*args, **kwargs):
        raise AssertionError("a slider ran the model or the tokenizer")
    monkeypatch.setattr(CausalLM, "next_token_logits", boom)
    monkeypatch.setattr(CausalLM, "encode", boom)
    monkeypatch.setattr(CausalLM, "stream_tokens", boom)


def test_slider_redraw_never_runs_the_model_even_after_a_class(lm, monkeypatch):
    prompt = EN + " world"
    steps, *_ = page.show(prompt, 1.0, 0, 1.0, Steps(), "en")         # the visitor's forward pass
    assert steps.scores is not None
    steps = page.step_sample(prompt, 0.8, 50, 0.95, 3, steps, "en")[0]  # and one step
    # A class: 40 other contexts scored after it (the shared cache holds 32).
    for i in range(40):
        generation.scores_after(generation.encode_prompt(f"{i} {EN}"))
    _no_model(monkeypatch)
    for T, k, p in [(0.1, 0, 1.0), (0.7, 40, 0.9), (2.5, 5, 0.5), (0.0, 0, 1.0)]:
        bars, entropy, summary, pick, numbers = page.redraw(prompt, T, k, p, steps, "en")
        assert numbers["temperature"] == T and numbers["context_tokens"] == len(steps.scores.ids)
        assert numbers["context"].startswith(prompt) and len(numbers["context"]) > len(prompt)
    # The language switch redraws the chips too, from the same state.
    out = page.redraw_if_shown(0.8, 50, 0.95, steps, "es")
    assert len(out) == 7 and out[3].count('data-p="') == 1 and "Entropía" in out[2]


def test_redraw_equals_a_fresh_computation(lm):
    steps = page.show(ES, 1.0, 0, 1.0, Steps(), "es")[0]
    for T, k, p in [(0.3, 0, 1.0), (1.2, 20, 0.8)]:
        from_state = page.redraw(ES, T, k, p, steps, "en")[4]
        fresh = page.redraw(ES, T, k, p, None, "es")[4]           # a client without state (the
                                                                  # Spanish interface's model)
        assert from_state == fresh


def test_one_chip_stylesheet_and_helper_for_generation_and_tokens():
    from playground.text import chips, tokens_figures

    assert figures.CSS.startswith(chips.CSS) and tokens_figures.CSS.startswith(chips.CSS)
    flowing = chips.chip("<b>&", title='"tip"', p=0.25, color="#fff")
    assert flowing == '<span class="tok" title="&quot;tip&quot;" data-p="0.2500" ' \
                      'style="background:#fff">&lt;b&gt;&amp;</span>'
    stacked = chips.chip("<0xC3>", classes="c1", token_id=195, note="ñ")
    assert stacked == '<span class="tok c1"><b>&lt;0xC3&gt;</b><i>195</i><u>= ñ</u></span>'


# --- step by step and streaming -------------------------------------------------------------

def test_same_seed_same_text_and_steps_match_the_stream(lm):
    settings = dict(temperature=1.0, top_k=50, top_p=0.95)
    first = list(generation.stream(EN, 8, seed=3, **settings))[-1]
    again = list(generation.stream(EN, 8, seed=3, **settings))[-1]
    other = list(generation.stream(EN, 8, seed=4, **settings))[-1]
    assert [x.token_id for x in again] == [x.token_id for x in first]
    assert [x.token_id for x in other] != [x.token_id for x in first]
    # Clicking "sample" four times with seed 3 writes what the stream wrote.
    steps = Steps(EN)
    for _ in range(4):
        steps = generation.sample_step(steps, seed=3, **settings)
    assert list(steps.ids) == [x.token_id for x in first[:4]]


def test_sequence_probability_is_the_product_of_the_models_steps(lm):
    steps = Steps(EN)
    for seed in range(4):
        steps = generation.sample_step(steps, 1.0, 0, 1.0, seed=seed)
    steps = generation.pick_step(steps, int(steps.scores.top_ids[3]))
    # Reference: one forward pass over prompt + continuation, log-softmax at each position.
    prompt_ids = list(generation.encode_prompt(EN))
    full = prompt_ids + list(steps.ids)
    with torch.inference_mode():
        logits = lm.model(torch.tensor([full])).logits[0]
    logp = torch.log_softmax(logits.float(), -1)
    expected = [float(logp[len(prompt_ids) - 1 + i, tok]) for i, tok in enumerate(steps.ids)]
    np.testing.assert_allclose(np.log(steps.p_model), expected, atol=2e-3)
    assert steps.log_prob() == pytest.approx(sum(expected), abs=1e-2)
    _, text = figures.steps_view(steps, "en")
    assert "ln P = " + figures.fmt(steps.log_prob(), 3) in text
    assert steps.undo().ids == steps.ids[:-1]
    assert steps.for_prompt(ES).ids == ()


def test_readable_pieces_rebuild_the_text(lm):
    text = "El niño comió 🤖 y dijo «ção»"
    ids = lm.encode(text)
    text_pieces = pieces.readable_pieces(lm, ids)
    assert "".join(text_pieces) == text and "\ufffd" not in "".join(text_pieces)
    assert any(p == "" for p in text_pieces)            # the emoji spans several tokens
    labels = [pieces.bar_piece(lm, i) for i in ids]
    assert any("<0x" in label for label in labels)


def test_stop_event_and_token_bound(lm):
    import threading

    stop = threading.Event()
    seen = 0
    for tokens in generation.stream(EN, 40, 0.0, 0, 1.0, seed=0, stop_event=stop):
        seen = len(tokens)
        if seen == 3:
            stop.set()
    assert seen == 3
    assert len(list(generation.stream(EN, 10**6, 1.0, 0, 1.0, seed=0, max_seconds=0.5))[-1]) \
        <= generation.MAX_NEW_TOKENS


# --- API: one test per event ----------------------------------------------------------------

def outputs(result):
    """The API's outputs without the State: bars, entropy, summary, chips, sequence, pick, numbers."""
    assert len(result) == 7
    return dict(zip(["bars", "entropy", "summary", "chips", "sequence", "pick", "numbers"], result))


def redrawn(result):
    """A slider's outputs: what the sliders change, not the chips or the steps."""
    assert len(result) == 5
    return dict(zip(["bars", "entropy", "summary", "pick", "numbers"], result))


def test_api_next_token_and_redraw_without_the_model(client, lm, monkeypatch):
    from gradio_client import Client

    own = Client(client.src, verbose=False)           # a visitor of their own: own State
    first = outputs(own.predict(EN, 1.0, 0, 1.0, "en", api_name="/next_token"))
    # Reference: the model's own probabilities, straight from transformers.
    with torch.inference_mode():
        logits = lm.model(torch.tensor([lm.encode(EN)])).logits[0, -1]
    best = torch.topk(torch.softmax(logits, -1), 5)
    tokens = first["numbers"]["tokens"]
    assert [x["id"] for x in tokens[:5]] == best.indices.tolist()
    np.testing.assert_allclose([x["p_model"] for x in tokens[:5]], best.values.numpy(), atol=1e-4)
    assert tokens[0]["piece"] == " ability" and "Entropy" in first["summary"]
    _no_model(monkeypatch)                            # the app runs in this process
    greedy = redrawn(own.predict(EN, 0, 50, 0.9, "es", api_name="/next_token_redraw"))
    hot = redrawn(own.predict(EN, 2.0, 0, 1.0, "en", api_name="/next_token_redraw"))
    assert greedy["numbers"]["greedy"] and "greedy" in greedy["summary"]
    assert {x["cut_by"] for x in greedy["numbers"]["tokens"][1:]} == {"greedy"}
    assert "Entropía" in greedy["summary"]
    h = hot["numbers"]["entropy_bits"]
    assert h["tempered"] > h["original"] > greedy["numbers"]["entropy_bits"]["tempered"]
    cut = redrawn(own.predict(EN, 1.0, 3, 1.0, "en", api_name="/next_token_redraw"))
    assert [x["cut_by"] for x in cut["numbers"]["tokens"][:4]] == ["", "", "", "top_k"]


def test_api_redraw_without_state_computes_once(client):
    from gradio_client import Client

    fresh = Client(client.src, verbose=False)         # never called /next_token
    result = redrawn(fresh.predict(ES, 0.8, 50, 0.95, "es", api_name="/next_token_redraw"))
    assert result["numbers"]["kept_by_top_k"] == 50 and "Entropía" in result["summary"]


def test_api_step_by_step(client):
    from gradio_client import Client

    own = Client(client.src, verbose=False)           # a visitor of their own: own State
    outputs(own.predict(EN, 0.8, 50, 0.95, "en", api_name="/generation_step_reset"))
    a = outputs(own.predict(EN, 0.8, 50, 0.95, 11, "en", api_name="/generation_step_sample"))
    assert "Probability of the 1 appended tokens" in a["sequence"]
    pick = a["numbers"]["tokens"][0]["id"]
    b = outputs(own.predict(EN, pick, 0.8, 50, 0.95, "en", api_name="/generation_step_pick"))
    assert "Probability of the 2 appended tokens" in b["sequence"]
    assert b["chips"].count('data-p="') == 2
    c = outputs(own.predict(EN, 0.8, 50, 0.95, "en", api_name="/generation_step_undo"))
    assert "Probability of the 1 appended tokens" in c["sequence"]
    d = outputs(own.predict(EN, 0.8, 50, 0.95, "es", api_name="/generation_step_reset"))
    assert "Aún no" in d["sequence"]


def test_api_stream_yields_token_by_token_and_repeats_with_a_seed(client):
    def run():
        job = client.submit(EN, 12, 1.0, 50, 0.95, 5, "en", api_name="/generate_stream")
        final = job.result()
        return job.outputs(), final

    steps, (chips, status) = run()
    assert len(steps) >= 5                               # streamed, not sent once at the end
    assert "tokens generated" in status and chips.count('data-p="') <= 12
    assert run()[1][0] == chips                          # same seed, same text


def test_api_compare(client):
    html_out = client.predict(EN, 6, 0.2, 1.5, 50, 0.95, 9, "es", api_name="/generate_compare")
    assert html_out.count('class="gen-card"') == 4
    assert "semilla 9" in html_out and "semilla 10" in html_out and "T = 1.5" in html_out


# --- the browser ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_generation_journey(page_in, lang):
    page = page_in(lang, tab="generation")
    title = "#generation-bars .gtitle"
    page.wait_for_selector(title, timeout=90_000)
    assert t("generation_bars_title", lang, T="0.8") in page.locator(title).text_content()
    assert t("generation_bars_x", lang) in page.locator("#generation-bars").inner_text()
    # The Spanish interface runs the course's example on Gemma (whole Spanish words), the
    # English one on SmolLM2; the radio says which.
    expected = "Gemma 3 270M" if lang == "es" else "SmolLM2-135M-Instruct"
    assert page.locator(title).text_content().startswith(expected)
    assert page.locator("#generation-model input:checked").get_attribute("value") == \
        ("gemma3" if lang == "es" else "smollm2")
    if lang == "es":
        assert "capacidad" in page.locator("#generation-bars").inner_text()
    else:                                 # a switch of model runs the other one on the prompt
        page.locator("#generation-model label", has_text="Gemma 3 270M").click()
        page.wait_for_function(
            f"() => document.querySelector('{title}')?.textContent.startsWith('Gemma 3 270M')",
            timeout=60_000)
    # Temperature 0 says greedy, at once.
    slider = page.locator("#generation-temperature input[type=number]")
    slider.fill("0")
    slider.press("Enter")
    page.wait_for_function(f"() => document.querySelector('{title}')?.textContent.includes('greedy')",
                           timeout=15_000)
    page.wait_for_function(     # the bars are redrawn in the page; the summary is the server's
        "() => document.querySelector('#generation-summary')?.innerText.includes('greedy')",
        timeout=15_000)
    # Two tokens step by step (in one language: the API tests cover the rest).
    for n in (1, 2) if lang == "es" else ():
        page.locator("#generation-step-sample").click()
        page.wait_for_function(
            f"() => document.querySelectorAll('#generation-chips .tok[data-p]').length === {n}",
            timeout=30_000)
    if lang == "es":
        assert "ln P" in page.locator("#generation-sequence").inner_text()
    # Streaming: tokens arrive, then Stop.
    tokens = page.locator("#generation-max-tokens input[type=number]")
    tokens.fill("300")
    tokens.press("Enter")
    page.locator("#generation-stream-go").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#generation-stream .tok[data-p]').length >= 3", timeout=30_000)
    page.locator("#generation-stream-stop").click()
    page.wait_for_timeout(1000)
    stopped = page.locator("#generation-stream .tok[data-p]").count()
    page.wait_for_timeout(1500)
    assert page.locator("#generation-stream .tok[data-p]").count() == stopped < 300
    screenshot(page, f"generation-{lang}")
