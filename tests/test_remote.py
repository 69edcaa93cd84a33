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
