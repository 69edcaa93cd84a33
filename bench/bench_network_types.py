"""Benchmark of the Network types tab (issue 17). Prints figures; asserts nothing.

    flock /tmp/train.lock .venv/bin/python bench/bench_network_types.py [--repeat 30]

1. The CNN with all its feature maps for one image, as the page calls it (the handler of
   `network_types_cnn`: feature maps, probabilities and three figures; target <= 100 ms),
   against a bare forward pass of the same model on the same image, measured in the same run
   (ratio), and the feature maps without the figures.
2. The RNN against the transformer: milliseconds to read one sequence of each length (the RNN
   stepped in Python, torch.nn.RNN's C++ loop, the transformer's one pass): the tab's figure.
3. The gradient reaching a token 1, 10, 30 and 59 tokens back from the output, both models.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(fn, repeat: int) -> float:
    fn()                                                       # warm: load, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import torch
    from pages import network_types as page
    from playground.networks import convolution as cv
    from playground.networks import recurrence as rc

    print(f"torch threads: {torch.get_num_threads()}")
    image = page.example_image(9, 1)
    x = torch.from_numpy(image[None, None])
    net = cv.model("cnn")

    def bare():
        with torch.inference_mode():
            net(x)

    bare_ms = median_ms(bare, args.repeat)
    maps_ms = median_ms(lambda: cv.feature_maps(image), args.repeat)
    page_ms = median_ms(lambda: page.cnn(9, 1, "en"), args.repeat)
    print("\n1. CNN, one image (median of", args.repeat, "runs)")
    print(f"   bare forward pass (reference)           {bare_ms:7.2f} ms")
    print(f"   feature maps of every layer + softmax   {maps_ms:7.2f} ms  ratio {maps_ms / bare_ms:5.1f}")
    print(f"   as the page calls it (maps + 3 figures) {page_ms:7.2f} ms  ratio {page_ms / bare_ms:5.1f}"
          f"  (target <= 100 ms)")

    print("\n2. Time to read one sequence (ms, best of 5), RNN against transformer")
    timings = rc.timings()
    print(f"   {'length':>6} {'RNN Python loop':>16} {'torch.nn.RNN':>13} {'transformer':>12}"
          f" {'loop / transformer':>19}")
    for i, n in enumerate(timings["length"].astype(int)):
        print(f"   {n:>6} {timings['rnn_loop'][i]:>16.3f} {timings['rnn_torch'][i]:>13.3f}"
              f" {timings['transformer'][i]:>12.3f} {timings['rnn_loop'][i] / timings['transformer'][i]:>19.2f}")

    print("\n3. Gradient norm reaching a token k tokens back (sequence of 60, seed 0)")
    rnn, tr = rc.gradient_by_distance("rnn"), rc.gradient_by_distance("transformer")
    for k in (1, 10, 30, 59):
        print(f"   k = {k:>2}: RNN {rnn[k]:.2e}   transformer {tr[k]:.2e}")


if __name__ == "__main__":
    main()
