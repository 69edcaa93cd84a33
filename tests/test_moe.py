"""Mixture of experts (lifecycle.moe): the router against a hand computation, the collapse
without the balancing loss, and the tab."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.lifecycle import gpt, moe


def test_router_probabilities_and_top_k_by_hand():
    layer = moe.MoE(8, n_experts=4, top_k=2)
    x = torch.randn(2, 5, 8, generator=torch.Generator().manual_seed(0))
    probs, weights, chosen = layer.route(x)
    assert torch.allclose(probs.sum(-1), torch.ones(2, 5))
    by_hand = torch.softmax(x @ layer.router.weight.T, dim=-1)           # softmax(W_r x)
    assert torch.allclose(probs, by_hand, atol=1e-6)
    order = by_hand.argsort(dim=-1, descending=True)[..., :2]
    assert torch.equal(chosen, order)
    top = by_hand.gather(-1, order)
    assert torch.allclose(weights, top / top.sum(-1, keepdim=True))      # Mixtral: renormalised


def test_a_token_runs_only_its_experts():
    layer = moe.MoE(8, n_experts=3, top_k=1)
    x = torch.randn(1, 6, 8, generator=torch.Generator().manual_seed(1))
    out = layer(x)
    probs, weights, chosen = layer.route(x)
    for t in range(6):
        e = int(chosen[0, t, 0])
        assert torch.allclose(out[0, t], probs[0, t, e] * layer.experts[e](x[0, t]), atol=1e-6)
    # balancing loss: E * sum f_e P_e, equal to 1 when both are even
    share = torch.bincount(chosen[0, :, 0], minlength=3).float() / 6
    assert torch.isclose(layer.aux_loss, 3 * (share * probs.mean(dim=(0, 1))).sum())


def test_active_parameters_equal_the_dense_model():
    config = gpt.GPTConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=32)
    dense = gpt.GPT(config)
    twin = moe.moe_gpt(config, n_experts=4, top_k=1, seed=0)
    router = 2 * 32 * 4
    assert moe.active_params(twin) == sum(p.numel() for p in dense.parameters()) + router
    assert sum(p.numel() for p in twin.parameters()) > 2.5 * sum(p.numel() for p in dense.parameters()) - 1e5


def test_without_balancing_the_router_collapses():
    """Fixed seed, 100 steps, 4 experts (measured: balanced, the busiest expert 32 %;
    without, 83 %)."""
    shares = {}
    for balance in (True, False):
        *_, last = moe.train("es", n_experts=4, balance=balance, steps=100, every=1000, seed=0)
        shares[balance] = float(np.asarray(last.load[-20:]).mean(axis=0).max())
        assert last.done and len(last.dense_loss) == len(last.moe_loss) == 100
    assert shares[True] < 0.4 and shares[False] > 0.6, shares


@pytest.mark.parametrize("lang", ["es", "en"])
def test_api_and_browser_experts(client, page_in, lang):
    from tests.conftest import screenshot

    *_, status = client.predict("es", 4, 1, True, 50, lang, api_name="/experts_train")
    assert ("Paso 50" if lang == "es" else "Step 50") in status
    page = page_in(lang, tab="experts")
    steps = page.locator("#moe-steps input[type=number]")
    steps.fill("100")
    steps.press("Enter")
    page.locator("#moe-train").click()
    word = "Experto 1" if lang == "es" else "Expert 1"
    page.wait_for_function(f"() => document.querySelector('#moe-routing')?.textContent.includes({word!r})",
                           timeout=60_000)
    page.wait_for_selector("#moe-sentence .moe-char", timeout=60_000)
    page.locator("#moe-stop").click()                      # the run ends after its current step
    done = "Terminado" if lang == "es" else "Finished"
    page.wait_for_function(f"() => document.querySelector('#moe-status')?.textContent.includes({done!r})",
                           timeout=60_000)
    screenshot(page, f"experts-{lang}")


def test_the_figures_before_any_run_are_titled_in_both_languages():
    from playground.lifecycle import moe_figures

    for lang, word in (("es", "Carga"), ("en", "load")):
        assert word in moe_figures.load_figure(None, lang).layout.title.text
        assert moe_figures.loss_figure(None, lang).layout.title.text
        assert len(moe_figures.routing_figure(None, lang).data[0].y) == len(moe.CLASSES)
