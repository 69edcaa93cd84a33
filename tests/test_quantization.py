"""Quantization (lifecycle.quantization) against the gguf library's own Q4_1 and Q5_1, and on a real model."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from playground import backends
from playground.lifecycle import quantization as qz


@pytest.mark.parametrize("bits, name", [(4, "Q4_1"), (5, "Q5_1")])
def test_quantize_is_llama_cpps_layout(bits, name):
    import gguf
    from gguf.quants import dequantize, quantize

    kind = gguf.GGMLQuantizationType[name]
    w = torch.randn(16, 128, generator=torch.Generator().manual_seed(bits))
    reference = dequantize(quantize(w.numpy(), kind), kind)
    np.testing.assert_allclose(qz.quantize(w, bits).numpy(), reference, atol=1e-6)
    block, nbytes = gguf.GGML_QUANT_SIZES[kind]
    assert qz.bits_per_weight(bits) == 8 * nbytes / block        # 5.0 and 6.0 bits per weight


def test_the_error_is_at_most_half_a_step():
    w = torch.randn(64, 32, generator=torch.Generator().manual_seed(0))
    q = qz.quantize(w, 3)
    groups = w.reshape(-1, 32)
    step = (groups.max(1).values - groups.min(1).values) / 7
    fp16 = groups.abs().max(1).values * 2 ** -9          # the group's min and step kept as fp16
    assert ((q - w).reshape(-1, 32).abs() <= (step / 2 + fp16)[:, None]).all()
    assert len(torch.unique(q.reshape(-1, 32)[0])) <= 8                 # 3 bits: 8 values per group


def test_fewer_bits_cost_perplexity_and_the_shared_model_is_untouched():
    lm = backends.get(qz.MODEL)
    ids = lm.encode("The capital of France is")
    before = lm.next_token_logits(ids)
    full, eight, two = qz.measure("en", bits_list=(8, 2))
    tensors = sum({p.data_ptr(): p.numel() * p.element_size() for p in lm.model.parameters()}.values())
    assert full.bits is None and full.megabytes == pytest.approx(tensors / 1e6)     # float32 as loaded
    assert eight.perplexity == pytest.approx(full.perplexity, rel=0.03)      # 8 bits: as good
    assert two.perplexity > 10 * full.perplexity                             # 2 bits: broken
    assert eight.megabytes == pytest.approx(full.megabytes * 9 / 32)
    assert (lm.next_token_logits(ids) == before).all()


def test_api_and_browser_quantization_section(client, page_in):
    from tests.conftest import screenshot

    _, table = client.predict("es", api_name="/hardware_quantization")
    assert "Perplejidad" in table and "float32" in table and table.count("\n") == len(qz.BITS) + 2
    page = page_in("en", tab="hardware")
    page.locator("#quant-run").click()
    page.wait_for_function("() => document.querySelector('#quant-table')?.textContent.includes('Perplexity')",
                           timeout=120_000)
    page.locator("#quant-plot").scroll_into_view_if_needed()
    screenshot(page, "hardware-quantization-en")
