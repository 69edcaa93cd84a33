"""Live streams go no faster than the page draws them (playground/core/pacing.py)."""
import threading
import time

import pytest

from playground.images import gan2d
from playground.core import pacing


def test_a_consumer_that_never_acknowledges_is_paced_by_time_alone():
    pacer, sent = pacing.Pacer(), []
    for _ in range(6):
        pacer.wait(0.05)
        sent.append(time.monotonic())
    gaps = [b - a for a, b in zip(sent, sent[1:])]
    assert pacer.acks is False
    assert gaps[0] >= pacing.FIRST_ACK_WAIT * 0.9          # one chance to acknowledge
    assert all(0.04 <= g < 0.5 for g in gaps[1:])         # then the interval alone


def test_a_page_that_acknowledges_is_never_more_than_one_frame_behind():
    pacer, draw = pacing.Pacer(), 0.15
    pacer.ack()                                 # the page drew the tab's first picture
    pacer.start()
    inbox, behind, done = [], [], threading.Event()

    def page():                                 # draws each frame in `draw` seconds, then acks
        while not done.is_set():
            if inbox:
                inbox.pop(0)
                time.sleep(draw)
                pacer.ack()
            time.sleep(0.005)

    threading.Thread(target=page, daemon=True).start()
    start = time.monotonic()
    for _ in range(6):
        pacer.wait(0.01)
        behind.append(pacer.sent - pacer.acked)
        inbox.append("frame")
    elapsed = time.monotonic() - start
    done.set()
    assert max(behind) == 1                     # the frame being sent, no backlog
    # Five frames drawn before the sixth went, each followed by a rest of BREATHE x its time.
    assert elapsed >= 5 * draw * (1 + pacing.BREATHE) * 0.9


def test_stop_ends_a_wait_at_once():
    pacer = pacing.Pacer()
    pacer.ack()
    pacer.wait(0.0)                             # a frame the page never acknowledges
    t0 = time.monotonic()
    pacer.wait(10.0, stopped=lambda: time.monotonic() - t0 > 0.1, ack_wait=10.0)
    assert time.monotonic() - t0 < 1.0


class Clock:
    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


@pytest.mark.parametrize("seconds_per_frame, slice_", [(0.2, 20), (0.5, 50), (3.0, 100)])
def test_the_gan_learns_as_fast_whatever_the_frame_rate(seconds_per_frame, slice_):
    """100 generator steps a second: 20 a frame at 5 frames/s, 50 at 2, and at most a
    second's worth (100) when frames are slow; 300 steps in all, never more."""
    run, steps = gan2d.GanRun("ring"), []
    frames = gan2d.train_frames(run, 1, 300, 100, "en", budget=60.0,
                                clock=Clock(seconds_per_frame))
    for _ in frames:
        steps.append(run.step)
    slices = [b - a for a, b in zip([0, *steps], steps)]
    assert run.step == 300
    assert slices[0] == 1 and set(slices[1:-1]) == {slice_}


def test_a_gan_slice_stops_at_its_time_budget(monkeypatch):
    """A busy processor: each step takes 20 ms, the budget is 50 ms (3 steps at most),
    though frames come a second apart (100 steps wanted)."""
    run, train_step = gan2d.GanRun("ring"), gan2d.GanRun.train_step

    def slow_step(self, d_steps=1):
        time.sleep(0.02)
        return train_step(self, d_steps)

    monkeypatch.setattr(gan2d.GanRun, "train_step", slow_step)
    frames = gan2d.train_frames(run, 1, 30, 100, "en", budget=0.05, clock=Clock(1.0))
    steps = [run.step for _ in frames]
    assert steps[0] == 1 and all(b - a <= 3 for a, b in zip(steps, steps[1:]))
    assert run.step == 30


def test_a_gan_run_ends_at_its_time_limit(monkeypatch):
    """However slow the page or the server, one press of Train ends within RUN_SECONDS."""
    from pages import gan as gan_page
    monkeypatch.setattr(gan_page, "RUN_SECONDS", 0.5)
    monkeypatch.setattr(gan_page, "STEPS_PER_RUN", 10**6)
    t0 = time.monotonic()
    frames = list(gan_page.train(None, "ring", 0.001, 0.001, 1, "en"))
    run = frames[-1][1]
    assert time.monotonic() - t0 < 3.0 and 0 < run.step < 10**6


def test_a_live_run_stops_when_a_newer_one_begins():
    """The run control the Training, Pre-training and Post-training sessions share."""
    import threading

    from playground.core.pacing import LiveRun

    live = LiveRun()
    first = live.begin()
    assert not live.idle.is_set() and not live.superseded(first)
    ended = threading.Event()

    def worker():                       # a run goes on while it is the latest
        while not live.superseded(first):
            time.sleep(0.01)
        live.end()
        ended.set()

    threading.Thread(target=worker).start()
    newer = live.stop(wait=5.0)         # Pause: waits until the run is at rest
    assert ended.is_set() and live.idle.is_set() and newer == first + 1 and live.superseded(first)
