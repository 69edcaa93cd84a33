"""The hardware calculator (lifecycle.hardware) checked against this machine: the app's own
models' tensor sizes, their real KV caches, and their real GGUF files."""
from __future__ import annotations

import pytest
import torch

from playground import backends
from playground.backends import gguf as gguf_files
from playground.lifecycle import hardware as hw


def test_bits_per_weight_are_the_gguf_block_layouts():
    bits = hw.formats()
    # Known layouts: Q8_0 = 32 int8 + one fp16 scale; Q4_0 = 32 nibbles + fp16 scale;
    # Q4_K = a 256-weight super-block in 144 bytes; Q6_K = 256 in 210 bytes.
    assert bits["Q8_0"] == (32 + 2) * 8 / 32 == 8.5
    assert bits["Q4_0"] == (16 + 2) * 8 / 32 == 4.5
    assert bits["Q4_K"] == 144 * 8 / 256 and bits["Q6_K"] == 210 * 8 / 256
    assert bits["fp32"] == 32 and bits["bf16"] == 16
    assert list(bits.values())[4:] == sorted(list(bits.values())[4:], reverse=True)   # coarser, fewer bits


@pytest.mark.parametrize("name, source", [("smollm2", gguf_files.smollm2_gguf), ("gemma3", gguf_files.gemma3_gguf)])
def test_a_real_gguf_holds_the_models_numbers_at_its_measured_bits(name, source):
    folder, file = source()
    bits, numbers = hw.gguf_bits(folder / file)
    model = hw.from_loaded(name, backends.get(name).model)
    assert sum(numbers.values()) == model.params               # every weight, tied ones once
    assert 4.5 <= bits <= 8.5                                  # a 4-bit file keeps some tensors larger
    file_bytes = (folder / file).stat().st_size
    assert bits * model.params / 8 <= file_bytes < bits * model.params / 8 + 20 * 2**20   # + metadata, vocabulary


@pytest.mark.parametrize("name", ["smollm2", "gemma3"])
def test_predicted_weights_and_kv_cache_equal_what_this_machine_holds(name):
    lm = backends.get(name)
    model = hw.from_loaded(name, lm.model)
    tensors = {p.data_ptr(): p.numel() * p.element_size() for p in lm.model.parameters()}
    tokens = 600                                  # past Gemma's 512-token sliding window
    ids = torch.randint(10, 1000, (1, tokens))
    with torch.inference_mode():
        cache = lm.model(ids, use_cache=True, logits_to_keep=1).past_key_values
    measured_kv = sum(layer.keys.nbytes + layer.values.nbytes for layer in cache.layers)
    e = hw.estimate(model, hw.formats()["fp32"], tokens, kv_bytes=4)
    assert e.weights == sum(tensors.values())
    assert e.kv_cache == measured_kv


def test_a_mixture_of_experts_stores_its_total_and_reads_its_active():
    mixtral = next(m for m in hw.presets() if m.name == "Mixtral 8x7B")
    dense = hw.Model("dense", mixtral.active, mixtral.shape, mixtral.intermediate)
    moe_e, dense_e = (hw.estimate(m, 4.5, 4096, bandwidth_gbs=100) for m in (mixtral, dense))
    assert moe_e.tokens_per_s == pytest.approx(dense_e.tokens_per_s)      # speed: what a token reads
    assert moe_e.weights / dense_e.weights == pytest.approx(mixtral.params / mixtral.active)   # memory: all
    llama70 = next(m for m in hw.presets() if m.name == "Llama 3 70B")
    assert not hw.estimate(llama70, 4.5, 8192).fits(24) and hw.estimate(llama70, 4.5, 8192).fits(64)


# --- the tab ---------------------------------------------------------------------------------------

def test_api_hardware_estimate_answers_in_the_visitors_language(client, app_url):
    from gradio_client.exceptions import AppError

    from tests.test_bad_input import call_raw, error_message

    _, verdict = client.predict("Mixtral 8x7B", "Q4_K", 4096, 1, 60, 16, "es", api_name="/hardware_estimate")
    assert "No cabe" in verdict and "Mezcla de expertos" in verdict and "46.7" in verdict
    _, verdict = client.predict("smollm2", "fp32", 2048, 1, 60, 16, "en", api_name="/hardware_estimate")
    assert "It fits" in verdict and "tokens/s at 60 GB/s" in verdict
    with pytest.raises(AppError, match="Modelo desconocido"):
        client.predict("GPT-9", "Q4_K", 4096, 1, 60, 16, "es", api_name="/hardware_estimate")
    kind, data = call_raw(app_url, "/hardware_estimate", ["Llama 3 8B", "Q4_K", float("nan"), 1, 60, 16, "es"])
    assert kind == "error" and "número finito" in error_message(data)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_hardware_journey(page_in, lang):
    from tests.conftest import screenshot

    page = page_in(lang, tab="hardware")
    verdict = page.locator("#hardware-verdict")
    verdict.get_by_text("GiB").first.wait_for(timeout=30_000)
    page.locator("#hardware-model input").click()
    page.get_by_role("option", name="Llama 3 70B").click()
    word = "No cabe" if lang == "es" else "does not fit"
    page.wait_for_function(f"() => document.querySelector('#hardware-verdict')?.textContent.includes({word!r})",
                           timeout=30_000)
    title = "memoria necesaria" if lang == "es" else "memory needed"
    page.wait_for_function(f"() => document.querySelector('#hardware-plot')?.textContent.includes({title!r})",
                           timeout=30_000)
    screenshot(page, f"hardware-{lang}")
