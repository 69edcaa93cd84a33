"""The shared backends for real, offline: GloVe, MiniLM, loading once, hub models.

SmolLM2's tests are in test_causal_lm.py. The hub code runs on tiny models built from a
config and saved to a temporary folder: the same `from_pretrained` path a Space takes.
"""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import threading  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from playground import backends  # noqa: E402
from playground.backends import compute, hub  # noqa: E402
from playground.backends.backend import Backend  # noqa: E402
from playground.core.errors import UserError  # noqa: E402


@pytest.fixture(scope="module")
def glove():
    return backends.get("glove")


@pytest.fixture(scope="module")
def minilm():
    return backends.get("minilm")


# --- GloVe ------------------------------------------------------------------------------------

def test_glove_has_all_400k_words(glove):
    assert len(glove) == 400_000 and glove.dim == 50
    assert glove.words[:3] == ("the", ",", ".")
    assert glove.row("aardvark") > 10_000                    # rare words are there too
    assert np.allclose(np.linalg.norm(glove.unit, axis=1), 1, atol=1e-5)


def test_king_minus_man_plus_woman_is_queen(glove):
    word, cosine = glove.analogy("king", "man", "woman")[0]
    assert word == "queen"
    assert cosine == pytest.approx(0.861, abs=0.005)
    assert glove.analogy("paris", "france", "italy")[0][0] == "rome"


def test_nearest_equals_a_full_sort(glove):
    query = glove.vector("computer")
    cosines = glove.unit @ (query / np.linalg.norm(query))
    expected = [glove.words[i] for i in np.argsort(-cosines)[:10]]
    assert [w for w, _ in glove.nearest(query, 10)] == expected
    assert [w for w, _ in glove.nearest(query, 9, exclude=["computer"])] == expected[1:]


def test_glove_is_case_insensitive_and_reports_unknown_words(glove):
    assert np.array_equal(glove.vector(" King "), glove.vector("king"))
    with pytest.raises(UserError) as err:
        glove.vector("qwertyuiopasdf")
    assert err.value.key == "error_word_not_found"


# --- MiniLM -----------------------------------------------------------------------------------

def test_minilm_attention_6_layers_of_12_heads_rows_sum_to_1(minilm):
    out = minilm.analyze("The cat sat on the mat because it was tired.")
    T = len(out.tokens)
    assert out.hidden.shape == (6, T, 384) and minilm.encode("The cat sat on the mat because it was tired.") == out.ids
    assert out.tokens[0] == "[CLS]" and out.tokens[-1] == "[SEP]" and "cat" in out.tokens
    assert out.attentions.shape == (6, 12, T, T)
    np.testing.assert_allclose(out.attentions.sum(-1), 1.0, atol=1e-5)
    assert out.attentions[:, :, 1, -1].max() > 0            # bidirectional: sees the end


def test_minilm_sentence_embeddings(minilm):
    e = minilm.embed(["A man is eating food.", "A man is eating pasta.", "The sky is blue today."])
    assert e.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert e[0] @ e[1] > 0.6 > e[0] @ e[2]
    # the same embedding whether a sentence comes alone or padded in a batch
    np.testing.assert_allclose(minilm.analyze("The sky is blue today.").embedding, e[2], atol=1e-5)


def test_facts_come_from_the_loaded_models(minilm, glove):
    # the published numbers (MODELS.md, the model cards), read by `info()` from the models
    expected = {"minilm": {"parameters": 22_713_216, "layers": 6, "heads": 12, "vocab_size": 30_522,
                           "dim": 384},
                "glove": {"parameters": 400_000 * 50, "layers": 0, "heads": 0, "vocab_size": 400_000,
                          "dim": 50}}
    for name, facts in expected.items():
        info = backends.backend(name).info()
        assert {k: info[k] for k in facts} == facts, name
        assert info["bytes_in_memory"] > 0 and info["load_seconds"] > 0
        assert info["status"]["state"] == "loaded"
    shape = minilm.shape
    assert (shape.layers, shape.heads, shape.head_dim, shape.positions) == (6, 12, 32, "learned")
    assert minilm.position_vectors().shape == (512, 384)


def test_names_by_kind():
    assert backends.names() == ("glove", "minilm", "smollm2", "qwen")
    assert backends.names(kind="chat_lm") == ("qwen",)          # optional, never preloaded
    assert backends.names(kind="causal_lm") == ("smollm2",)
    assert backends.names(kind="encoder") == ("minilm",)
    assert backends.first("causal_lm") == "smollm2" and backends.first("encoder") == "minilm"
    assert backends.title("smollm2") == "SmolLM2-135M-Instruct"


# --- loading once, status ---------------------------------------------------------------------

def test_two_threads_asking_at_once_load_one_copy():
    from playground.backends import glove

    calls = []

    def loader():
        calls.append(threading.get_ident())
        return glove.load()

    holder = Backend("glove-twice", loader)
    got, start = [], threading.Barrier(2)

    def ask():
        start.wait()
        got.append(holder.get())

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert got[0] is got[1]


def test_status_while_loading_then_loaded_or_failed():
    release = threading.Event()
    holder = Backend("slow", lambda: release.wait(5) and "model")
    assert holder.status().state == "not loaded"
    thread = threading.Thread(target=holder.get)
    thread.start()
    time.sleep(0.05)
    status = holder.status()
    assert status.state == "loading" and status.seconds >= 0.04
    assert status.text.startswith("loading (")
    release.set()
    thread.join()
    assert holder.status().state == "loaded" and holder.get() == "model"

    def broken():
        raise OSError("disk full")

    failing = Backend("broken", broken)
    with pytest.raises(OSError):
        failing.get()
    assert failing.status().text == "failed: OSError: disk full"


def test_preload_in_background_is_a_daemon_thread(glove):
    thread = backends.preload_in_background(("glove",))
    assert thread.daemon
    thread.join(30)
    assert backends.status("glove").state == "loaded" and backends.get("glove") is glove
    import gc
    assert gc.get_freeze_count() > 0          # loaded models are out of the collector's way


def test_torch_threads_from_the_environment(monkeypatch):
    monkeypatch.delenv(compute.THREADS_ENV, raising=False)
    assert compute.torch_threads() == 1
    monkeypatch.setenv(compute.THREADS_ENV, "2")
    assert compute.torch_threads() == min(2, os.cpu_count())
    for bad in ("64", "0", "many"):
        monkeypatch.setenv(compute.THREADS_ENV, bad)
        assert 1 <= compute.torch_threads() <= 2


def test_status_labels_exist_in_both_languages():
    from playground.core import i18n

    for state in ("not loaded", "loading", "loaded", "failed"):
        status = backends.Status("x", state, 1.5, "why")
        for lang in i18n.LANGS:
            assert i18n.t(status.i18n_key, lang, **status.i18n_values)


def test_describe_all_is_plain_data(monkeypatch):
    monkeypatch.setenv(hub.ENV_VAR, "")
    rows = backends.describe_all()
    assert [r["name"] for r in rows] == ["glove", "minilm", "smollm2", "qwen"]
    for r in rows:
        assert {"title", "kind", "source", "licence", "parameters", "layers", "heads",
                "vocab_size", "load_seconds", "status"} <= set(r)
        assert r["status"]["state"] in ("not loaded", "loading", "loaded", "failed")


def test_importing_the_backends_is_light():
    import subprocess
    import sys

    code = ("import sys, playground.backends, playground.backends.tokenizers, playground.backends.hub; "
            "print('torch' in sys.modules, 'gradio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.stdout.split() == ["False", "False"]


# --- hub models -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory):
    """A 2-layer GPT-2 with random weights and GPT-2's real tokenizer, saved like a hub repo."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    from playground.backends.tokenizers import gpt2_backend_tokenizer

    path = tmp_path_factory.mktemp("tiny-gpt2")
    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config(vocab_size=50_257, n_positions=64, n_embd=16, n_layer=2,
                               n_head=2)).save_pretrained(path)
    PreTrainedTokenizerFast(tokenizer_object=gpt2_backend_tokenizer(),
                            eos_token="<|endoftext|>").save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A 2-layer BERT with random weights and MiniLM's WordPiece tokenizer."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from playground.backends.encoder import minilm_dir

    path = tmp_path_factory.mktemp("tiny-bert")
    BertModel(BertConfig(vocab_size=30_522, hidden_size=32, num_hidden_layers=2,
                         num_attention_heads=4, intermediate_size=64)).save_pretrained(path)
    AutoTokenizer.from_pretrained(minilm_dir()).save_pretrained(path)
    return str(path)


def test_allowed_list_from_the_environment(monkeypatch):
    monkeypatch.setenv(hub.ENV_VAR, " gpt2, distilgpt2,,bert-base-uncased ,gpt2")
    assert hub.allowed_models() == ("gpt2", "distilgpt2", "bert-base-uncased")
    monkeypatch.delenv(hub.ENV_VAR)
    assert hub.allowed_models() == ()


def test_a_name_the_host_did_not_allow_is_refused(monkeypatch):
    monkeypatch.setenv(hub.ENV_VAR, "gpt2")
    for name in ("gpt2-xl", "../../etc", "GPT2"):
        with pytest.raises(UserError) as err:
            backends.get(name)
        assert err.value.key == "error_hub_model_not_allowed"


def test_offline_an_allowed_model_fails_clearly_and_defaults_keep_working(monkeypatch, glove):
    name = "genai-playground-tests/no-such-model"
    monkeypatch.setenv(hub.ENV_VAR, name)
    with pytest.raises(UserError) as err:
        backends.get(name)
    assert err.value.key == "error_hub_model_unavailable"
    assert err.value.values["name"] == name and err.value.values["reason"]
    assert backends.status(name).state == "failed"
    assert backends.get("glove") is glove


def test_hub_causal_lm_through_from_pretrained(monkeypatch, tiny_gpt2):
    from playground.backends.causal_lm import CausalLM

    monkeypatch.setenv(hub.ENV_VAR, f"gpt2,{tiny_gpt2}")
    lm = backends.get(tiny_gpt2)
    assert isinstance(lm, CausalLM) and backends.get(tiny_gpt2) is lm
    ids = lm.encode("Hello world")
    assert ids == [15496, 995]
    out = lm.forward(ids + [11, 257])
    assert out.attentions.shape == (2, 2, 4, 4) and out.logits.shape == (4, 50_257)
    assert np.triu(out.attentions, 1).max() == 0
    with pytest.raises(UserError) as err:                       # GPT-2 is not Llama-style
        lm.head_vectors(np.zeros((4, 16), np.float32), 1, 1)
    assert err.value.key == "attention_error_no_recompute"
    new = lm.generate_ids(ids, 5, temperature=0)
    assert len(new) == 5 and new == lm.generate_ids(ids, 5, temperature=0)
    with pytest.raises(UserError) as err:
        lm.chat_ids([{"role": "user", "content": "hi"}])
    assert err.value.key == "error_no_chat_template"
    info = [r for r in backends.describe_all() if r["name"] == tiny_gpt2][0]
    assert info["layers"] == 2 and info["heads"] == 2 and info["vocab_size"] == 50_257
    assert info["status"]["state"] == "loaded"
    assert [r["name"] for r in backends.describe_all()][-2:] == ["gpt2", tiny_gpt2]


def test_hub_encoder_through_from_pretrained(monkeypatch, tiny_bert):
    from playground.backends.encoder import Encoder

    monkeypatch.setenv(hub.ENV_VAR, tiny_bert)
    enc = hub.load_hub_model(tiny_bert)
    assert isinstance(enc, Encoder)
    out = enc.analyze("hello world")
    assert out.attentions.shape == (2, 4, 4, 4)
    np.testing.assert_allclose(out.attentions.sum(-1), 1.0, atol=1e-5)
    assert enc.embed(["a", "b c"]).shape == (2, 32)


def test_visitors_share_the_encoder_from_many_threads(minilm):
    # transformers re-sets a fast tokenizer's padding/truncation in place on each call;
    # unguarded, concurrent calls with different settings fail with "Already borrowed"
    errors = []

    def visitor(i):
        try:
            for k in range(6):
                if (i + k) % 2:
                    minilm.embed(["one sentence", "and another, longer one"])
                else:
                    minilm.analyze("a single text")
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
