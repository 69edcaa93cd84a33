"""Benchmarks of the GAN, VAE and diffusion tabs (issue 7). Prints figures; asserts nothing.

    flock /tmp/genai-cpu.lock .venv/bin/python bench/bench_generative.py [--reps 5] [--per-class 20]
        [--threads 1] [--judge-only]

1. /diffusion_sample through gradio_client: 16 samples, 50 DDIM steps, guidance 3, from the
   click to the last streamed frame; median over reps (target <= 1 s). Also the bare
   sampling call in-process, without the app.
2. /gan_train through gradio_client: streamed frames per second over 5 s (target >= 10).
3. Quality judged by the Fashion-MNIST classifier (scripts/train_classifier.py): the share
   of class-conditioned diffusion samples it recognizes as the class asked for (target
   >= 80%), per guidance weight, and per class at the default guidance; the same share for
   the class-conditional image GAN.
4. The VAE's reconstruction error on the test set (measured by scripts/train_vae.py, read
   from the weights' metadata), and the judge's own test accuracy.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from harness import free_port  # noqa: E402 - bench/harness.py

from playground.images import diffusion, fashion, gan_images, generative_models, vae  # noqa: E402


def launch():
    import app
    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    return demo


def wait(job, timeout=300):
    t0 = time.perf_counter()
    while not job.done() and time.perf_counter() - t0 < timeout:
        time.sleep(0.005)
    return job.outputs()


def bench_diffusion_api(client, reps: int):
    args = ("a bag", 3, 50, "ddim", 0, "en")
    wait(client.submit(*args, api_name="/diffusion_sample"))          # warm up: loads the model
    times = []
    for i in range(reps):
        t0 = time.perf_counter()
        wait(client.submit(*args[:4], i, "en", api_name="/diffusion_sample"))
        times.append(time.perf_counter() - t0)
    return times


def bench_diffusion_bare(reps: int):
    model = diffusion.model()
    times = []
    for i in range(reps):
        t0 = time.perf_counter()
        diffusion.sample_images(model, [8] * 16, n_steps=50, guidance=3.0, seed=i)
        times.append(time.perf_counter() - t0)
    return times


def bench_gan_fps(client, seconds: float = 5.0, runs: int = 3):
    rates = []
    for _ in range(runs):
        job = client.submit("gaussians", 0.001, 0.001, 1, "en", api_name="/gan_train")
        while not job.outputs():
            time.sleep(0.005)
        n0, t0 = len(job.outputs()), time.perf_counter()
        time.sleep(seconds)
        rates.append((len(job.outputs()) - n0) / (time.perf_counter() - t0))
        job.cancel()
        time.sleep(0.5)
    return rates


def judge_diffusion(per_class: int, guidances=(1.0, 3.0, 5.0), steps: int = 50):
    model, judge = diffusion.model(), generative_models.load("classifier_fashion")
    labels = np.repeat(np.arange(10), per_class)
    results = {}
    for w in guidances:
        predicted = []
        for chunk in np.array_split(labels, max(1, len(labels) // 100)):
            images = diffusion.sample_images(model, chunk.tolist(), n_steps=steps, guidance=w,
                                             seed=int(w * 100) + len(predicted))
            with torch.no_grad():
                predicted.append(judge(images).argmax(1).numpy())
        results[w] = np.concatenate(predicted)
    return labels, results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; on a busy machine two threads wait on each other")
    parser.add_argument("--judge-only", action="store_true", help="skip the timings through the app")
    args = parser.parse_args()
    for load in (diffusion.model, gan_images.model, vae.model):
        load()                                # loading sets torch to 2 threads: set ours after
    torch.set_num_threads(args.threads)

    if not args.judge_only:
        timings(args)
    judge(args)


def timings(args):
    from gradio_client import Client
    demo = launch()
    try:
        client = Client(demo.local_url, verbose=False)
        times = bench_diffusion_api(client, args.reps)
        print(f"/diffusion_sample, 16 samples x 50 DDIM steps, guidance 3 (32 passes a step), "
              f"{args.reps} calls: median {statistics.median(times):.2f} s, "
              f"min {min(times):.2f} s  [target <= 1 s]")
        bare = bench_diffusion_bare(args.reps)
        print(f"  the same sampling in-process, no app: median {statistics.median(bare):.2f} s")
        rates = bench_gan_fps(client)
        print(f"/gan_train streamed frames: median {statistics.median(rates):.1f} frames/s "
              f"(runs {', '.join(f'{r:.1f}' for r in rates)})  [target >= 10]")
    finally:
        demo.close()


def judge(args):
    labels, results = judge_diffusion(args.per_class)
    judge_meta = generative_models.read_metadata(generative_models.WEIGHTS_DIR / "classifier_fashion.safetensors")
    print(f"judge: Fashion-MNIST test accuracy {judge_meta['test_accuracy']:.3f}")
    for w, predicted in results.items():
        print(f"diffusion samples recognized as the asked class, guidance {w:g}, 50 DDIM steps, "
              f"{len(labels)} samples: {(predicted == labels).mean():.1%}  [target >= 80%]")
    best = results[3.0]
    per_class = [(best[labels == c] == c).mean() for c in range(10)]
    print("  per class at guidance 3: " + ", ".join(
        f"{name} {share:.0%}" for name, share in zip(fashion.class_names("en"), per_class)))
    gan_labels = np.repeat(np.arange(10), args.per_class * 5)
    with torch.no_grad():
        images = torch.from_numpy(gan_images.generate(gan_images.noise(0, len(gan_labels)), gan_labels))
        judged = generative_models.load("classifier_fashion")(images).argmax(1).numpy()
    print(f"image GAN samples recognized as the asked class, {len(gan_labels)} samples: "
          f"{(judged == gan_labels).mean():.1%}  [target >= 80%]")
    m = vae.metrics()
    print(f"VAE reconstruction error on the 10,000 test images: {m['test_mse_per_pixel']:.4f} MSE per "
          f"pixel (pixels in [0, 1]); {m['test_recon_sum']:.1f} summed squared error per image "
          f"(pixels in [-1, 1]); trained {m['trained_minutes']} min")


if __name__ == "__main__":
    main()
