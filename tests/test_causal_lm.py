"""SmolLM2-135M-Instruct for real: causal attention, logits, the sampler, the cache folder.

Every test here shares one model through the `smollm2` fixture (module scope; the backend
is a process-wide singleton, so the whole test session loads it once). From a clean
clone the first load dequantizes the GGUF into the cache folder (~30 s), once.
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import json  # noqa: E402
import threading  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from playground import backends  # noqa: E402
from playground.backends.causal_lm import MAX_FORWARD, sampling_distribution, smollm2_cache_dir  # noqa: E402
from playground.core.errors import UserError  # noqa: E402

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def smollm2():
    return backends.get("smollm2")


def test_30_layers_of_causal_attention(smollm2):
    ids = smollm2.encode("The cat sat on the mat because it was tired")
    out = smollm2.forward(ids)
    T = len(ids)
    assert out.attentions.shape == (30, 9, T, T)
    assert np.triu(out.attentions, k=1).max() == 0.0                # nothing from the future
    np.testing.assert_allclose(out.attentions.sum(-1), 1.0, atol=1e-5)
    assert out.logits.shape == (T, 49_152)
    np.testing.assert_allclose(smollm2.next_token_logits(ids), out.logits[-1], atol=1e-3)
    # each layer's input, and the logits of the last position only
    out = smollm2.forward(ids, hidden_states=True, logits_to_keep=1)
    assert out.hidden.shape == (30, T, 576) and out.logits.shape == (1, 49_152)
    embed = smollm2.model.get_input_embeddings().weight.detach().numpy()
    np.testing.assert_allclose(out.hidden[0], embed[ids], atol=1e-6)


def test_shape_is_read_from_the_config_file(smollm2):
    config = json.loads((smollm2_cache_dir(build=False) / "config.json").read_text())
    shape = smollm2.shape
    assert (shape.layers, shape.heads, shape.kv_heads, shape.head_dim, shape.hidden) == (
        config["num_hidden_layers"], config["num_attention_heads"], config["num_key_value_heads"],
        config["head_dim"], config["hidden_size"])
    assert shape.vocab_size == config["vocab_size"] and shape.positions == "rope"
    assert shape.rope_theta == config["rope_parameters"]["rope_theta"]
    assert shape.max_context == config["max_position_embeddings"] and shape.layer_kinds is None
    assert smollm2.bytes_per_number == 4


def test_gemma3_style_config_has_layer_kinds_and_nested_rope():
    from transformers import Gemma3TextConfig

    from playground.backends.facts import LMShape

    config = Gemma3TextConfig(num_hidden_layers=6, num_attention_heads=4, num_key_value_heads=1,
                              head_dim=256, hidden_size=640, sliding_window=512)
    shape = LMShape.from_config(config)
    assert shape.layer_kinds == tuple(config.layer_types) and len(shape.layer_kinds) == 6
    assert "sliding_attention" in shape.layer_kinds and "full_attention" in shape.layer_kinds
    assert shape.sliding_window == 512 and shape.head_dim == 256 and shape.queries_per_kv_head == 4
    assert shape.positions == "rope" and shape.rope_theta is not None


def test_greedy_decoding_repeats_and_equals_generate(smollm2):
    ids = smollm2.chat_ids(QUESTION)
    first = smollm2.generate_ids(ids, 12, temperature=0)
    assert smollm2.generate_ids(ids, 12, temperature=0) == first
    reference = smollm2.model.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False)
    assert first == reference[0, len(ids):].tolist()
    assert "Paris" in smollm2.decode(first)
    assert first[-1] in smollm2.eos_ids                                 # stopped at <|im_end|>


def test_chat_template(smollm2):
    text = smollm2.tokenizer.decode(smollm2.chat_ids(QUESTION))
    assert text.startswith("<|im_start|>system\n")
    assert text.endswith("<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
                         "<|im_start|>assistant\n")


def test_seeded_sampling_repeats(smollm2):
    ids = smollm2.encode("Once upon a time")
    settings = dict(temperature=1.2, top_k=50, top_p=0.95, seed=7)
    first = list(smollm2.stream_tokens(ids, 8, **settings))
    assert list(smollm2.stream_tokens(ids, 8, **settings)) == first
    assert all(0 < t.prob <= 1 for t in first)


def test_stop_event_stops_between_tokens(smollm2):
    ids = smollm2.encode("Once upon a time")
    stop = threading.Event()
    got = []
    for token in smollm2.stream_tokens(ids, 50, temperature=0, stop_event=stop):
        assert not torch.is_inference_mode_enabled()   # not left on between tokens
        got.append(token)
        if len(got) == 3:
            stop.set()
    assert len(got) == 3


def test_sampling_distribution_equals_transformers_warpers():
    from transformers.generation.logits_process import (TemperatureLogitsWarper,
                                                        TopKLogitsWarper, TopPLogitsWarper)

    logits = torch.randn(1000, generator=torch.Generator().manual_seed(0)) * 3
    for temperature, top_k, top_p in [(1.0, 0, 1.0), (0.7, 50, 1.0), (1.3, 0, 0.9), (0.8, 40, 0.8)]:
        scores = TemperatureLogitsWarper(temperature)(None, logits[None].clone())
        if top_k:
            scores = TopKLogitsWarper(top_k)(None, scores)
        if top_p < 1:
            scores = TopPLogitsWarper(top_p)(None, scores)
        expected = torch.softmax(scores, -1)[0]
        got = sampling_distribution(logits, temperature, top_k, top_p)
        torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)
    greedy = sampling_distribution(logits, 0.0)
    assert greedy.sum() == 1 and greedy[logits.argmax()] == 1


def test_prompt_limits(smollm2):
    with pytest.raises(UserError) as err:
        smollm2.next_token_logits([])
    assert err.value.key == "error_empty_prompt"
    with pytest.raises(UserError) as err:
        smollm2.forward([1] * (MAX_FORWARD + 1))
    assert err.value.key == "error_prompt_too_long"


def test_cache_folder_holds_plain_float32_weights(smollm2):
    folder = smollm2_cache_dir(build=False)
    assert folder is not None and (folder / "model.safetensors").exists()
    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config
    info = backends.backend("smollm2").info()
    assert backends.DEFAULTS["smollm2"].card.keys() == {"title", "kind", "source", "licence"}
    assert info["parameters"] == 134_515_008
    assert (info["layers"], info["heads"], info["kv_heads"]) == (30, 9, 3)
    assert info["vocab_size"] == 49_152
    assert info["bytes_in_memory"] >= 4 * 134_515_008                # float32, tied embeddings once
    assert info["status"]["state"] == "loaded"


def test_two_visitors_streaming_at_once_get_their_own_answers(smollm2):
    prompts = [smollm2.encode("The capital of Spain is"), smollm2.encode("1, 2, 3, 4,")]
    alone = [smollm2.generate_ids(p, 6, temperature=0) for p in prompts]
    together = [None, None]

    def visitor(i):
        together[i] = smollm2.generate_ids(prompts[i], 6, temperature=0)

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert together == alone
