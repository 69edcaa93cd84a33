"""Benchmark of the Pre-training tab (issue 13). Prints figures; asserts nothing.

    flock /tmp/train.lock .venv/bin/python bench/bench_pretraining.py [--seconds 20]

1. Seconds until the validation loss passes the bigram baseline (Reina-Valera, characters),
   for the tiny and the small (nanoGPT's baby GPT) presets, through the tab's streaming loop
   (target: 60 s or less on 2 cores).
2. Training tokens per second while streaming (pretraining.train: evaluations, samples,
   attention every 4th frame, pacing as for an API client) against a plain PyTorch loop of
   the same model and batch, measured in the same run (target ratio 0.9 or more).
3. The scaling fit's error on sweep points left out of the fit (target 0.05 nats or less).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playground.lifecycle import pretraining, scaling  # noqa: E402
from playground.lifecycle.gpt import GPT  # noqa: E402


def session(size: str) -> pretraining.Session:
    config = pretraining.Config(corpus="es", tokens="char", size=size,
                                lr=pretraining.PRESETS[size]["lr"], steps=pretraining.MAX_STEPS)
    return pretraining.Session(config, pretraining.load_corpus(config))


def time_to_bigram(size: str, limit: float = 120.0) -> None:
    s = session(size)
    start = time.monotonic()
    for frame in pretraining.train(s, max_seconds=limit, frame_seconds=0.2):
        if frame.history["val"][-1] < frame.bigram:
            print(f"  {size}: validation {frame.history['val'][-1]:.3f} < bigram {frame.bigram:.3f} "
                  f"after {time.monotonic() - start:.1f} s (step {frame.step})")
            s.stop()
            return
    print(f"  {size}: not below the bigram baseline within {limit:.0f} s")


def plain_loop(size: str, seconds: float) -> float:
    """The same model and batch in a plain PyTorch loop: tokens per second."""
    s = session(size)
    model, cfg = GPT(s.model_config), s.model_config
    g = model.init_weights(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.99))
    data, B, T = s.train_ids, s.batch_size, cfg.block_size
    tokens, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        ix = torch.randint(0, len(data) - T - 1, (B,), generator=g)
        x = torch.stack([data[i:i + T] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + T] for i in ix])
        _, loss, _ = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        tokens += x.numel()
    return tokens / (time.monotonic() - start)


def streaming(size: str, seconds: float) -> float:
    s = session(size)
    start = time.monotonic()
    tokens0 = s.tokens_trained
    for _ in pretraining.train(s, max_seconds=seconds):
        pass
    return (s.tokens_trained - tokens0) / (time.monotonic() - start)


def fit_error() -> None:
    sweep = scaling.read_sweep()
    errors = []
    for i in range(len(sweep.L)):
        keep = np.arange(len(sweep.L)) != i
        law = scaling.fit(sweep.N[keep], sweep.D[keep], sweep.L[keep])
        errors.append(abs(float(law.loss(sweep.N[i], sweep.D[i])) - sweep.L[i]))
    last = int(np.argmax(sweep.C))
    print(f"  leave-one-out over {len(errors)} points: mean |error| {np.mean(errors):.3f} nats, "
          f"max {np.max(errors):.3f}; the largest-compute point ({sweep.label[last]}, "
          f"{sweep.D[last]:,.0f} tokens): {errors[last]:.3f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--sections", default="123", help="which of 1, 2, 3 to run")
    args = parser.parse_args(argv)
    print(f"torch threads: {torch.get_num_threads()}")
    if "1" in args.sections:
        print("1. seconds until validation loss < bigram baseline (Reina-Valera, characters)")
        for size in ("tiny", "small"):
            time_to_bigram(size)
    if "2" in args.sections:
        print(f"2. training tokens/s, streaming against a plain loop ({args.seconds:.0f} s each)")
        for size in ("tiny", "small"):
            plain = plain_loop(size, args.seconds)
            stream = streaming(size, args.seconds)
            print(f"  {size}: plain {plain:,.0f} tokens/s, streaming {stream:,.0f} tokens/s, "
                  f"ratio {stream / plain:.2f}")
    if "3" in args.sections:
        print("3. the scaling fit's error on a point left out")
        fit_error()
    return 0


if __name__ == "__main__":
    sys.exit(main())
