"""One shared model: `Backend` loads it once, on first use, whatever the number of threads asking.

A second caller arriving during the load waits on the lock and receives the same object, so
two visitors asking at once load one copy. Loaded models are read-only afterwards.
"""
from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from playground.core.errors import UserError

NOT_LOADED, LOADING, LOADED, FAILED = "not loaded", "loading", "loaded", "failed"
# What `info()` always holds (None until the model is loaded and says)
FACT_KEYS = ("parameters", "layers", "heads", "vocab_size", "dim")


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

    `card` holds what the model card says (title, kind, source, licence); once loaded, the
    object's own `facts()` (read from the model: parameters, layers, heads, vocabulary,
    bytes in memory, ...) are added by `info()`.
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
        out = {"name": self.name, **dict.fromkeys(FACT_KEYS), **self.card}
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


class UnloadableBackend(Backend):
    """A `Backend` that can let its model go: for a model too big to keep beside the others."""

    def unload(self) -> bool:
        """Drop the shared reference and collect; True if a model was loaded.

        A visitor still replying holds their own reference, so their reply finishes; the
        memory returns once nobody holds it. `Backend.get` froze the loaded objects out of
        the collector's sight (gc.freeze): unfreeze, collect the model's reference cycles,
        freeze the rest again.
        """
        with self._lock:
            if self._value is None:
                return False
            self._value, self._state, self._seconds = None, NOT_LOADED, None
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        return True
