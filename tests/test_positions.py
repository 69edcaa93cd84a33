"""Positions (learned, sinusoidal, RoPE) and the KV cache, against formulas and transformers.

References: the paper's formula written element by element, transformers' own Llama rotary
embedding, scikit-learn's cosine similarity, SmolLM2's real cache tensors and its own greedy
generation.
"""
import math

import numpy as np
import pytest
import torch

from playground import backends
from playground.text import kv_cache, positions
from playground.core.i18n import t


# --- sinusoidal ---------------------------------------------------------------------------------

def test_sinusoidal_is_the_papers_formula():
    n, d = 50, 16
    pe = positions.sinusoidal(n, d)
    for pos in range(n):
        for i in range(d // 2):
            angle = pos / 10000 ** (2 * i / d)
            assert pe[pos, 2 * i] == pytest.approx(math.sin(angle), abs=1e-12)
            assert pe[pos, 2 * i + 1] == pytest.approx(math.cos(angle), abs=1e-12)
    assert pe[0].tolist() == [0.0, 1.0] * (d // 2)                       # position 0


def test_sinusoidal_dot_product_depends_only_on_the_offset():
    pe = positions.sinusoidal(200, 64)
    sim = pe @ pe.T
    for offset in (0, 1, 7, 50):
        diag = np.diagonal(sim, offset)
        np.testing.assert_allclose(diag, diag[0], atol=1e-9)
    fig = positions.sinusoidal_similarity_figure(30, 64, "es")
    assert "depende de i − j" in fig.layout.title.text


# --- RoPE ----------------------------------------------------------------------------------------

def llama_rope(x, pos, head_dim=64, base=100_000.0):
    """transformers' own rotary embedding, on a query (1, 1, T, d), from a tiny config."""
    from transformers import LlamaConfig
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

    config = LlamaConfig(hidden_size=576, num_attention_heads=9, num_key_value_heads=3,
                         head_dim=head_dim, rope_parameters={"rope_type": "default", "rope_theta": base})
    rotary = LlamaRotaryEmbedding(config)
    q = torch.tensor(x, dtype=torch.float32)[None, None]                  # (1, 1, T, d)
    cos, sin = rotary(q, torch.tensor([pos]))
    out, _ = apply_rotary_pos_emb(q, q, cos, sin)
    return out[0, 0].double().numpy(), rotary.inv_freq.double().numpy()


def test_rope_equals_transformers_llama_rotary_embedding():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 64))
    pos = [0, 1, 5, 40, 300, 511]
    ref, inv_freq = llama_rope(x, pos)
    np.testing.assert_allclose(positions.rope_frequencies(64, 100_000.0), inv_freq, rtol=1e-6)
    np.testing.assert_allclose(positions.rope_rotate(x, np.array(pos), 100_000.0), ref, atol=1e-3)


def smollm2_config():
    """SmolLM2's config as transformers reads it from the cache folder (not through our code)."""
    from transformers import AutoConfig

    from playground.backends.causal_lm import smollm2_cache_dir

    return AutoConfig.from_pretrained(smollm2_cache_dir())


def test_rope_numbers_are_smollm2s_config():
    config = smollm2_config()
    assert positions.rope_numbers("smollm2") == (config.head_dim, config.rope_parameters["rope_theta"])
    assert positions.rope_numbers() == positions.rope_numbers("smollm2")       # the default
    assert positions.rope_pairs() == config.head_dim // 2


def test_rope_score_depends_only_on_m_minus_n():
    rows, plain = positions.relative_rows(9, 4, 64, 100_000.0)
    same = [r.score for r in rows[:4]]
    np.testing.assert_allclose(same, same[0], atol=1e-9)
    assert abs(rows[4].score - same[0]) > 1e-3
    rows0, _ = positions.relative_rows(0, 0, 64, 100_000.0)
    assert rows0[0].score == pytest.approx(plain)                        # no rotation at 0
    text = positions.relative_text(9, 4, "en")
    assert "depends only on m − n" in text and "| 109 | 104 | 5 |" in text


def test_rope_pair_turns_by_theta_per_position():
    theta = positions.rope_frequencies(64, 100_000.0)
    assert theta[0] == 1.0 and theta[-1] == pytest.approx(100_000 ** (-62 / 64))
    path = positions.rope_pair_path(3, 20, 64, 100_000.0)
    np.testing.assert_allclose(np.hypot(path[:, 0], path[:, 1]), 1.0)
    np.testing.assert_allclose(np.unwrap(np.arctan2(path[:, 1], path[:, 0])), np.arange(20) * theta[3])
    fig = positions.rope_figure(3, 20, "es")
    assert "dimensiones 3 y 35" in fig.layout.title.text


# --- learned (MiniLM) -----------------------------------------------------------------------------

def test_learned_cosines_equal_scikit_learns():
    from sklearn.metrics.pairwise import cosine_similarity

    table = backends.get("minilm").model.embeddings.position_embeddings.weight.detach().numpy()
    np.testing.assert_allclose(positions.learned_cosines(), cosine_similarity(table), atol=1e-5)
    assert positions.learned_cosines().shape == (512, 512)
    fig = positions.learned_figure(40, "en")
    assert len(fig.data[0].z) == 40 and "MiniLM" in fig.layout.title.text
    assert "Neighbouring positions" in positions.learned_text(40, "en")


# --- KV cache ------------------------------------------------------------------------------------

def test_cache_formula_equals_the_real_cache_tensors():
    lm = backends.get("smollm2")
    config = smollm2_config()
    per_token = 2 * config.num_hidden_layers * config.num_key_value_heads * config.head_dim * 4
    assert kv_cache.cache_bytes(1, "smollm2") == kv_cache.cache_bytes(1) == per_token == 46_080
    for n in (1, 17):
        with torch.inference_mode():
            out = lm.model(torch.arange(100, 100 + n)[None], use_cache=True, logits_to_keep=1)
        real = sum(t.numel() * t.element_size() for layer in out.past_key_values.layers
                   for t in (layer.keys, layer.values))
        assert kv_cache.measured_bytes(out.past_key_values) == real == kv_cache.cache_bytes(n)


def test_timed_steps_generate_what_greedy_generation_generates():
    lm = backends.get("smollm2")
    prompt = lm.encode("Once upon a time")
    steps = list(kv_cache.timed_steps(lm, prompt, 5))
    ref = lm.generate_ids(prompt, 5, temperature=0, stop_at_eos=False)
    assert [s.token for s in steps] == lm.pieces(ref)
    assert [s.position for s in steps] == list(range(len(prompt), len(prompt) + 5))
    assert steps[-1].cache_bytes == kv_cache.cache_bytes(len(prompt) + 5 - 1)
    assert all(s.cached_s > 0 and s.uncached_s > 0 for s in steps)
    fig = kv_cache.timing_figure(steps, 5, len(prompt), "es")
    assert fig.layout.title.text == t("transformer_kv_timing_title", "es", done=5, n=5)
    assert "46,080 bytes per token" in kv_cache.memory_text("en")
    assert "Sharing 3 kv heads among 9 query heads (GQA) makes it 3 times smaller" in kv_cache.memory_text("en")
    assert "SmolLM2-135M-Instruct" in kv_cache.memory_figure("es").layout.title.text


def test_kv_lesson_streams_the_steps_then_relabels_them():
    outputs = list(kv_cache.stream("Once upon a time", 3, "es"))
    assert len(outputs) == 3
    _, summary, formula, data = outputs[-1]
    steps = kv_cache.steps_from(data)
    assert len(steps) == 3 and data["model"] == "smollm2"
    _, summary_en, formula_en, _ = kv_cache.outputs(steps, 3, data["prompt_tokens"], "en")
    assert "Medido ahora" in formula and "Measured now" in formula_en


# --- through the API ---------------------------------------------------------------------------

def test_api_positions(client):
    fig, text = client.predict(64, "es", api_name="/transformer_learned")
    assert "coseno" in text or "Posiciones vecinas" in text
    client.predict(50, 32, "en", api_name="/transformer_sinusoidal")
    _, text = client.predict(4, 16, 12, 2, "en", api_name="/transformer_rope")
    assert "| 12 | 2 | 10 |" in text


def test_api_kv_cache_streams_every_step(client):
    job = client.submit("Hello", 4, "en", api_name="/transformer_kv_cache")
    outputs = list(job)
    assert len(outputs) >= 1
    _, summary, formula, data = job.outputs()[-1]
    assert len(data["steps"]) == 4 and "Generated 4 tokens" in summary
    n = data["steps"][-1]["position"]          # tokens the model has read = in the cache
    assert f"**{kv_cache.cache_bytes(n):,} bytes**" in formula
