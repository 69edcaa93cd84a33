"""The scaling-law sweep of the Pre-training tab: the from-scratch GPT at six sizes, each
trained on five data budgets, on the Reina-Valera 1909 in characters.

    flock /tmp/train.lock python scripts/scaling_sweep.py

Every run (playground.lifecycle.scaling.train_point, which a visitor also runs for one new
point) starts from the same seed, sees D tokens once (batches of 8 random windows of 32
characters; the corpus has 3.4M training characters, so no window repeats much), with the
learning rate warmed up, then along a cosine to a tenth over its own steps (as Hoffmann et
al. 2022 match the schedule to the run), the peak smaller for wider models, and is measured
at the end on 256 fixed validation windows.
N counts the parameters without the token and position embeddings (Kaplan et al. 2020).
Writes assets/scaling/sweep.csv (about 5 minutes on 2 cores), which
playground.lifecycle.scaling fits.
"""
from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.lifecycle import corpus  # noqa: E402
from playground.lifecycle.scaling import SIZES, SWEEP, TOKENS, train_point  # noqa: E402


def main() -> int:
    data = corpus.builtin("es", "char")
    SWEEP.parent.mkdir(parents=True, exist_ok=True)
    rows, start = [], time.monotonic()
    for name, (layers, heads, width) in SIZES.items():
        for tokens in TOKENS:
            t0 = time.monotonic()
            n, d, loss = train_point(data, name, tokens)
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
