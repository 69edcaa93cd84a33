"""Shared fixtures: the real app launched in-process, a gradio_client, one browser.

The hub is never reached: tests run with HF_HUB_OFFLINE=1, as CI machines do.
"""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GENAI_PRELOAD", "0")   # tests load models when they need them

SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Flags for a closed network: without the background-networking ones, Chromium keeps trying
# to reach Google's hosts.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_demo():
    """The whole app, as `python app.py` builds it, served on a free local port."""
    import app
    demo = app.prepare(app.build_app())
    demo.launch(server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True,
                quiet=True, **app.launch_kwargs())
    app.add_routes(demo)
    yield demo
    demo.close()


@pytest.fixture(scope="session")
def app_url(app_demo):
    return app_demo.local_url.rstrip("/")


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client
    return Client(app_url, verbose=False)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session (two sync_playwright sessions in a thread fail)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/test.sh`, which installs it")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_in(browser, app_url):
    """page_in(lang, tab=None, locale=..., cpu_slowdown=None) -> a loaded page in that language.

    `cpu_slowdown` (e.g. 6) runs the page's JavaScript that many times slower (Chromium's CDP
    Emulation.setCPUThrottlingRate), as on a slow laptop, from before the page loads.
    """
    pages = []

    def open_page(lang: str | None, tab: str | None = None, locale: str = "es-ES",
                  cpu_slowdown: float | None = None):
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale=locale)
        pages.append(page)
        if cpu_slowdown:
            cdp = page.context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_slowdown})
        query = "&".join(f"{k}={v}" for k, v in (("lang", lang), ("tab", tab)) if v)
        page.goto(f"{app_url}/?{query}")
        page.wait_for_selector("#tabs", timeout=120_000 if cpu_slowdown else 30_000)
        page.wait_for_timeout(800)  # the load event sets language and tab
        import app
        if tab in app.LAZY_TABS:    # its blocks and events reach the page when first shown
            page.wait_for_function("tab => window.genaiArrived?.[tab]", arg=tab,
                                   timeout=120_000 if cpu_slowdown else 60_000)
        return page

    yield open_page
    for page in pages:
        page.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
