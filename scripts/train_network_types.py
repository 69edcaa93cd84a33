"""Train the Network types tab's models and write them to assets/weights/:

- network-types-cnn.safetensors, network-types-mlp.safetensors: the CNN and the MLP of
  playground/networks/convolution.py on Fashion-MNIST's 60,000 training images;
- network-types-test-subset.npz: the first 1,000 test images (uint8) and labels, so the tab
  measures accuracies, top patches and shifts without the dataset;
- network-types-metrics.json: parameter counts, accuracies on the full 10,000 test images,
  epochs and seconds (tests/test_network_types.py measures the subset's accuracy again);
- network-types-rnn.safetensors, network-types-transformer.safetensors: the recurrent
  network and the transformer of playground/networks/recurrence.py on its recall task.

    flock /tmp/train.lock .venv/bin/python scripts/train_network_types.py [cnn] [rnn]   # ~2 min

Needs Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.images import fashion                      # noqa: E402
from playground.networks import convolution                # noqa: E402

EPOCHS = {"cnn": 4, "mlp": 8}


def accuracy(net, images, labels) -> float:
    with torch.inference_mode():
        return float((net(torch.from_numpy(images)).argmax(1).numpy() == labels).mean())


def train(kind: str, images, labels, seed: int = 0) -> tuple[torch.nn.Module, float]:
    torch.manual_seed(seed)
    net = convolution.build(kind)
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    x_all, y_all = torch.from_numpy(images), torch.from_numpy(labels)
    start = time.perf_counter()
    for epoch in range(EPOCHS[kind]):
        order = torch.randperm(len(x_all))
        for i in range(0, len(order), 128):
            idx = order[i:i + 128]
            loss = F.cross_entropy(net(x_all[idx]), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"{kind} epoch {epoch + 1}: last batch loss {loss.item():.3f}", flush=True)
    return net.eval(), time.perf_counter() - start


def train_convolution(metrics: dict) -> None:
    train_x, train_y = fashion.load("train")
    test_x, test_y = fashion.load("test")
    metrics["_how_made"] = ("scripts/train_network_types.py: Adam lr 2e-3, batch 128, on "
                            "Fashion-MNIST's 60,000 training images; accuracies on its 10,000 test images")
    for kind in ("cnn", "mlp"):
        net, seconds = train(kind, train_x, train_y)
        save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(convolution.WEIGHTS[kind]))
        metrics[kind] = {"parameters": convolution.n_parameters(net), "epochs": EPOCHS[kind],
                         "seconds": round(seconds, 1),
                         "test_accuracy": round(accuracy(net, test_x, test_y), 4)}
        print(kind, metrics[kind], flush=True)
    pixels = np.round((test_x[:convolution.SUBSET, 0] + 1) * 127.5).astype(np.uint8)
    np.savez_compressed(convolution.SUBSET_FILE, images=pixels, labels=test_y[:convolution.SUBSET])


def main(parts: list[str]) -> None:
    """`parts`: "cnn" (the CNN and the MLP), "rnn" (the recurrent network and the
    transformer), or both (the default)."""
    torch.set_num_threads(2)
    path = convolution.METRICS_FILE
    metrics = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if "cnn" in parts:
        train_convolution(metrics)
    if "rnn" in parts:
        from playground.networks import recurrence
        metrics["recurrence"] = recurrence.train_and_save()
        metrics["_how_made_recurrence"] = ("scripts/train_network_types.py rnn: recurrence.train_and_save, "
                                           "Adam lr 3e-3, batch 64, 3,000 steps on random digit sequences "
                                           "of 2 to 20 digits (say the first digit); accuracy on 1,000 "
                                           "fresh sequences of each length")
    path.write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:] or ["cnn", "rnn"])
