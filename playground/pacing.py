"""How often a live demo (Training, 2D GAN) sends a new picture to the browser.

A frame costs the server a few milliseconds, but the browser far more: Gradio redraws the
whole plotly figure (Plotly.react, then a resize) for every streamed frame, measured at
0.4-0.6 s a frame in headless Chromium on this project's 2-core machine
(bench/bench_browser_frames.py).
Gradio draws every frame it receives, in order; frames that come faster than they are drawn
queue up in the page, which then stops answering clicks, Stop and Pause included, until the
backlog is drawn. So the frame rate is capped well below what the server could send, and
the work per frame raised to keep the learning just as fast.

GENAI_STREAM_FPS sets the cap (default 5): a host whose visitors have fast machines may
raise it; a slow browser wants it lower.
"""
from __future__ import annotations

import math
import os

DEFAULT_FPS = 5.0


def stream_fps() -> float:
    """Frames per second for live streams: GENAI_STREAM_FPS, within [0.5, 30]."""
    try:
        fps = float(os.environ.get("GENAI_STREAM_FPS", DEFAULT_FPS))
    except ValueError:
        fps = DEFAULT_FPS
    return min(30.0, max(0.5, fps)) if math.isfinite(fps) else DEFAULT_FPS


def frame_seconds() -> float:
    return 1.0 / stream_fps()
