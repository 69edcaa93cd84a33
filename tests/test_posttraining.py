"""Classification fine-tuning (playground/lifecycle/classification.py): the data, the split
forward pass against the model's own, LoRA's parameter count and merge against peft, and a
short training run on the fixed test split."""
import json

import numpy as np
import pytest
import torch

from playground import backends
from playground.lifecycle import classification as cls
from playground.lifecycle import classification_figures as figs
from playground.lifecycle.classification_nets import TopLayers, mean_pool


def test_messages_file_is_balanced_bilingual_and_split_once():
    doc = json.loads(cls.DATA.read_text(encoding="utf-8"))
    assert "written by hand" in doc["_how_made"].lower()
    for lang in ("es", "en"):
        data = cls.messages(lang)
        assert len(data.train_texts) + len(data.test_texts) >= 200 // 2
        assert not set(data.train_texts) & set(data.test_texts)
        counts = np.bincount(data.test_y, minlength=len(data.labels))
        assert (counts == counts[0]).all() and counts[0] >= 8
    assert cls.messages("es").test_texts != cls.messages("en").test_texts


def test_lora_formula_is_r_times_d_plus_k():
    # Hu et al. 2021: B (d x r) and A (r x k) replace a d x k update
    assert cls.lora_parameters(8, [(384, 384)]) == 8 * 768
    assert cls.lora_parameters(4, [(10, 3), (5, 7)]) == 4 * 13 + 4 * 12


@pytest.mark.parametrize("rank,top", [(1, 1), (8, 2), (16, 3)])
def test_lora_count_equals_peft(rank, top):
    model, count = cls.build_top("lora", top, rank, 4, seed=0)
    trainable, _ = model.top.get_nb_trainable_parameters()       # peft's own count
    assert count == trainable == 2 * top * rank * (384 + 384)


def test_split_forward_equals_the_models_sentence_embedding():
    """Lower layers once, then the top layers: the same embedding as MiniLM's whole pass."""
    encoder = backends.get("minilm")
    texts = ["Your order has shipped", "Hola, ¿qué tal?", "a much longer sentence to pad the others"]
    hidden, mask = cls.lower_layers(encoder, texts, keep=4)
    top = TopLayers(list(encoder.model.encoder.layer[4:])).eval()
    with torch.no_grad():
        ours = mean_pool(top(hidden, mask), mask).numpy()
    np.testing.assert_allclose(ours, encoder.embed(texts), atol=1e-5)


def test_merged_adapter_gives_the_adapter_models_logits():
    model, _ = cls.build_top("lora", 2, 8, 4, seed=0)
    torch.manual_seed(1)
    with torch.no_grad():                 # B starts at zero: give the adapter something to add
        for name, p in model.top.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.05)
    model.eval()
    encoder = backends.get("minilm")
    hidden, mask = cls.lower_layers(encoder, ["Free iPhone, click now", "Meeting at ten"], keep=4)
    with torch.no_grad():
        adapted = model(hidden, mask)[0]
        with model.top.disable_adapter():
            plain = model(hidden, mask)[0]
        model.top = model.top.merge_and_unload()
        merged = model(hidden, mask)[0]
    assert not torch.allclose(adapted, plain, atol=1e-3)     # the adapter changes the output
    torch.testing.assert_close(merged, adapted, atol=1e-5, rtol=1e-5)
    assert not any("lora" in n for n, _ in model.named_parameters())


@pytest.fixture(scope="module")
def english_run():
    session = cls.Session(cls.Config(lang="en", epochs=8))
    frames = list(session.train(frame_seconds=0))
    return session, frames


def test_every_variant_beats_chance_on_the_held_out_split(english_run):
    """Honest note: on this small set (96 training messages) fine-tuning MiniLM's top
    layers does not reliably beat the frozen head (within one or two of the 32 test
    messages, bench/bench_posttraining.py); each variant must beat chance (25 %) by far."""
    session, frames = english_run
    assert frames[-1].stopped == "done"
    chance = 1 / len(session.data.labels)
    for variant in cls.VARIANTS:
        result = session.results[variant]
        assert result.done
        assert result.accuracy >= chance + 0.4, (variant, result.accuracy)
        # the reported accuracy is the share of the test split predicted right
        assert result.accuracy == pytest.approx(np.mean(result.predictions == session.data.test_y))
        assert result.steps[-1][1] < result.steps[0][1]      # the training loss went down


def test_trainable_counts_in_the_results(english_run):
    session, _ = english_run
    r = session.results
    assert r["frozen"].trainable == 384 * 4 + 4
    assert r["multilingual"].trainable == 512 * 4 + 4
    assert r["lora"].trainable == r["lora"].adapted + 384 * 4 + 4
    assert r["lora"].adapted < r["top"].adapted / 100


def test_the_multilingual_encoder_reads_spanish_better_than_minilm():
    """A known fact about the two encoders: all-MiniLM-L6-v2 learned English only."""
    session = cls.Session(cls.Config(lang="es", variants=("frozen", "multilingual"), epochs=12))
    list(session.train(frame_seconds=0))
    assert session.results["multilingual"].accuracy > session.results["frozen"].accuracy + 0.15


def test_classify_gives_probabilities_per_variant(english_run):
    session, _ = english_run
    probs = session.classify("You won a free cruise, click to claim your prize")
    assert set(probs) == set(cls.VARIANTS)
    for p in probs.values():
        assert p.shape == (4,) and p.sum() == pytest.approx(1, abs=1e-5)
    assert int(np.argmax(probs["top"])) == session.data.labels.index("spam")


def test_stop_ends_a_run():
    session = cls.Session(cls.Config(lang="en", variants=("top",), epochs=30))
    frames = session.train(frame_seconds=0)
    next(frames)
    session.stop()
    assert list(frames) == []


def test_figures_are_labelled_in_both_languages(english_run):
    session, frames = english_run
    for lang, word in (("es", "Pérdida (entropía"), ("en", "Loss (cross")):
        loss, accuracy = figs.curves(frames[-1].results, 4, lang)
        assert word in loss.layout.title.text
        assert len(accuracy.data) == len(cls.VARIANTS)
        conf = figs.confusion(session.results["top"], session.data.test_y, session.data.labels, lang)
        assert np.asarray(conf.data[0].z).sum() == len(session.data.test_y)
        fig = figs.embedding_map(session.results["frozen"].embeddings, session.results["top"].embeddings,
                                 session.data.test_y, session.data.labels, "top", lang)
        assert len(fig.data) == 8
