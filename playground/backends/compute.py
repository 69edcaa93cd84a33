"""How this process computes: one forward pass at a time, on a bounded number of torch threads.

Every backend takes COMPUTE_LOCK around a forward pass and calls `limit_torch_threads()`
before loading; nothing else here.
"""
from __future__ import annotations

import os
import threading


THREADS_ENV = "GENAI_TORCH_THREADS"
MAX_TORCH_THREADS = 2
# One thread by default. Measured on 2 shared cores with other processes busy (load
# average 5-6): SmolLM2 made 6.5-10.8 tokens/s on 1 thread and 0.9-2.1 on 2, because each
# operation on 2 threads waits at a barrier for a partner the OS has descheduled. On an
# idle machine 2 threads are faster (~14 tokens/s); a host that runs nothing else may set
# GENAI_TORCH_THREADS=2.
DEFAULT_TORCH_THREADS = 1


def torch_threads() -> int:
    """Threads for torch's operations: $GENAI_TORCH_THREADS, else 1; at most 2 and the cores."""
    try:
        wanted = int(os.environ.get(THREADS_ENV, DEFAULT_TORCH_THREADS))
    except ValueError:
        wanted = DEFAULT_TORCH_THREADS
    return max(1, min(wanted, MAX_TORCH_THREADS, os.cpu_count() or 1))


def limit_torch_threads() -> None:
    """Set torch's thread count to `torch_threads()` (process-wide)."""
    import torch

    wanted = torch_threads()
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


# One forward pass at a time in this process. With 2 torch threads, two visitors' calls at
# once would run 2 x 2 threads on 2 cores, and threads waiting at a barrier for a
# descheduled partner slow both by up to 10x; with 1 thread the memory bandwidth is the
# limit either way (measured: 2 streams together 7.0 tokens/s with the lock, 6.1 without).
# Taken per forward pass (one token of a stream), so concurrent streams interleave.
COMPUTE_LOCK = threading.Lock()
