"""Any causal LM by name: a tiny random Llama, registered as a backend, runs every lesson.

The model is built from a `transformers.LlamaConfig` (2 layers, 4 query heads sharing 2
key/value heads, 32 numbers per token) with SmolLM2's own tokenizer, saved to a temporary
folder and loaded by `causal_lm.load`, the path a hub model takes. It is registered for the
test only (one DEFAULTS entry, as a second model would be). References: the config itself,
transformers' own forward pass and `generate`, the real cache tensors, the model's loss.
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from playground import backends  # noqa: E402
from playground.backends import causal_lm  # noqa: E402
from playground.backends.backend import Backend  # noqa: E402
from playground.backends.facts import ROPE  # noqa: E402
from playground.text import attention, attention_figures, fill_mask, kv_cache, positions  # noqa: E402

NAME = "tiny-llama"
TEXT = "The cat sat on the mat because the cat was tired."
SIZES = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             intermediate_size=64, max_position_embeddings=256)
THETA = 10_000.0


@pytest.fixture(scope="module")
def config():
    from transformers import LlamaConfig

    return LlamaConfig(vocab_size=49_152, rope_parameters={"rope_type": "default", "rope_theta": THETA},
                       **SIZES)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, config):
    """The tiny model as a CausalLM, loaded like any `from_pretrained` folder."""
    from transformers import AutoTokenizer, LlamaForCausalLM

    path = tmp_path_factory.mktemp("tiny-llama")
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(path)
    AutoTokenizer.from_pretrained(causal_lm.smollm2_cache_dir()).save_pretrained(path)
    return causal_lm.load(path, name="Tiny Llama")


@pytest.fixture
def registered(monkeypatch, tiny):
    """The tiny model as one more DEFAULTS entry, for this test only."""
    monkeypatch.setitem(backends.DEFAULTS, NAME, Backend(NAME, lambda: tiny, {
        "title": "Tiny Llama", "kind": "causal_lm", "source": "a test", "licence": "-"}))
    return tiny


def test_the_registry_lists_it_with_the_causal_lms(registered):
    assert backends.names(kind="causal_lm") == ("smollm2", "gemma3", NAME)
    assert NAME in attention.model_names() and "minilm" in attention.model_names()
    assert backends.get(NAME) is registered


def test_its_facts_are_its_configs(registered, config):
    shape = registered.shape
    assert (shape.layers, shape.heads, shape.kv_heads) == (config.num_hidden_layers,
                                                           config.num_attention_heads,
                                                           config.num_key_value_heads)
    assert shape.head_dim == config.hidden_size // config.num_attention_heads
    assert (shape.hidden, shape.vocab_size) == (config.hidden_size, config.vocab_size)
    assert (shape.positions, shape.rope_theta) == (ROPE, THETA)
    assert shape.max_context == config.max_position_embeddings
    assert registered.max_context == min(causal_lm.MAX_CONTEXT, config.max_position_embeddings)
    backends.get(NAME)
    info = backends.backend(NAME).info()
    assert (info["layers"], info["heads"], info["kv_heads"]) == (2, 4, 2)


def test_attention_by_name(registered, config):
    analysis = attention.analyze(NAME, TEXT)
    T = len(registered.encode(TEXT))
    assert analysis.attentions.shape == (config.num_hidden_layers, config.num_attention_heads, T, T)
    np.testing.assert_allclose(analysis.attentions.sum(-1), 1.0, atol=1e-5)
    assert np.triu(analysis.attentions, k=1).max() == 0.0             # nothing from the future
    assert analysis.hidden.shape == (config.num_hidden_layers, T, config.hidden_size)
    # the head recomputed from the model's weights gives the model's own weights
    for layer, head, query in [(1, 1, 0), (2, 4, T - 1), (2, 3, 5)]:
        head_qkv = attention.qkv(analysis, layer, head, query)
        np.testing.assert_allclose(head_qkv.weights, analysis.attentions[layer - 1, head - 1, query],
                                   atol=1e-5)
        assert head_qkv.kv_head == (head - 1) // 2 + 1                # 4 query heads, 2 kv heads
        assert head_qkv.rope and head_qkv.d == 8
    head_fig, heads_fig, info, numbers = attention_figures.view(NAME, TEXT, 2, 4, "en")
    assert "Tiny Llama" in head_fig.layout.title.text and "layer 2 of 2, head 4 of 4" in head_fig.layout.title.text
    assert len(heads_fig.data) == 4 + 1 and (numbers["layers"], numbers["heads"]) == (2, 4)
    layer, head, *_ = attention_figures.fitted_view(NAME, TEXT, 30, 9, "es")
    assert (layer, head) == (2, 4)
    _, text, _ = attention_figures.qkv_view(NAME, TEXT, 2, 3, 4, "en")
    assert "Tiny Llama:" in text and "Its 4 query heads share 2 key/value heads: head 3 reads kv head 2" in text


def test_kv_cache_steps_equal_full_forward_passes(registered):
    ids = registered.encode("Once upon a time")
    seen = []

    def greedy(logits):
        seen.append(logits.clone())
        return int(logits.argmax()), 1.0

    context, steps = list(ids), []
    for step in registered.decode_steps(ids, 5, greedy):    # the cache grows in place: look now
        with torch.inference_mode():
            full = registered.model(torch.tensor([context]), use_cache=False).logits[0, -1]
        assert torch.allclose(seen[-1], full, atol=1e-5)
        # the formula, with the model's facts, equals the real key and value tensors
        real = sum(t.numel() * t.element_size() for layer in step.cache.layers
                   for t in (layer.keys, layer.values))
        assert real == kv_cache.cache_bytes(len(context), NAME)
        context.append(step.token)
        steps.append(step)
    reference = registered.model.generate(torch.tensor([ids]), max_new_tokens=5, do_sample=False)
    assert [s.token for s in steps] == reference[0, len(ids):].tolist()


def test_kv_cache_lesson_by_name(registered):
    outputs = list(kv_cache.stream("Once upon a time", 3, "en", model=NAME))
    figure, summary, formula, data = outputs[-1]
    assert len(outputs) == 3 and len(data["steps"]) == 3 and data["model"] == NAME
    per_token = 2 * 2 * 2 * 8 * 4                  # 2 x layers x kv heads x head_dim x float32
    assert f"2 × 2 × 2 × 8 × tokens × 4 = **{per_token:,} bytes per token**" in formula
    assert "Sharing 2 kv heads among 4 query heads" in formula
    last = data["steps"][-1]
    assert last["cache_bytes"] == per_token * last["position"]
    assert "Tiny Llama" in kv_cache.memory_figure("en", NAME).layout.title.text


def test_rope_uses_the_models_own_frequencies(registered):
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding

    head_dim, base = positions.rope_numbers(NAME)
    assert (head_dim, base) == (8, THETA)
    inv_freq = LlamaRotaryEmbedding(registered.model.config).inv_freq.double().numpy()
    np.testing.assert_allclose(positions.rope_frequencies(head_dim, base), inv_freq, rtol=1e-6)
    rows, _ = positions.relative_rows(9, 4, head_dim, base)
    np.testing.assert_allclose([r.score for r in rows[:4]], rows[0].score, atol=1e-9)
    _, text = positions.rope_view(3, 10, 9, 4, "en", NAME)
    assert "d = 8" in text


def test_fill_in_the_blank_by_name(registered):
    res = fill_mask.fill("The ___ barked at the mailman.", "dog, car", model=NAME)
    assert res.method == "causal" and res.model == "Tiny Llama"
    start = fill_mask.document_start(registered)
    for c in res.candidates:
        ids = torch.tensor([[start] + registered.encode(f"The {c.word} barked at the mailman.")])
        with torch.inference_mode():
            loss = registered.model(ids, labels=ids).loss        # mean -log p over T-1 tokens
        assert c.sentence_logprob == pytest.approx(-float(loss) * (ids.shape[1] - 1), abs=1e-3)


def test_next_token_and_chat_by_name(registered):
    from playground.text import chat, generation

    ids = tuple(registered.encode("Once upon a time"))
    nt = generation.next_token(generation.scores_after(ids, model=NAME), 1.0, 0, 1.0)
    with torch.inference_mode():
        reference = torch.softmax(registered.model(torch.tensor([ids])).logits[0, -1], -1)
    np.testing.assert_allclose(nt.original, reference[torch.from_numpy(np.array(nt.top_ids))].numpy(), atol=1e-6)
    assert nt.vocab_size == registered.shape.vocab_size
    turns = list(chat.respond("", [], "Hello", 0.0, 4, seed=0, model=NAME))
    assert turns[-1][0][-1]["role"] == "assistant" and len(turns) <= 1 + 4
