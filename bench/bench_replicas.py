"""Several replicas behind one address, generation on a shared inference server (issue 18).

    flock /tmp/train.lock .venv/bin/python bench/bench_replicas.py [--visitors 30] [--actions 20]
                                                   [--processes 3] [--knee 10,30,60]

Starts `deploy/replicas/run.sh` (nginx, 2 app replicas, one more playground process as the
shared inference server, its /v1 on SmolLM2) and runs bench/bench_classroom.py's class (separate
client processes, the page's protocol) in the same run:
  A  against replica 1 directly (no nginx), its generations on the inference server;
  B  against nginx in front of both replicas, the same class;
  knee  the plain one-process setup (generation in the app's own process, `generate_stream`)
        against replica 1 at each --knee size: from how many visitors one process passes
        1 s at p95 for its light actions.
For each it prints failures, the light actions' p95 (all, and while a generation ran), the
generations' first output and whole reply at p95; for B, from nginx's access log, how the
visitors were spread and whether any visitor's session (cookie key, Gradio's session_hash) was
served by two replicas (it must be none), and the same seen by real browsers (headless
Chromium: the page, its events, heartbeats; each answer's X-Replica header). Plus nginx's own overhead: a light GET through it, as a
ratio to the same GET direct.

On this 2-core machine the replicas, the inference server and the client processes all share
the same cores: B measures correctness and the proxy's overhead, not more throughput (that
comes when each replica has cores of its own).
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx

import bench_classroom as classroom  # noqa: E402 - bench/, beside this script
from harness import free_port, percentile  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LIGHT = ("neuron", "next_token_redraw", "attention_view")
LOG_LINE = re.compile(r"key=(\S*) replica=(\S*) status=(\d+) \"(\S+) (\S+)\" session=(\S*)")


def start_stack(replicas: int, run_dir: Path, attempts: int = 3):
    """run.sh in its own process group; returns it, nginx's URL and the replicas' URLs. On a
    busy machine Gradio's launch can give up on its own check of localhost: then again."""
    for attempt in range(1, attempts + 1):
        try:
            return _start_stack(replicas, run_dir)
        except RuntimeError as exc:
            print(f"  attempt {attempt}: {exc}")
    raise RuntimeError(f"deploy/replicas/run.sh did not get ready in {attempts} attempts")


def _start_stack(replicas: int, run_dir: Path):
    ports = [free_port() for _ in range(replicas)]
    lb, inference = free_port(), free_port()
    env = {**os.environ, "GENAI_REPLICA_PORTS": ",".join(map(str, ports)), "GENAI_LB_PORT": str(lb),
           "GENAI_INFERENCE_PORT": str(inference), "GENAI_LB_RUN_DIR": str(run_dir),
           "PYTHON": sys.executable}
    for name in ("GENAI_PLAYGROUND_SERVER_URL", "GENAI_PLAYGROUND_SERVER_MODEL"):
        env.pop(name, None)                         # run.sh starts its own inference server
    proc = subprocess.Popen(["bash", "deploy/replicas/run.sh"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    t0 = time.perf_counter()
    for line in proc.stdout:
        print("  run.sh:", line.rstrip())
        if line.startswith("ready:"):
            return proc, f"http://127.0.0.1:{lb}/", [f"http://127.0.0.1:{p}/" for p in ports]
        if time.perf_counter() - t0 > 300:
            break
    stop_stack(proc)
    raise RuntimeError("deploy/replicas/run.sh did not get ready")


def stop_stack(proc):
    """Stop run.sh's process group (nginx, the replicas, the inference server)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def warm(url: str):
    """The replica's models, and (through it) the inference server's model, loaded once."""
    from gradio_client import Client
    classroom.warm_up(url)
    Client(url, verbose=False).predict(classroom.PROMPTS["en"], 4, 0.8, 0.95, "en",
                                       api_name="/generate_server")


def summary(label: str, records: list, wall: float) -> dict:
    ok = [r for r in records if not r[4]]
    failures = [r for r in records if r[4]]
    gens = [r for r in ok if r[1] in classroom.GENERATIONS]
    spans = [(r[2], r[3]) for r in gens]
    light = [r[3] - r[2] for r in ok if r[1] in LIGHT]
    during = [r[3] - r[2] for r in ok if r[1] in LIGHT and any(a < r[3] and r[2] < b for a, b in spans)]
    first = [r[5] - r[2] for r in gens if r[5] is not None]
    whole = [r[3] - r[2] for r in gens]
    ms = lambda v: 1000 * percentile(v, 95)  # noqa: E731
    print(f"{label}: {len(ok)} answered, {len(failures)} failures in {wall:.0f} s; light p95 "
          f"{ms(light):.0f} ms (median {1000 * statistics.median(light) if light else float('nan'):.0f}), "
          f"while a generation ran p95 {ms(during):.0f} ms ({len(during)}); generation first "
          f"output p95 {ms(first):.0f} ms, whole reply p95 {ms(whole):.0f} ms ({len(whole)})")
    for f in failures[:3]:
        print("    failure:", f[1], f[4])
    return {"failures": len(failures), "light_p95": ms(light), "during_p95": ms(during)}


def stickiness(log: Path, offset: int):
    """From nginx's access log (after `offset`): visitors per replica, and keys or Gradio
    sessions that reached more than one replica."""
    replicas_of_key, replicas_of_session, joins = defaultdict(set), defaultdict(set), {}
    statuses = Counter()
    with log.open() as f:
        f.seek(offset)
        for line in f:
            m = LOG_LINE.search(line)
            if not m:
                continue
            key, replica, status, method, uri, session = m.groups()
            statuses[status] += 1
            replicas_of_key[key].add(replica)
            if session and session != "-":
                replicas_of_session[session].add(replica)
            if uri.endswith("/queue/join"):
                joins[key] = replica
    per_replica = Counter(joins.values())
    split_keys = sum(len(v) > 1 for v in replicas_of_key.values())
    split_sessions = sum(len(v) > 1 for v in replicas_of_session.values())
    print(f"  sticky sessions (nginx access log): {len(joins)} visitors, per replica "
          f"{dict(sorted(per_replica.items()))}; visitors served by two replicas: {split_keys} "
          f"by cookie key, {split_sessions} of {len(replicas_of_session)} Gradio sessions  "
          f"[target 0]; statuses {dict(sorted(statuses.items()))}")


def proxy_overhead(direct: str, via: str, n: int = 60):
    """A light GET (the app's /config) direct and through nginx, alternated: medians and ratio."""
    times = {direct: [], via: []}
    with httpx.Client(timeout=30) as http:
        for _ in range(n):
            for url in (direct, via):
                t0 = time.perf_counter()
                http.get(url + "config").raise_for_status()
                times[url].append(time.perf_counter() - t0)
    a, b = statistics.median(times[direct]), statistics.median(times[via])
    print(f"nginx's overhead on a light GET (/config, {n} each, alternated): direct median "
          f"{1000 * a:.1f} ms, through nginx {1000 * b:.1f} ms, ratio {b / a:.2f}")


def browser_check(lb: str, pages: int = 3):
    """Real browsers through nginx: each of `pages` Chromium contexts (a visitor each: its own
    cookies) opens the page on the Neuron tab and sets a weight, until the server's worked
    steps come back (an event through the queue); every answer's X-Replica header names the
    replica. Each visitor must see one replica only."""
    from playwright.sync_api import sync_playwright

    from harness import CHROMIUM_ARGS
    seen = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for _ in range(pages):
                context = browser.new_context()
                page = context.new_page()
                replicas, kinds = set(), Counter()
                def record(response, replicas=replicas, kinds=kinds):
                    if response.url.startswith(lb):
                        replicas.add(response.headers.get("x-replica", "?"))
                        path = response.url[len(lb):].split("?")[0]
                        kinds["queue" if "queue/" in path else "heartbeat" if "heartbeat" in path
                              else "page" if path in ("", "config") else "other"] += 1
                page.on("response", record)
                page.goto(lb + "?lang=en&tab=neuron", timeout=120_000)
                page.wait_for_selector("#tabs", timeout=120_000)
                page.wait_for_timeout(1000)                     # the load event: language, tab
                weight = page.locator("#neuron-w1 input[type=number]")
                weight.fill("3")
                weight.press("Enter")                           # the server's steps: a queue call
                page.wait_for_function("() => document.querySelector('#neuron-steps')"
                                       "?.innerText.includes('3 · 3 = 9')", timeout=60_000)
                page.wait_for_timeout(2000)
                if not seen:
                    page.screenshot(path=str(Path(lb_shot := "/tmp/genai-replicas-browser.png")))
                    print("  a visitor's page through nginx:", lb_shot)
                seen.append((replicas, dict(kinds)))
                context.close()
        finally:
            browser.close()
    split = sum(len(r) > 1 for r, _ in seen)
    print(f"  real browsers through nginx: {pages} visitors, replicas seen per visitor "
          f"{[sorted(r) for r, _ in seen]}; requests {[k for _, k in seen]}; visitors served by "
          f"two replicas: {split}  [target 0]")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--actions", type=int, default=20)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--knee", default="10,30,60", help="class sizes against one process ('' for none)")
    parser.add_argument("--run-dir", default="/tmp/genai-bench-replicas")
    parser.add_argument("--browsers-only", action="store_true",
                        help="only the real browsers' check through nginx (no class)")
    args = parser.parse_args()

    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    proc, lb, replicas = start_stack(2, run_dir)
    try:
        if args.browsers_only:
            browser_check(lb)
            return
        t0 = time.perf_counter()
        for url in replicas:
            warm(url)
        print(f"warm-up (both replicas' models, and the inference server's): {time.perf_counter() - t0:.0f} s")
        proxy_overhead(replicas[0], lb)
        size = f"{args.visitors} visitors x {args.actions} actions, {args.processes} client processes"

        records, wall = classroom.run_class(replicas[0], args.visitors, args.actions, args.processes,
                                            generation="generate_server")
        summary(f"A  1 replica direct, generation on the shared server ({size})", records, wall)

        log = run_dir / "access.log"
        offset = log.stat().st_size
        records, wall = classroom.run_class(lb, args.visitors, args.actions, args.processes,
                                            generation="generate_server")
        summary(f"B  2 replicas behind nginx, generation on the shared server ({size})", records, wall)
        stickiness(log, offset)
        try:
            browser_check(lb)
        except Exception as exc:  # noqa: BLE001 - the figures above and below still count
            print("  real browsers through nginx: not checked:", repr(exc)[:300])

        for n in [int(v) for v in args.knee.split(",") if v.strip()]:
            records, wall = classroom.run_class(replicas[0], n, args.actions, args.processes)
            summary(f"knee: one process, its own generation, {n} visitors x {args.actions}", records, wall)
    finally:
        stop_stack(proc)


if __name__ == "__main__":
    main()
