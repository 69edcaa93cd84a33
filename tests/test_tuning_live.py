"""Post-training you can watch (lifecycle.tuning_live): SFT and DPO with LoRA on SmolLM2,
checked against transformers' loss, a hand computation, and peft's adapter switch."""
from __future__ import annotations

import math

import pytest
import torch

from playground import backends
from playground.lifecycle import instruction_tuning as sft
from playground.lifecycle import tuning_live as live


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


# --- the Post-training tab's sections ------------------------------------------------------------

def test_api_base_vs_instruct_and_a_short_tuning_run(client):
    html = client.predict("¿Qué es una capa densa?", "es", api_name="/posttraining_base_vs_instruct")
    assert "Con el adaptador de instrucciones" in html and "&lt;start_of_turn&gt;model" in html
    plot, status, answers = client.predict("sft", "What is a recurrent network?", 2, 0.001, "en",
                                           api_name="/posttraining_tune")
    assert "Step 2 of 2" in status and "Loss on the held-out questions" in status and "After tuning" in answers
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError):
        client.predict("ppo", "x", 2, 0.001, "es", api_name="/posttraining_tune")


@pytest.mark.skipif(not live.DPO_ADAPTER.exists(), reason="scripts/train_dpo_adapter.py has not run")
def test_the_shipped_dpo_adapter_prefers_the_visitors_language():
    snap = live.shipped_dpo("es", "¿Qué es una red recurrente?")
    before, after = snap.held_out
    # Measured when it was trained: Spanish 0 % -> 43 % (80 steps reached 100 % but wrote gibberish).
    assert after >= before + 0.25 and snap.before != snap.after


@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_post_training_tuning_journey(page_in, lang):
    from tests.conftest import screenshot

    page = page_in(lang, tab="posttraining")
    steps = page.locator("#tuning-steps input[type=number]")
    steps.fill("3")
    steps.press("Enter")
    page.locator("#tuning-train").click()
    after = "Después de ajustar" if lang == "es" else "After tuning"
    held = "preguntas reservadas" if lang == "es" else "held-out questions"
    page.wait_for_function(f"() => document.querySelector('#tuning-status')?.textContent.includes({held!r})",
                           timeout=120_000)
    assert after in page.locator("#tuning-answers").inner_text()
    page.locator("#tuning-plot").scroll_into_view_if_needed()
    screenshot(page, f"posttraining-tuning-{lang}")
