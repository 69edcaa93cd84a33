"""The scaling-law sweep of the Pre-training tab: the from-scratch GPT at six sizes, each
trained on five data budgets, on the Reina-Valera 1909 in characters.

    flock /tmp/train.lock python scripts/scaling_sweep.py

Every run starts from the same seed, sees D tokens once (batches of 16 random windows of 32
characters; the corpus has 3.4M training characters, so no window repeats much), with the
learning rate along a cosine from 2e-3 to 2e-4 over its own steps (as Hoffmann et al. 2022
match the schedule to the run), and is measured at the end on 256 fixed validation windows.
N counts the parameters without the token and position embeddings (Kaplan et al. 2020).
Writes assets/scaling/sweep.csv (about 5 minutes on 2 cores), which
playground.lifecycle.scaling fits.
"""
from __future__ import annotations

import csv
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from playground.lifecycle import corpus  # noqa: E402
from playground.lifecycle.gpt import GPT, GPTConfig  # noqa: E402
from playground.lifecycle.pretraining import windows  # noqa: E402
from playground.lifecycle.scaling import SWEEP  # noqa: E402

SIZES = {"xs": (1, 2, 16), "s": (2, 2, 32), "m": (2, 4, 48), "l": (3, 4, 64), "xl": (4, 4, 96),
         "xxl": (4, 4, 128)}                    # name -> (layers, heads, width)
TOKENS = (32_768, 65_536, 131_072, 262_144, 524_288)
BLOCK, BATCH = 32, 16
LR_MAX, LR_MIN = 2e-3, 2e-4
EVAL = 256


def run(data: corpus.Corpus, layers: int, heads: int, width: int, tokens: int, seed: int = 0):
    config = GPTConfig(vocab_size=data.vocab_size, block_size=BLOCK, n_layer=layers,
                       n_head=heads, n_embd=width)
    torch.manual_seed(seed)
    model = GPT(config)
    g = model.init_weights(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=LR_MAX, betas=(0.9, 0.99))
    train = torch.from_numpy(data.train.copy())
    val = torch.from_numpy(data.val.copy())
    steps = tokens // (BATCH * BLOCK)
    for step in range(steps):
        lr = LR_MIN + 0.5 * (LR_MAX - LR_MIN) * (1 + math.cos(math.pi * step / steps))
        for group in opt.param_groups:
            group["lr"] = lr
        starts = torch.randint(0, len(train) - BLOCK - 1, (BATCH,), generator=g).tolist()
        _, loss, _ = model(*windows(train, starts, BLOCK))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    starts = np.random.default_rng(1).integers(0, len(val) - BLOCK - 1, EVAL).tolist()
    with torch.no_grad():
        val_loss = float(model(*windows(val, starts, BLOCK))[1])
    n = model.num_params() - model.wte.weight.numel()          # without the embeddings
    return n, steps * BATCH * BLOCK, val_loss


def main() -> int:
    data = corpus.builtin("es", "char")
    SWEEP.parent.mkdir(parents=True, exist_ok=True)
    rows, start = [], time.monotonic()
    for name, (layers, heads, width) in SIZES.items():
        for tokens in TOKENS:
            t0 = time.monotonic()
            n, d, loss = run(data, layers, heads, width, tokens)
            rows.append({"size": name, "layers": layers, "heads": heads, "width": width,
                         "params": n, "tokens": d, "val_loss": round(loss, 4),
                         "seconds": round(time.monotonic() - t0, 1)})
            print(rows[-1], flush=True)
    with open(SWEEP, "w", newline="", encoding="utf-8") as f:
        f.write("# Made by scripts/scaling_sweep.py: the from-scratch GPT (playground/lifecycle/gpt.py)"
                " on the Reina-Valera 1909, characters; params without embeddings; tokens seen;"
                " validation loss in nats per character.\n")
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} runs in {time.monotonic() - start:.0f} s -> {SWEEP}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
