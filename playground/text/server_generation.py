"""Generation on a larger model that a server runs (backends.remote: Ollama, llama.cpp, vLLM,
an exo cluster, or another playground's /v1): the same lesson as the tab's own models, the
next-token bars drawn from the log-probabilities the server sends back, the exchange shown as
raw JSON, and the speed measured here, at the client.

The server samples: the page's temperature and top-p travel in the request; the bars show
the server's top tokens at each position (probabilities after its own processing of the
logits, as llama.cpp, Ollama and OpenAI report them) and the share of all the others.
"""
from __future__ import annotations

import html
import json
import math

from playground.backends import remote
from playground.core import plotstyle
from playground.core.i18n import t
from playground.text.generation_figures import BAR_CUT, BAR_MODEL, BAR_SAMPLED, chips_html

TOP_LOGPROBS = 5            # the likeliest tokens asked for at each position
MAX_NEW_TOKENS = 200
MAX_SECONDS = 120.0
JSON_CHUNKS = 6             # raw chunks shown: the first few and the last


def exchange_for(prompt: str, max_tokens: int, temperature: float, top_p: float) -> remote.Exchange:
    return remote.Exchange(remote.completion_request(prompt, temperature, max_tokens, top_p,
                                                     TOP_LOGPROBS))


def stream(exchange: remote.Exchange, stop_event=None):
    """The text so far after each token the server sends (bounded in time)."""
    yield from remote.stream_completion(exchange, stop_event, MAX_SECONDS)


def probability(logprob: float | None) -> float | None:
    return None if logprob is None or not math.isfinite(logprob) else math.exp(logprob)


def tokens_html(prompt: str, exchange: remote.Exchange, lang: str) -> str:
    """The prompt, then each generated token coloured by the probability the server gave it
    (grey, unknown, where it sent none)."""
    steps = exchange.steps
    if steps:
        pieces = [prompt] + [s.token for s in steps]
        probs = [probability(s.logprob) for s in steps]
    else:                                   # no log-probabilities: the text as it came
        pieces, probs = [prompt, exchange.text], [None]
    known = [p if p is not None else 0.0 for p in probs]
    return chips_html(pieces, known, 1, lang)


def status(exchange: remote.Exchange, lang: str) -> str:
    text = f"{remote.title()} · " + t("server_generation_status", lang, n=exchange.tokens)
    if exchange.tokens_per_s:
        text += " · " + t("server_generation_speed", lang, rate=f"{exchange.tokens_per_s:.1f}",
                          first=f"{exchange.first_token_seconds:.2f}")
    if exchange.text and not exchange.steps:
        text += " · " + t("server_generation_no_logprobs", lang)
    return text


def bars_figure(exchange: remote.Exchange, position: int, lang: str):
    """The server's likeliest tokens at one position of the reply (1 = the first new token),
    the chosen one marked, and the share of every other token."""
    steps = exchange.steps
    if not steps:
        layout = plotstyle.base_layout(t("server_generation_bars_empty", lang),
                                       t("generation_bars_x", lang), None, height=260)
        return plotstyle.figure([], layout)
    i = min(max(position, 1), len(steps)) - 1
    step = steps[i]
    alternatives = sorted(step.alternatives, key=lambda a: -a[1])
    if step.logprob is not None and step.token not in [a[0] for a in alternatives]:
        alternatives.append((step.token, step.logprob))      # sampled outside the top
    probs = [100 * (probability(lp) or 0.0) for _, lp in alternatives]
    labels = [f"«{token}»".replace("\n", "↵") for token, _ in alternatives]
    rest = max(0.0, 100.0 - sum(probs))
    labels.append(t("server_generation_rest", lang))
    probs.append(rest)
    colors = [BAR_SAMPLED if token == step.token else BAR_MODEL
              for token, _ in alternatives] + [BAR_CUT]
    data = [{"type": "bar", "orientation": "h", "y": list(range(len(probs))), "x": probs,
             "text": [f"{p:.1f}%" for p in probs], "textposition": "outside", "cliponaxis": False,
             "marker": {"color": colors}, "hovertemplate": "%{x:.2f}%<extra></extra>"}]
    title = t("server_generation_bars_title", lang, position=i + 1, n=len(steps),
              token=step.token.replace("\n", "↵"))
    layout = plotstyle.base_layout(f"{remote.title()}<br>{title}", t("generation_bars_x", lang),
                                   None, height=220 + 44 * len(probs))
    layout["xaxis"]["range"] = [0, max(probs) * 1.25 + 1]
    layout["yaxis"].update({"tickvals": list(range(len(probs))), "ticktext": labels,
                            "autorange": "reversed",
                            "tickfont": {"size": 18, "family": "ui-monospace, monospace"}})
    layout["title"].update({"y": 0.96, "yanchor": "top", "yref": "container"})
    layout.update({"margin": {"l": 40, "r": 30, "t": 110, "b": 60}, "showlegend": False})
    return plotstyle.figure(data, layout)


def raw_json(exchange: remote.Exchange) -> dict:
    """What was sent and what came back: the request, the first chunks and the last (all of
    them would be one per token), and how many there were."""
    chunks = exchange.chunks
    shown = chunks if len(chunks) <= JSON_CHUNKS else [*chunks[:JSON_CHUNKS - 1], chunks[-1]]
    return {"POST": f"{remote.url()}/completions" if remote.configured() else "/completions",
            "request": exchange.request, "chunks_received": len(chunks),
            "chunks (first and last)": shown}


def raw_json_html(exchange: remote.Exchange) -> str:
    return "<pre class='gen-raw'>" + html.escape(json.dumps(raw_json(exchange), ensure_ascii=False,
                                                            indent=1)) + "</pre>"
