"""A run shown to the class: the teacher shares a pre-training run under a short code, and
whoever types the code watches it live (the curves, the samples, the attention) without
training anything themselves: two cores serve one run and thirty pairs of eyes.

Sharing is on purpose and explicit: a run is seen by another visitor only under the code its
owner asked for. `SharedRuns` is the one registry of the app (built with the page, not at
module level); it holds weak references, so a run nobody holds any more (its owner left) is
gone, and codes expire after `LIFETIME` seconds.
"""
from __future__ import annotations

import secrets
import threading
import time
import weakref
from dataclasses import dataclass

from playground.core.errors import UserError

CODE_DIGITS = 4
CAPACITY = 64               # codes held at once; the oldest goes first
LIFETIME = 4 * 3600         # seconds a code lives (a class, with a margin)
WATCH_SECONDS = 15 * 60     # one press of Watch follows the run at most this long
WATCH_EVERY = 1.0           # seconds between two looks at the shared run


@dataclass
class _Entry:
    run: weakref.ref
    since: float


class SharedRuns:
    """Codes -> the runs their owners shared. Thread-safe; every method is short."""

    def __init__(self, capacity: int = CAPACITY, lifetime: float = LIFETIME, clock=time.monotonic):
        self.capacity, self.lifetime, self.clock = capacity, lifetime, clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._codes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # run -> code

    def _forget_old(self) -> None:
        now = self.clock()
        for code, entry in list(self._entries.items()):
            if entry.run() is None or now - entry.since > self.lifetime:
                del self._entries[code]
        while len(self._entries) >= self.capacity:
            del self._entries[min(self._entries, key=lambda c: self._entries[c].since)]

    def _new_code(self) -> str:
        while True:
            code = str(secrets.randbelow(9 * 10 ** (CODE_DIGITS - 1)) + 10 ** (CODE_DIGITS - 1))
            if code not in self._entries:
                return code

    def share(self, run) -> str:
        """The run's code: the one it has, or a new one."""
        with self._lock:
            code = self._codes.get(run)
            if code is not None and code in self._entries and self._entries[code].run() is run:
                return code
            self._forget_old()
            code = self._new_code()
            self._entries[code] = _Entry(weakref.ref(run), self.clock())
            self._codes[run] = code
            run.shared_in = self
            return code

    def carry(self, old, new) -> None:
        """The owner's run was replaced (a reset, another corpus or size): the class goes on
        watching the new one under the same code."""
        if old is None or new is None or old is new:
            return
        with self._lock:
            code = self._codes.get(old)
            entry = self._entries.get(code) if code is not None else None
            if entry is not None and entry.run() is old:
                entry.run = weakref.ref(new)
                self._codes[new] = code
                new.shared_in = self

    def code_of(self, run) -> str | None:
        with self._lock:
            code = self._codes.get(run) if run is not None else None
            entry = self._entries.get(code) if code is not None else None
            return code if entry is not None and entry.run() is run else None

    def get(self, code: str):
        """The run shared under `code`, or None (never shared, expired, or its owner left)."""
        with self._lock:
            entry = self._entries.get(code)
            if entry is None or self.clock() - entry.since > self.lifetime:
                return None
            return entry.run()

    def __len__(self) -> int:
        with self._lock:
            return sum(1 for e in self._entries.values() if e.run() is not None)


def handover(old, new) -> None:
    """If `old` was shared, the class now watches `new` (see SharedRuns.carry)."""
    runs = getattr(old, "shared_in", None)
    if runs is not None:
        runs.carry(old, new)


def read_code(code) -> str:
    """A code as typed ("48 31", " 4831 ") -> "4831"; anything else is the visitor's mistake."""
    text = "".join(str(code if code is not None else "").split())
    if len(text) != CODE_DIGITS or not (text.isascii() and text.isdigit()):
        raise UserError("pretraining_watch_bad_code", digits=CODE_DIGITS)
    return text


def watch(runs: SharedRuns, code: str, max_seconds: float = WATCH_SECONDS,
          every: float = WATCH_EVERY, clock=time.monotonic):
    """What a watcher's page should draw, as a plan: yields ("frame", run, first) whenever the
    shared run has moved on since the last look (and once at the start), ("wait", seconds)
    between looks, and ends with ("gone",) when the run is no longer shared or ("timeout",)
    after `max_seconds`. The caller sleeps (asynchronously, in the page) and takes the frames:
    no thread is held while nothing changes."""
    start, last = clock(), None
    while True:
        run = runs.get(code)
        if run is None:
            yield ("gone",)
            return
        seen = (id(run), run.step, len(run.history["step"]), len(run.samples))
        if seen != last:
            yield ("frame", run, last is None)
            last = seen
        run = None                  # between looks, the watcher keeps nobody's run alive
        if clock() - start >= max_seconds:
            yield ("timeout",)
            return
        yield ("wait", every)
