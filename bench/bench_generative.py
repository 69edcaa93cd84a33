"""Benchmarks of the GAN, VAE and diffusion tabs (issues 7 and 18). Prints figures; asserts nothing.

    flock /tmp/train.lock .venv/bin/python bench/bench_generative.py [--reps 7] [--per-class 20]
        [--threads 1] [--no-app] [--judge-only] [--first-generate]

1. Diffusion sampling, 16 samples x 50 DDIM steps, guidance 3 (32 images a pass), in-process:
   today's eager model against each engine trick and the smaller distilled network, runs
   interleaved round by round (the 2 shared cores are noisy), medians and ratios to the eager
   model measured in the same run (target <= 1 s); the one-time cost of the trace; the share
   of a pass the step/class embedding takes; 2 threads against 1.
2. /diffusion_sample through gradio_client: from the click to the last streamed frame; a
   visitor's first Generate against the second, with and without the app's warm-up (which
   traces the denoiser after the models).
   /gan_train through gradio_client: streamed frames per second over 5 s (target >= 10).
3. Quality judged by the Fashion-MNIST classifier (scripts/train_classifier.py): the share
   of class-conditioned diffusion samples it recognizes as the class asked for (target
   >= 85% at guidance 3), per guidance weight, per sampler and number of steps, per network;
   the same share for the class-conditional image GAN.
4. The VAE's reconstruction error on the test set (measured by scripts/train_vae.py, read
   from the weights' metadata), and the judge's own test accuracy.
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from harness import free_port  # noqa: E402 - bench/harness.py

from playground.images import diffusion, diffusion_fast, fashion, gan_images, generative_models, vae  # noqa: E402

SMALL = "diffusion_fashion_small"       # scripts/train_diffusion.py --channels 16 32 --distill diffusion_fashion


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


class Wrapped(torch.nn.Module):
    """A denoiser variant as `diffusion.sample` calls it: net(x, t, y) with x in `layout`."""

    def __init__(self, net, n_classes: int, layout=torch.contiguous_format):
        super().__init__()
        self.net, self.n_classes, self.layout = net, n_classes, layout

    def forward(self, x, t, y):
        return self.net(x.contiguous(memory_format=self.layout), t, y)


def traced(model, layout):
    net = copy.deepcopy(model).to(memory_format=layout)
    example = (torch.zeros(32, 1, 28, 28).contiguous(memory_format=layout), torch.zeros(32, dtype=torch.long),
               torch.zeros(32, dtype=torch.long))
    with torch.inference_mode():
        return Wrapped(torch.jit.freeze(torch.jit.trace(net, example).eval()), model.n_classes, layout)


def variants(model):
    """Today's eager model and each inference-only trick with the same weights."""
    cl = torch.channels_last
    found = {"eager (today)": model,
             "channels-last, eager": Wrapped(copy.deepcopy(model).to(memory_format=cl), model.n_classes, cl),
             "jit trace+freeze, NCHW": traced(model, torch.contiguous_format),
             "jit trace+freeze, channels-last (the tab's)": diffusion_fast.fast(model)}
    path = generative_models.WEIGHTS_DIR / f"{SMALL}.safetensors"
    if path.exists():
        small = generative_models.load_file(path)
        found[f"small {small.config['channels']} distilled, jit + channels-last"] = diffusion_fast.TracedDenoiser(small)
    return found


def one_run(net, seed, threads=None):
    if threads:
        torch.set_num_threads(threads)
    t0 = time.perf_counter()
    diffusion.sample_images(net, [8] * 16, n_steps=50, guidance=3.0, seed=seed)
    return time.perf_counter() - t0


def bench_sampling(reps: int, threads: int):
    model = diffusion.model()
    t0 = time.perf_counter()
    diffusion_fast.TracedDenoiser(model)
    trace_s = time.perf_counter() - t0
    nets = variants(model)
    runs = {name: [] for name in nets}
    runs["jit + channels-last, 2 threads"] = []
    for name, net in nets.items():                                   # warm up: jit profiles twice
        for _ in range(2):
            diffusion.sample_images(net, [8] * 16, n_steps=3, guidance=3.0)
    for r in range(reps):                                            # round-robin: same load for all
        for name, net in nets.items():
            runs[name].append(one_run(net, r, threads))
        runs["jit + channels-last, 2 threads"].append(one_run(nets["jit trace+freeze, channels-last (the tab's)"], r, 2))
        torch.set_num_threads(threads)
    base, base_min = statistics.median(runs["eager (today)"]), min(runs["eager (today)"])
    print(f"diffusion sampling in-process, 16 samples x 50 DDIM steps, guidance 3 (32 images a pass), "
          f"{threads} thread(s), medians of {reps} interleaved runs:")
    for name, times in runs.items():
        med = statistics.median(times)
        print(f"  {name:48s} {med:5.2f} s  x{base / med:.2f} vs eager;  fastest run {min(times):.2f} s  "
              f"x{base_min / min(times):.2f}  [target <= 1 s]")
    print(f"  one-time trace + freeze of the tab's model: {trace_s:.2f} s (on its first sampling)")
    bench_embedding_share(model)
    return runs


def bench_embedding_share(model, reps: int = 30):
    """What precomputing the step/class embedding of the 50 steps would save: its share of a pass."""
    from playground.images.generative_models import timestep_embedding
    fast = diffusion_fast.fast(model)
    x, t, y = torch.randn(32, 1, 28, 28), torch.full((32,), 500), torch.arange(32) % 11
    blocks = (model.down_block, model.mid1, model.mid2, model.up_block)
    with torch.inference_mode():
        emb, full = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            e = model.time(timestep_embedding(t, model.label.embedding_dim)) + model.label(y)
            [b.emb(e) for b in blocks]
            t1 = time.perf_counter()
            fast(x, t, y)
            emb.append(t1 - t0)
            full.append(time.perf_counter() - t1)
    print(f"  the step/class embedding: {statistics.median(emb) * 1e3:.2f} ms of a "
          f"{statistics.median(full) * 1e3:.1f} ms pass ({statistics.median(emb) / statistics.median(full):.1%}): "
          f"precomputing it for the 50 steps is not worth a less readable network")


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


def judge_rate(model, per_class: int, guidance: float = 3.0, steps: int = 50, method: str = "ddim"):
    """The judge's predictions for per_class samples of each class (the same seeds for every
    configuration), and the share it recognizes as the class asked for."""
    judge = generative_models.load("classifier_fashion")
    labels = np.repeat(np.arange(10), per_class)
    predicted = []
    for chunk in np.array_split(labels, max(1, len(labels) // 100)):
        images = diffusion.sample_images(model, chunk.tolist(), n_steps=steps, guidance=guidance,
                                         method=method, seed=int(guidance * 100) + len(predicted))
        with torch.no_grad():
            predicted.append(judge(images).argmax(1).numpy())
    predicted = np.concatenate(predicted)
    return labels, predicted, (predicted == labels).mean()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--per-class", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; on a busy machine two threads wait on each other")
    parser.add_argument("--judge-only", action="store_true", help="skip every timing")
    parser.add_argument("--no-app", action="store_true", help="skip the timings through the app")
    parser.add_argument("--first-generate", action="store_true",
                        help="only a visitor's first Generate against the second, with and without the warm-up")
    args = parser.parse_args()
    if args.first_generate:
        return first_generate()
    for load in (diffusion.model, gan_images.model, vae.model):
        load()                                # loading sets torch to 2 threads: set ours after
    torch.set_num_threads(args.threads)

    if not args.judge_only:
        bench_sampling(args.reps, args.threads)
        if not args.no_app:
            timings(args)
    judge(args)


def bench_first_generate(client, rounds: int = 3):
    """A visitor's first Generate against the second, without the trace made beforehand (as
    before: the first sampling traces) and after the app's warm-up made it: the first round
    after app.warm_up_in_background itself (the language models included), the next ones
    after its last step alone (diffusion.warm_up); the trace is dropped before each round.
    Only the first round's "before" is a fresh process's: a process that has traced once
    traces again faster (torch.jit's own set-up is done)."""
    import app

    args = ("a bag", 3, 50, "ddim", 0, "en")
    client.predict(*NEURON, api_name="/neuron")                     # the client's own first call
    diffusion.model()                                               # loaded in both cases
    cold, warm = [], []
    for r in range(rounds):
        diffusion_fast._traced.cache_clear()
        cold.append([api_time(client, args) for _ in range(2)])
        diffusion_fast._traced.cache_clear()
        if r == 0:
            t0 = time.perf_counter()
            app.warm_up_in_background(delay=0).join()
            print(f"  the app's warm-up (deferred lessons, language models, the trace): "
                  f"{time.perf_counter() - t0:.1f} s")
        else:
            diffusion.warm_up()
        warm.append([api_time(client, args) for _ in range(2)])
    for name, runs in (("no trace beforehand (before)", cold), ("after the warm-up", warm)):
        first, second = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(f"  {name:30s} first Generate {first:.2f} s, second {second:.2f} s "
              f"(first / second x{first / second:.2f}; medians of {rounds}; rounds: "
              + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in runs) + ")")


NEURON = (1, 3, 2, 0, 0, 0, 0, 1, "relu", "en")


def api_time(client, args) -> float:
    t0 = time.perf_counter()
    wait(client.submit(*args, api_name="/diffusion_sample"))
    return time.perf_counter() - t0


def first_generate():
    from gradio_client import Client
    demo = launch()
    try:
        print("/diffusion_sample, 16 samples x 50 DDIM steps, guidance 3: a visitor's first "
              "Generate and the second, from the click to the last streamed frame")
        bench_first_generate(Client(demo.local_url, verbose=False))
    finally:
        demo.close()


def timings(args):
    from gradio_client import Client
    demo = launch()
    try:
        client = Client(demo.local_url, verbose=False)
        print("/diffusion_sample, 16 samples x 50 DDIM steps, guidance 3: a visitor's first "
              "Generate and the second, from the click to the last streamed frame")
        bench_first_generate(client)
        times = bench_diffusion_api(client, args.reps)
        print(f"/diffusion_sample, 16 samples x 50 DDIM steps, guidance 3 (32 images a pass), "
              f"{args.reps} calls: median {statistics.median(times):.2f} s, "
              f"min {min(times):.2f} s, frames streamed")
        rates = bench_gan_fps(client)
        print(f"/gan_train streamed frames: median {statistics.median(rates):.1f} frames/s "
              f"(runs {', '.join(f'{r:.1f}' for r in rates)})  [target >= 10]")
    finally:
        demo.close()


def judge(args):
    judge_meta = generative_models.read_metadata(generative_models.WEIGHTS_DIR / "classifier_fashion.safetensors")
    print(f"judge: Fashion-MNIST test accuracy {judge_meta['test_accuracy']:.3f}")
    n = 10 * args.per_class
    model = diffusion_fast.fast(diffusion.model())              # the same numbers as the eager model
    name = f"network {model.config['channels']}"
    for w in (1.0, 3.0, 5.0):
        labels, predicted, rate = judge_rate(model, args.per_class, guidance=w)
        print(f"diffusion samples recognized as the asked class, {name}, guidance {w:g}, 50 DDIM steps, "
              f"{n} samples: {rate:.1%}  [target >= 85% at guidance 3]")
        if w == 3.0:
            per_class = [(predicted[labels == c] == c).mean() for c in range(10)]
            print("  per class at guidance 3: " + ", ".join(
                f"{c} {share:.0%}" for c, share in zip(fashion.class_names("en"), per_class)))
    for method, steps in (("dpm", 20), ("dpm", 25), ("ddim", 20), ("ddim", 25), ("dpm", 50)):
        print(f"  {name}, guidance 3, {method} {steps} steps: {judge_rate(model, args.per_class, 3.0, steps, method)[2]:.1%}")
    path = generative_models.WEIGHTS_DIR / f"{SMALL}.safetensors"
    if path.exists():
        small = diffusion_fast.TracedDenoiser(generative_models.load_file(path))
        meta = generative_models.read_metadata(path)
        name = f"small network {small.config['channels']} ({meta['objective']}, {meta['trained_minutes']} min)"
        for method, steps in (("ddim", 50), ("dpm", 50), ("dpm", 25)):
            print(f"diffusion samples recognized, {name}, guidance 3, {method} {steps} steps, {n} samples: "
                  f"{judge_rate(small, args.per_class, 3.0, steps, method)[2]:.1%}")
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
