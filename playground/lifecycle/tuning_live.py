"""Post-training you can watch: a small chat model tuned for a few dozen steps, live.

Two lessons on the same model (SmolLM2-135M-Instruct by default: light, and it answers in
English, so a Spanish class sees the change), each with a LoRA adapter of the visitor's own
over the shared weights (`gemma_chat.sharing_copy`: nothing is copied, nothing shared changes):

- **Supervised fine-tuning (SFT)** on the team's instruction pairs in the visitor's language
  (`instruction_tuning`): the loss falls, and a fixed question's answer changes.
- **Direct preference optimisation (DPO**, Rafailov et al., 2023) on preference pairs made
  from the same pairs: for a question, the answer in the visitor's language is *chosen*, the
  same answer in the other language *rejected*. The reference model is the same network with
  its adapter switched off (`disable_adapter`), so nothing is loaded twice. The loss,
  -log sigmoid(beta [(log pi(chosen) - log ref(chosen)) - (log pi(rejected) - log ref(rejected))]),
  rewards raising the chosen answer's probability more than the rejected one's, relative
  to where the reference started.

Each run is bounded in steps and seconds and can be stopped; it yields a `Snapshot` after
every step. The run's model lives in the generator, never in a module global. On ZeroGPU a run
is one GPU call (`gpu.on_gpu`), the visitor's copy of the model moved to the GPU inside it (the
copy's tensors only: the weights every lesson shares stay where they are).
"""
from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator

from playground import backends
from playground.backends import gemma_chat
from playground.core import gpu
from playground.core.paths import ASSETS
from playground.lifecycle import instruction_tuning as sft
from playground.lifecycle.reward import dpo_loss

MODEL = "smollm2"
DPO_ADAPTER = ASSETS / "weights" / "smollm2-dpo-lora"   # scripts/train_dpo_adapter.py
MAX_STEPS = 60
MAX_SECONDS = 120.0
ANSWER_TOKENS = 40
GPU_SECONDS = 90            # one run on ZeroGPU (`gpu.on_gpu`): MAX_STEPS steps of a 135M model
                            # and two short answers take seconds on a GPU; the run is not paced by
                            # the page, so the whole run is the burst


@dataclass(frozen=True)
class Snapshot:
    kind: str                           # "sft" or "dpo"
    step: int
    steps: int
    losses: list[float]
    trainable: int                      # numbers the adapter trains
    total: int                          # numbers in the model
    question: str
    before: str                         # the answer before tuning (greedy)
    after: str | None = None            # the answer after, once the run ends
    margins: list[float] = field(default_factory=list)     # DPO: the reward margin per step
    held_out: tuple[float, float] | None = None            # DPO: share of held-out pairs preferred,
                                                           # before and after; SFT: the loss
    seconds: float = 0.0
    done: bool = False


def answer(lm, model, question: str, tokens: int = ANSWER_TOKENS) -> str:
    """A greedy answer of `model` (the base or the tuned one) in `lm`'s chat template."""
    runner = dataclasses.replace(lm, model=model)
    ids = lm.chat_ids([{"role": "user", "content": question}])
    out = runner.generate_ids(ids, tokens, temperature=0)
    return lm.decode([i for i in out if i not in lm.eos_ids]).strip()


def adapter(lm, rank: int, seed: int):
    """The visitor's LoRA adapter over a sharing copy of `lm`'s weights."""
    import torch
    from peft import get_peft_model

    torch.manual_seed(seed)
    model = get_peft_model(gemma_chat.sharing_copy(lm.model), sft.lora_config(rank, 2 * rank))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return model, trainable, sum(p.numel() for p in model.parameters())


# --- DPO --------------------------------------------------------------------------------------

def preference_pairs(lm, lang: str, split: str) -> list[tuple[sft.Example, sft.Example]]:
    """(chosen, rejected) per question in `lang`: its answer in `lang` against the same answer
    in the other language (translation pairs left out: there the other language is right)."""
    other = "en" if lang == "es" else "es"
    answers = {p.id: p.answer for p in sft.load_pairs(split, langs=(other,))}
    return [(sft.example(lm, p), sft.example(lm, dataclasses.replace(p, answer=answers[p.id])))
            for p in sft.load_pairs(split, langs=(lang,)) if not p.id.startswith("traducir")]


def sequence_logps(model, examples: list[sft.Example], pad_id: int):
    """log p(answer | prompt) for each example: the sum over its answer tokens, (B,)."""
    import torch

    batch = sft.collate(examples, pad_id, gpu.device_of(model))
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    labels = batch["labels"][:, 1:]
    logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)
    picked = logp.gather(-1, labels.clamp(min=0)[..., None])[..., 0]
    return (picked * (labels != sft.IGNORE)).sum(-1)


def preferred_share(model, pairs, pad_id: int) -> float:
    """Share of pairs whose chosen answer the model finds likelier than the rejected one."""
    import torch

    with torch.inference_mode():
        chosen = sequence_logps(model, [c for c, _ in pairs], pad_id)
        rejected = sequence_logps(model, [r for _, r in pairs], pad_id)
    return float((chosen > rejected).float().mean())


def _steps(kind, lm, model, trainable, total, question, steps, run, held_out=None):
    """Drive a training generator `run`, yielding snapshots; the answer after, at the end."""
    before = answer(lm, model, question)
    losses, margins, start = [], [], time.perf_counter()
    for step in run:
        losses.append(step[0])
        if len(step) > 1:
            margins.append(step[1])
        yield Snapshot(kind, len(losses), steps, list(losses), trainable, total, question, before,
                       margins=list(margins), seconds=time.perf_counter() - start)
    model.eval()
    after = answer(lm, model, question)
    yield Snapshot(kind, len(losses), steps, list(losses), trainable, total, question, before, after,
                   list(margins), held_out() if held_out else None, time.perf_counter() - start, done=True)


@gpu.on_gpu(duration=GPU_SECONDS)
def watch_sft(lang: str, question: str, steps: int = 30, lr: float = 1e-3, rank: int = 8,
              model_name: str = MODEL, seed: int = 0, stop_event: threading.Event | None = None,
              max_seconds: float = MAX_SECONDS) -> Iterator[Snapshot]:
    """SFT with LoRA on the instruction pairs in `lang`, live."""
    lm = backends.get(model_name)
    model, trainable, total = adapter(lm, rank, seed)
    gpu.to_device(model)                # the visitor's copy only: the shared weights stay put
    examples = [sft.example(lm, p) for p in sft.load_pairs("train", langs=(lang,))]
    test = [sft.example(lm, p) for p in sft.load_pairs("test", langs=(lang,))]
    pad = lm.tokenizer.pad_token_id or 0
    loss_before = sft.mean_answer_loss(model, test, pad)
    run = ((s.loss,) for s in sft.train(model, examples, pad, min(steps, MAX_STEPS), lr=lr,
                                         seed=seed, stop_event=stop_event, max_seconds=max_seconds))
    yield from _steps("sft", lm, model, trainable, total, question, min(steps, MAX_STEPS), run,
                      held_out=lambda: (loss_before, sft.mean_answer_loss(model, test, pad)))


def dpo_train(model, pairs, pad_id: int, steps: int, beta: float = 0.1, lr: float = 3e-4,
              batch_size: int = 4, seed: int = 0, stop_event: threading.Event | None = None,
              max_seconds: float | None = None) -> Iterator[tuple[float, float]]:
    """DPO with the adapter: yields (loss, mean reward margin) per step. The reference
    log-probabilities come from the same network with the adapter off, computed once."""
    import torch

    with torch.inference_mode(), model.disable_adapter():
        ref = [(float(c), float(r)) for c, r in zip(
            sequence_logps(model, [c for c, _ in pairs], pad_id),
            sequence_logps(model, [r for _, r in pairs], pad_id))]
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    picks, start = sft.shuffled_batches(len(pairs), batch_size, seed), time.perf_counter()
    model.train()
    for _ in range(steps):
        if stop_event is not None and stop_event.is_set():
            return
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            return
        pick = next(picks)
        logps = sequence_logps(model, [pairs[i][0] for i in pick] + [pairs[i][1] for i in pick], pad_id)
        ref_c = torch.tensor([ref[i][0] for i in pick], device=logps.device)
        ref_r = torch.tensor([ref[i][1] for i in pick], device=logps.device)
        loss, terms = dpo_loss(logps[: len(pick)], logps[len(pick):], ref_c, ref_r, beta)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        yield terms.loss, float(terms.margins.mean())
    model.eval()


@gpu.on_gpu(duration=GPU_SECONDS)
def watch_dpo(lang: str, question: str, steps: int = 30, beta: float = 0.1, lr: float = 3e-4,
              rank: int = 8, model_name: str = MODEL, seed: int = 0,
              stop_event: threading.Event | None = None,
              max_seconds: float = MAX_SECONDS) -> Iterator[Snapshot]:
    """DPO with LoRA: answers in `lang` preferred to the same answers in the other language."""
    lm = backends.get(model_name)
    model, trainable, total = adapter(lm, rank, seed)
    gpu.to_device(model)
    pad = lm.tokenizer.pad_token_id or 0
    pairs = preference_pairs(lm, lang, "train")
    held = preference_pairs(lm, lang, "test")
    share_before = preferred_share(model, held, pad)
    run = dpo_train(model, pairs, pad, min(steps, MAX_STEPS), beta, lr, seed=seed,
                    stop_event=stop_event, max_seconds=max_seconds)
    yield from _steps("dpo", lm, model, trainable, total, question, min(steps, MAX_STEPS), run,
                      held_out=lambda: (share_before, preferred_share(model, held, pad)))


# --- base against instruction-tuned ------------------------------------------------------------

@dataclass(frozen=True)
class Comparison:
    question: str
    completion: str             # the base model continuing the question as plain text
    base_chat: str              # the base model given the chat template it never learned
    tuned_chat: str             # the same model with the instruction-tuning adapter
    template: str               # the text both chat runs receive, special tokens included


def base_vs_instruct(question: str, tokens: int = ANSWER_TOKENS) -> Comparison:
    """Gemma 3 270M three ways on one question: as a base model completes it, as it answers
    in a chat template it was never tuned on, and with the adapter that taught it the template
    (`backends.gemma_chat`). Greedy, so the comparison repeats."""
    base = backends.get("gemma3")
    tuned = backends.get("gemma3-chat")
    templated = gemma_chat.with_template(base)
    ids = templated.chat_ids([{"role": "user", "content": question}])
    completion = base.decode(base.generate_ids(base.prompt_ids(question), tokens, temperature=0))
    return Comparison(question, completion.strip(), answer(templated, base.model, question, tokens),
                      answer(tuned, tuned.model, question, tokens), base.decode(ids))


def shipped_dpo(lang: str, question: str, adapter_dir=DPO_ADAPTER) -> Snapshot:
    """The DPO adapter trained for longer by scripts/train_dpo_adapter.py, for when a live run
    is too slow for the class: the answers and held-out preferred share with it off and on."""
    from peft import PeftModel

    lm = backends.get(MODEL)
    model = PeftModel.from_pretrained(gemma_chat.sharing_copy(lm.model), str(adapter_dir)).eval()
    pad = lm.tokenizer.pad_token_id or 0
    held = preference_pairs(lm, lang, "test")
    with model.disable_adapter():
        before, share_before = answer(lm, model, question), preferred_share(model, held, pad)
    trainable = sum(p.numel() for n, p in model.named_parameters() if "lora_" in n)
    return Snapshot("dpo", 0, 0, [], trainable, sum(p.numel() for p in model.parameters()), question,
                    before, answer(lm, model, question), [],
                    (share_before, preferred_share(model, held, pad)), done=True)
