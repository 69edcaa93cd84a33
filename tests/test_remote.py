"""A larger model through a server (backends.remote), tested against a real OpenAI-compatible
server: the playground's own /v1 endpoint, launched by the tests."""
from __future__ import annotations

import pytest

from playground.backends import remote
from playground.text import chat


@pytest.fixture
def server(app_url, monkeypatch):
    """The host's configuration: the server and its model (here the app's own SmolLM2)."""
    monkeypatch.setenv(remote.ENV_URL, f"{app_url}/v1")
    monkeypatch.setenv(remote.ENV_MODEL, "smollm2")
    return app_url


def test_not_offered_unless_the_host_configures_it(monkeypatch):
    monkeypatch.delenv(remote.ENV_URL, raising=False)
    assert remote.NAME not in chat.models()
    from playground.core.errors import UserError

    with pytest.raises(UserError):
        chat.model_choice(remote.NAME, "es")          # a visitor cannot reach an unconfigured server


def test_a_chat_through_the_server_streams_the_same_answer_as_the_model_here(server):
    assert remote.NAME in chat.models() and chat.title(remote.NAME).startswith("smollm2 @ 127.0.0.1:")
    question = [{"role": "user", "content": "What is the capital of France?"}]
    ctx = chat.build_context("", question, 16, model=remote.NAME)
    texts = list(chat.reply(ctx, 0.0, 16, model=remote.NAME))
    local = chat.build_context("", question, 16, model="smollm2")
    *_, reference = chat.reply(local, 0.0, 16, model="smollm2")
    assert texts[-1] == reference and len(texts) > 3 and texts == sorted(texts, key=len)   # it grew
    e = ctx.exchange
    assert e.request["model"] == "smollm2" and e.request["stream"] and e.request["temperature"] == 0
    assert e.chunks[-1]["object"] == "chat.completion.chunk" and e.tokens_per_s and e.tokens_per_s > 0
    html = chat.template_html(ctx, "es")
    assert "servidor" in html and "chat.completion.chunk" in html
    assert "tokens/s" in chat.notice(ctx, 0.0, "en", remote.NAME)


def test_the_chat_api_with_the_server(server, client):
    box, messages, template, notice = client.predict(remote.NAME, "What is the capital of France?", [], "", 0, 16,
                                                     "en", api_name="/chat_with_model")
    assert "Paris" in str(messages[-1]["content"]) and "tokens/s" in notice and "&quot;stream&quot;" in template


# --- the Generation tab through the server ----------------------------------------------------

def test_steps_of_reads_both_formats_servers_use():
    """The chat format (`logprobs.content`) and the completions one (`tokens`, `token_logprobs`,
    `top_logprobs`), as the OpenAI API documents them."""
    chat_choice = {"delta": {"content": " la"}, "logprobs": {"content": [
        {"token": " la", "logprob": -0.5, "top_logprobs": [{"token": " la", "logprob": -0.5},
                                                           {"token": " el", "logprob": -1.5}]}]}}
    completion_choice = {"text": " la", "logprobs": {"tokens": [" la"], "token_logprobs": [-0.5],
                                                     "top_logprobs": [{" la": -0.5, " el": -1.5}]}}
    expected = [remote.Step(" la", -0.5, ((" la", -0.5), (" el", -1.5)))]
    assert remote.steps_of(chat_choice) == expected == remote.steps_of(completion_choice)
    assert remote.steps_of({"text": "x"}) == [] and remote.steps_of({"delta": {}}) == []


def test_the_server_bars_equal_the_models_own_next_token_probabilities(server):
    import math

    import torch

    from playground import backends
    from playground.text import server_generation

    prompt = "El futuro de la IA se basa en la"
    exchange = server_generation.exchange_for(prompt, 4, 0.0, 1.0)
    texts = list(server_generation.stream(exchange))
    assert len(texts) == 4 and len(exchange.steps) == 4 and exchange.text == texts[-1]
    lm = backends.get("smollm2")
    with torch.inference_mode():
        logits = lm.model(torch.tensor([lm.prompt_ids(prompt)])).logits[0, -1]
    best = torch.topk(torch.softmax(logits.double(), -1), server_generation.TOP_LOGPROBS)
    first = exchange.steps[0]
    assert [a[0] for a in first.alternatives] == [lm.decode([int(i)]) for i in best.indices]
    for (_, logprob), p in zip(first.alternatives, best.values):
        assert math.isclose(math.exp(logprob), float(p), rel_tol=1e-4)
    assert first.token == lm.decode([int(best.indices[0])])          # greedy: the likeliest
    figure = server_generation.bars_figure(exchange, 1, "es")
    bars = figure.data[0] if hasattr(figure, "data") else figure["data"][0]
    shown = list(bars["x"])
    assert math.isclose(shown[0], 100 * float(best.values[0]), rel_tol=1e-4)
    assert math.isclose(sum(shown), 100.0, rel_tol=1e-6)           # the five and "all the others"
    raw = server_generation.raw_json(exchange)
    assert raw["request"]["logprobs"] == 5 and raw["chunks_received"] == len(exchange.chunks)


def test_the_generation_api_through_the_server(server, client):
    html, status, bars, raw, = client.predict("El futuro de la IA se basa en la", 8, 0.0, 0.95, "en",
                                              api_name="/generate_server")
    assert "smollm2 @ 127.0.0.1" in status and "tokens/s" in status
    assert raw["request"]["prompt"] == "El futuro de la IA se basa en la" and raw["chunks_received"] >= 8
    assert "Token 1 of 8" in str(bars) and "all the others" in str(bars)


def test_the_generation_api_without_a_server_says_so(monkeypatch, client):
    monkeypatch.delenv(remote.ENV_URL, raising=False)
    with pytest.raises(Exception, match="No hay ningún servidor configurado"):
        client.predict("Hola", 8, 0.5, 0.95, "es", api_name="/generate_server")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_generation_on_the_server(server, page_in, lang):
    from playground.core.i18n import t
    from tests.conftest import screenshot

    page = page_in(lang, tab="generation")
    box = page.locator("#generation-server-box")
    box.scroll_into_view_if_needed()
    box.get_by_text(t("server_generation_heading", lang)).click()
    page.locator("#generation-server-note").get_by_text("smollm2 @ 127.0.0.1").wait_for(timeout=20_000)
    page.locator("#generation-server-tokens input[type=number]").fill("12")
    page.locator("#generation-server-tokens input[type=number]").press("Enter")
    page.locator("#generation-server-go").click()
    page.locator("#generation-server-status").get_by_text("tokens/s").wait_for(timeout=60_000)
    bars = page.locator("#generation-server-bars")
    title = t("server_generation_bars_title", lang, position=1, n=12, token="")[:12]
    page.wait_for_function("([sel, text]) => document.querySelector(sel).innerText.includes(text)",
                           arg=["#generation-server-bars", title], timeout=30_000, polling=300)
    assert t("server_generation_rest", lang) in bars.inner_text()
    assert t("generation_bars_x", lang) in bars.inner_text()
    page.locator("#generation-server-position input[type=number]").fill("3")
    page.locator("#generation-server-position input[type=number]").press("Enter")
    title3 = t("server_generation_bars_title", lang, position=3, n=12, token="")[:12]
    page.wait_for_function("([sel, text]) => document.querySelector(sel).innerText.includes(text)",
                           arg=["#generation-server-bars", title3], timeout=30_000, polling=300)
    page.get_by_text(t("server_generation_raw", lang)).click()
    page.locator("#generation-server-raw").get_by_text("logprobs").first.wait_for(timeout=10_000)
    box.scroll_into_view_if_needed()
    screenshot(page, f"generation-server-{lang}")


def test_rag_answers_through_the_server_as_the_model_here(server, client):
    """The RAG tab's answer with the host's server as its model: the same prompt goes out, and
    (greedy) the same answer comes back as from the app's own SmolLM2."""
    from tests.test_rag import SEARCH

    question = "What does the KV cache store?"
    here = client.predict(question, *SEARCH.values(), "smollm2", 16, "en", api_name="/rag_answer")
    there = client.predict(question, *SEARCH.values(), remote.NAME, 16, "en", api_name="/rag_answer")
    assert there[1] == here[1] and there[2] == here[2] and "Cites" in there[1]
