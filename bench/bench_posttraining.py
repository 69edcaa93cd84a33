"""Benchmark of the Post-training tab (issue 14). Prints figures; asserts nothing.

    flock /tmp/train.lock .venv/bin/python bench/bench_posttraining.py [--seeds 3] [--epochs 12]

1. Classification: each way's seconds of training and its accuracy on the fixed test split
   (32 messages), for the English and the Spanish set, over a few seeds.
2. One optimisation step (batch 16) of LoRA against full fine-tuning of the same top layers:
   median seconds and their ratio, measured in the same run.
3. The reward model: the share of held-out preference pairs it orders correctly, per encoder.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def classification(seeds: int, epochs: int) -> None:
    from playground.lifecycle import classification as cls
    print(f"\n1. Classification, {epochs} epochs, seeds 0..{seeds - 1} (accuracy on 32 test messages)")
    print(f"{'lang':4} {'way':13} {'accuracy mean [min, max]':>26} {'seconds':>8} {'trainable':>10}")
    for lang in ("en", "es"):
        runs = {}
        for seed in range(seeds):
            session = cls.Session(cls.Config(lang=lang, epochs=epochs, seed=seed))
            for _ in session.train(frame_seconds=0, max_seconds=600):
                pass
            for variant, r in session.results.items():
                runs.setdefault(variant, []).append(r)
        for variant, rs in runs.items():
            acc = [100 * r.accuracy for r in rs]
            print(f"{lang:4} {variant:13} {statistics.mean(acc):9.1f} % [{min(acc):.1f}, {max(acc):.1f}]"
                  f" {statistics.median(r.seconds for r in rs):8.2f} {rs[0].trainable:>10,}")


def step_times(repeat: int = 30) -> None:
    import torch
    from playground.lifecycle import classification as cls
    features = cls.features("en", 2)
    x, mask = features.train_hidden[:16], features.train_mask[:16]
    y = torch.arange(16) % 4
    medians = {}
    for variant in ("top", "lora"):
        model, _ = cls.build_top(variant, 2, 8, 4, seed=0)
        model.train()
        optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)
        times = []
        for i in range(repeat + 3):
            start = time.perf_counter()
            loss = torch.nn.functional.cross_entropy(model(x, mask)[0], y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i >= 3:                               # the first steps warm up
                times.append(time.perf_counter() - start)
        medians[variant] = statistics.median(times)
    print(f"\n2. One step, batch 16, top 2 layers of MiniLM (torch threads: {torch.get_num_threads()})")
    print(f"   full fine-tuning {1000 * medians['top']:.1f} ms, LoRA r=8 {1000 * medians['lora']:.1f} ms,"
          f" LoRA / full = {medians['lora'] / medians['top']:.2f}")


def rewards() -> None:
    from playground.lifecycle import reward
    print("\n3. Reward model (Bradley-Terry head), 12 held-out pairs")
    for encoder in reward.ENCODERS:
        start = time.perf_counter()
        run = reward.train(encoder)
        seconds = time.perf_counter() - start
        before = reward.ordered(run.before.margins("test"))
        print(f"   {encoder:13} ordered correctly: {100 * run.test_accuracy:.0f} % "
              f"(untrained {100 * before:.0f} %, train pairs {100 * run.train_accuracy:.0f} %), "
              f"mean margin {run.test_margins.mean():.2f}, {seconds:.1f} s with the embeddings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=12)
    args = parser.parse_args()
    from playground.backends.compute import limit_torch_threads
    limit_torch_threads()
    rewards()
    step_times()
    classification(args.seeds, args.epochs)


if __name__ == "__main__":
    main()
