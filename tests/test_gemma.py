"""Gemma 3 270M, the Spanish-speaking causal LM, by name ("gemma3"), and a tiny Gemma 3.

References: transformers' own forward pass and `generate` on the same weights, the model's
own attention weights, its real `past_key_values` tensors, its config, and Debian's Spanish
word list (`/usr/share/dict/spanish`, package wspanish). The real model loads once for the
module (from its float32 cache folder); the tiny one is built from a `Gemma3TextConfig` with
a sliding window of 4 tokens and a scaling that is not 1/sqrt(head_dim), so both show.
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from playground import backends  # noqa: E402
from playground.backends import causal_lm  # noqa: E402
from playground.backends.backend import Backend  # noqa: E402
from playground.text import attention, attention_figures, generation, kv_cache, positions  # noqa: E402

ES = generation.PROMPTS["es"]          # "El futuro de la IA se basa en la"
SPANISH_WORDS = Path("/usr/share/dict/spanish")


@pytest.fixture(scope="module")
def gemma():
    return backends.get("gemma3")


# --- the loader and the registry -------------------------------------------------------------

def test_one_entry_makes_it_a_causal_lm_by_name(gemma):
    assert "gemma3" in backends.names(kind="causal_lm") and backends.first("causal_lm") == "smollm2"
    card = backends.backend("gemma3").card
    assert card["licence"] == "Gemma Terms of Use" and card["licence_url"].startswith("https://ai.google.dev/gemma")
    folder = causal_lm.gemma3_cache_dir(build=False)
    assert folder is not None and (folder / "model.safetensors").exists()
    assert gemma.model.config.model_type == "gemma3_text"
    assert getattr(gemma.model.config, "quantization_config", None) is None     # plain float32
    shape = gemma.shape                                    # read from its config
    assert (shape.layers, shape.heads, shape.kv_heads, shape.head_dim) == (18, 4, 1, 256)
    assert shape.layer_kinds.count("full_attention") == 3 and shape.sliding_window == 512
    assert shape.vocab_size == len(gemma.tokenizer) == 262_144


# --- next token, greedy text: transformers called directly on the same weights --------------------

def test_next_token_probabilities_equal_a_direct_forward_pass(gemma):
    ids = generation.encode_prompt(ES, "gemma3")
    assert list(ids) == gemma.tokenizer(ES)["input_ids"] and ids[0] == gemma.tokenizer.bos_token_id
    scores = generation.scores_after(ids, model="gemma3")
    with torch.inference_mode():
        reference = torch.softmax(gemma.model(torch.tensor([list(ids)])).logits[0, -1].float(), -1)
    ours = torch.softmax(torch.tensor(scores.logits), -1)
    assert torch.allclose(ours, reference, atol=1e-6)
    nt = generation.next_token(scores, 1.0, 0, 1.0)
    assert torch.allclose(torch.tensor(nt.original), reference[torch.tensor(nt.top_ids)], atol=1e-6)


def test_greedy_text_equals_generate(gemma):
    ids = list(generation.encode_prompt(ES, "gemma3"))
    ours = gemma.generate_ids(ids, 12, temperature=0.0)
    with torch.inference_mode():
        reference = gemma.model.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False)
    assert ours == reference[0, len(ids):].tolist()


def test_the_course_prompt_continues_with_whole_spanish_words(gemma):
    """Each of the top 5 is a word of Debian's Spanish list with its leading space, which
    SmolLM2's fragments («c», «mism», «n») are not."""
    words = set(SPANISH_WORDS.read_text(encoding="utf-8").split())
    nt = generation.next_token(generation.scores_after(generation.encode_prompt(ES, "gemma3"),
                                                       model="gemma3"), 1.0, 0, 1.0)
    top5 = [gemma.decode([int(i)]) for i in nt.top_ids[:5]]
    assert all(p.startswith(" ") and p.strip().isalpha() and p.strip() in words for p in top5), top5
    assert {"c", "mism", "n"}.isdisjoint(words)            # the check would fail SmolLM2's


def test_spanish_interface_runs_the_course_example_on_gemma():
    assert generation.default_model("es") == "gemma3" and generation.default_model("en") == "smollm2"


# --- attention: layers x heads maps, recomputed heads, and the model's own layer kinds ------------

def test_attention_maps_and_a_recomputed_head(gemma):
    analysis = attention.analyze("gemma3", ES)
    T = len(gemma.encode(ES))
    assert analysis.attentions.shape == (18, 4, T, T)     # layers x heads maps
    np.testing.assert_allclose(analysis.attentions.sum(-1), 1.0, atol=1e-5)
    for layer, head, query in [(1, 1, T - 1), (6, 3, T - 1), (12, 4, 3)]:   # sliding, full, full
        head_qkv = attention.qkv(analysis, layer, head, query)
        np.testing.assert_allclose(head_qkv.weights, analysis.attentions[layer - 1, head - 1, query],
                                   atol=1e-4)
        assert head_qkv.kv_head == 1 and head_qkv.d == 256
    # which layer is local, which global: the config's own layer_types, shown in both languages
    kinds = gemma.model.config.layer_types
    full = [i + 1 for i, k in enumerate(kinds) if k == "full_attention"]
    _, heads_fig, info, numbers = attention_figures.view("gemma3", ES, full[0], 1, "en")
    assert numbers["layer_kinds"] == list(kinds) and numbers["sliding_window"] == 512
    assert f"Layer {full[0]}: global attention" in info and "global" in heads_fig.layout.title.text
    assert ", ".join(map(str, full)) in info
    _, heads_fig, info, _ = attention_figures.view("gemma3", ES, 1, 1, "es")
    assert "Capa 1: atención local" in info and "ventana de 512" in heads_fig.layout.title.text


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, gemma):
    """A tiny Gemma 3: 3 layers (sliding, sliding, full), a window of 4, Gemma's tokenizer."""
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    config = Gemma3TextConfig(
        vocab_size=262_144, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=2, head_dim=8, query_pre_attn_scalar=32,
        sliding_window=4, layer_types=["sliding_attention", "sliding_attention", "full_attention"],
        max_position_embeddings=256,
        rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0},
                         "full_attention": {"rope_type": "default", "rope_theta": 1_000_000.0}})
    path = tmp_path_factory.mktemp("tiny-gemma")
    torch.manual_seed(0)
    Gemma3ForCausalLM(config).save_pretrained(path)
    gemma.tokenizer.save_pretrained(path)
    return causal_lm.load(path, name="Tiny Gemma")


def test_sliding_window_layers_see_only_their_window(tiny, monkeypatch):
    monkeypatch.setitem(backends.DEFAULTS, "tiny-gemma", Backend("tiny-gemma", lambda: tiny, {
        "title": "Tiny Gemma", "kind": "causal_lm", "source": "a test", "licence": "-"}))
    text = "El gato se sentó en la alfombra porque el gato estaba cansado."
    analysis = attention.analyze("tiny-gemma", text)
    T = analysis.n_tokens
    assert T > 8 and analysis.attentions.shape == (3, 4, T, T)
    far = np.tril(np.ones((T, T), bool), k=-4)               # keys 4 or more tokens back
    assert analysis.attentions[:2][:, :, far].max() == 0.0    # sliding layers: zero there
    assert analysis.attentions[2][:, far].min() > 0.0         # the full layer: not
    # Q/K/V recomputed with Gemma's q/k norms, per-kind RoPE, 1/sqrt(32) and the window
    for layer, head, query in [(1, 2, T - 1), (2, 4, 6), (3, 3, T - 1)]:
        head_qkv = attention.qkv(analysis, layer, head, query)
        np.testing.assert_allclose(head_qkv.weights, analysis.attentions[layer - 1, head - 1, query],
                                   atol=1e-5)


# --- the KV cache: the formula with Gemma's numbers equals its real past_key_values -------------

def test_kv_cache_formula_equals_gemmas_real_cache(gemma):
    ids = gemma.encode(ES)
    context = list(ids)
    for step in gemma.decode_steps(ids, 3, lambda logits: (int(logits.argmax()), 1.0)):
        real = sum(t.numel() * t.element_size() for layer in step.cache.layers
                   for t in (layer.keys, layer.values))
        assert real == kv_cache.cache_bytes(len(context), "gemma3") == 2 * 18 * 1 * 256 * 4 * len(context)
        context.append(step.token)


def test_past_the_window_local_layers_keep_only_their_window(gemma):
    """Past 511 tokens the 15 local layers' caches stop growing (a new token sees itself and
    the 511 before it, in a window of 512): the formula follows."""
    ids = (gemma.encode(ES + " " + "la casa y el perro " * 120))[:530]
    assert len(ids) == 530
    with torch.inference_mode():
        cache = gemma.model(torch.tensor([ids]), use_cache=True, logits_to_keep=1).past_key_values
    assert kv_cache.measured_bytes(cache) == kv_cache.cache_bytes(530, "gemma3") \
        == 2 * 1 * 256 * 4 * (3 * 530 + 15 * 511)


def test_transformer_tab_with_gemmas_numbers(gemma):
    import pages.transformer as page
    from transformers.models.gemma3.modeling_gemma3 import Gemma3RotaryEmbedding

    chosen, pair, rope_fig, rope_md, memory_fig, formula = page.switch_model("gemma3", 200, 24, 7, 3, "en")
    assert chosen == "gemma3" and pair["maximum"] == 256 // 2 - 1 and pair["value"] == 127
    head_dim, base = positions.rope_numbers("gemma3")
    inv_freq = Gemma3RotaryEmbedding(gemma.model.config).full_attention_inv_freq.double().numpy()
    np.testing.assert_allclose(positions.rope_frequencies(head_dim, base), inv_freq, rtol=1e-6)
    assert "2 × 18 × 1 × 256 × tokens × 4 = **36,864 bytes per token**" in formula
    assert "15 of its 18 layers are local" in formula and "Gemma 3 270M" in memory_fig.layout.title.text
    assert "15 de sus 18 capas son locales" in page.memory("gemma3", "es")[1]


# --- the API: new api_names take the model; the old ones default by language -------------------

def _numbers(result):
    return result[-1]                                   # next_token's last output: the numbers


def test_api_next_token_model_and_the_language_default(client, gemma):
    from gradio_client import Client

    own = Client(client.src, verbose=False)             # a visitor of their own: own State
    first = _numbers(own.predict(ES, "gemma3", 1.0, 0, 1.0, "es", api_name="/next_token_model"))
    ids = gemma.tokenizer(ES)["input_ids"]
    with torch.inference_mode():
        reference = torch.softmax(gemma.model(torch.tensor([ids])).logits[0, -1], -1)
    best = torch.topk(reference, 5)
    assert first["model"] == "gemma3"
    assert [x["id"] for x in first["tokens"][:5]] == best.indices.tolist()
    np.testing.assert_allclose([x["p_model"] for x in first["tokens"][:5]], best.values.numpy(), atol=1e-4)
    # the choice stays in the visitor's State: a slider redraws Gemma's scores, whatever the language
    redrawn = own.predict(ES, 0.5, 0, 1.0, "en", api_name="/next_token_redraw")
    assert redrawn[-1]["model"] == "gemma3"
    # a client without state gets the interface language's model
    assert _numbers(Client(client.src, verbose=False).predict(
        ES, 1.0, 0, 1.0, "es", api_name="/next_token"))["model"] == "gemma3"
    assert _numbers(Client(client.src, verbose=False).predict(
        ES, 1.0, 0, 1.0, "en", api_name="/next_token"))["model"] == "smollm2"


def test_api_unknown_model_is_a_translated_error(client):
    from gradio_client.exceptions import AppError

    for lang, words in (("es", "No conozco el modelo"), ("en", "Unknown model")):
        with pytest.raises(AppError, match=words):
            client.predict(ES, "gpt-5", 1.0, 0, 1.0, lang, api_name="/next_token_model")
        with pytest.raises(AppError, match=words):
            client.predict(ES, "🤖" * 3, 4, 0.0, 0, 1.0, 1, lang, api_name="/generate_stream_model")


def test_api_generate_stream_model_greedy_equals_generate(client, gemma):
    job = client.submit(ES, "gemma3", 8, 0.0, 0, 1.0, 1, "es", api_name="/generate_stream_model")
    final = job.result()
    ids = gemma.tokenizer(ES)["input_ids"]
    with torch.inference_mode():
        reference = gemma.model.generate(torch.tensor([ids]), max_new_tokens=8, do_sample=False)
    new = reference[0, len(ids):].tolist()
    assert final["model"] == "gemma3" and [x["id"] for x in final["tokens"]] == new
    assert final["text"] == gemma.decode(new) and len(job.outputs()) >= 4      # streamed


def test_api_generate_compare_model(client):
    final = client.predict(ES, "gemma3", 3, 0.2, 1.5, 50, 0.95, 9, "en", api_name="/generate_compare_model")
    assert final["model"] == "gemma3" and len(final["runs"]) == 4
    assert [(r["temperature"], r["seed"]) for r in final["runs"]] == [(0.2, 9), (0.2, 10), (1.5, 9), (1.5, 10)]
    assert all(r["text"] for r in final["runs"])


def test_api_transformer_model(client):
    pair, _, rope_md, _, formula = client.predict("gemma3", 4, 24, 7, 3, "en", api_name="/transformer_model")
    assert "36,864 bytes per token" in formula and "15 of its 18 layers are local" in formula
    assert "d = 256" in rope_md
    _, _, _, _, formula = client.predict("smollm2", 4, 24, 7, 3, "es", api_name="/transformer_model")
    assert "SmolLM2" in formula and "capas son locales" not in formula


def test_the_new_api_names_survive_bad_input(client, app_url):
    """test_bad_input's sweep, on this issue's api_names only, with a valid model as the base."""
    from tests.test_bad_input import default_args, endpoints, sweep

    named = endpoints(client)
    failures = []
    for name in ("/next_token_model", "/generate_stream_model", "/generate_compare_model",
                 "/transformer_model", "/models_licences"):
        params = named[name]["parameters"]
        base = [("gemma3" if p["parameter_name"] == "model" else
                 "Hola" if p["parameter_name"] == "prompt" else a)
                for p, a in zip(params, default_args(params))]
        failures += sweep(app_url, name, params, base, slow=True)
    assert not failures, "\n".join(map(str, failures))
