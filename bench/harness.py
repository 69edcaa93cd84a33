"""What the benchmarks share: a free port for an app they launch, a percentile, and the flags
of the headless Chromium they drive (the same as the tests', tests/conftest.py).

Run as scripts (`python bench/bench_x.py`), the benchmarks find this module beside them."""
from __future__ import annotations

import socket

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, q):
    """The q-th percentile (nearest rank) of `values`; NaN for none."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] if values else float("nan")
