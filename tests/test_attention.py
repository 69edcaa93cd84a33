"""The Attention tab: heatmaps, Q/K/V recomputed, GPT against BERT, fill in the blank.

References: the models' own attention weights (transformers, eager attention), the input of
SmolLM2's o_proj (the heads' outputs), the models' own loss, transformers' fill-mask pipeline.
One model load per test session: the backends cache them.
"""
import math

import numpy as np
import pytest
import torch
from gradio_client.exceptions import AppError

from playground.text import attention, attention_figures, fill_mask
from playground import backends
from playground.backends import hub
from playground.core.errors import UserError
from playground.core.i18n import t
from tests.conftest import screenshot

CAT = "The cat sat on the mat because the cat was tired."     # "the", "cat" twice
LONG = ("The old fisherman pulled his boat onto the sand, looked at the dark clouds over the sea, "
        "and decided that today the fish could wait.")


@pytest.fixture(scope="module")
def gpt():
    return attention.analyze("smollm2", CAT)


@pytest.fixture(scope="module")
def bert():
    return attention.analyze("minilm", CAT)


# --- the forward pass ------------------------------------------------------------------------

def test_shapes_tokens_and_masks(gpt, bert):
    lm = backends.get("smollm2")
    assert gpt.ids == tuple(lm.encode(CAT))
    assert gpt.attentions.shape == (30, 9, gpt.n_tokens, gpt.n_tokens)
    assert bert.attentions.shape == (6, 12, bert.n_tokens, bert.n_tokens)
    assert bert.tokens[0] == "[CLS]" and bert.tokens[-1] == "[SEP]"
    for an in (gpt, bert):
        np.testing.assert_allclose(an.attentions.sum(-1), 1.0, atol=1e-5)
    assert np.triu(gpt.attentions, k=1).max() == 0.0          # GPT never looks ahead
    assert bert.attentions.min() > 0.0                         # BERT looks everywhere
    # every layer's input: the first is the token embeddings, as the models make them
    embed = lm.model.get_input_embeddings().weight.detach().numpy()
    np.testing.assert_allclose(gpt.hidden[0], embed[list(gpt.ids)], atol=1e-6)
    assert gpt.hidden.shape == (30, gpt.n_tokens, 576) and bert.hidden.shape == (6, bert.n_tokens, 384)


def test_repeated_words_stay_separate_rows(gpt):
    fig = attention_figures.head_figure(gpt, 2, 3, "en")
    heat = fig.data[0]
    assert list(fig.layout.yaxis.tickvals) == list(range(gpt.n_tokens))
    assert list(fig.layout.yaxis.ticktext) == list(gpt.tokens)
    assert list(gpt.tokens).count("cat") == 2 and len(heat.z) == gpt.n_tokens
    assert heat.z[0][1] is None and heat.z[1][0] is not None    # the future is masked (gray)
    assert "layer 2 of 30, head 3 of 9" in fig.layout.title.text
    assert "capa 2 de 30" in attention_figures.head_figure(gpt, 2, 3, "es").layout.title.text


def test_small_multiples_have_every_head_and_the_average(gpt, bert):
    fig = attention_figures.heads_figure(gpt, 5, 4, "en")
    assert len(fig.data) == 9 + 1
    mean = gpt.attentions[4].mean(0)
    last = np.array([[np.nan if v is None else v for v in row] for row in fig.data[-1].z])
    np.testing.assert_allclose(np.tril(last), np.tril(mean), atol=1e-3)
    stops = [s for s, _ in fig.layout.coloraxis.colorscale]   # colour at sqrt(weight)
    np.testing.assert_allclose(stops, [v * v for v, _ in attention_figures.COLORSCALE], atol=1e-4)
    assert len(attention_figures.heads_figure(bert, 1, 1, "es").data) == 12 + 1


def test_changing_layer_or_head_reuses_the_forward_pass(gpt):
    before = attention.run.cache_info()
    for layer, head in [(1, 1), (30, 9), (12, 5)]:
        attention_figures.view("smollm2", CAT, layer, head, "es")
        attention_figures.qkv_view("smollm2", CAT, layer, head, 3, "en")
    after = attention.run.cache_info()
    assert after.misses == before.misses and after.hits >= before.hits + 6


def test_too_many_tokens_and_bad_layer_are_user_errors(gpt):
    with pytest.raises(UserError) as err:
        attention.analyze("smollm2", "word " * 70)
    assert err.value.key == "attention_error_too_many_tokens"
    with pytest.raises(UserError):
        attention_figures.view("minilm", CAT, 7, 1, "en")              # MiniLM has 6 layers
    with pytest.raises(UserError):
        attention.analyze("gpt5", CAT)


# --- Q, K, V -----------------------------------------------------------------------------------

@pytest.mark.parametrize("layer, head, query", [(1, 1, 0), (4, 2, 8), (17, 6, 11), (30, 9, 5)])
def test_smollm2_recomputed_softmax_equals_the_models_attention(gpt, layer, head, query):
    res = attention.qkv(gpt, layer, head, query)
    np.testing.assert_allclose(res.weights, gpt.attentions[layer - 1, head - 1, query], atol=1e-4)
    assert res.kv_head == (head - 1) // 3 + 1                  # 9 query heads share 3 kv heads
    assert not res.allowed[query + 1:].any() and res.weights[query + 1:].sum() == 0
    np.testing.assert_allclose(res.scaled, res.scores / 8.0)   # sqrt(64)


@pytest.mark.parametrize("layer, head, query", [(1, 1, 0), (3, 7, 4), (6, 12, 12)])
def test_minilm_recomputed_softmax_equals_the_models_attention(bert, layer, head, query):
    res = attention.qkv(bert, layer, head, query)
    np.testing.assert_allclose(res.weights, bert.attentions[layer - 1, head - 1, query], atol=1e-4)
    assert res.allowed.all() and res.d == 32


def test_weighted_sum_of_values_equals_the_heads_output_inside_smollm2(gpt):
    """The input of o_proj is every head's output side by side: ours must be the same."""
    model = backends.get("smollm2").model
    layer, head, query = 6, 5, 9
    seen = {}
    hook = model.model.layers[layer - 1].self_attn.o_proj.register_forward_pre_hook(
        lambda module, args: seen.setdefault("x", args[0].detach().clone()))
    try:
        with torch.inference_mode():
            model(torch.tensor([gpt.ids]), use_cache=False)
    finally:
        hook.remove()
    ref = seen["x"][0, query, (head - 1) * 64: head * 64].double().numpy()
    np.testing.assert_allclose(attention.qkv(gpt, layer, head, query).output, ref, atol=1e-4)


def test_qkv_text_and_numbers(gpt):
    fig, text, numbers = attention_figures.qkv_view("smollm2", CAT, 4, 2, 5, "en")
    assert numbers["max_difference"] < 1e-4
    assert math.isclose(sum(numbers["weights"]), 1.0, abs_tol=1e-6)
    assert numbers["scaled"][6] is None and numbers["masked"][6]
    assert "RoPE" in text and "| pos. |" in text
    assert "máscara" in attention_figures.qkv_view("smollm2", CAT, 4, 2, 5, "es")[1]
    assert list(fig.layout.xaxis2.ticktext) == list(gpt.tokens)


def test_gpt_against_bert(gpt, bert):
    fig, text = attention_figures.compare_view(CAT, "en")
    T = gpt.n_tokens
    assert f"the {T * (T - 1) // 2} of the upper triangle" in text
    assert len(fig.data) == 2 and fig.data[0].z[0][-1] is None and fig.data[1].z[0][-1] is not None


# --- fill in the blank -------------------------------------------------------------------------

def test_fill_offline_scores_are_the_models_own_sentence_likelihood():
    lm = backends.get("smollm2")
    res = fill_mask.fill("The ___ barked at the mailman all night.", "dog, car")
    assert res.method == "causal"
    start = lm.tokenizer.convert_tokens_to_ids(fill_mask.DOC_START)
    for c in res.candidates:
        ids = torch.tensor([[start] + lm.encode(f"The {c.word} barked at the mailman all night.")])
        with torch.inference_mode():
            loss = lm.model(ids, labels=ids).loss                 # mean -log p over T-1 tokens
        assert c.sentence_logprob == pytest.approx(-float(loss) * (ids.shape[1] - 1), abs=1e-2)
    words = [c.word for c in res.candidates]
    assert words.index("dog") < words.index("car")             # a known fact about dogs
    assert any(c.proposed for c in res.candidates)
    assert "offline" in fill_mask.explain(res, "en") and "sin conexión" in fill_mask.explain(res, "es")


def test_fill_needs_exactly_one_blank():
    for bad in ("No blank here.", "Two ___ blanks ___ here."):
        with pytest.raises(UserError) as err:
            fill_mask.fill(bad)
        assert err.value.key == "transformer_fill_error_blank"
    with pytest.raises(UserError):
        fill_mask.fill("The ___ barked.", ",".join(f"w{i}" for i in range(20)))


@pytest.fixture(scope="module")
def tiny_mlm(tmp_path_factory):
    """A 2-layer BERT with a masked-LM head, random weights, MiniLM's tokenizer."""
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    from playground.backends.encoder import minilm_dir

    path = tmp_path_factory.mktemp("tiny-mlm")
    torch.manual_seed(0)
    BertForMaskedLM(BertConfig(vocab_size=30_522, hidden_size=32, num_hidden_layers=2,
                               num_attention_heads=4, intermediate_size=64)).save_pretrained(path)
    AutoTokenizer.from_pretrained(minilm_dir()).save_pretrained(path)
    return str(path)


def test_fill_uses_an_allowed_hub_masked_lm(monkeypatch, tiny_mlm):
    from transformers import pipeline

    monkeypatch.setenv(hub.ENV_VAR, f"gpt2,{tiny_mlm}")          # gpt2 offline: skipped
    res = fill_mask.fill("Paris is the [MASK] of France.")
    assert res.method == "mlm" and res.model == tiny_mlm
    ref = pipeline("fill-mask", model=tiny_mlm, top_k=fill_mask.TOP_MLM)("Paris is the [MASK] of France.")
    assert [c.word for c in res.candidates] == [r["token_str"].strip() for r in ref]
    np.testing.assert_allclose(res.probabilities(), [r["score"] for r in ref], rtol=1e-4)
    assert "Hub" in fill_mask.explain(res, "en")


# --- through the API -----------------------------------------------------------------------------

def test_api_attention_then_view_without_rerunning(client):
    head_fig, heads_fig, info, numbers = client.predict(CAT, "smollm2", 3, 2, "en", api_name="/attention")
    assert numbers["tokens"] == list(attention.analyze("smollm2", CAT).tokens)
    assert "30 layers × 9 heads" in info
    before = attention.run.cache_info().misses
    *_, numbers = client.predict(CAT, "smollm2", 29, 8, "es", api_name="/attention_view")
    assert attention.run.cache_info().misses == before
    assert numbers["layers"] == 30


def test_api_qkv_matches_the_model(client):
    _, text, numbers = client.predict(CAT, "minilm", 2, 3, 4, "es", api_name="/attention_qkv")
    assert numbers["max_difference"] < 1e-4 and "sin máscara" in text


def test_api_compare_and_errors(client):
    _, text = client.predict(CAT, "es", api_name="/attention_compare")
    assert "triángulo superior" in text
    with pytest.raises(AppError, match="entre 1 y 6"):
        client.predict(CAT, "minilm", 7, 1, "es", api_name="/attention_view")
    with pytest.raises(AppError, match="tokens"):
        client.predict("word " * 70, "smollm2", 1, 1, "en", api_name="/attention")


def test_api_fill_mask(client):
    _, text, numbers = client.predict("The ___ barked at the mailman all night.", "dog, car", "en",
                                      api_name="/transformer_fill_mask")
    assert numbers["method"] == "causal" and "Method: offline" in text


# --- in the browser --------------------------------------------------------------------------------

def wait_title(page, selector, text, timeout=120_000):
    page.wait_for_function(
        "([sel, text]) => [...document.querySelectorAll(sel + ' .gtitle')]"
        ".some(e => e.textContent.includes(text))", arg=[selector, text], timeout=timeout)


def switch_to_english(page):
    page.locator("#lang-switch").get_by_text("EN", exact=True).click()
    page.wait_for_function("() => document.querySelector('#app-title').textContent.includes('GenAI')",
                           timeout=20_000)


def test_browser_attention_tab_in_both_languages(page_in):
    page = page_in("es", tab="attention")
    wait_title(page, "#attention-head-plot", "capa 3 de 30, cabeza 2 de 9")
    assert "mat" in page.locator("#attention-head-plot").text_content()      # token tick labels
    page.wait_for_function("() => document.querySelector('#attention-compare-plot .gtitle')",
                           timeout=60_000)
    assert t("attention_compare_minilm", "es") in page.locator("#attention-compare-plot").text_content()
    assert "Diferencia máxima con los pesos del propio modelo" in page.locator("#attention-qkv-text").inner_text()
    # a preset: the two "bank"s get separate rows
    page.locator("#attention-preset input").click()
    page.get_by_role("option", name=t("attention_preset_bank", "es")).click()
    page.wait_for_function("() => document.querySelector('#attention-head-plot')"
                           ".textContent.includes('river')", timeout=60_000)
    ticks = page.locator("#attention-head-plot .ytick text").all_text_contents()
    assert ticks.count("bank") == 2
    page.wait_for_function("() => document.querySelector('#attention-compare-plot')"
                           ".textContent.includes('river')", timeout=60_000)
    page.wait_for_timeout(800)
    screenshot(page, "attention-bank-es")
    # the same results, relabelled in English (from the caches)
    switch_to_english(page)
    wait_title(page, "#attention-head-plot", "layer 3 of 30, head 2 of 9")
    wait_title(page, "#attention-heads-plot", "Every head of layer 3")
    assert "Largest difference from the model's own weights" in page.locator("#attention-qkv-text").inner_text()
    page.wait_for_timeout(800)
    screenshot(page, "attention-bank-en")


def test_browser_transformer_tab_in_both_languages(page_in):
    page = page_in("es", tab="transformer")
    wait_title(page, "#transformer-learned-plot", "MiniLM")
    wait_title(page, "#transformer-fill-plot", "Candidatas para")
    # once the model is there: RoPE with its frequencies, the cache's memory with its numbers
    page.wait_for_function("() => document.querySelector('#transformer-rope-text')"
                           ".innerText.includes('m − n')", timeout=60_000)
    wait_title(page, "#transformer-kv-memory", "SmolLM2-135M-Instruct")
    assert "46,080 bytes por token" in page.locator("#transformer-kv-formula").inner_text()
    n = page.locator("#transformer-kv-n input[type=number]")
    n.fill("6")
    n.press("Enter")
    page.locator("#transformer-kv-run").click()
    wait_title(page, "#transformer-kv-plot", t("transformer_kv_timing_title", "es", done=6, n=6))
    assert t("transformer_kv_with", "es") in page.locator("#transformer-kv-plot").text_content()
    assert "Medido ahora" in page.locator("#transformer-kv-formula").inner_text()
    page.wait_for_timeout(800)
    screenshot(page, "transformer-es")
    switch_to_english(page)
    wait_title(page, "#transformer-kv-plot", t("transformer_kv_timing_title", "en", done=6, n=6))
    wait_title(page, "#transformer-fill-plot", "Candidates for")
    wait_title(page, "#transformer-learned-plot", "cosine between")
    assert "Measured now" in page.locator("#transformer-kv-formula").inner_text()
    # Gemma 3's own numbers: heads of 256, one kv head, local layers with a window
    page.locator("#transformer-model label", has_text="Gemma 3 270M").click()
    wait_title(page, "#transformer-kv-memory", "Gemma 3 270M")
    formula = page.locator("#transformer-kv-formula").inner_text()
    assert "36,864 bytes per token" in formula and "15 of its 18 layers are local" in formula
    page.wait_for_timeout(800)
    screenshot(page, "transformer-en")
