"""The playground's OpenAI-compatible endpoint (lifecycle.serving, mounted by app.py), with the
official `openai` client against the app the tests launch."""
from __future__ import annotations

import math

import httpx
import pytest
import torch

from playground import backends
from playground.text import chat


@pytest.fixture(scope="module")
def openai_client(app_url):
    from openai import OpenAI

    return OpenAI(base_url=f"{app_url}/v1", api_key="not-needed", timeout=120)


def test_models_are_listed(openai_client):
    ids = {m.id for m in openai_client.models.list()}
    assert {"smollm2", "gemma3"} <= ids and set(chat.models()) <= ids


def test_streamed_chat_equals_the_whole_answer_and_the_apps_own_reply(openai_client):
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    whole = openai_client.chat.completions.create(model="smollm2", messages=messages, temperature=0,
                                                  max_tokens=16)
    pieces = [c.choices[0].delta.content or "" for c in openai_client.chat.completions.create(
        model="smollm2", messages=messages, temperature=0, max_tokens=16, stream=True)]
    assert "".join(pieces) == whole.choices[0].message.content and len(pieces) > 3
    ctx = chat.build_context("", messages, 16, model="smollm2")
    *_, reference = chat.reply(ctx, 0.0, 16, model="smollm2")
    assert whole.choices[0].message.content == reference and "Paris" in reference
    assert whole.usage.prompt_tokens == len(ctx.ids)


def test_log_probabilities_equal_the_models_next_token_probabilities(openai_client):
    prompt = "El futuro de la IA se basa en la"
    out = openai_client.completions.create(model="gemma3", prompt=prompt, max_tokens=1, temperature=0,
                                           logprobs=5)
    lm = backends.get("gemma3")
    with torch.inference_mode():
        logits = lm.model(torch.tensor([lm.prompt_ids(prompt)])).logits[0, -1]
    probs = torch.softmax(logits.double(), -1)
    top = out.choices[0].logprobs.top_logprobs[0]
    best = torch.topk(probs, 5)
    assert list(top) == [lm.decode([int(i)]) for i in best.indices]
    for (piece, logprob), p in zip(top.items(), best.values):
        assert math.isclose(math.exp(logprob), float(p), rel_tol=1e-4), piece
    assert out.choices[0].text == list(top)[0]              # greedy: the most likely one


def test_chat_logprobs_and_bad_requests(openai_client, app_url):
    import openai

    answer = openai_client.chat.completions.create(
        model="gemma3-chat", messages=[{"role": "user", "content": "¿Cuál es la capital de Francia?"}],
        temperature=0, max_tokens=12, logprobs=True, top_logprobs=3)
    entries = answer.choices[0].logprobs.content
    assert entries and all(len(e.top_logprobs) == 3 and e.top_logprobs[0].logprob >= e.logprob - 1e-6
                           for e in entries)                 # greedy picks the top one
    with pytest.raises(openai.BadRequestError, match="unknown model"):
        openai_client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(openai.BadRequestError, match="chat template"):
        openai_client.chat.completions.create(model="gemma3", messages=[{"role": "user", "content": "hi"}])
    raw = httpx.post(f"{app_url}/v1/completions", content='{"model": "smollm2", "prompt": "Hi", "max_tokens": NaN}',
                     headers={"content-type": "application/json"}, timeout=30)
    assert raw.status_code == 400 and "max_tokens" in raw.json()["error"]["message"]
    raw = httpx.post(f"{app_url}/v1/chat/completions", content="not json", timeout=30)
    assert raw.status_code == 400
