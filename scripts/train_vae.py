"""Train the VAE of the VAE tab (2D latent) on Fashion-MNIST, and the codes the tab draws.

    apt-get install -y dataset-fashion-mnist        # the data (Debian, MIT licence)
    flock /tmp/genai-cpu.lock nice -n 19 .venv/bin/python scripts/train_vae.py --minutes 3

Negative ELBO (generative_models.vae_loss) with Adam over a time budget. Writes
assets/weights/vae_fashion.safetensors (float16; training time and the test set's
reconstruction error in its metadata) and assets/weights/vae_fashion_codes.npz (mu(x) of
3,000 test images with their labels).

Last run (the shipped weights): 3.0 minutes, 2,648 steps of 128 (6 epochs), on the shared
2-core machine under nice 19 with one thread; reconstruction error on the 10,000 test
images 0.0264 MSE per pixel (pixels in [0, 1]), 82.7 summed squared error per image
(pixels in [-1, 1]). The weights' metadata records the same.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from playground.images import fashion, generative_models, vae  # noqa: E402


@torch.no_grad()
def evaluate(model, images: torch.Tensor) -> dict:
    """Reconstruction error on the test set, decoding each image's mean code."""
    mu, _ = model.encode(images)
    recon = model.decode(mu)
    sq = (recon - images).pow(2).flatten(1)
    return {"test_mse_per_pixel": round(float(sq.mean() / 4), 5),   # pixels in [0, 1]
            "test_recon_sum": round(float(sq.sum(1).mean()), 2)}     # per image, pixels in [-1, 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1,
                        help="1 is fastest on a busy machine: two threads wait on each other")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    x_train, _ = fashion.load("train")
    x_test, y_test = fashion.load("test")
    x_train, x_test = torch.from_numpy(x_train), torch.from_numpy(x_test)
    model = generative_models.VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    t0, step, epoch = time.perf_counter(), 0, 0
    while time.perf_counter() - t0 < args.minutes * 60:
        epoch += 1
        for idx in torch.randperm(len(x_train)).split(args.batch):
            loss, rec, kl = generative_models.vae_loss(model, x_train[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if time.perf_counter() - t0 >= args.minutes * 60:
                break
        print(f"epoch {epoch}  step {step}  loss {loss.item():.1f} (rec {rec.item():.1f}, kl {kl.item():.2f})",
              flush=True)
    minutes = (time.perf_counter() - t0) / 60
    model.eval()
    meta = {"trained_minutes": round(minutes, 1), "steps": step, "epochs_seen": epoch,
            "data": "Fashion-MNIST train (60,000)", "machine": "2 CPU cores, shared",
            **evaluate(model, x_test)}
    path = generative_models.save(model, vae.MODEL_NAME, meta)
    keep = torch.from_numpy(np.random.default_rng(0).choice(len(x_test), 3000, replace=False))
    with torch.no_grad():
        mu, _ = model.encode(x_test[keep])
    np.savez_compressed(vae.CODES, codes=mu.numpy().astype(np.float16), labels=y_test[keep.numpy()])
    print(path, path.stat().st_size, "bytes", meta)


if __name__ == "__main__":
    main()
