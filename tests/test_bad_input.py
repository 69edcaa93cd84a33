"""Every named API event, fed bad input: a clear error or a sane answer, never a crash.

The events are discovered from the running app, so a later tab's events are covered as soon
as they exist. After the barrage, the app must still answer a good request.
"""
import json

import httpx

from playground.core.i18n import LANGS, t

HUGE_TEXT = "palabra " * 12_500          # 100,000 characters
BAD_NUMBERS = [float("nan"), float("inf"), -float("inf"), 1e308, -1e308, None, "abc", [1, 2]]
BAD_TEXTS = ["", "   ", HUGE_TEXT, "🤖🧠✨" * 50, None, 12345]

# Events that run a model or a training loop get fewer bad values each (one of each kind),
# so the sweep stays a few minutes however many tabs there are.
SLOW_HINTS = ("generat", "chat", "stream", "train", "sample", "kv", "next_token", "attention",
              "fill_mask", "diffusion", "gan", "vae", "load", "sentences", "step")
FEW_NUMBERS = [float("nan"), "abc"]
FEW_TEXTS = ["", HUGE_TEXT]


# The generic "something went wrong" answer means validation missed a case: a failure here.
INTERNAL = {t("error_internal", lang) for lang in LANGS}


def error_message(data) -> str:
    """The text of an error event's data (Gradio sends {"error": message, ...})."""
    value = json.loads(data) if data and data != "null" else None
    return str(value.get("error") or "") if isinstance(value, dict) else str(value or "")


def endpoints(client):
    info = client.view_api(print_info=False, return_format="dict")
    return info["named_endpoints"]


def default_args(params):
    args = []
    for p in params:
        if p.get("parameter_has_default"):
            args.append(p["parameter_default"])
        else:
            kind = p.get("python_type", {}).get("type", "")
            args.append(0 if kind in ("float", "int") else "es" if p["parameter_name"] == "lang" else "")
    return args


def bad_cases(params, slow: bool):
    """(index, value) pairs: each parameter, in turn, gets each bad value of its kind.

    The language is left alone: an unknown one falls back to the default (test_i18n), and
    with every other input valid, the event would run its whole job.
    """
    for i, p in enumerate(params):
        if p["parameter_name"] == "lang":
            continue
        kind = p.get("python_type", {}).get("type", "")
        if kind in ("float", "int"):
            values = FEW_NUMBERS if slow else BAD_NUMBERS
        elif kind == "str":
            values = FEW_TEXTS if slow else BAD_TEXTS
        else:
            values = [None]
        for v in values:
            yield i, v


def test_there_are_named_events(client):
    assert "/neuron" in endpoints(client)


def call_raw(app_url, api_name, args, timeout=120):
    """POST to Gradio's HTTP API with json.dumps (which, unlike the client, sends NaN and
    Infinity as JavaScript would), then read the event stream: ("complete" | "error", data)."""
    url = f"{app_url}/gradio_api/call/{api_name.lstrip('/')}"
    body = json.dumps({"data": args})                # allow_nan=True: NaN, Infinity go out
    r = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=timeout)
    if r.status_code != 200:
        return "http", f"{r.status_code} {r.text[:200]}"
    event_id = r.json()["event_id"]
    kind, data = None, None
    with httpx.stream("GET", f"{url}/{event_id}", timeout=timeout) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                data = line.split(":", 1)[1].strip()
                break
    return kind, data


def sweep(app_url, name, params, base, slow: bool) -> list[tuple]:
    """Each bad value in turn in each parameter of `name`, the others at `base`: what went wrong
    (an answer without a clear message, a broken stream, NaN or infinity in the answer)."""
    failures = []
    for i, value in bad_cases(params, slow=slow):
        args = list(base)
        args[i] = value
        kind, data = call_raw(app_url, name, args)
        where = (name, params[i]["parameter_name"], repr(value)[:40])
        if kind == "error":
            message = error_message(data)
            if not message or "Traceback" in message or message in INTERNAL:
                failures.append((*where, f"error without a clear message: {data!r}"[:200]))
        elif kind != "complete":
            failures.append((*where, f"{kind}: {data!r}"[:200]))
        elif "NaN" in data or "Infinity" in data:
            failures.append((*where, "NaN or infinity in the answer"))
    return failures


def test_every_event_survives_bad_input(client, app_url):
    failures = []
    for name, spec in endpoints(client).items():
        params = spec["parameters"]
        failures += sweep(app_url, name, params, default_args(params),
                          slow=any(h in name for h in SLOW_HINTS))
    assert not failures, "\n".join(map(str, failures))


def test_app_still_answers_after_bad_input(client):
    *_, numbers = client.predict(1, 3, 2, 0, 0, 0, 0, 1, "relu", "en", api_name="/neuron")
    assert numbers["output"] == 7


def test_nan_through_the_api_is_answered_in_the_visitors_language(app_url):
    kind, data = call_raw(app_url, "/neuron", [1, float("nan"), 2, 0, 0, 0, 0, 1, "relu", "es"])
    assert kind == "error" and "número finito" in error_message(data)
    kind, data = call_raw(app_url, "/neuron", [1, float("inf"), 2, 0, 0, 0, 0, 1, "relu", "en"])
    assert kind == "error" and "finite number" in error_message(data)
