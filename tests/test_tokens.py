"""The Tokens tab: ids against the published ones and the reference tokenizers, special
tokens against transformers' own, readable byte pieces, long input; its API; the browser."""
import json
import re

import pytest
from gradio_client.exceptions import AppError

from playground.text import pieces, tokens, tokens_figures as figures
from playground.core.errors import UserError
from playground.core.i18n import t
from tests.conftest import screenshot

EMOJI_TEXT = "¿Qué tal, señor Núñez? 🐧🤖 naïve"


def numbers(text):
    return figures.comparison(text, "en")[2]


@pytest.mark.parametrize("name, text, ids", [
    ("gpt2", "Hello world", [15496, 995]),                 # GPT-2's encoder.json
    ("cl100k", "hello world", [15339, 1917]),              # tiktoken's tests
    ("cl100k", "👍", [9468, 239, 235]),
    ("o200k", "hello world", [24912, 2375]),
    ("bert", "Hello world", [7592, 2088]),                 # bert-base-uncased vocab.txt
    ("chars", "añ", [97, 241]),                            # Unicode code points
    ("bytes", "añ", [97, 0xC3, 0xB1]),                     # UTF-8
])
def test_comparison_ids_are_the_published_ones(name, text, ids):
    assert numbers(text)[name]["ids"] == ids


def test_smollm2_ids_are_the_models_own():
    from transformers import AutoTokenizer

    from playground.backends.causal_lm import smollm2_cache_dir

    reference = AutoTokenizer.from_pretrained(smollm2_cache_dir())
    assert numbers(EMOJI_TEXT)["smollm2"]["ids"] == reference(EMOJI_TEXT, add_special_tokens=False)["input_ids"]


def test_counts_and_characters_per_token():
    result = numbers(EMOJI_TEXT)
    assert result["chars"]["tokens"] == len(EMOJI_TEXT)
    assert result["bytes"]["tokens"] == len(EMOJI_TEXT.encode("utf-8"))
    assert result["gpt2"]["chars_per_token"] == pytest.approx(len(EMOJI_TEXT) / result["gpt2"]["tokens"], abs=1e-3)


def test_byte_pieces_are_readable():
    assert pieces.readable(b"\xc3") == "<0xC3>"
    assert pieces.readable(b" se\xc3\xb1or\n") == "␣señor↵"
    assert pieces.readable("🐧".encode()[:3]) == "<0xF0><0x9F><0x90>"


@pytest.mark.parametrize("name", ["bytes", "gpt2", "cl100k", "smollm2"])
def test_no_replacement_character_and_partial_pieces_say_their_character(name):
    _, html_out, _ = figures.comparison(EMOJI_TEXT, "es")
    assert "\ufffd" not in html_out
    row = tokens.compare(EMOJI_TEXT)[tokens.ORDER.index(name)]
    chips = tokens.chips_for(name, row.tokens, EMOJI_TEXT)
    partial = [c for c in chips if "<0x" in c.label]
    assert partial, "the emoji is split into bytes by this tokenizer"
    assert all(c.note and c.note in EMOJI_TEXT for c in partial)
    assert any("🐧" in c.note for c in partial)


def test_text_is_escaped():
    _, html_out, _ = figures.comparison("<script>alert('x')</script> & <img src=x onerror=alert(1)>", "en")
    assert "<script>" not in html_out and "<img" not in html_out
    assert "&lt;" in html_out and "&amp;" in html_out


def test_long_input_is_capped_in_the_drawing_but_counted_whole():
    text = ("Un texto largo con tildes, eñes y 🐧. " * 600)[:20_000]
    _, html_out, result = figures.comparison(text, "es")
    assert result["chars"]["tokens"] == 20_000
    assert t("tokens_capped", "es", n=tokens.MAX_DRAWN) in html_out
    assert html_out.count('<span class="tok ') == tokens.MAX_DRAWN * len(tokens.ORDER)


def test_spanish_costs_more_tokens_than_english():
    for es, en in tokens.PAIRS.values():
        costs = tokens.language_costs(es, en)
        for name in ("gpt2", "cl100k", "smollm2"):
            assert costs[name][0] > costs[name][1], (name, es)



def test_a_spanish_sentence_costs_fewer_tokens_on_gemma():
    """Gemma 3's 262k vocabulary holds whole Spanish words that GPT-2's and SmolLM2's cut."""
    for es, en in tokens.PAIRS.values():
        costs = tokens.language_costs(es, en)
        assert costs["gemma3"][0] < min(costs["gpt2"][0], costs["smollm2"][0]), (costs, es)


# --- BERT's special tokens against transformers' tokenizer -----------------------------------

@pytest.fixture(scope="module")
def bert_reference():
    from transformers import AutoTokenizer

    from playground.backends.encoder import minilm_dir
    return AutoTokenizer.from_pretrained(minilm_dir())


def test_bert_special_ids_are_the_published_ones():
    ids = tokens.bert_view("hi", 5).input_ids
    assert ids[0] == 101 and ids[2] == 102 and ids[3:] == (0, 0)     # [CLS], [SEP], [PAD]
    assert tokens.bert_view("the cat", 0, "cat").input_ids == (101, 1996, 103, 102)  # [MASK]


@pytest.mark.parametrize("pad_to", [0, 6, 24])
def test_bert_padding_and_truncation_match_transformers(bert_reference, pad_to):
    text = "El gato duerme en el sofá. ¡Qué gato tan perezoso!"
    view = tokens.bert_view(text, pad_to)
    kwargs = {"padding": "max_length", "truncation": True, "max_length": pad_to} if pad_to else {}
    ref = bert_reference(text, **kwargs)
    assert list(view.input_ids) == ref["input_ids"]
    assert list(view.attention_mask) == ref["attention_mask"]
    assert view.truncated == (pad_to == 6)


def test_bert_masks_every_piece_of_the_word(bert_reference):
    text = "Los perezosos duermen; un perezoso duerme."
    view = tokens.bert_view(text, 0, "perezosos")
    ref = bert_reference(text, return_offsets_mapping=True)
    start = text.index("perezosos")
    expected = [103 if start <= a and b <= start + len("perezosos") and b > a else i
                for i, (a, b) in zip(ref["input_ids"], ref["offset_mapping"])]
    assert list(view.input_ids) == expected and view.masked >= 2
    with pytest.raises(UserError):
        tokens.bert_view(text, 0, "gato")


def test_chat_template_tokens_are_smollm2s(bert_reference):
    from transformers import AutoTokenizer

    from playground.backends.causal_lm import smollm2_cache_dir

    reference = AutoTokenizer.from_pretrained(smollm2_cache_dir())
    messages = [{"role": "user", "content": "¿Qué es un token? 🐧"}]
    expected = reference.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                             return_dict=True)["input_ids"]
    view = tokens.chat_view("¿Qué es un token? 🐧")
    assert [c.id for c in view.chips] == list(expected)
    assert [c.label for c in view.chips if c.special][:2] == ["<|im_start|>", "<|im_end|>"]
    assert view.text.startswith("<|im_start|>system\n")
    assert view.text.endswith("<|im_start|>assistant\n")


def test_bpe_view_steps():
    fig, html_out, result = figures.bpe_view(tokens.bpe_state(tokens.BPE_CLASSIC, 3), "es")
    assert result["step"] == 3 and [m[2] for m in result["merges"]] == [256, 257, 258]
    assert "«l» + «o» (aparece 7 veces)" in html_out and " nw" in html_out
    _, html_out, result = figures.bpe_view(tokens.bpe_state(tokens.BPE_CLASSIC, 200), "en")
    assert result["step"] == result["merges_learned"] < 200
    assert t("tokens_bpe_no_more", "en", n=result["merges_learned"]) in html_out


# --- API ---------------------------------------------------------------------------------------------

def test_api_compare(client):
    fig, html_out, result = client.predict("Hello world", "en", api_name="/tokens_compare")
    assert result["gpt2"]["ids"] == [15496, 995]
    assert "GPT-2 (BPE): 2 tokens" in html_out
    assert json.loads(fig["plot"])["layout"]["height"] > 0


def test_api_compare_rejects_too_long_text_in_both_languages(client):
    with pytest.raises(AppError, match="20000"):
        client.predict("a" * 20_001, "es", api_name="/tokens_compare")
    with pytest.raises(AppError, match="limit is 20000"):
        client.predict("a" * 20_001, "en", api_name="/tokens_compare")


def test_api_languages(client):
    fig, summary = client.predict(*tokens.PAIRS["cat"], "es", api_name="/tokens_languages")
    assert "tokens en español" in summary
    assert len(json.loads(fig["plot"])["data"]) == 2


def test_api_bert(client):
    html_out = client.predict("the cat sat", 8, "cat", "en", api_name="/tokens_bert")
    assert "[CLS]" in html_out and "[MASK]" in html_out and "[PAD]" in html_out
    assert "[101, 1996, 103, 2938, 102, 0, 0, 0]" in html_out
    with pytest.raises(AppError, match="not in the sentence"):
        client.predict("the cat sat", 8, "dog", "en", api_name="/tokens_bert")


def test_api_chat(client):
    html_out = client.predict("", "Hi", "en", api_name="/tokens_chat")
    assert "&lt;|im_start|&gt;" in html_out and "special" in html_out


def test_api_bpe(client):
    fig, html_out, result = client.predict(tokens.BPE_CLASSIC, 2, "en", api_name="/tokens_bpe")
    assert result["merges"] == [[101, 115, 256, 9], [256, 116, 257, 9]]      # e+s, es+t
    with pytest.raises(AppError, match="between 0 and 200"):
        client.predict(tokens.BPE_CLASSIC, 500, "en", api_name="/tokens_bpe")


# --- browser ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["es", "en"])
def test_browser_tokens_tab(page_in, lang):
    page = page_in(lang, tab="tokens")
    page.wait_for_selector("#tokens-chips .tok", timeout=60_000)
    chips = page.locator("#tokens-chips")
    assert t("tokens_name_gpt2", lang) in chips.inner_text()
    assert "<0xF0>" in chips.inner_text()                         # the penguin's bytes
    assert {"es": "caracteres por token", "en": "characters per token"}[lang] in chips.inner_text()
    # the English example, one click away
    page.locator("#tokens-example-en").click()
    page.wait_for_function("() => document.querySelector('#tokens-chips').textContent.includes('penguin')",
                           timeout=15_000)
    assert t("tokens_bar_x", lang) in page.locator("#tokens-compare-plot").inner_text()
    page.wait_for_selector("#tokens-bpe .tk-table", timeout=30_000)
    page.wait_for_selector("#tokens-bert .tok.sp", timeout=30_000)
    assert re.search(r"\[CLS\]", page.locator("#tokens-bert").inner_text())
    page.locator("#tokens-chat-button").click()
    page.wait_for_selector("#tokens-chat .tok.sp", timeout=60_000)
    screenshot(page, f"tokens-{lang}")
