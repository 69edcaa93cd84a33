"""Train the class-conditional image GAN of the GAN tab on Fashion-MNIST.

    apt-get install -y dataset-fashion-mnist        # the data (Debian, MIT licence)
    flock /tmp/genai-cpu.lock nice -n 19 .venv/bin/python scripts/train_gan.py --minutes 5

Non-saturating GAN loss with one-sided label smoothing (generative_models.gan_step), Adam
(lr 2e-4, beta1 0.5, as DCGAN). Writes assets/weights/gan_fashion.safetensors (the
generator, float16; training time in its metadata) and assets/weights/gan_fashion_snapshots.npz:
the generator's images from the same noise at a few points of training, and both losses,
for the tab's "competition" view.

Last run (the shipped weights): 5.0 minutes, 4,641 steps of 128, on the shared 2-core
machine under nice 19 with one thread; 1.1 MB. The weights' metadata records the same.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from playground.images import fashion, generative_models as gm  # noqa: E402

NAME = "gan_fashion"
SNAPSHOT_STEPS = [0, 50, 200, 500, 1000, 2000, 5000, 10000, 20000, 40000]


@torch.no_grad()
def snapshot(G, z, y) -> np.ndarray:
    G.eval()
    images = G(z, y)
    G.train()
    return np.round((images[:, 0].numpy() + 1) * 127.5).astype(np.uint8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1,
                        help="1 is fastest on a busy machine: two threads wait on each other")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    x_all, y_all = map(torch.from_numpy, fashion.load("train"))
    G, D = gm.Generator(), gm.Discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    z_fixed = torch.randn(20, G.latent, generator=torch.Generator().manual_seed(7))
    y_fixed = torch.arange(20) % 10
    snaps, snap_steps, history = [], [], []
    rng = np.random.default_rng(0)
    t0, step = time.perf_counter(), 0
    while time.perf_counter() - t0 < args.minutes * 60:
        if step in SNAPSHOT_STEPS:
            snaps.append(snapshot(G, z_fixed, y_fixed))
            snap_steps.append(step)
        idx = torch.from_numpy(rng.integers(0, len(x_all), args.batch))
        history.append(gm.gan_step(G, D, opt_g, opt_d, x_all[idx], y_all[idx]))
        step += 1
        if step % 500 == 0:
            d, g = np.mean(history[-500:], axis=0)
            print(f"step {step}  {(time.perf_counter() - t0) / 60:.1f} min  loss D {d:.3f}  G {g:.3f}", flush=True)
    snaps.append(snapshot(G, z_fixed, y_fixed))
    snap_steps.append(step)
    minutes = (time.perf_counter() - t0) / 60
    hist = np.array(history, dtype=np.float32)
    every = max(1, len(hist) // 500)
    np.savez_compressed(gm.WEIGHTS_DIR / f"{NAME}_snapshots.npz", images=np.stack(snaps),
                        steps=np.array(snap_steps), loss_steps=np.arange(1, len(hist) + 1)[::every],
                        losses=hist[::every].astype(np.float16))
    meta = {"trained_minutes": round(minutes, 1), "steps": step, "batch": args.batch,
            "data": "Fashion-MNIST train (60,000)", "machine": "2 CPU cores, shared"}
    path = gm.save(G.eval(), NAME, meta)
    print(path, path.stat().st_size, "bytes", meta)


if __name__ == "__main__":
    main()
