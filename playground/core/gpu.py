"""A GPU when the host lends one: Hugging Face's ZeroGPU, a no-op everywhere else.

On a ZeroGPU Space (free accounts can host two) the Space holds no GPU: a function decorated
with the `spaces` package's `@spaces.GPU` is given one while it runs, out of each visitor's
daily quota (a few minutes), so only the work where a GPU pays asks for one: generating
tokens, sampling images, a training run's slice of steps. `on_gpu(fn, duration=...)` is that
decorator where `spaces` is present and the Space runs on ZeroGPU (`SPACES_ZERO_GPU` in the environment), and `fn` itself
anywhere else (this machine, a CPU Space, a laptop): nothing changes there.

The device is chosen when the work runs (`device()`), never at import: on ZeroGPU CUDA exists
only inside a decorated call. `to_device(module)` moves a model there inside that call (on
CPU it is already there: no copy).

A live training run is a long stream paced by the page, so it cannot hold the GPU throughout
(each decorated call must end within its duration, and the waits between frames would spend
the visitor's quota): it is split into decorated bursts, one per slice of steps, and
`burst(model, optimizer)` moves the run's network and its optimizer's state to the device for
the slice and back to the CPU after it, where the page's frames (curves, samples) are computed.

    @gpu.on_gpu(duration=60)
    def stream(...):
        dev = gpu.to_device(model)
        x = noise.to(dev) ...
"""
from __future__ import annotations

import importlib.util
import os
from contextlib import contextmanager

ZERO_GPU_ENV = "SPACES_ZERO_GPU"


def zero_gpu() -> bool:
    """True on a ZeroGPU Space: the variable its runtime sets, and the `spaces` package."""
    return ZERO_GPU_ENV in os.environ and importlib.util.find_spec("spaces") is not None


def on_gpu(fn=None, *, duration: int = 60):
    """`@spaces.GPU(duration=duration)` on ZeroGPU, else `fn` unchanged. Works bare
    (`@on_gpu`) or with arguments (`@on_gpu(duration=30)`); generators too (spaces keeps the
    GPU until the generator ends)."""
    def decorate(f):
        if not zero_gpu():
            return f
        import spaces
        return spaces.GPU(duration=duration)(f)
    return decorate(fn) if fn is not None else decorate


def device():
    """Where the work runs, chosen now: CUDA if this call has a GPU, else the CPU."""
    import torch
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def device_of(module, default=None):
    """Where `module`'s weights are (`default`, else the CPU, for a module without any)."""
    import torch
    return next((p.device for p in module.parameters()), default or torch.device("cpu"))


def to_device(module):
    """Move a torch module to `device()` if it is elsewhere; returns the device. Anything
    that is not a module (a model behind a server, None) stays where it is."""
    dev = device()
    if not hasattr(module, "parameters"):
        return dev
    first = next(module.parameters(), None)
    if first is not None and first.device.type != dev.type:
        module.to(dev)
    return dev


@contextmanager
def burst(module, optimizer=None):
    """Inside the block, `module` and its `optimizer`'s state on `device()`; after it, back on
    the device they came from. On the CPU nothing moves (no copy): the same tensors train."""
    dev = device()
    home = device_of(module, dev)
    if home.type == dev.type:
        yield dev
        return
    _move(module, optimizer, dev)
    try:
        yield dev
    finally:
        _move(module, optimizer, home)


def _move(module, optimizer, dev) -> None:
    module.to(dev)
    for state in (optimizer.state.values() if optimizer is not None else ()):
        for key, value in state.items():
            if key != "step" and hasattr(value, "to"):       # Adam's step count stays on the CPU
                state[key] = value.to(dev)
