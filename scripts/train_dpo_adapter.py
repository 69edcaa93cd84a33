"""DPO with LoRA on SmolLM2-135M-Instruct: answers in the question's language preferred; writes
assets/weights/smollm2-dpo-lora (the Post-training tab's "trained for longer" adapter).

    flock /tmp/genai-cpu.lock nice -n 19 .venv/bin/python scripts/train_dpo_adapter.py [--steps 30]

The preference pairs come from the team's instruction pairs (assets/instructions/pairs.json):
for each question, its answer in the question's language is chosen, the same answer in the
other language rejected (playground.lifecycle.tuning_live.preference_pairs), Spanish and
English questions together. The loop is the tab's own (`tuning_live.dpo_train`); the held-out
pairs' preferred share is printed before and after. Saved in bfloat16 with peft.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GENAI_TORCH_THREADS", "2")     # training: both cores (the app serves with 1)

from playground import backends  # noqa: E402
from playground.lifecycle import tuning_live as live  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)   # 80 reached 100 % but wrote gibberish
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--beta", type=float, default=0.1)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(live.DPO_ADAPTER))
    args = parser.parse_args()

    import torch

    lm = backends.get(live.MODEL)
    model, trainable, total = live.adapter(lm, args.rank, args.seed)
    pad = lm.tokenizer.pad_token_id or 0
    train = live.preference_pairs(lm, "es", "train") + live.preference_pairs(lm, "en", "train")
    held = {lang: live.preference_pairs(lm, lang, "test") for lang in ("es", "en")}
    before = {lang: live.preferred_share(model, pairs, pad) for lang, pairs in held.items()}
    print(f"{len(train)} preference pairs; LoRA r={args.rank}: {trainable:,} of {total:,} numbers", flush=True)
    start = time.perf_counter()
    for i, (loss, margin) in enumerate(live.dpo_train(model, train, pad, args.steps, args.beta, args.lr,
                                                      seed=args.seed), 1):
        if i % 10 == 0:
            print(f"step {i:3d}/{args.steps}  loss {loss:.3f}  margin {margin:.2f}", flush=True)
    seconds = time.perf_counter() - start
    after = {lang: live.preferred_share(model, pairs, pad) for lang, pairs in held.items()}
    summary = "; ".join(f"{lang}: {100 * before[lang]:.0f} % -> {100 * after[lang]:.0f} %" for lang in held)
    print(f"held-out pairs preferring the question's language: {summary}; {args.steps} steps in {seconds:.0f} s")
    for p in model.parameters():
        if p.requires_grad:
            p.data = p.data.to(torch.bfloat16)
    out = Path(args.out)
    model.save_pretrained(out)
    config = json.loads((out / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = "HuggingFaceTB/SmolLM2-135M-Instruct"
    (out / "adapter_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out / "README.md").write_text(
        "# SmolLM2-135M-Instruct DPO adapter (LoRA)\n\nMade by `scripts/train_dpo_adapter.py` of GenAI "
        "Playground: DPO on preference pairs built from the team's instruction pairs "
        "(assets/instructions/pairs.json; the answer in the question's language chosen, the same answer "
        f"in the other language rejected). Settings: { {k: v for k, v in vars(args).items() if k != 'out'} }. {trainable:,} trainable numbers; "
        f"{args.steps} steps in {seconds:.0f} s on a CPU. Held-out pairs preferring the question's "
        f"language: {summary}. Stored in bfloat16. SmolLM2: Apache-2.0.\n")
    print(f"saved {out} ({sum(f.stat().st_size for f in out.iterdir()) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
