"""How often a live demo (Training, 2D GAN) sends a new picture to the browser.

A frame costs the server little, but the browser far more: Gradio redraws the whole plotly
figure (Plotly.react, then a resize) for every streamed frame (bench/bench_browser_frames.py
measures how long; the README has its figures).
Gradio draws every frame it receives, in order; frames that come faster than they are drawn
queue up in the page, which then stops answering clicks, Stop and Pause included, until the
backlog is drawn, and draws old frames after whatever Pause answered.

So a stream is paced twice (Pacer): at most GENAI_STREAM_FPS frames a second (default 5),
and, once the page has acknowledged a frame (the plot's change event calls Pacer.ack), never
more than one frame ahead of what the page has drawn, with a rest after each frame (BREATHE)
in which the page answers clicks. A fast browser gets the full rate, a slow one what it can
draw, and a client that never acknowledges (the API) is paced by time alone.
"""
from __future__ import annotations

import math
import os
import threading
import time
from typing import Callable

DEFAULT_FPS = 5.0
ACK_WAIT = 5.0      # seconds a stream waits, at most, for the page to draw its last frame
POLL = 0.02         # seconds between two looks at the acknowledgements (and at Stop)
FIRST_ACK_WAIT = 1.0    # seconds to wait for a first acknowledgement from a new consumer
BREATHE = 0.5       # after a frame is drawn, the page rests this share of its drawing time


def stream_fps() -> float:
    """Frames per second for live streams: GENAI_STREAM_FPS, within [0.5, 30]."""
    try:
        fps = float(os.environ.get("GENAI_STREAM_FPS", DEFAULT_FPS))
    except ValueError:
        fps = DEFAULT_FPS
    return min(30.0, max(0.5, fps)) if math.isfinite(fps) else DEFAULT_FPS


def frame_seconds() -> float:
    return 1.0 / stream_fps()


class Pacer:
    """Paces one visitor's live stream to their page. The handler calls `wait()` before each
    frame it sends; the page's acknowledgement event calls `ack()` once a frame is drawn."""

    def __init__(self):
        self._lock = threading.Lock()
        self.acks = None                # does this consumer acknowledge? (a page does, the API not)
        self.start()

    def start(self) -> None:
        """A new stream: nothing sent, nothing acknowledged yet."""
        with self._lock:
            self.sent, self.acked, self.last = 0, 0, float("-inf")
            self.rest_until = float("-inf")

    def ack(self) -> None:
        with self._lock:
            self.acked += 1
            self.acks = True
            now = time.monotonic()
            if self.sent:               # the rest lasts half as long as the frame took
                self.rest_until = now + BREATHE * max(0.0, now - self.last)

    def wait(self, interval: float | None = None, stopped: Callable[[], bool] = lambda: False,
             ack_wait: float = ACK_WAIT) -> None:
        """Return when the next frame may go: `interval` seconds (frame_seconds()) after the
        previous one and, if the page acknowledges frames, once it has acknowledged every
        frame sent and rested (at most `ack_wait` seconds later). A consumer that has never
        acknowledged gets FIRST_ACK_WAIT seconds to do so, then is paced by time alone.
        Return at once when `stopped()`."""
        interval = frame_seconds() if interval is None else interval
        waits = {True: ack_wait, None: FIRST_ACK_WAIT, False: 0.0}[self.acks]
        give_up = time.monotonic() + waits
        while not stopped():
            now = time.monotonic()
            with self._lock:
                drawn = self.acked >= self.sent and now >= self.rest_until
            if now >= self.last + interval:
                if drawn:
                    break
                if now >= give_up:
                    if self.acks is None and self.sent:     # it never will: time alone
                        self.acks = False
                    break
            time.sleep(POLL)
        with self._lock:
            self.sent += 1
            self.last = time.monotonic()


class LiveRun:
    """The stoppable part of a visitor's live training (Training, Pre-training, Post-training):
    runs are numbered, and a run goes on only while it is the latest, so Pause, Reset or a
    new run stop the one going on by starting a new number (`stop`). `idle` is set while no
    run goes on, for a caller that wants to show the model at rest; `pacer` paces the frames
    to the visitor's page; `ended_by` says how the last run ended."""

    def __init__(self):
        self.run = 0                    # the id of the latest run; older runs stop
        self.idle = threading.Event()   # clear while a run is going on
        self.idle.set()
        self.pacer = Pacer()            # frames go no faster than this visitor's page draws them
        self.ended_by = None

    def stop(self, wait: float = 0.0) -> int:
        """End the current run, if any: it stops when it sees a newer run id. Returns the new
        id. With `wait`, wait (at most `wait` seconds) until the run has ended, so that the
        caller (Pause, Step, Reset) shows the model as it is at rest."""
        self.run += 1
        if wait:
            self.idle.wait(wait)
        return self.run

    def begin(self) -> int:
        """A new run, the only one from now on: its id. Call `end` when it ends (finally)."""
        run = self.stop()
        self.idle.clear()
        self.pacer.start()
        self.ended_by = None
        return run

    def end(self) -> None:
        self.idle.set()

    def superseded(self, run: int) -> bool:
        return self.run != run
