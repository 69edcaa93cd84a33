"""A pre-training run shown to the class: the registry of codes, the watcher's plan, and two
visitors through the API (the teacher trains and shares, a student watches)."""
from __future__ import annotations

import gc
import re
import time

import pytest

from playground.core.errors import UserError
from playground.lifecycle import pretraining, shared_runs
from playground.lifecycle.shared_runs import SharedRuns


class Run:
    """Stands for a pre-training Session: what the registry and the watcher read of one."""

    def __init__(self):
        self.step, self.history, self.samples = 0, {"step": [0]}, {0: ""}

    def advance(self):
        self.step += 10
        self.history["step"].append(self.step)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_code_is_four_digits_and_stays_the_runs():
    runs, run = SharedRuns(), Run()
    code = runs.share(run)
    assert re.fullmatch(r"[1-9]\d{3}", code)
    assert runs.share(run) == code and runs.get(code) is run and runs.code_of(run) == code
    other = Run()
    assert runs.share(other) != code and runs.get(runs.share(other)) is other
    assert runs.get("0000") is None and runs.code_of(Run()) is None


def test_a_run_nobody_holds_is_gone():
    runs, run = SharedRuns(), Run()
    code = runs.share(run)
    del run
    gc.collect()
    assert runs.get(code) is None and len(runs) == 0


def test_codes_expire_and_the_oldest_goes_first():
    clock = Clock()
    runs = SharedRuns(capacity=3, lifetime=100, clock=clock)
    kept = [Run() for _ in range(4)]
    codes = []
    for run in kept:
        codes.append(runs.share(run))
        clock.now += 1
    assert runs.get(codes[0]) is None                    # the capacity pushed the oldest out
    assert [runs.get(c) for c in codes[1:]] == kept[1:]
    clock.now += 100
    assert all(runs.get(c) is None for c in codes)       # and the lifetime ended the rest


def test_a_replaced_run_keeps_the_code():
    runs, old, new = SharedRuns(), Run(), Run()
    code = runs.share(old)
    shared_runs.handover(old, new)
    assert runs.get(code) is new and runs.code_of(new) == code and new.shared_in is runs
    unshared, newer = Run(), Run()
    shared_runs.handover(unshared, newer)                # never shared: nothing to carry
    assert runs.code_of(newer) is None


def test_prepare_hands_a_shared_run_over_to_the_new_model():
    runs = SharedRuns()
    session = pretraining.prepare(None, pretraining.Config(corpus="en", size="tiny", prompt="And"))
    code = runs.share(session)
    other = pretraining.prepare(session, pretraining.Config(corpus="en", size="tiny",
                                                            positions="rope", prompt="And"))
    assert other is not session and runs.get(code) is other


@pytest.mark.parametrize("typed", ["4831", " 48 31 ", 4831])
def test_read_code(typed):
    assert shared_runs.read_code(typed) == "4831"


@pytest.mark.parametrize("typed", ["", None, "48", "abcd", "48311", "4٨31", "😀😀😀😀", float("nan")])
def test_read_code_refuses(typed):
    with pytest.raises(UserError):
        shared_runs.read_code(typed)


def test_the_watcher_looks_again_only_when_the_run_moved():
    clock, runs, run = Clock(), SharedRuns(), Run()
    code = runs.share(run)
    plan = shared_runs.watch(runs, code, max_seconds=10, every=1, clock=clock)
    kinds = []
    for event in plan:
        kinds.append(event[0])
        if event[0] == "wait":
            clock.now += event[1]
            if clock.now in (3, 4):
                run.advance()
    # a frame at once, at 3 s and at 4 s (the run moved), nothing new at other looks, then the end
    assert kinds.count("frame") == 3 and kinds[0] == "frame" and kinds[-1] == "timeout"
    assert kinds.count("wait") == 10


def test_the_watcher_is_told_when_the_run_is_gone():
    runs, run = SharedRuns(), Run()
    code = runs.share(run)
    plan = shared_runs.watch(runs, code, every=0)
    assert next(plan)[0] == "frame" and next(plan)[0] == "wait"
    del run
    gc.collect()
    assert next(plan) == ("gone",)


# --- two visitors through the API ------------------------------------------------------------

ARGS = dict(corpus_name="es", own="", tokens="char", size="tiny", positions="learned", lr=0.003,
            steps=5000, temperature=0.8, prompt="Y dijo Dios", seed=0, layer=1)


def step_of(status: str) -> int:
    return int(re.search(r"(?:Paso|Step) ([\d,.]+)", status).group(1).replace(",", "").replace(".", ""))


def wait_for(job, n, seconds=60):
    end = time.monotonic() + seconds
    while len(job.outputs()) < n and not job.done() and time.monotonic() < end:
        time.sleep(0.05)
    return job.outputs()


def test_api_a_student_watches_the_teachers_run(app_url):
    from gradio_client import Client
    teacher, student = Client(app_url, verbose=False), Client(app_url, verbose=False)
    teacher.predict(*ARGS.values(), "es", api_name="/pretraining_show")
    shared = teacher.predict("es", api_name="/pretraining_share")
    code = re.search(r"\*\*(\d{4})\*\*", shared).group(1)
    assert "Código para la clase" in shared
    again = teacher.predict("en", api_name="/pretraining_share")
    assert f"Code for the class: **{code}**" in again                # the same run, the same code
    training = teacher.submit(*ARGS.values(), "es", api_name="/pretraining_train")
    wait_for(training, 1)
    watching = student.submit(code, 1, "en", api_name="/pretraining_watch")
    try:
        outputs = wait_for(watching, 3)
        assert len(outputs) >= 3
        steps = [step_of(out[0]) for out in outputs]
        assert steps == sorted(steps) and steps[-1] > steps[0]          # live: it moves on
        status, loss, samples, heads, note = outputs[-1]
        assert f"shared run **{code}**" in note and loss["type"] == "plotly"
        assert "Step" in status and "After 0 steps" in samples          # in the student's language
    finally:
        watching.cancel()
        teacher.predict(1, "es", api_name="/pretraining_pause")
    training.result()


def test_api_watch_errors_in_the_visitors_language(app_url):
    from gradio_client import Client
    client = Client(app_url, verbose=False)       # a new visitor: no model of their own yet
    with pytest.raises(Exception, match="4-digit code"):
        client.predict("12", 1, "en", api_name="/pretraining_watch")
    with pytest.raises(Exception, match="código 0999"):     # codes start at 1000: never shared
        client.predict("0999", 1, "es", api_name="/pretraining_watch")
    with pytest.raises(Exception, match="no model yet"):
        client.predict("en", api_name="/pretraining_share")


# --- in the browser: a class on two cores ------------------------------------------------------

@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_a_place_in_line_then_watching_the_teachers_run(app_url, page_in, lang):
    """Both training slots busy (the teacher's run and another's): a student's Train shows its
    place in line; the student then watches the teacher's run under its code instead."""
    from gradio_client import Client
    from playground.core.i18n import t
    from tests.conftest import screenshot
    teacher, other = Client(app_url, verbose=False), Client(app_url, verbose=False)
    teacher.predict(*ARGS.values(), "es", api_name="/pretraining_show")
    code = re.search(r"\*\*(\d{4})\*\*", teacher.predict("es", api_name="/pretraining_share")).group(1)
    runs = [teacher.submit(*ARGS.values(), "es", api_name="/pretraining_train"),
            other.submit(*ARGS.values(), "es", api_name="/pretraining_train")]
    try:
        for job in runs:
            wait_for(job, 1)
        page = page_in(lang, tab="pretraining")
        state = page.locator("#pretraining-run-state")
        state.get_by_text(t("pretraining_run_ready", lang)[:5]).wait_for(timeout=30_000)
        page.locator("#pretraining-train").click()
        in_line = t("queue_place", lang, place=1, size=2).split(" de ")[0].split(" of ")[0]
        page.locator("#tab-pretraining").get_by_text(in_line).first.wait_for(timeout=20_000)
        assert "queue:" not in page.locator("#tab-pretraining").inner_text()   # Gradio's English
        screenshot(page, f"pretraining-in-line-{lang}")
        page.locator("#pretraining-pause").click()
        if runs[0].done():          # a press runs RUN_SECONDS at most: on a slow machine the
            runs.append(teacher.submit(*ARGS.values(), "es", api_name="/pretraining_train"))
            wait_for(runs[-1], 1)   # teacher's has ended by now; the teacher presses again
        page.locator("#pretraining-class").click()      # open the accordion
        page.locator("#pretraining-watch-code textarea, #pretraining-watch-code input").first.fill(code)
        page.locator("#pretraining-watch").click()
        state.get_by_text(code).wait_for(timeout=20_000)
        seen = set()
        end = time.monotonic() + 30
        while len(seen) < 3 and time.monotonic() < end:
            seen.add(step_of(page.locator("#pretraining-status").inner_text()))
            page.wait_for_timeout(300)
        assert len(seen) >= 3                              # the teacher's steps, live
        assert t("pretraining_watching", lang, code=code, step="")[:12].replace("**", "") in state.inner_text()
        screenshot(page, f"pretraining-watching-{lang}")
        page.locator("#pretraining-unwatch").click()
    finally:
        teacher.predict(1, "es", api_name="/pretraining_pause")
        other.predict(1, "es", api_name="/pretraining_pause")
