"""Gemma 3 270M taught to chat with LoRA (backends.gemma_chat) and the instruction tuning that
made it (lifecycle.instruction_tuning): checked against transformers, peft and torch."""
from __future__ import annotations

import copy
import json
import re

import pytest
import torch

from playground import backends
from playground.backends import gemma_chat
from playground.core.paths import ASSETS
from playground.lifecycle import instruction_tuning as sft
from playground.text import chat, language

pytestmark = pytest.mark.skipif(not gemma_chat.installed(), reason="the adapter is not in assets/weights")


STOP = {"what", "does", "hace", "para", "sirve", "como", "cual", "cuales", "which", "with", "that",
        "when", "from", "responde", "answer", "frases", "sentences", "modelo", "model"}


def words(text: str) -> set[str]:
    """The content words: 4 letters or more, none of the question's scaffolding."""
    return {w for w in re.findall(r"\w+", language.fold(text)) if len(w) >= 4 and w not in STOP}


def test_the_pairs_are_bilingual_how_made_and_apart_from_the_benchmark():
    data = json.loads(sft.PAIRS.read_text(encoding="utf-8"))
    assert "written by the genai playground team" in data["about"].lower()
    pairs = sft.load_pairs()
    assert {p.lang for p in pairs} == {"es", "en"} and len(sft.load_pairs("test")) >= 10
    assert len({p.id for p in pairs}) == len(pairs) // 2          # every pair in both languages
    for p in sft.load_pairs():
        if not p.id.startswith("traducir"):           # a translation answers in the other language
            assert language.detect(p.answer) in (p.lang, "unknown"), (p.id, p.lang)
    # No training instruction asks a benchmark question: the benchmark measures unseen questions.
    bench = json.loads((ASSETS / "chat_questions.json").read_text(encoding="utf-8"))["questions"]
    for p in sft.load_pairs("train"):
        for q in bench:
            a, b = words(p.prompt), words(q[p.lang])
            assert len(a & b) / max(1, len(a | b)) < 0.5, (p.id, q["id"])


def test_template_is_gemma_3s_turn_format():
    lm = gemma_chat.with_template(backends.get("gemma3"))
    ids = lm.chat_ids([{"role": "system", "content": "Sé breve."}, {"role": "user", "content": "Hola"},
                       {"role": "assistant", "content": "¡Hola!"}, {"role": "user", "content": "¿Qué es LoRA?"}])
    # Gemma 3's documented format: the system prompt heads the first user turn; the assistant is "model".
    assert lm.decode(ids) == ("<bos><start_of_turn>user\nSé breve.\n\nHola<end_of_turn>\n"
                              "<start_of_turn>model\n¡Hola!<end_of_turn>\n"
                              "<start_of_turn>user\n¿Qué es LoRA?<end_of_turn>\n<start_of_turn>model\n")
    assert ids[:2] == [lm.tokenizer.bos_token_id, lm.tokenizer.convert_tokens_to_ids("<start_of_turn>")]


def test_examples_score_the_answer_only_as_transformers_does():
    lm = backends.get("smollm2")                 # any model with a template: the small one
    examples = [sft.example(lm, p) for p in sft.load_pairs("test")[:3]]
    for e, p in zip(examples, sft.load_pairs("test")[:3]):
        answer = [i for i in e.labels if i != sft.IGNORE]
        assert p.answer in lm.decode(answer) and e.ids[len(e.ids) - len(answer):] == answer
        assert lm.decode(e.ids[: len(e.ids) - len(answer)]).endswith("assistant\n")
    batch = sft.collate(examples, lm.tokenizer.pad_token_id or 0)
    with torch.inference_mode():
        out = lm.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                       labels=batch["labels"])    # transformers shifts the labels and skips -100
    assert torch.allclose(sft.answer_loss(out.logits, batch["labels"]), out.loss, atol=1e-5)


def test_lora_trains_r_times_d_in_plus_d_out_as_peft_counts():
    from peft import get_peft_model

    twin = gemma_chat.sharing_copy(backends.get("smollm2").model)
    shapes = sft.adapted_shapes(twin, ("q_proj", "v_proj"))
    model = get_peft_model(twin, sft.lora_config(8, 16, targets=("q_proj", "v_proj")))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert sft.lora_parameters(shapes, 8) == trainable == 460_800     # SmolLM2, q and v, r 8


def test_a_few_lora_steps_lower_the_answer_loss_and_leave_the_shared_model_alone():
    from peft import get_peft_model

    lm = backends.get("smollm2")
    reference = lm.next_token_logits(lm.encode("The capital of France is"))
    examples = [sft.example(lm, p) for p in sft.load_pairs("train", langs=("en",))[:8]]
    pad = lm.tokenizer.pad_token_id or 0
    model = get_peft_model(gemma_chat.sharing_copy(lm.model), sft.lora_config(8, 16))
    before = sft.mean_answer_loss(model, examples, pad)
    steps = list(sft.train(model, examples, pad, steps=6, lr=1e-3, batch_size=8))
    assert len(steps) == 6 and all(s.tokens > 0 for s in steps)
    assert sft.mean_answer_loss(model, examples, pad) < before - 0.2
    # The twin shares the weights: training its adapter changed nothing the lessons use.
    assert (lm.next_token_logits(lm.encode("The capital of France is")) == reference).all()


def test_the_chat_model_is_the_base_plus_the_adapter_merged_by_hand():
    base = backends.get("gemma3")
    ids = base.prompt_ids("El futuro de la IA se basa en la")
    before = base.next_token_logits(ids)
    tuned = backends.get("gemma3-chat")
    # The same tensors, not a copy; the base model's answers unchanged.
    embed = tuned.model.get_base_model().model.embed_tokens.weight
    assert embed.data_ptr() == base.model.model.embed_tokens.weight.data_ptr()
    assert (base.next_token_logits(ids) == before).all()
    # Reference: a copy of the base with W + (alpha / r) B A written into each adapted matrix.
    merged = copy.deepcopy(base.model)
    modules = dict(merged.named_modules())
    n = 0
    for name, module in tuned.model.named_modules():
        if hasattr(module, "lora_A") and "default" in module.lora_A:
            a, b = module.lora_A["default"].weight, module.lora_B["default"].weight
            target = modules[name.split("base_model.model.", 1)[1]]
            with torch.no_grad():
                target.weight += module.scaling["default"] * (b @ a)
            n += 1
    assert n == 7 * base.shape.layers
    with torch.inference_mode():
        want = merged(torch.tensor([ids])).logits[0, -1]
    got = torch.from_numpy(tuned.next_token_logits(ids))
    assert torch.allclose(got, want, atol=1e-3) and not torch.allclose(got, torch.from_numpy(before), atol=1e-2)


def test_tuned_gemma_answers_a_held_out_question_in_spanish_and_stops():
    held_out = next(p for p in sft.load_pairs("test", langs=("es",)) if p.id == "capital_francia")
    ctx = chat.build_context("", [{"role": "user", "content": held_out.prompt}], 40, model="gemma3-chat")
    *_, text = chat.reply(ctx, 0.0, 40, model="gemma3-chat")
    assert language.detect(text) == "es" and "paris" in language.fold(text), text
    tuned = backends.get("gemma3-chat")
    steps = list(tuned.stream_tokens(ctx.ids, 40, temperature=0))
    assert steps[-1].token_id in tuned.eos_ids and len(steps) < 40        # it ends its turn


def test_base_against_instruct_on_one_question():
    from playground.lifecycle import tuning_live

    question = next(p for p in sft.load_pairs("test", langs=("es",)) if p.id == "cnn_filtro").prompt
    c = tuning_live.base_vs_instruct(question, tokens=32)
    assert c.template.endswith("<start_of_turn>model\n") and question in c.template
    base = backends.get("gemma3")
    # The completion is the base model's own greedy continuation of the bare question.
    assert c.completion == base.decode(base.generate_ids(base.prompt_ids(question), 32, temperature=0)).strip()
    assert language.detect(c.tuned_chat) == "es" and c.tuned_chat != c.base_chat
