"""Train the judge: a small CNN that tells which Fashion-MNIST class an image shows.

    apt-get install -y dataset-fashion-mnist        # the data (Debian, MIT licence)
    flock /tmp/genai-cpu.lock nice -n 19 .venv/bin/python scripts/train_classifier.py [--minutes 3]

bench/bench_generative.py asks it how many of the class-conditioned diffusion samples look
like the class that was asked for. Writes assets/weights/classifier_fashion.safetensors
(float16; training time and test accuracy in its metadata) and the few test images the app
shows (assets/weights/fashion_examples.npz).

Last run (the shipped weights): 3.0 minutes, 811 steps of 128 (2 epochs) on the shared
2-core machine under nice 19 with one thread; test accuracy 0.876. The weights' metadata
records the same.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from playground.images import fashion, generative_models  # noqa: E402

NAME = "classifier_fashion"


@torch.no_grad()
def accuracy(model, images, labels) -> float:
    model.eval()
    preds = torch.cat([model(b).argmax(1) for b in images.split(1000)])
    return float((preds == labels).float().mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1,
                        help="1 is fastest on a busy machine: two threads wait on each other")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    x_train, y_train = map(torch.from_numpy, fashion.load("train"))
    x_test, y_test = map(torch.from_numpy, fashion.load("test"))
    model = generative_models.Classifier()
    model(x_train[:1])                                              # materialize LazyLinear
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    t0, step, epoch = time.perf_counter(), 0, 0
    while time.perf_counter() - t0 < args.minutes * 60:
        epoch += 1
        model.train()
        for idx in torch.randperm(len(x_train)).split(args.batch):
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if time.perf_counter() - t0 >= args.minutes * 60:
                break
        print(f"epoch {epoch}  step {step}  loss {loss.item():.3f}", flush=True)
    minutes = (time.perf_counter() - t0) / 60
    meta = {"trained_minutes": round(minutes, 1), "steps": step, "epochs_seen": epoch,
            "test_accuracy": round(accuracy(model, x_test, y_test), 4),
            "data": "Fashion-MNIST train (60,000)", "machine": "2 CPU cores, shared"}
    path = generative_models.save(model.eval(), NAME, meta)
    fashion.save_examples()
    print(path, path.stat().st_size, "bytes", meta)


if __name__ == "__main__":
    main()
