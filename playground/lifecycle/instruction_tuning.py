"""Instruction tuning (supervised fine-tuning, SFT): teaching a base model to answer.

A base model continues text. Shown many conversations written in a chat template, a user
turn followed by a good answer, it learns that after "<start_of_turn>model\\n" comes an
answer to what was asked, ended by <end_of_turn>. The objective is the pre-training one,
next-token cross-entropy, with one change: only the answer's tokens are scored; the
prompt's positions get the label -100, which the loss ignores (the model is not taught to
write questions).

With LoRA (Hu et al., 2021) the model's weights stay frozen: beside a weight matrix W
(d_out x d_in), two small matrices B (d_out x r) and A (r x d_in) are trained, and the layer
computes W x + (alpha / r) B A x. B starts at zero, so training starts from the base
model exactly. `peft` builds the adapter; this module prepares the examples, counts what
LoRA trains, and runs the loop (used by scripts/train_gemma_chat.py and the Post-training tab).
"""
from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass
from typing import Iterator

from playground.core import gpu
from playground.core.paths import ASSETS

PAIRS = ASSETS / "instructions" / "pairs.json"
IGNORE = -100                   # the label cross-entropy skips (transformers' and torch's default)
TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class Pair:
    id: str
    lang: str                   # "es" or "en"
    prompt: str
    answer: str
    split: str                  # "train" or "test"


def load_pairs(split: str | None = None, langs: tuple[str, ...] = ("es", "en")) -> list[Pair]:
    """The team's instruction pairs (assets/instructions/pairs.json), each in every language asked."""
    data = json.loads(PAIRS.read_text(encoding="utf-8"))["pairs"]
    return [Pair(p["id"], lang, p[lang][0], p[lang][1], p["split"])
            for p in data for lang in langs if split is None or p["split"] == split]


@dataclass(frozen=True)
class Example:
    ids: list[int]              # the whole conversation, templated
    labels: list[int]           # IGNORE on the prompt, the token itself on the answer


def example(lm, pair: Pair) -> Example:
    """One pair through `lm`'s chat template, with the prompt's labels masked.

    `lm` is a `CausalLM` with a chat template. The prompt is the conversation up to the
    cue to answer ("<start_of_turn>model\\n"); everything after it (the answer and its end
    token) is what the model learns to write.
    """
    user = [{"role": "user", "content": pair.prompt}]
    prompt = lm.chat_ids(user, add_generation_prompt=True)
    full = lm.chat_ids(user + [{"role": "assistant", "content": pair.answer}], add_generation_prompt=False)
    if full[: len(prompt)] != prompt:
        raise ValueError(f"{pair.id}: the template does not extend the prompt")
    return Example(full, [IGNORE] * len(prompt) + full[len(prompt):])


def collate(examples: list[Example], pad_id: int, device=None):
    """Right-padded tensors: input_ids, attention_mask, labels (IGNORE on the padding), on
    `device` (the model's: the CPU, or the GPU a ZeroGPU call lent)."""
    import torch

    width = max(len(e.ids) for e in examples)
    pad = [width - len(e.ids) for e in examples]
    return {"input_ids": torch.tensor([e.ids + [pad_id] * n for e, n in zip(examples, pad)], device=device),
            "attention_mask": torch.tensor([[1] * len(e.ids) + [0] * n for e, n in zip(examples, pad)],
                                           device=device),
            "labels": torch.tensor([e.labels + [IGNORE] * n for e, n in zip(examples, pad)], device=device)}


def answer_loss(logits, labels):
    """Mean next-token cross-entropy over the answer tokens only: position t predicts label t+1."""
    import torch.nn.functional as F

    return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                           labels[:, 1:].reshape(-1), ignore_index=IGNORE)


def lora_parameters(shapes: list[tuple[int, int]], r: int) -> int:
    """What LoRA trains: r (d_in + d_out) numbers per adapted (d_out, d_in) matrix (A is r x d_in,
    B is d_out x r)."""
    return sum(r * (d_in + d_out) for d_out, d_in in shapes)


def adapted_shapes(model, targets=TARGETS) -> list[tuple[int, int]]:
    """The (d_out, d_in) of every linear layer whose name ends in one of `targets`."""
    import torch

    return [tuple(m.weight.shape) for name, m in model.named_modules()
            if isinstance(m, torch.nn.Linear) and name.rsplit(".", 1)[-1] in targets]


def lora_config(r: int = 8, alpha: int = 16, dropout: float = 0.05, targets=TARGETS):
    from peft import LoraConfig

    return LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=list(targets),
                      task_type="CAUSAL_LM")


def shuffled_batches(n: int, batch_size: int, seed: int) -> Iterator[list[int]]:
    """Endless batches of example indices: each example once per epoch, shuffled each epoch."""
    rng, order = random.Random(seed), []
    while True:
        if len(order) < batch_size:
            more = list(range(n))
            rng.shuffle(more)
            order += more
        yield order[:batch_size]
        order = order[batch_size:]


@dataclass(frozen=True)
class Step:
    step: int                   # from 1
    loss: float                 # this batch's answer loss
    tokens: int                 # answer tokens in the batch
    seconds: float              # the step's wall time (forward, backward, update)


def train(model, examples: list[Example], pad_id: int, steps: int, lr: float = 3e-4,
          batch_size: int = 8, seed: int = 0, stop_event: threading.Event | None = None,
          max_seconds: float | None = None) -> Iterator[Step]:
    """AdamW over the trainable parameters (the adapter's), with a linear decay of the learning
    rate to zero; shuffled batches, every example once per epoch. Yields after each step; stops
    after `steps`, when `stop_event` is set, or past `max_seconds`."""
    import torch

    torch.manual_seed(seed)
    picks = shuffled_batches(len(examples), batch_size, seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, 1 - s / steps))
    model.train()
    started = time.perf_counter()
    try:
        for step in range(1, steps + 1):
            if stop_event is not None and stop_event.is_set():
                return
            if max_seconds is not None and time.perf_counter() - started > max_seconds:
                return
            batch = collate([examples[i] for i in next(picks)], pad_id, gpu.device_of(model))
            start = time.perf_counter()
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            loss = answer_loss(logits, batch["labels"])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad(set_to_none=True)
            yield Step(step, float(loss.detach()), int((batch["labels"] != IGNORE).sum()),
                       time.perf_counter() - start)
    finally:
        model.eval()


def mean_answer_loss(model, examples: list[Example], pad_id: int, batch_size: int = 8) -> float:
    """The answer loss over `examples` (weighted by answer tokens), without training."""
    import torch

    total = count = 0.0
    with torch.inference_mode():
        for i in range(0, len(examples), batch_size):
            batch = collate(examples[i: i + batch_size], pad_id, gpu.device_of(model))
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            n = int((batch["labels"][:, 1:] != IGNORE).sum())
            total += float(answer_loss(logits, batch["labels"])) * n
            count += n
    return total / count
