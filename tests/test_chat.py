"""The Chatbot tab: the exact templated text, visible trimming of long conversations, greedy
replies against transformers' generate, stopping, the API events and the browser.

SmolLM2 is loaded once per test session by the shared backend.
"""
import threading

import pytest
import torch

from playground import backends
from playground.text import chat
from playground.core.errors import UserError
from playground.core.i18n import t
from tests.conftest import screenshot

QUESTION = "What is the capital of France?"


@pytest.fixture(scope="module")
def lm():
    return backends.get("smollm2")


def long_conversation(turns: int, words: int = 60) -> list[dict]:
    out = []
    for i in range(turns):
        out += [{"role": "user", "content": f"Question {i}: " + "tell me more " * words},
                {"role": "assistant", "content": f"Answer {i}: " + "here is more " * words}]
    return out


# --- the template and the window ---------------------------------------------------------------

def test_the_model_receives_exactly_the_chat_template(lm):
    conversation = [{"role": "user", "content": "Hola"}, {"role": "assistant", "content": "¡Hola!"},
                    {"role": "user", "content": QUESTION}]
    ctx = chat.build_context("Be brief.", conversation, 100)
    reference = lm.tokenizer.apply_chat_template(
        [{"role": "system", "content": "Be brief."}, *conversation], tokenize=False,
        add_generation_prompt=True)
    assert ctx.text == reference and ctx.dropped == 0
    assert ctx.ids == lm.tokenizer(reference, add_special_tokens=False)["input_ids"]
    assert ctx.text.endswith("<|im_start|>assistant\n")
    between_turns = chat.build_context("Be brief.", conversation[:2], 100, add_generation_prompt=False)
    assert between_turns.text.endswith("¡Hola!<|im_end|>\n")
    # No system prompt: the template's own default.
    default = chat.build_context("", conversation[-1:], 100)
    assert "You are a helpful AI assistant named SmolLM" in default.text
    html_out = chat.template_html(default, "en")
    assert html_out.count('<span class="chat-special">&lt;|im_start|&gt;</span>') == 3
    assert "<script" not in chat.template_html(chat.build_context("<script>x</script>", conversation, 100), "en")


def test_long_conversations_lose_their_oldest_turns_visibly(lm):
    conversation = long_conversation(12) + [{"role": "user", "content": QUESTION}]
    ctx = chat.build_context("", conversation, reply_tokens=100, window=600)
    assert 0 < ctx.dropped < len(conversation) - 1
    assert len(ctx.ids) <= ctx.budget == 500
    kept = ctx.messages[-(len(conversation) - ctx.dropped):]
    assert kept == conversation[ctx.dropped:] and kept[0]["role"] == "user"
    assert ctx.messages[-1]["content"] == QUESTION
    # It keeps as much as fits: one more turn would not.
    previous_turn = ctx.dropped - 2
    assert len(lm.chat_ids(conversation[previous_turn:])) > ctx.budget
    text = chat.notice(ctx, 0.3, "es")
    assert f"los {ctx.dropped} mensajes más antiguos" in text
    assert str(ctx.dropped) in chat.notice(ctx, 0.3, "en")


def test_a_message_too_long_for_the_window_is_a_clear_error(lm):
    with pytest.raises(UserError) as err:
        chat.build_context("", [{"role": "user", "content": "word " * 700}], 100, window=600)
    assert err.value.key == "chat_error_too_long"


def test_history_from_the_chatbot_component():
    history = [{"role": "user", "content": [{"type": "text", "text": "Hi"}], "metadata": None},
               {"role": "assistant", "content": "Hello!"}]
    assert chat.history_messages(history) == [{"role": "user", "content": "Hi"},
                                              {"role": "assistant", "content": "Hello!"}]
    assert chat.history_messages(None) == []
    for bad in ("text", [{"role": "hacker", "content": "x"}], [{"role": "user", "content": 3}]):
        with pytest.raises(UserError):
            chat.history_messages(bad)


# --- replies -----------------------------------------------------------------------------------

def test_greedy_reply_equals_transformers_generate(lm):
    ctx = chat.build_context("", [{"role": "user", "content": QUESTION}], 24)
    *_, text = chat.reply(ctx, 0.0, 24)
    with torch.inference_mode():
        out = lm.model.generate(torch.tensor([ctx.ids]), max_new_tokens=24, do_sample=False)
    reference = lm.tokenizer.decode(out[0, len(ctx.ids):], skip_special_tokens=True)
    assert text == reference
    assert "Paris" in text


def test_stop_event_stops_the_reply(lm):
    ctx = chat.build_context("", [{"role": "user", "content": "Tell me a long story."}], 100)
    stop = threading.Event()
    replies = []
    for text in chat.reply(ctx, 0.0, 100, stop_event=stop):
        replies.append(text)
        if len(replies) == 2:
            stop.set()
    assert len(replies) == 2


def test_a_reply_stops_at_its_time_limit(lm):
    import time

    ctx = chat.build_context("", [{"role": "user", "content": "Tell me a long story."}], 300)
    start = time.monotonic()
    replies = list(chat.reply(ctx, 0.0, 300, max_seconds=0.5))
    assert time.monotonic() - start < 10 and 0 < len(replies) < 300


def test_time_limit_sets_the_event_and_is_cancelled_after():
    import time

    from playground.text.streaming import time_limit

    with time_limit(0.05) as stop:
        assert stop.wait(5)                          # the timer set it
    mine = threading.Event()
    with time_limit(0.05, mine) as stop:
        assert stop is mine
    time.sleep(0.15)
    assert not mine.is_set()                         # left early: the timer was cancelled


# --- API ------------------------------------------------------------------------------------------

def test_api_chat_streams_a_greedy_reply(client):
    job = client.submit(QUESTION, [], "", 0, 24, "en", api_name="/chat")
    box, history, template, notice = job.result()
    assert box == ""
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert "Paris" in str(history[-1]["content"])
    assert len(job.outputs()) >= 3                                # streamed
    assert "&lt;|im_start|&gt;" in template and "greedy" in notice


def test_api_each_visitor_has_their_own_conversation(client, app_url):
    from gradio_client import Client

    other = Client(app_url, verbose=False)
    _, mine, _, _ = client.predict("My secret is 42.", [], "", 0, 16, "en", api_name="/chat")
    template, notice = other.predict("", [], "", 0.3, 100, "en", api_name="/chat_context")
    assert "secret" not in template and "0 tokens" in notice
    template, _ = client.predict("", mine, "", 0.3, 100, "en", api_name="/chat_context")
    assert "My secret is 42." in template


def test_api_context_trims_visibly(client):
    history = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]}
               for m in long_conversation(10, words=80)]           # more than 2,048 tokens
    template, notice = client.predict(QUESTION, history, "", 0.3, 100, "en", api_name="/chat_context")
    assert "oldest messages were left out" in notice and "Question 0:" not in template
    assert QUESTION in template


# --- the browser ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_chat_journey(page_in, lang):
    page = page_in(lang, tab="chat")
    # The model shown is the language's default; the journey then chooses a light one: in
    # Spanish, Gemma 3 taught to chat here; in English, SmolLM2.
    picker = page.locator("#chat-model input")
    page.wait_for_function(
        f"() => document.querySelector('#chat-model input')?.value === {backends.title(chat.default_model(lang))!r}",
        timeout=30_000)
    if lang == "es" and "qwen" in chat.models():
        page.wait_for_function(                                        # loads on first use only
            "() => document.querySelector('#chat-notice')?.textContent.includes('3 GB')", timeout=30_000)
        assert not backends.backend("qwen").loaded
    light = "gemma3-chat" if lang == "es" and "gemma3-chat" in chat.models() else "smollm2"
    if chat.default_model(lang) != light:
        picker.click()
        page.get_by_role("option", name=backends.title(light)).click()
    page.wait_for_function(
        "() => document.querySelector('#chat-notice')?.textContent.includes('tokens')", timeout=90_000)
    temperature = page.locator("#chat-temperature input[type=number]")
    temperature.fill("0")
    temperature.press("Enter")
    page.locator("#chat-message textarea").fill(QUESTION if light == "smollm2" else "¿Cuál es la capital de Francia?")
    page.locator("#chat-send").click()
    page.wait_for_function(
        "() => /Par[ií]s/.test(document.querySelector('#chat-bot')?.textContent || '')", timeout=60_000)
    assert page.locator("#chat-message textarea").input_value() == ""
    page.locator("#chat-show-template").get_by_text(t("chat_show_template", lang)).click()
    page.wait_for_selector("#chat-template .chat-special", timeout=10_000)
    cue = "<start_of_turn>model" if light == "gemma3-chat" else "<|im_start|>assistant"
    assert cue in page.locator("#chat-template").inner_text()
    assert "greedy" in page.locator("#chat-notice").inner_text()
    screenshot(page, f"chat-{lang}")


# --- the model choice, the Spanish check, the course questions ---------------------------------

def test_language_check_on_fixed_texts():
    from playground.text import language

    assert language.detect("Una red neuronal es un modelo formado por capas de neuronas "
                           "que aprenden de los datos.") == "es"
    assert language.detect("A neural network is a model made of layers of neurons that "
                           "learn from data.") == "en"
    # The SmolLM2 reply: Spanish words in an English sentence is English.
    assert language.detect("A red neuronal is a type of neuron that is responsible for "
                           "transmitting information throughout the body.") == "en"
    assert language.detect("La red neuronal is a model que learns from los datos") == "mixed"
    assert language.detect("Sí.") == "es" and language.detect("42 + 7") == "unknown"
    assert language.has_key_idea("La RETROPROPAGACIÓN calcula gradientes", ["retropropagacion"])
    assert not language.has_key_idea("un ruidoso", ["do"])        # a word start, not inside


def test_the_course_questions_are_well_formed():
    import json

    from playground.core.paths import ASSETS
    from playground.text import language

    data = json.loads((ASSETS / "chat_questions.json").read_text(encoding="utf-8"))
    assert "written by the genai playground team" in data["about"].lower()
    questions = data["questions"]
    assert len(questions) >= 20 and len({q["id"] for q in questions}) == len(questions)
    for q in questions:
        assert language.detect(q["es"]) == "es", q["es"]
        assert language.detect(q["en"]) in ("en", "unknown"), q["en"]     # a short English question
        assert q["key_es"] and q["key_en"] and all(isinstance(k, str) and k for k in q["key_es"] + q["key_en"])
        assert q["es"].startswith(("¿", "Con")) and q["en"].endswith((".", "?"))
        # A key idea the question already holds would count an answer that only repeats it.
        assert not any(language.has_key_idea(q[lang], [k]) for lang in ("es", "en") for k in q["key_" + lang]), q["id"]


def test_model_choice_defaults_by_language():
    from playground.backends import qwen

    from playground.backends import gemma_chat

    assert chat.models()[0] == "smollm2" and ("qwen" in chat.models()) == qwen.installed()
    assert ("gemma3-chat" in chat.models()) == gemma_chat.installed()
    assert chat.default_model("en") == "smollm2"
    # Spanish: a model that answers in Spanish (the order bench/bench_chat_spanish.py measured).
    assert chat.default_model("es") in ("gemma3-chat", "qwen")
    assert chat.SPANISH_ORDER[-1] == "smollm2"
    assert chat.model_choice("", "en") == "smollm2" and chat.model_choice(None, "es") == chat.default_model("es")
    for bad in ("gpt-5", "🙂", "x" * 100_000, 3.5):
        with pytest.raises(UserError) as err:
            chat.model_choice(bad, "es")
        assert err.value.key == "chat_error_model"
    with pytest.raises(UserError):
        chat.unload("smollm2")                      # shared by the other tabs: never let go
    assert "qwen" not in backends.names(kind="causal_lm")     # lessons never list the heavy model


def test_unload_frees_the_model(lm):
    """An UnloadableBackend lets its model go: nothing keeps it alive afterwards (SmolLM2
    from its cache folder, a second copy for this test only)."""
    import gc
    import weakref

    from playground.backends import causal_lm
    from playground.backends.backend import UnloadableBackend

    holder = UnloadableBackend("smollm2-copy", causal_lm.load_smollm2, {"kind": "chat_lm"})
    copy = holder.get()
    assert holder.loaded and copy is not lm
    alive = weakref.ref(copy.model)
    del copy
    assert holder.unload() and not holder.loaded and holder.status().state == "not loaded"
    gc.collect()
    assert alive() is None
    assert holder.unload() is False                 # twice: nothing to let go


def test_loading_says_how_long_then_returns(monkeypatch):
    import time

    from playground.backends.backend import Backend

    slow = Backend("slow", lambda: time.sleep(0.35) or "model")
    broken = Backend("broken", lambda: 1 / 0)
    monkeypatch.setitem(backends.DEFAULTS, "slow", slow)
    monkeypatch.setitem(backends.DEFAULTS, "broken", broken)
    seconds = list(chat.loading("slow", every=0.1))
    assert len(seconds) >= 2 and seconds == sorted(seconds) and slow.loaded
    assert list(chat.loading("slow")) == []          # loaded: nothing to wait for
    with pytest.raises(ZeroDivisionError):
        list(chat.loading("broken", every=0.05))


def test_greedy_spanish_reply_of_the_chosen_model_equals_generate():
    """The Spanish default's reply, greedy, equals transformers' generate on the same ids."""
    name = chat.default_model("es")
    lm = backends.get(name)
    ctx = chat.build_context("", [{"role": "user", "content": "¿Cuál es la capital de Francia?"}], 16,
                             model=name)
    *_, text = chat.reply(ctx, 0.0, 16, model=name)
    with torch.inference_mode():
        out = lm.model.generate(torch.tensor([ctx.ids]), max_new_tokens=16, do_sample=False)
    assert text == lm.tokenizer.decode(out[0, len(ctx.ids):], skip_special_tokens=True)
    if name == "qwen":
        from playground.text import language

        assert "paris" in language.fold(text) and language.detect(text) == "es"
        assert chat.unload("qwen") and not backends.backend("qwen").loaded


def test_api_chat_with_model_names_its_model(client):
    history = [{"role": "user", "content": "Hi"}]
    box, messages, template, notice = client.predict("smollm2", QUESTION, [], "", 0, 24, "en",
                                                     api_name="/chat_with_model")
    assert box == "" and "Paris" in str(messages[-1]["content"])
    assert "SmolLM2-135M-Instruct" in notice and "&lt;|im_start|&gt;" in template
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="desconocido"):
        client.predict("gpt-5", QUESTION, history, "", 0, 24, "es", api_name="/chat_with_model")
    with pytest.raises(AppError):
        client.predict("smollm2", "", [], "", 0, 24, "es", api_name="/chat_with_model")


def test_api_chat_with_gemma_taught_here_answers_in_spanish(client):
    if "gemma3-chat" not in chat.models():
        pytest.skip("the adapter is not in assets/weights")
    from playground.text import language

    box, messages, template, notice = client.predict(
        "gemma3-chat", "¿Cuál es la capital de Francia?", [], "", 0, 24, "es", api_name="/chat_with_model")
    reply = str(messages[-1]["content"])
    assert language.detect(reply) == "es" and "paris" in language.fold(reply), reply
    assert "Gemma 3 270M + LoRA" in notice and "&lt;start_of_turn&gt;</span>model" in template
    assert "plantilla añade" not in notice          # Gemma's template adds no system prompt


def test_api_keeps_the_chat_parameters_and_unload_answers(client):
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert [p["parameter_name"] for p in info["/chat"]["parameters"]] == \
        ["message", "history", "system", "temperature", "max_tokens", "lang"]
    assert [p["parameter_name"] for p in info["/chat_context"]["parameters"]] == \
        ["message", "history", "system", "temperature", "max_tokens", "lang"]
    if "qwen" in chat.models():
        assert not backends.backend("qwen").loaded
        assert "no estaba cargado" in client.predict("qwen", "es", api_name="/chat_unload")
        notice = client.predict("", [], "", 0.3, 100, "es", api_name="/chat_context")[1]
        assert "Qwen2.5" in notice and not backends.backend("qwen").loaded   # a preview never loads it


@pytest.mark.skipif("qwen" not in chat.models(), reason="Qwen's packages are not installed (optional)")
def test_browser_spanish_chat_with_qwen_then_let_go(page_in):
    page = page_in("es", tab="chat")
    page.wait_for_function("() => document.querySelector('#chat-model input')?.value.startsWith('Qwen2.5')",
                           timeout=30_000)
    temperature = page.locator("#chat-temperature input[type=number]")
    temperature.fill("0")
    temperature.press("Enter")
    page.locator("#chat-message textarea").fill("¿Cuál es la capital de Francia?")
    page.locator("#chat-send").click()                       # loads Qwen on first use
    page.wait_for_function(
        "() => /Par[ií]s/.test(document.querySelector('#chat-bot')?.textContent || '')", timeout=180_000)
    page.wait_for_function(
        "() => document.querySelector('#chat-notice')?.textContent.includes('Qwen2.5-Coder-0.5B-Instruct')",
        timeout=30_000)
    screenshot(page, "chat-es-qwen")
    assert backends.backend("qwen").loaded
    page.locator("#chat-unload").click()
    page.wait_for_function(
        "() => document.querySelector('#chat-notice')?.textContent.includes('se ha liberado')", timeout=30_000)
    assert not backends.backend("qwen").loaded
