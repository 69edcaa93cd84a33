"""The Pre-training tab's library: the GPT from scratch against transformers' GPT-2 and Llama's
RoPE, causality, the corpora and their counting baselines, and a short training run that
beats the bigram baseline."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from playground.lifecycle import gpt
from playground.lifecycle.gpt import GPT, GPTConfig

TINY = GPTConfig(vocab_size=37, block_size=16, n_layer=2, n_head=4, n_embd=32)


def _model(config, seed=0):
    model = GPT(config)
    model.init_weights(seed)
    # random biases and layer norms too, so a mistake in any of them shows
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "ln_" in name:
                p.add_(torch.randn(p.shape, generator=g) * 0.1)
    return model.eval()


def test_learned_positions_match_transformers_gpt2():
    from transformers import GPT2Config, GPT2LMHeadModel

    model = _model(TINY)
    c = TINY
    ref = GPT2LMHeadModel(GPT2Config(vocab_size=c.vocab_size, n_positions=c.max_context,
                                     n_embd=c.n_embd, n_layer=c.n_layer, n_head=c.n_head,
                                     activation_function="gelu_new", layer_norm_epsilon=1e-5,
                                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)).eval()
    ours = model.state_dict()
    theirs = {}
    for key, value in ours.items():
        if key == "lm_head.weight":
            continue
        # GPT-2's Conv1D keeps its weight as (in, out): the transpose of nn.Linear's
        conv = any(key.endswith(f"{m}.weight") for m in ("c_attn", "c_proj", "c_fc"))
        theirs["transformer." + key] = value.t() if conv else value
    missing, unexpected = ref.load_state_dict(theirs, strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}
    ref.tie_weights()
    idx = torch.randint(0, c.vocab_size, (3, 40), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        expected = ref(idx).logits
        logits, _, _ = model(idx)
        logits_eager, _, att = model(idx, need_weights=True)
    assert torch.allclose(logits, expected, atol=1e-5)
    assert torch.allclose(logits_eager, expected, atol=1e-5)
    assert att.shape == (c.n_layer, 3, c.n_head, 40, 40)


def test_rope_matches_llama_rotary_embedding():
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

    hs, T = 16, 24
    config = LlamaConfig(hidden_size=hs * 4, num_attention_heads=4, rope_theta=10000.0)
    rotary = LlamaRotaryEmbedding(config)
    q, k = torch.randn(2, 2, 4, T, hs, generator=torch.Generator().manual_seed(0))
    cos_ref, sin_ref = rotary(q, torch.arange(T)[None])
    q_ref, k_ref = apply_rotary_pos_emb(q, k, cos_ref, sin_ref)
    cos, sin = gpt.rope_cos_sin(T, hs)
    assert torch.allclose(gpt.apply_rope(q, cos, sin), q_ref, atol=1e-5)
    assert torch.allclose(gpt.apply_rope(k, cos, sin), k_ref, atol=1e-5)


def test_rope_score_depends_only_on_the_distance():
    hs = 16
    q, k = torch.randn(2, hs, generator=torch.Generator().manual_seed(3))
    cos, sin = gpt.rope_cos_sin(60, hs)
    rq, rk = gpt.apply_rope(q.expand(60, hs), cos, sin), gpt.apply_rope(k.expand(60, hs), cos, sin)
    for gap in (0, 3, 17):
        scores = torch.stack([rq[m + gap] @ rk[m] for m in range(0, 60 - gap)])
        assert torch.allclose(scores, scores[0].expand_as(scores), atol=1e-4)
    assert not torch.isclose(rq[5] @ rk[2], rq[5] @ rk[4])


@pytest.mark.parametrize("positions", ["learned", "rope"])
def test_a_later_token_never_changes_earlier_logits(positions):
    from dataclasses import replace
    model = _model(replace(TINY, positions=positions))
    idx = torch.randint(0, TINY.vocab_size, (1, 20), generator=torch.Generator().manual_seed(4))
    changed = idx.clone()
    changed[0, 12:] = (changed[0, 12:] + 5) % TINY.vocab_size
    with torch.no_grad():
        a, _, att = model(idx, need_weights=True)
        b, _, _ = model(changed)
    assert torch.allclose(a[0, :12], b[0, :12], atol=1e-6)
    assert not torch.allclose(a[0, 12:], b[0, 12:])
    assert torch.allclose(att.sum(-1), torch.ones(()))            # rows sum to 1
    assert float(att.triu(1).abs().max()) == 0.0                  # nothing above the diagonal


def test_loss_is_torch_cross_entropy_and_generate_extends():
    model = _model(TINY)
    idx = torch.randint(0, TINY.vocab_size, (2, 16), generator=torch.Generator().manual_seed(5))
    targets = torch.roll(idx, -1, 1)
    with torch.no_grad():
        logits, loss, _ = model(idx, targets)
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, TINY.vocab_size), targets.reshape(-1))
    assert math.isclose(float(loss), float(expected), rel_tol=1e-6)
    out = model.generate(idx[:, :3], 30, temperature=0.8, generator=torch.Generator().manual_seed(0))
    assert out.shape == (2, 33) and torch.equal(out[:, :3], idx[:, :3])
    greedy = model.generate(idx[:1, :3], 1, temperature=0)
    assert int(greedy[0, -1]) == int(model(idx[:1, :3])[0][0, -1].argmax())


# --- corpora and baselines ----------------------------------------------------------------

from playground.core.errors import UserError  # noqa: E402
from playground.lifecycle import corpus, pretraining  # noqa: E402


def test_builtin_corpora_are_long_public_texts():
    es, en = corpus.load("es"), corpus.load("en")
    assert len(es) > 3_000_000 and "Y dijo Dios" in es and "ñ" in es
    assert len(en) > 1_000_000 and "In the beginning God created" in en


def test_char_tokenizer_round_trips_and_bpe_reuses_the_tokens_tab():
    text = corpus.load("es")[:50_000]
    for kind in corpus.TOKENIZERS:
        tok = corpus.tokenizer(text, kind)
        sample = text[1000:3000]
        assert tok.decode(tok.encode(sample)) == sample
    bpe_tok = corpus.tokenizer(text, "bpe")
    assert len(bpe_tok.encode(text[:5000])) < 0.7 * len(text[:5000].encode("utf-8"))


def test_baselines_equal_a_direct_count():
    rng = np.random.default_rng(0)
    train, val, V = rng.integers(0, 5, 400), rng.integers(0, 5, 100), 6
    # by hand, with dictionaries: add-one smoothing over V symbols
    uni = {v: 1 + int((train == v).sum()) for v in range(V)}
    expected_uni = -np.mean([math.log(uni[v] / (len(train) + V)) for v in val])
    pairs = {}
    for a, b in zip(train[:-1], train[1:]):
        pairs[(a, b)] = pairs.get((a, b), 0) + 1
    first = {a: sum(c for (x, _), c in pairs.items() if x == a) for a in range(V)}
    expected_bi = -np.mean([math.log((pairs.get((a, b), 0) + 1) / (first[a] + V))
                            for a, b in zip(val[:-1], val[1:])])
    assert math.isclose(corpus.unigram_loss(train, val, V), expected_uni, rel_tol=1e-9)
    assert math.isclose(corpus.bigram_loss(train, val, V), expected_bi, rel_tol=1e-9)
    es = corpus.builtin("es", "char")
    assert es.bigram < es.unigram < math.log(es.vocab_size)


@pytest.mark.parametrize("text, key", [("", "pretraining_error_own_empty"),
                                       ("hola " * 100, "pretraining_error_own_short"),
                                       ("a" * 2_100_000, "pretraining_error_own_long"),
                                       (None, "pretraining_error_own_empty")])
def test_own_text_limits(text, key):
    with pytest.raises(UserError) as err:
        corpus.own_text(text)
    assert err.value.key == key


def test_own_text_is_cleaned():
    text = corpus.own_text("Hola,\r\n  mundo\x00 😀   " + "palabra " * 400 + "\n\n\n\nfin")
    assert "\r" not in text and "\x00" not in text and "  " not in text and "\n\n\n" not in text
    assert "😀" in text


# --- training -----------------------------------------------------------------------------

def test_a_short_fixed_seed_run_beats_the_bigram_baseline():
    config = pretraining.Config(corpus="es", tokens="char", size="tiny", lr=3e-3, seed=0)
    session = pretraining.Session(config, pretraining.load_corpus(config))
    start = session.history["val"][0]
    assert math.isclose(start, math.log(session.data.vocab_size), rel_tol=0.05)  # uniform guess
    # bounded by steps, not time (a busy machine is slow): the time cap is far away
    frames = list(pretraining.train(session, max_steps=900, max_seconds=3600, frame_seconds=0))
    last = frames[-1]
    assert last.stopped == "steps" and last.step == 900
    assert min(last.history["val"]) < last.bigram          # beats "just count pairs"
    assert set(last.samples) == {0, 100, 500}
    assert last.samples[500].startswith(config.prompt)
    att = next(f.attention for f in frames if f.attention is not None)
    assert att.attentions.shape[:2] == (2, 4)
    assert np.allclose(att.attentions.sum(-1), 1, atol=1e-5)


def test_pause_keeps_the_model_and_a_new_structure_makes_a_new_one():
    config = pretraining.Config(corpus="en", size="tiny", steps=5, prompt="And")
    session = pretraining.prepare(None, config)
    list(pretraining.train(session, frame_seconds=0))
    assert session.step == 5
    same = pretraining.prepare(session, pretraining.Config(corpus="en", size="tiny", steps=5,
                                                           prompt="And", lr=1e-3))
    assert same is session and session.optimizer.param_groups[0]["lr"] == 1e-3
    other = pretraining.prepare(session, pretraining.Config(corpus="en", size="tiny",
                                                            positions="rope", prompt="And"))
    assert other is not session and other.step == 0


# --- API ----------------------------------------------------------------------------------

ARGS = dict(corpus_name="es", own="", tokens="char", size="tiny", positions="learned", lr=0.003,
            steps=200, temperature=0.8, prompt="Y dijo Dios", seed=0, layer=1)


def step_of(status: str) -> int:
    import re
    return int(re.search(r"(?:Paso|Step) ([\d,.]+)", status).group(1).replace(",", "").replace(".", ""))


@pytest.fixture
def own_client(app_url):
    from gradio_client import Client
    return Client(app_url, verbose=False)


def test_api_show_train_pause_reset_sample(own_client):
    c = own_client
    status, loss, samples, heads, state = c.predict(*ARGS.values(), "en", api_name="/pretraining_show")
    assert step_of(status) == 0 and "Ready" in state and loss["type"] == "plotly"
    assert "After 0 steps" in samples and heads["type"] == "plotly"
    job = c.submit(*{**ARGS, "steps": 5000}.values(), "es", api_name="/pretraining_train")
    while len(job.outputs()) < 3 and not job.done():
        pass
    steps = [step_of(out[0]) for out in job.outputs()]
    assert steps[:3] == sorted(steps[:3]) and steps[0] > 0 and "esta ejecución" in job.outputs()[0][0]
    status, *_, state = c.predict(1, "en", api_name="/pretraining_pause")
    assert "Paused at step" in state
    paused = step_of(status)
    assert paused >= steps[2]
    text = c.predict(0.5, "en", api_name="/pretraining_sample")
    assert f"step {paused:,}" in text and "Y dijo Dios" in text
    status, *_, state = c.predict(*ARGS.values(), "es", api_name="/pretraining_reset")
    assert step_of(status) == 0 and "Listo" in state


def test_api_train_runs_to_the_steps_asked(client):
    outputs = client.predict(*{**ARGS, "size": "tiny", "steps": 120}.values(), "en",
                             api_name="/pretraining_train")
    status, loss, samples, heads = outputs
    assert step_of(status) == 120 and "After 100 steps" in samples


def test_api_compare_learned_and_rope(client):
    figure, note = client.predict("en", "", "char", "tiny", 0.003, 100, 0, "en",
                                  api_name="/pretraining_train_compare")
    assert figure["type"] == "plotly"
    assert "RoPE" in note and "128" in note          # 4 x the tiny context of 32


def test_api_errors_in_the_visitors_language(client):
    from gradio_client.exceptions import AppError
    with pytest.raises(AppError, match="al menos 2,000"):
        client.predict(*{**ARGS, "corpus_name": "own", "own": "hola " * 50}.values(), "es",
                       api_name="/pretraining_reset")
    with pytest.raises(AppError, match="Learning rate"):
        client.predict(*{**ARGS, "lr": "abc"}.values(), "en", api_name="/pretraining_reset")
    with pytest.raises(AppError, match="Attention layer"):
        client.predict(*{**ARGS, "layer": 9}.values(), "en", api_name="/pretraining_show")
    with pytest.raises(AppError, match="Tamaño del modelo"):
        client.predict(*{**ARGS, "size": "huge"}.values(), "es", api_name="/pretraining_train")
    with pytest.raises(AppError):
        client.predict(*{**ARGS, "prompt": "😀" * 100_000}.values(), "en", api_name="/pretraining_show")


def test_api_own_text_trains(client):
    text = ("En un lugar de la Mancha, de cuyo nombre no quiero acordarme, no ha mucho tiempo "
            "que vivía un hidalgo de los de lanza en astillero, adarga antigua, rocín flaco y "
            "galgo corredor. ") * 20
    status, _, samples, _ = client.predict(*{**ARGS, "corpus_name": "own", "own": text, "steps": 100,
                                             "prompt": "En un"}.values(), "es",
                                           api_name="/pretraining_train")
    assert step_of(status) == 100 and "En un" in samples


# --- browser ------------------------------------------------------------------------------

from playground.core.i18n import t  # noqa: E402
from tests.conftest import screenshot  # noqa: E402

WATCH_STEPS = """() => {
  window.stepsSeen = [];
  const status = document.querySelector('#pretraining-status');
  new MutationObserver(() => {
    const m = status.innerText.match(/(Paso|Step) ([\\d.,]+)/);
    if (m) window.stepsSeen.push(+m[2].replace(/[.,]/g, ''));
  }).observe(status, {subtree: true, childList: true, characterData: true});
}"""


@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_pretraining_trains_live_then_pause(page_in, lang):
    page = page_in(lang, tab="pretraining")
    if not page.locator("#pretraining-status").is_visible():
        page.get_by_role("tab", name=t("tab_pretraining", lang)).click()
    state = page.locator("#pretraining-run-state")
    state.get_by_text(t("pretraining_run_ready", lang)[:5]).wait_for(timeout=30_000)
    loss = page.locator("#pretraining-loss")
    assert t("pretraining_axis_steps", lang) in loss.inner_text()
    assert t("pretraining_baseline_bigram", lang, loss="")[:6] in loss.inner_text()
    page.evaluate(WATCH_STEPS)
    page.locator("#pretraining-train").click()
    page.wait_for_function("() => new Set(window.stepsSeen.filter(s => s > 0)).size >= 3",
                           timeout=60_000, polling=500)
    seen = [s for s in page.evaluate("window.stepsSeen") if s > 0]
    assert seen == sorted(seen)
    page.wait_for_function(                      # the sample after 100 steps has been written
        "text => document.querySelector('#pretraining-samples').innerText.split(text).length <= 3",
        arg=t("pretraining_sample_pending", lang), timeout=60_000, polling=500)
    page.locator("#pretraining-pause").click()
    state.get_by_text(t("pretraining_run_paused", lang, step="")[:8]).wait_for(timeout=20_000)
    assert t("attention_head_short", lang, head=4) in page.locator("#pretraining-attention").inner_text()
    page.locator("#pretraining-sample").click()
    page.locator("#pretraining-sample-now").get_by_text(
        t("pretraining_sample_now", lang, step="", temperature="")[2:10]).wait_for(timeout=20_000)
    scaling_plot = page.locator("#pretraining-scaling")
    scaling_plot.scroll_into_view_if_needed()
    page.wait_for_function(
        "text => document.querySelector('#pretraining-scaling').innerText.includes(text)",
        arg=t("scaling_frontier", lang), timeout=30_000, polling=500)
    assert t("scaling_budget_header", lang).split("|")[2].strip() in \
        page.locator("#pretraining-budget").inner_text()
    page.locator("#pretraining-compare").click()  # learned against RoPE, 2 x 600 tiny steps
    page.locator("#pretraining-compare-note").get_by_text("RoPE").wait_for(timeout=90_000)
    assert t("pretraining_axis_val_loss", lang) in page.locator("#pretraining-compare-plot").inner_text()
    page.locator("#pretraining-loss").scroll_into_view_if_needed()
    screenshot(page, f"pretraining-paused-{lang}")


def test_api_scaling_budget_and_a_new_point(client):
    figure, smollm2 = client.predict("en", api_name="/pretraining_scaling")
    assert figure["type"] == "plotly" and "14,815 tokens per parameter" in smollm2
    table = client.predict(21.2, "es", api_name="/pretraining_budget")
    assert "Hoffmann" in table and "Epoch AI" in table and "tokens por parámetro" in table
    figure, text = client.predict("xs", 65_536, "en", api_name="/pretraining_train_point")
    assert "Measured loss" in text and "predicted" in text


def test_api_load_what_10_minutes_write(client):
    from playground.lifecycle import pretrained
    if "es" not in pretrained.available():
        pytest.skip("scripts/train_pretraining.py has not been run")
    status, loss, samples, heads, state, tokens, size, positions, seed, lr = client.predict(
        "es", 0.8, "Y dijo Dios", 1, "es", api_name="/pretraining_load")
    assert step_of(status) > 2000 and size == "small" and "Cargado" in state
    session = pretrained.load("es")
    assert session.history["val"][-1] < 0.85 * session.data.bigram      # far below counting
