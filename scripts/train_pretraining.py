"""Train the Pre-training tab's checkpoints: "what 10 minutes of training writes".

    flock /tmp/train.lock python scripts/train_pretraining.py [--minutes 10] [--only en] [--steps N]

The "small" preset (nanoGPT's CPU baby GPT: 4 layers, 4 heads, width 128, context 64,
learned positions, characters) trained on the Reina-Valera 1909 (Spanish) and on the King
James (English), with the tab's own loop (playground.lifecycle.pretraining), the learning
rate decayed along a cosine from 1e-3 to 1e-4. The time is split between the two corpora
(Spanish gets 60 %). Writes assets/weights/pretraining_es.safetensors and
pretraining_en.safetensors (float16, about 1.7 MB each) through playground.lifecycle.pretrained.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.lifecycle import pretrained, pretraining  # noqa: E402

SHARE = {"es": 0.6, "en": 0.4}
LR_MAX, LR_MIN = 1e-3, 1e-4
SAMPLES_AT = (0, 100, 500, 2000, 5000)


def train_one(name: str, seconds: float, seed: int = 0, steps: int | None = None) -> None:
    config = pretraining.Config(corpus=name, tokens="char", size="small", positions="learned",
                                seed=seed, lr=LR_MAX, prompt=pretraining.DEFAULT_PROMPTS[name])
    session = pretraining.Session(config, pretraining.load_corpus(config))
    # steps that fit in the time, measured on the first 50
    start = time.monotonic()
    for _ in range(50):
        session.train_step()
    per_step = (time.monotonic() - start) / 50
    total = steps or max(100, int(seconds / per_step * 0.9))
    print(f"{name}: {per_step * 1000:.1f} ms a step -> {total:,} steps", flush=True)
    while session.step < total:
        progress = session.step / total
        lr = LR_MIN + 0.5 * (LR_MAX - LR_MIN) * (1 + math.cos(math.pi * progress))
        for group in session.optimizer.param_groups:
            group["lr"] = lr
        session.train_step()
        if session.step in SAMPLES_AT:
            session.samples[session.step] = session.sample()
        if session.step % 250 == 0 or session.step == total:
            session._record()
        if session.step % 1000 == 0:
            print(f"  step {session.step:,}: val {session.history['val'][-1]:.3f}", flush=True)
    session.samples[session.step] = session.sample()
    elapsed = time.monotonic() - start
    pretrained.save(session, name, {"seconds": round(elapsed), "bigram": session.data.bigram})
    print(f"{name}: {session.step:,} steps in {elapsed:.0f} s, validation loss "
          f"{session.history['val'][-1]:.3f} (bigram {session.data.bigram:.3f}) -> "
          f"{pretrained.path(name).name}, {pretrained.path(name).stat().st_size / 1e6:.2f} MB")
    print(session.samples[session.step][:300])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--only", choices=list(SHARE), help="train one corpus's checkpoint")
    parser.add_argument("--steps", type=int, help="this many steps, whatever the time (a machine "
                        "shared with other jobs trains fewer steps in the same minutes)")
    args = parser.parse_args(argv)
    for name, share in SHARE.items():
        if args.only in (None, name):
            train_one(name, args.minutes * 60 * share, steps=args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
