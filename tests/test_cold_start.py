"""A fast start (issue 18): building the app imports no model library, and the deferred
modules (playground/core/deferred.py) behave as ordinary imports once used. Nothing is timed:
bench/bench_cold_start.py measures the start."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "transformers", "peft", "faiss", "bm25s", "sklearn", "accelerate", "safetensors")


def test_building_the_app_imports_no_model_library():
    code = textwrap.dedent(f"""
        import json, sys
        import app
        app.prepare(app.build_app())
        from playground.core import deferred
        print(json.dumps({{"heavy": [m for m in {HEAVY!r} if m in sys.modules],
                          "ran": [n for n in app.DEFERRED if n in sys.modules and not deferred.is_pending(n)],
                          "pending": [n for n in app.DEFERRED if deferred.is_pending(n)]}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={"GENAI_PRELOAD": "0", "GRADIO_ANALYTICS_ENABLED": "False",
                                           "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["heavy"] == []
    assert found["ran"] == []                  # no page touched a deferred module while building
    assert "playground.images.gan2d" in found["pending"]


def _package(tmp_path: Path, name: str, body: str) -> str:
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "slow.py").write_text(textwrap.dedent(body))
    sys.path.insert(0, str(tmp_path))
    return f"{name}.slow"


def test_a_deferred_module_runs_once_on_first_use(tmp_path):
    from playground.core import deferred

    name = _package(tmp_path, "deferred_probe_a", """
        import builtins
        builtins.deferred_probe_runs = getattr(builtins, "deferred_probe_runs", 0) + 1
        ANSWER = 42
        def double(x):
            return 2 * x
        """)
    import builtins
    deferred.defer([name])
    from deferred_probe_a import slow
    assert getattr(builtins, "deferred_probe_runs", 0) == 0      # imported, not run
    assert deferred.is_pending(name)
    assert slow.double(slow.ANSWER) == 84
    assert builtins.deferred_probe_runs == 1
    assert not deferred.is_pending(name)
    import deferred_probe_a.slow as again                          # a second import: same module
    assert again is slow and builtins.deferred_probe_runs == 1
    assert type(slow).__name__ == "module"


def test_threads_reading_a_deferred_module_wait_for_its_body(tmp_path):
    """The race importlib.util.LazyLoader loses in Python 3.11 (CPython gh-114763): a second
    thread reading a name the first thread's run has not defined yet."""
    from playground.core import deferred

    name = _package(tmp_path, "deferred_probe_b", """
        import time
        FIRST = 1
        time.sleep(0.3)                 # a slow body (torch's import)
        LAST = 2
        """)
    deferred.defer([name])
    from deferred_probe_b import slow
    seen, errors = [], []

    def read():
        try:
            seen.append(slow.LAST)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and seen == [2] * 8


def test_constants_read_from_source_equal_the_modules_own():
    from playground.core import deferred
    from playground.images import diffusion, vae

    assert deferred.constant("playground.images.diffusion", "T") == diffusion.T
    assert deferred.constant("playground.images.vae", "EXTENT") == vae.EXTENT


def test_the_2d_shapes_are_the_gans():
    import numpy as np
    from playground.images import gan2d, shapes2d

    assert gan2d.TARGETS is shapes2d.TARGETS
    points = shapes2d.target_points("ring", 2000, seed=3)
    radius = np.hypot(points[:, 0], points[:, 1])
    assert points.shape == (2000, 2) and abs(radius.mean() - 1) < 0.02   # a ring of radius 1


def test_the_served_config_is_whole_though_build_and_queue_skip_theirs(app_demo, app_url):
    """app.build_app and app.prepare leave empty the configs Gradio computes for servers that
    launch replaces; the launched app's, and the one /config serves, hold every component and
    every event, and the Blocks computes its config again once built."""
    import httpx
    served = httpx.get(f"{app_url}/config", timeout=30).json()
    assert {c["id"] for c in served["components"]} >= set(app_demo.blocks)
    assert {d["id"] for d in served["dependencies"]} == set(app_demo.fns)
    assert app_demo.config["components"] and app_demo.config["dependencies"]
    assert len(app_demo.get_config_file()["components"]) == len(app_demo.config["components"])


def test_importing_the_app_leaves_the_collector_as_it_was_with_its_imports_frozen():
    """app.py pauses Python's cycle collector while its modules import, then freezes what they
    made and turns it back on, unless it was off before."""
    code = textwrap.dedent("""
        import gc, json, sys
        if sys.argv[1] == "off":
            gc.disable()
        import app
        print(json.dumps([gc.isenabled(), gc.get_freeze_count()]))
    """)
    for before, after in (("on", True), ("off", False)):
        out = subprocess.run([sys.executable, "-c", code, before], cwd=ROOT, capture_output=True,
                             text=True, timeout=300, env={"GENAI_PRELOAD": "0", "HF_HUB_OFFLINE": "1",
                                                          "GRADIO_ANALYTICS_ENABLED": "False",
                                                          "PATH": "/usr/bin:/bin"})
        assert out.returncode == 0, out.stderr[-3000:]
        enabled, frozen = json.loads(out.stdout.strip().splitlines()[-1])
        assert enabled is after
        assert frozen > 100_000              # gradio's and the pages' objects, out of its sight


def test_the_page_and_its_config_go_out_compressed(app_url):
    """app.compress_page: the page (its HTML with the config) and /config, gzip'd for browsers
    that accept it, whole once decompressed; a client that does not ask gets them plain."""
    import re

    import httpx
    embedded = r"window\.gradio_config\s*=\s*(\{.*?\});\s*</script>"
    for path in ("/?lang=en", "/config"):
        plain = httpx.get(app_url + path, headers={"Accept-Encoding": "identity"}, timeout=30)
        asked = httpx.get(app_url + path, headers={"Accept-Encoding": "gzip"}, timeout=30)
        assert "content-encoding" not in plain.headers
        assert asked.headers["content-encoding"] == "gzip"
        assert asked.num_bytes_downloaded < len(plain.content) / 3
        if path == "/config":
            assert asked.json() == plain.json()
        else:
            config = [json.loads(re.search(embedded, r.text, re.S).group(1)) for r in (plain, asked)]
            assert config[0] == config[1] and len(config[0]["components"]) > 100
