"""Post-training you can watch (lifecycle.tuning_live): SFT and DPO with LoRA on SmolLM2,
checked against transformers' loss, a hand computation, and peft's adapter switch."""
from __future__ import annotations

import math

import pytest
import torch

from playground import backends
from playground.lifecycle import instruction_tuning as sft
from playground.lifecycle import tuning_live as live


def test_dpo_loss_is_the_papers_formula_on_a_hand_case():
    loss, chosen, rejected = live.dpo_loss(torch.tensor([-1.0]), torch.tensor([-2.0]),
                                           torch.tensor([-1.5]), torch.tensor([-1.5]), beta=0.1)
    # rewards 0.1 (-1 + 1.5) = 0.05 and 0.1 (-2 + 1.5) = -0.05; loss -log sigmoid(0.1)
    assert math.isclose(float(chosen), 0.05, abs_tol=1e-7) and math.isclose(float(rejected), -0.05, abs_tol=1e-7)
    assert math.isclose(float(loss), math.log1p(math.exp(-0.1)), rel_tol=1e-6)


def test_sequence_logps_are_transformers_loss_times_answer_tokens():
    lm = backends.get("smollm2")
    pairs = live.preference_pairs(lm, "es", "test")[:2]
    assert pairs and all(c.labels != r.labels for c, r in pairs)
    pad = lm.tokenizer.pad_token_id or 0
    for chosen, _ in pairs:
        batch = sft.collate([chosen], pad)
        with torch.inference_mode():
            out = lm.model(input_ids=batch["input_ids"], labels=batch["labels"])
            ours = live.sequence_logps(lm.model, [chosen], pad)
        n = sum(1 for i in chosen.labels[1:] if i != sft.IGNORE)
        assert torch.allclose(ours[0], -out.loss * n, rtol=1e-4)


def test_dpo_steps_prefer_the_visitors_language_and_leave_the_shared_model_alone():
    lm = backends.get("smollm2")
    ids = lm.encode("The capital of France is")
    reference = lm.next_token_logits(ids)
    model, trainable, total = live.adapter(lm, rank=8, seed=0)
    assert 0 < trainable < total / 50
    pad = lm.tokenizer.pad_token_id or 0
    pairs = live.preference_pairs(lm, "es", "train")[:8]
    with torch.inference_mode(), model.disable_adapter():    # a fresh adapter (B = 0) changes nothing
        off = live.sequence_logps(model, [c for c, _ in pairs[:2]], pad)
    with torch.inference_mode():
        on = live.sequence_logps(model, [c for c, _ in pairs[:2]], pad)
    assert torch.allclose(on, off)
    steps = list(live.dpo_train(model, pairs, pad, steps=4, lr=1e-3))
    assert len(steps) == 4 and steps[0][0] == pytest.approx(math.log(2), abs=1e-4)   # starts at -log sigmoid(0)
    assert steps[-1][1] > steps[0][1] and steps[-1][0] < steps[0][0]   # the margin grows, the loss falls
    assert (lm.next_token_logits(ids) == reference).all()


def test_watch_sft_streams_and_ends_with_both_answers():
    snaps = list(live.watch_sft("es", "¿Qué es una red recurrente?", steps=3, lr=1e-3))
    assert [s.step for s in snaps[:-1]] == [1, 2, 3] and snaps[-1].done
    last = snaps[-1]
    assert len(last.losses) == 3 and last.before and last.after is not None
    assert last.held_out[1] < last.held_out[0]          # the held-out answer loss fell
    stop = __import__("threading").Event()
    stop.set()
    stopped = list(live.watch_sft("en", "What is a recurrent network?", steps=3, stop_event=stop))
    assert len(stopped) == 1 and stopped[0].done and stopped[0].losses == []
