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
