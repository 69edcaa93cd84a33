"""Browser layer: Debian's Chromium, headless, driven by Playwright, as a visitor uses the app.

Screenshots of every tab in both languages land in tests/screenshots/ (ignored by git):
open them and look.
"""
import re

import pytest
from playwright.sync_api import expect

import app
from playground.core.i18n import t
from tests.conftest import screenshot

LANGS = ("es", "en")


def curve_title(page) -> str:
    return page.locator("#neuron-curve .gtitle").first.text_content()


@pytest.mark.parametrize("lang", LANGS)
def test_neuron_tab_responds_to_a_slider(page_in, lang):
    # Open the app on the other tab's default, then the Neuron tab by its visible name.
    page = page_in(lang)
    page.get_by_role("tab", name=t("tab_neuron", lang)).click()
    assert page.locator("#app-title").inner_text().strip().endswith(t("app_title", lang).lstrip("# 🧪"))
    assert "z = 7" in curve_title(page)
    weight = page.locator("#neuron-w1 input[type=number]")
    weight.fill("3")
    weight.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#neuron-curve .gtitle')?.textContent.includes('z = 10')",
        timeout=15_000)
    assert t("neuron_curve_x", lang) in page.locator("#neuron-curve").inner_text()
    steps = page.locator("#neuron-steps").inner_text()
    assert "3 · 3 = 9" in steps
    screenshot(page, f"neuron-moved-{lang}")


def test_language_switch_changes_static_and_computed_text(page_in):
    page = page_in(None, locale="es-ES")                       # the browser says Spanish
    assert "Laboratorio" in page.locator("#app-title").inner_text()
    assert "suma ponderada" in page.locator("#neuron-curve").inner_text()
    page.locator("#lang-switch").get_by_text("EN", exact=True).click()
    page.wait_for_function("() => document.querySelector('#app-title').textContent.includes('GenAI')",
                           timeout=10_000)
    page.wait_for_function(
        "() => document.querySelector('#neuron-curve').textContent.includes('weighted sum')",
        timeout=10_000)
    assert "lang=en" in page.url
    # Every tab's name too, those of tabs never opened included (Gradio alone leaves them
    # in the language the page started in).
    names = page.evaluate(
        "() => Array.from(document.querySelectorAll('#tabs .tab-container.visually-hidden button'))"
        ".map(b => b.textContent.trim())")
    assert names == [t(f"tab_{tab_id}", "en") for tab_id in app.TAB_IDS]
    page.locator("#lang-switch").get_by_text("ES", exact=True).click()
    page.wait_for_function("() => document.querySelector('#app-title').textContent.includes('Laboratorio')",
                           timeout=10_000)
    visible = page.get_by_role("tab")
    expect(visible.first).to_have_text(t("tab_neuron", "es"))
    assert visible.all_inner_texts() == [t(f"tab_{tab_id}", "es") for tab_id in app.TAB_IDS][:visible.count()]


def test_tab_names_follow_a_link_language_not_the_browser(page_in):
    page = page_in("en", locale="es-ES")
    expect(page.get_by_role("tab").nth(1)).to_have_text(t(f"tab_{app.TAB_IDS[1]}", "en"), timeout=10_000)
    names = page.get_by_role("tab").all_inner_texts()
    assert names == [t(f"tab_{tab_id}", "en") for tab_id in app.TAB_IDS][:len(names)] and len(names) >= 4


def test_browser_language_is_the_default(page_in):
    page = page_in(None, locale="en-US")
    assert "GenAI Playground" in page.locator("#app-title").inner_text()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("tab_id", app.TAB_IDS)
def test_every_tab_opens_from_its_link_and_is_screenshotted(page_in, lang, tab_id):
    page = page_in(lang, tab=tab_id)
    expect(page.get_by_role("tab", selected=True)).to_have_text(t(f"tab_{tab_id}", lang),
                                                                timeout=30_000)
    # The address bar holds the link to this tab, for a teacher to copy.
    expect(page).to_have_url(re.compile(rf"[?&]tab={tab_id}(&|$)"), timeout=15_000)
    page.wait_for_timeout(1500)                                  # let the plots draw
    screenshot(page, f"tab-{tab_id}-{lang}")


def test_browser_models_load_all_polls_until_every_model_is_loaded(page_in):
    """"Load all now": the page's timer redraws the table until every default model is loaded."""
    from playground import backends
    page = page_in("en", tab="models")
    expect(page.locator("#models-summary")).to_contain_text("models loaded", timeout=30_000)
    page.locator("#models-load-all").click()
    # every preloaded model (optional ones, like the chat's Qwen, load only when asked)
    counts = "|".join(str(n) for n in range(len(backends.PRELOAD_ORDER), len(backends.DEFAULTS) + 1))
    expect(page.locator("#models-summary")).to_contain_text(re.compile(rf"\b({counts}) of"),
                                                            timeout=180_000)
    screenshot(page, "models-loaded-en")


@pytest.mark.parametrize("lang", LANGS)
def test_rag_tab_chunks_searches_and_measures(page_in, lang):
    page = page_in(lang, tab="rag")
    # The chunks drawn on the lesson text, counted in the visitor's language.
    page.wait_for_selector("#rag-chunks .rag-mark", timeout=60_000)
    assert ("fragmentos" if lang == "es" else "chunks") in page.locator("#rag-chunk-summary").inner_text()
    question = page.locator("#rag-question textarea, #rag-question input").first
    expect(question).to_have_value(t("rag_question_default", lang), timeout=15_000)
    page.locator("#rag-search").click()
    page.wait_for_selector("#rag-results table", timeout=120_000)
    results = page.locator("#rag-results").inner_text()
    assert t("rag_method_hybrid", lang) in results and t("rag_method_bm25", lang) in results
    assert ("claves y los valores" if lang == "es" else "keys and values") in results
    page.wait_for_selector("#rag-map .gtitle", timeout=30_000)
    assert t("rag_map_question", lang) in page.locator("#rag-map").inner_text()
    page.locator("#rag-measure").click()
    page.wait_for_function("() => document.querySelector('#rag-recall .gtitle')?.textContent.includes('Recall')",
                           timeout=120_000)
    assert t("rag_recall_axis", lang) in page.locator("#rag-recall").inner_text()
    page.wait_for_timeout(1000)
    screenshot(page, f"rag-searched-{lang}")
    # A language switch redraws the results and the bars in the other language.
    other = "en" if lang == "es" else "es"
    page.locator("#lang-switch").get_by_text(other.upper(), exact=True).click()
    expect(page.locator("#rag-results")).to_contain_text(t("rag_method_hybrid", other), timeout=60_000)
    expect(page.locator("#rag-recall")).to_contain_text(t("rag_recall_axis", other), timeout=60_000)
    expect(page.locator("#rag-question textarea, #rag-question input").first).to_have_value(
        t("rag_question_default", other), timeout=15_000)


@pytest.mark.parametrize("lang", LANGS)
def test_rag_tab_reads_the_visitors_file_and_answers(page_in, lang, tmp_path):
    from playground import backends

    notes = tmp_path / "zorblat.md"
    notes.write_text("The zorblat is a purple animal that lives in Quito and eats lemons.", encoding="utf-8")
    page = page_in(lang, tab="rag")
    page.wait_for_selector("#rag-chunks .rag-mark", timeout=60_000)
    page.locator("#rag-files input[type=file]").set_input_files(str(notes))
    expect(page.locator("#rag-own")).to_contain_text("zorblat.md", timeout=30_000)
    question = page.locator("#rag-question textarea, #rag-question input").first
    question.fill("Where does the zorblat live?")
    page.locator("#rag-search").click()
    expect(page.locator("#rag-results")).to_contain_text("zorblat.md", timeout=120_000)
    # The light chat model answers (SmolLM2), 16 tokens at most.
    page.locator("#rag-model input").click()
    page.get_by_role("option", name=backends.title("smollm2")).click()
    tokens = page.locator("#rag-max-tokens input[type=number]")
    tokens.fill("16")
    tokens.press("Enter")
    page.locator("#rag-answer").click()
    # The answer ends with the chunks it cites (or says it cites none), in the visitor's language.
    cites = re.escape(t("rag_cites", lang, cites="").split(":")[0]) + "|" + re.escape(t("rag_cites_none", lang))
    expect(page.locator("#rag-with textarea")).to_have_value(re.compile(cites), timeout=120_000)
    expect(page.locator("#rag-without textarea")).not_to_have_value("", timeout=120_000)
    page.get_by_text(t("rag_prompt_label", lang)).click()
    expect(page.locator("#rag-prompt")).to_contain_text("zorblat", timeout=15_000)
    page.wait_for_timeout(800)
    screenshot(page, f"rag-answered-{lang}")


# --- Post-training tab ----------------------------------------------------------------------------

def _set_number(page, elem_id: str, value) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


@pytest.mark.parametrize("lang", LANGS)
def test_posttraining_journey_classify_reward_best_of_n(page_in, lang):
    """Train two ways for a few epochs, look at the confusion matrix, classify a sentence,
    train the reward model, score candidates; every text in the visitor's language."""
    page = page_in(lang, tab="posttraining")
    expect(page.get_by_role("tab", selected=True)).to_have_text(t("tab_posttraining", lang),
                                                                timeout=30_000)
    expect(page.locator("#pt-lora-count")).to_contain_text("24,576", timeout=60_000)
    page.get_by_text(t("pt_test_split", lang)).click()          # the accordion opens
    expect(page.locator("#pt-test-split")).to_contain_text(t("pt_col_label", lang), timeout=20_000)
    expect(page.locator("#pt-test-split")).to_contain_text(t("pt_label_work", lang))
    for variant in ("multilingual", "top"):                      # keep frozen MiniLM and LoRA
        page.locator("#pt-variants").get_by_text(t(f"pt_variant_{variant}", lang), exact=True).click()
    _set_number(page, "pt-epochs", 4)
    page.locator("#pt-train").click()
    expect(page.locator("#pt-status")).to_contain_text(t("pt_status_done", lang, seconds="").split(" ")[0],
                                                       timeout=180_000)
    expect(page.locator("#pt-confusion .gtitle")).to_contain_text(
        t("pt_confusion_title", lang, variant=t("pt_variant_lora", lang)), timeout=30_000)
    expect(page.locator("#pt-accuracy .gtitle")).to_have_text(t("pt_accuracy_title", lang))
    expect(page.locator("#pt-map")).to_contain_text(t("pt_map_before", lang))
    table = page.locator("#pt-summary").inner_text()
    assert t("pt_variant_frozen", lang) in table and "LoRA" in table
    page.locator("#pt-classify").click()
    expect(page.locator("#pt-probs .gtitle")).to_have_text(t("pt_probs_title", lang), timeout=30_000)
    page.locator("#pt-reward-train").click()
    expect(page.locator("#pt-reward-margins .gtitle")).to_be_visible(timeout=60_000)
    assert t("pt_margin_axis", lang) in page.locator("#pt-reward-margins").inner_text()
    page.locator("#pt-bon-score").click()
    expect(page.locator("#pt-bon-best")).to_contain_text(t("pt_bon_best", lang, best=1, answer="")[:8],
                                                         timeout=60_000)
    expect(page.locator("#pt-prompting-text textarea")).to_have_value(re.compile("im_start"),
                                                                      timeout=60_000)
    page.wait_for_timeout(1500)
    screenshot(page, f"posttraining-journey-{lang}")


# --- Network types tab ----------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_network_types_journey_cnn_step_shift_rnn_measure(page_in, lang):
    """Pick a test garment, read a convolution step, shift the image, read a sequence with both
    models and measure them; every text in the visitor's language."""
    from playground.images.fashion import class_names
    page = page_in(lang, tab="network_types")
    expect(page.locator("#nt-maps")).to_contain_text(t("nt_maps_title", lang).split("<br>")[0], timeout=60_000)
    expect(page.locator("#nt-family")).to_contain_text(t("nt_family_title", lang), timeout=30_000)
    boot = class_names(lang)[9]
    page.locator("#nt-class input").click()
    page.get_by_role("option", name=boot).click()
    expect(page.locator("#nt-image")).to_contain_text(t("nt_image_example", lang, name=boot), timeout=30_000)
    expect(page.locator("#nt-patches")).to_contain_text(t("nt_channel", lang, c=8), timeout=30_000)
    _set_number(page, "nt-row", 9)
    expect(page.locator("#nt-step")).to_contain_text(t("nt_step_row", lang).lower() + " 9", timeout=30_000)
    expect(page.locator("#nt-step")).to_contain_text("max(0,", timeout=30_000)
    _set_number(page, "nt-shift", 3)
    expect(page.locator("#nt-shifted")).to_contain_text(t("nt_shifted_title", lang, s=3), timeout=30_000)
    expect(page.locator("#nt-shift-text")).to_contain_text(t("nt_model_mlp", lang), timeout=30_000)
    sequence = page.locator("#nt-sequence textarea, #nt-sequence input").first
    sequence.fill("5 2 8 1 4")
    page.locator("#nt-read").click()
    expect(page.locator("#nt-answers")).to_contain_text(t("nt_task", lang, first=5, n=5).replace("**", ""),
                                                        timeout=30_000)
    page.locator("#nt-measure").click()
    expect(page.locator("#nt-timing")).to_contain_text(t("nt_timing_title", lang).split("<br>")[0],
                                                       timeout=120_000)
    expect(page.locator("#nt-gradient")).to_contain_text(t("nt_distance_axis", lang), timeout=30_000)
    page.wait_for_timeout(1500)
    screenshot(page, f"network-types-{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_network_types_drawing_on_the_sketchpad_changes_the_prediction(page_in, lang):
    """Draw a trouser (two long legs) with the mouse; the CNN reads the drawing, not the example."""
    page = page_in(lang, tab="network_types")
    expect(page.locator("#nt-probs")).to_contain_text(t("nt_probs_title", lang), timeout=60_000)
    before = page.locator("#nt-probs").inner_text()
    sketch = page.locator("#nt-sketch")
    sketch.scroll_into_view_if_needed()
    # Gradio's own brush tool (its label follows the page's language); drawing starts with it
    sketch.locator("button[aria-label='Brush'], button[aria-label='Pincel']").first.click()
    canvas = sketch.locator("canvas").first
    box = canvas.bounding_box()
    assert box and box["width"] > 50
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    for left in (0.35, 0.62):                     # two legs joined at the waist
        page.mouse.move(x0 + w * left, y0 + h * 0.15)
        page.mouse.down()
        for k in range(1, 11):
            page.mouse.move(x0 + w * left, y0 + h * (0.15 + 0.07 * k), steps=2)
        page.mouse.up()
    page.mouse.move(x0 + w * 0.33, y0 + h * 0.15)
    page.mouse.down()
    page.mouse.move(x0 + w * 0.64, y0 + h * 0.15, steps=5)
    page.mouse.up()
    page.wait_for_timeout(500)
    page.locator("#nt-use-drawing").click()
    expect(page.locator("#nt-image")).to_contain_text(t("nt_image_drawing", lang), timeout=30_000)
    page.wait_for_timeout(500)
    after = page.locator("#nt-probs").inner_text()
    assert after != before
    page.wait_for_timeout(800)
    screenshot(page, f"network-types-drawing-{lang}")
