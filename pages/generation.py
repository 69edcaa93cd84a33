"""The Generation tab: next-token probabilities, temperature, top-k, top-p, step by step,
streaming, and samples side by side, on a causal LM the visitor chooses.

The choice travels in the visitor's `Steps` (their gr.State, never an API parameter, so the
existing api_names keep theirs); without one, the interface's language decides (Spanish:
Gemma 3 270M). The `*_model` api_names take the model by name."""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Iterator

import gradio as gr

from playground import backends
from playground.core import validate
from playground.core.i18n import t
from playground.backends import remote
from playground.core.errors import UserError
from playground.text import (generation, generation_figures as figures, generation_instant,
                             server_generation)
from playground.text.generation import Steps
from pages.common import I18N, LIGHT, MODEL, SERVER, STREAM, Number, Radio, Slider, guard
from pages.instant_plot import (AFTER_PAINT_JS, enabled as instant_enabled, instant_plot,
                                payload_json)

TAB_ID = "generation"


# --- handlers: validate, call playground.text.generation, return what it drew ------------------

def _settings(temperature, top_k, top_p, lang):
    return (validate.number(temperature, t("generation_temperature", lang), 0.0,
                            generation.TEMPERATURE_MAX),
            validate.integer(top_k, "top-k", 0, generation.TOP_K_MAX),
            validate.number(top_p, "top-p", 0.01, 1.0))


def _seed(seed, lang, high=generation.SEED_MAX):
    return validate.integer(seed, t("generation_seed", lang), 0, high)


def _max_tokens(n, lang, high):
    return validate.integer(n, t("generation_max_tokens", lang), 1, high)


def _prompt(prompt) -> str:
    return validate.text(prompt, generation.MAX_PROMPT_CHARS)


def _steps(prompt: str, steps, lang: str = "") -> Steps:
    """The visitor's steps for this prompt, on the model they chose; a visitor (or an API
    client) without a choice gets the interface language's model."""
    steps = (steps if isinstance(steps, Steps) else Steps()).for_prompt(prompt)
    return steps if steps.model else replace(steps, model=generation.default_model(lang))


def _model_of(steps, lang: str) -> str:
    return steps.model if isinstance(steps, Steps) and steps.model else generation.default_model(lang)


def _distribution_view(distribution, lang):
    """What the sliders change: bars, entropy, summary, the choices to pick, the numbers."""
    return (figures.bars_figure(distribution, lang), figures.entropy_figure(distribution, lang),
            figures.summary(distribution, lang),
            gr.update(choices=figures.choices(distribution), value=None), distribution.as_dict())


def _full_view(steps: Steps, settings, lang):
    """Everything but the State: the sliders' view, and the chips and sequence in between."""
    bars, entropy, summary, pick, numbers = _distribution_view(
        generation.next_token(steps.scores, *settings), lang)
    chips, sequence = figures.steps_view(steps, lang)
    return bars, entropy, summary, chips, sequence, pick, numbers


def _view(steps: Steps, settings, lang):
    """After an event that ran the model: the visitor's steps, scored, and what they show."""
    steps = generation.scored(steps)
    return (steps, *_full_view(steps, settings, lang))


@guard
def show(prompt, temperature, top_k, top_p, steps, lang):
    """`next_token`: the distribution after the prompt (and the tokens appended step by
    step). Runs the model unless the visitor's state already holds this context's scores."""
    prompt = _prompt(prompt)
    settings = _settings(temperature, top_k, top_p, lang)
    return _view(_steps(prompt, steps, lang), settings, lang)


@guard
def show_on(prompt, model, temperature, top_k, top_p, steps, lang):
    """`next_token_model`: the distribution after the prompt on the model named (the
    visitor's choice on the radio; an API client names it)."""
    prompt = _prompt(prompt)
    model = generation.check_model(model)
    settings = _settings(temperature, top_k, top_p, lang)
    return _view(_steps(prompt, steps, lang).on_model(model), settings, lang)


@guard
def redraw(prompt, temperature, top_k, top_p, steps, lang):
    """`next_token_redraw`, a slider moved: the sampling stages again on the scores the
    visitor's state holds, never the model, never the tokenizer. So the bars follow the
    context last predicted (numbers["context"] says which), even if the prompt box was
    edited since. The prompt is read only by a client that has no scores yet (an API
    script calling this first): it is scored once."""
    prompt = _prompt(prompt)
    settings = _settings(temperature, top_k, top_p, lang)
    if not (isinstance(steps, Steps) and steps.scores is not None):
        steps = generation.scored(_steps(prompt, steps, lang))
    return _distribution_view(generation.next_token(steps.scores, *settings), lang)


@guard
def redraw_if_shown(temperature, top_k, top_p, steps, lang):
    """On a language switch: redraw from the visitor's scores, if any (never the model)."""
    if not isinstance(steps, Steps) or steps.scores is None:
        return [gr.skip()] * 7
    return _full_view(steps, _settings(temperature, top_k, top_p, lang), lang)


# The bars and the entropy curve redrawn in the page (pages/instant_plot.py): its divs, and the
# sliders it follows.
INSTANT_IDS = ["generation-bars", "generation-entropy"]
INSTANT_SLIDERS = {"temperature": "generation-temperature", "top_k": "generation-top-k",
                   "top_p": "generation-top-p"}


@guard
def instant_numbers(steps, temperature, top_k, top_p, lang):
    """The page's copy of the visitor's scores and figures, after each run of the model and on
    a language switch: the sliders then redraw in the page (nothing before a first run)."""
    if not isinstance(steps, Steps) or steps.scores is None:
        return gr.skip()
    try:
        settings = _settings(temperature, top_k, top_p, lang)
    except Exception:          # noqa: BLE001 - next_token_redraw tells the visitor
        settings = (0.8, 50, 0.95)
    return payload_json(generation_instant.payload(steps.scores, *settings, lang), INSTANT_IDS,
                        INSTANT_SLIDERS, temperature=generation.TEMPERATURE_MAX,
                        top_k=generation.TOP_K_MAX)


@guard
def step_sample(prompt, temperature, top_k, top_p, seed, steps, lang):
    """Append one token drawn with the current settings and seed."""
    prompt = _prompt(prompt)
    settings = _settings(temperature, top_k, top_p, lang)
    seed = _seed(seed, lang)
    return _view(generation.sample_step(_steps(prompt, steps, lang), *settings, seed), settings, lang)


@guard
def step_pick(prompt, token_id, temperature, top_k, top_p, steps, lang):
    """Append the token the visitor picked among the bars."""
    prompt = _prompt(prompt)
    token_id = validate.integer(token_id, "token", 0, 10**9)
    settings = _settings(temperature, top_k, top_p, lang)
    return _view(generation.pick_step(_steps(prompt, steps, lang), token_id), settings, lang)


@guard
def step_undo(prompt, temperature, top_k, top_p, steps, lang):
    prompt = _prompt(prompt)
    settings = _settings(temperature, top_k, top_p, lang)
    return _view(_steps(prompt, steps, lang).undo(), settings, lang)


@guard
def step_reset(prompt, temperature, top_k, top_p, steps, lang):
    prompt = _prompt(prompt)
    settings = _settings(temperature, top_k, top_p, lang)
    return _view(Steps(prompt, _model_of(steps, lang)), settings, lang)


@guard
def generate_stream_model(prompt, model, max_tokens, temperature, top_k, top_p, seed, lang):
    """`generate_stream_model`: stream up to `max_tokens` new tokens from the model named
    (bounded in number and in wall time)."""
    prompt = _prompt(prompt)
    model = generation.check_model(model)
    n = _max_tokens(max_tokens, lang, generation.MAX_NEW_TOKENS)
    settings = _settings(temperature, top_k, top_p, lang)
    seed = _seed(seed, lang)
    start = time.perf_counter()
    result = {"prompt": prompt, "model": model, "tokens": [], "elapsed": 0.0}
    for tokens in generation.stream(prompt, n, *settings, seed, model=model):
        result = {**result, "tokens": list(tokens), "elapsed": time.perf_counter() - start}
        yield (*figures.stream_view(prompt, tokens, lang, result["elapsed"], model), result)
    yield (*figures.stream_view(prompt, result["tokens"], lang, result["elapsed"], model), result)


@guard
def generate_stream(prompt, max_tokens, temperature, top_k, top_p, seed, steps, lang):
    """`generate_stream`: the same on the visitor's model (their State; by language without)."""
    yield from generate_stream_model(prompt, _model_of(steps, lang), max_tokens, temperature,
                                     top_k, top_p, seed, lang)


@guard
def stream_again(result, lang):
    """The last streamed text, redrawn in the visitor's language."""
    if not isinstance(result, dict) or not result.get("prompt"):
        return gr.skip(), gr.skip()
    return figures.stream_view(result["prompt"], result["tokens"], lang, result["elapsed"],
                               result.get("model", generation.MODEL))


@guard
def generate_compare_model(prompt, model, max_tokens, low, high, top_k, top_p, seed, lang):
    """`generate_compare_model`: four samples side by side from the model named: a low and a
    high temperature, two seeds each."""
    prompt = _prompt(prompt)
    model = generation.check_model(model)
    n = _max_tokens(max_tokens, lang, generation.MAX_COMPARE_TOKENS)
    low = validate.number(low, t("generation_compare_low", lang), 0.0, generation.TEMPERATURE_MAX)
    high = validate.number(high, t("generation_compare_high", lang), 0.0, generation.TEMPERATURE_MAX)
    _, top_k, top_p = _settings(1.0, top_k, top_p, lang)
    seed = _seed(seed, lang, generation.SEED_MAX - 1)
    runs = []
    for runs in generation.compare(prompt, n, (low, high), top_k, top_p, seed, model=model):
        yield figures.compare_html(prompt, runs, lang, model), {"prompt": prompt, "model": model, "runs": runs}
    yield figures.compare_html(prompt, runs, lang, model), {"prompt": prompt, "model": model, "runs": runs}


@guard
def generate_compare(prompt, max_tokens, low, high, top_k, top_p, seed, steps, lang):
    """`generate_compare`: the same on the visitor's model (their State; by language without)."""
    yield from generate_compare_model(prompt, _model_of(steps, lang), max_tokens, low, high,
                                      top_k, top_p, seed, lang)


@guard
def compare_again(result, lang):
    if not isinstance(result, dict) or not result.get("prompt"):
        return gr.skip()
    return figures.compare_html(result["prompt"], result["runs"], lang,
                                result.get("model", generation.MODEL))


def stream_api(prompt: str, model: str, max_tokens: int = 60, temperature: float = 0.8,
               top_k: int = 50, top_p: float = 0.95, seed: int = 42,
               lang: str = "es") -> Iterator[dict]:
    """Stream up to `max_tokens` new tokens from the causal LM named ("smollm2", "gemma3"):
    the text so far and each token's probability."""
    for *_, result in generate_stream_model(prompt, model, max_tokens, temperature, top_k,
                                            top_p, seed, lang):
        yield generation.stream_dict(**result)


def compare_api(prompt: str, model: str, max_tokens: int = 30, low: float = 0.3,
                high: float = 1.5, top_k: int = 50, top_p: float = 0.95, seed: int = 42,
                lang: str = "es") -> Iterator[dict]:
    """Four samples from the causal LM named: temperatures `low` and `high`, seeds `seed`
    and `seed + 1`."""
    for _, result in generate_compare_model(prompt, model, max_tokens, low, high, top_k, top_p,
                                            seed, lang):
        yield generation.compare_dict(**result)


def example(lang_code):
    return generation.PROMPTS[lang_code]


def model_choices() -> list[tuple[str, str]]:
    """(title, name) of every causal LM the registry lists."""
    return [(backends.title(m), m) for m in generation.model_names()]


def shown_model(steps, lang):
    """On a language switch: the radio shows the model the visitor's next run will use."""
    return _model_of(steps, lang)


# --- a larger model through the host's server -------------------------------------------------

def _server_view(prompt, exchange, position, lang):
    return (server_generation.tokens_html(prompt, exchange, lang),
            server_generation.status(exchange, lang),
            server_generation.bars_figure(exchange, position, lang),
            server_generation.raw_json(exchange))


@guard
def generate_server(prompt, max_tokens, temperature, top_p, lang):
    """`generate_server`: continue the prompt on the server the host configured (never one a
    visitor names), streaming; the bars from the log-probabilities it sends back."""
    if not remote.configured():
        raise UserError("server_generation_not_configured")
    prompt = _prompt(prompt)
    n = _max_tokens(max_tokens, lang, server_generation.MAX_NEW_TOKENS)
    temperature, _, top_p = _settings(temperature, 0, top_p, lang)
    exchange = server_generation.exchange_for(prompt, n, temperature, top_p)
    try:
        for _ in server_generation.stream(exchange):    # while it streams: the text and speed
            yield (server_generation.tokens_html(prompt, exchange, lang),
                   server_generation.status(exchange, lang), gr.skip(), gr.skip(), gr.skip())
    except (OSError, RuntimeError, ValueError) as exc:       # httpx's errors are OSErrors too
        raise UserError("server_generation_failed", url=remote.url(), reason=str(exc)[:200]) from exc
    # at the end, once: the bars, the raw JSON and the state the position slider reads
    yield (*_server_view(prompt, exchange, 1, lang), {"prompt": prompt, "exchange": exchange})


@guard
def server_position(position, result, lang):
    """`generate_server_position`: the bars at another position of the last reply (no new
    request: the visitor's state holds what the server sent)."""
    if not isinstance(result, dict) or result.get("exchange") is None:
        return gr.skip(), gr.skip()
    exchange = result["exchange"]
    position = validate.integer(position, t("server_generation_position", lang), 1,
                                server_generation.MAX_NEW_TOKENS)
    return (server_generation.bars_figure(exchange, position, lang),
            server_generation.status(exchange, lang))


@guard
def server_again(result, position, lang):
    """On a language switch: the last reply redrawn (no new request)."""
    if not isinstance(result, dict) or result.get("exchange") is None:
        return (gr.skip(),) * 4
    position = validate.integer(position, t("server_generation_position", lang), 1,
                                server_generation.MAX_NEW_TOKENS)
    return _server_view(result["prompt"], result["exchange"], position, lang)


@guard
def server_note(lang):
    """Which server the host configured, or how a host configures one."""
    if remote.configured():
        return t("server_generation_configured", lang, title=remote.title())
    return t("server_generation_how", lang, url=remote.ENV_URL, model=remote.ENV_MODEL)


def _server_section(lang, tab, prompt, temperature, top_p):
    with gr.Accordion(I18N("server_generation_heading"), open=False, elem_id="generation-server-box"):
        gr.Markdown(I18N("server_generation_lesson"))
        note = gr.Markdown(elem_id="generation-server-note")
        with gr.Row():
            max_tokens = Slider(1, server_generation.MAX_NEW_TOKENS, value=40, step=1,
                                label=I18N("generation_max_tokens"), scale=3,
                                elem_id="generation-server-tokens")
            go = gr.Button(I18N("server_generation_go"), variant="primary", scale=1,
                           elem_id="generation-server-go")
            stop = gr.Button(I18N("generation_stop"), variant="stop", scale=1,
                             elem_id="generation-server-stop")
        status = gr.Markdown(elem_id="generation-server-status")
        text = gr.HTML(elem_id="generation-server-text", css_template=figures.CSS)
        position = Slider(1, server_generation.MAX_NEW_TOKENS, value=1, step=1,
                          label=I18N("server_generation_position"), elem_id="generation-server-position")
        bars = gr.Plot(elem_id="generation-server-bars", show_label=False)
        with gr.Accordion(I18N("server_generation_raw"), open=False):
            raw = gr.JSON(show_label=False, elem_id="generation-server-raw")
        result = gr.State(None)
    running = go.click(generate_server, [prompt, max_tokens, temperature, top_p, lang],
                       [text, status, bars, raw, result], api_name="generate_server",
                       show_progress="minimal", **SERVER)
    stop.click(None, cancels=[running], api_visibility="private")
    position.change(server_position, [position, result, lang], [bars, status],
                    api_name="generate_server_position", trigger_mode="always_last",
                    show_progress="hidden", **LIGHT)
    gr.on([tab.select, lang.change], server_note, lang, note, api_visibility="private",
          show_progress="hidden", **LIGHT)
    lang.change(server_again, [result, position, lang], [text, status, bars, raw],
                api_visibility="private", show_progress="hidden", **LIGHT)


# --- layout and events --------------------------------------------------------------------

def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_generation"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("generation_lesson"))
        steps = gr.State(Steps())
        with gr.Row():
            with gr.Column(scale=2, min_width=360):
                model = Radio(model_choices(), value=generation.default_model("es"),
                              label=I18N("generation_model"), info=I18N("generation_model_info"),
                              elem_id="generation-model")
                prompt = gr.Textbox(generation.PROMPTS["es"], label=I18N("generation_prompt"),
                                    lines=2, max_lines=6, elem_id="generation-prompt")
                with gr.Row():
                    predict = gr.Button(I18N("generation_predict"), variant="primary",
                                        elem_id="generation-predict")
                    example_es = gr.Button(I18N("generation_example_es"), size="sm")
                    example_en = gr.Button(I18N("generation_example_en"), size="sm",
                                           elem_id="generation-example-en")
                temperature = Slider(0, generation.TEMPERATURE_MAX, value=0.8, step=0.05,
                                     label=I18N("generation_temperature"),
                                     info=I18N("generation_temperature_info"),
                                     elem_id="generation-temperature")
                top_k = Slider(0, generation.TOP_K_MAX, value=50, step=1, label=I18N("generation_top_k"),
                               info=I18N("generation_top_k_info"), elem_id="generation-top-k")
                top_p = Slider(0.01, 1.0, value=0.95, step=0.01, label=I18N("generation_top_p"),
                               info=I18N("generation_top_p_info"), elem_id="generation-top-p")
                seed = Number(42, precision=0, label=I18N("generation_seed"),
                                 info=I18N("generation_seed_info"), elem_id="generation-seed")
                summary = gr.Markdown(I18N("generation_waiting"), elem_id="generation-summary")
            with gr.Column(scale=3):
                # In the page (the default): the sliders redraw there; the gr.Plots, hidden,
                # keep the api_names' outputs.
                instant = instant_plot("generation-instant") if instant_enabled() else None
                hidden = "-server" if instant else ""
                bars = gr.Plot(elem_id=f"generation-bars{hidden}", show_label=False,
                               visible=instant is None)
                entropy = gr.Plot(elem_id=f"generation-entropy{hidden}", show_label=False,
                                  visible=instant is None)

        gr.Markdown(I18N("generation_steps_heading"))
        chips = gr.HTML(elem_id="generation-chips", css_template=figures.CSS)
        sequence = gr.Markdown(elem_id="generation-sequence")
        with gr.Row():
            sample_btn = gr.Button(I18N("generation_step_sample"), variant="primary",
                                   elem_id="generation-step-sample")
            undo_btn = gr.Button(I18N("generation_step_undo"), elem_id="generation-step-undo")
            reset_btn = gr.Button(I18N("generation_step_reset"), elem_id="generation-step-reset")
        pick = Radio([], label=I18N("generation_step_pick"), elem_id="generation-pick")

        gr.Markdown(I18N("generation_stream_heading"))
        with gr.Row():
            max_tokens = Slider(1, generation.MAX_NEW_TOKENS, value=60, step=1,
                                label=I18N("generation_max_tokens"), elem_id="generation-max-tokens",
                                scale=3)
            stream_btn = gr.Button(I18N("generation_stream_go"), variant="primary",
                                   elem_id="generation-stream-go", scale=1)
            stream_stop = gr.Button(I18N("generation_stop"), variant="stop",
                                    elem_id="generation-stream-stop", scale=1)
        stream_status = gr.Markdown(elem_id="generation-stream-status")
        stream_out = gr.HTML(elem_id="generation-stream", css_template=figures.CSS)
        stream_result = gr.State(None)

        gr.Markdown(I18N("generation_compare_heading"))
        with gr.Row():
            low = Slider(0, generation.TEMPERATURE_MAX, value=0.3, step=0.05,
                         label=I18N("generation_compare_low"), elem_id="generation-compare-low")
            high = Slider(0, generation.TEMPERATURE_MAX, value=1.5, step=0.05,
                          label=I18N("generation_compare_high"), elem_id="generation-compare-high")
            compare_tokens = Slider(1, generation.MAX_COMPARE_TOKENS, value=30, step=1,
                                    label=I18N("generation_max_tokens"),
                                    elem_id="generation-compare-tokens")
        with gr.Row():
            compare_btn = gr.Button(I18N("generation_compare_go"), variant="primary",
                                    elem_id="generation-compare-go")
            compare_stop = gr.Button(I18N("generation_stop"), variant="stop",
                                     elem_id="generation-compare-stop")
        compare_out = gr.HTML(elem_id="generation-compare", css_template=figures.CSS)
        compare_result = gr.State(None)
        with gr.Accordion(I18N("generation_numbers"), open=False):
            numbers = gr.JSON(show_label=False)

        settings = [temperature, top_k, top_p]
        view = [steps, bars, entropy, summary, chips, sequence, pick, numbers]
        shown = [prompt, *settings, steps, lang]

        # The model runs: first view, a new prompt.
        gr.on([tab.select, predict.click, prompt.submit], show, shown, view,
              api_name="next_token", **MODEL)
        example_es.click(lambda: example("es"), None, prompt, queue=False,
                         api_visibility="private").then(show, shown, view, api_visibility="private",
                                                        **MODEL)
        example_en.click(lambda: example("en"), None, prompt, queue=False,
                         api_visibility="private").then(show, shown, view, api_visibility="private",
                                                        **MODEL)
        # A slider redraws from the scores in the visitor's state: no forward pass.
        gr.on([c.change for c in settings], redraw, shown,
              [bars, entropy, summary, pick, numbers], api_name="next_token_redraw",
              trigger_mode="always_last", show_progress="hidden",
              js=AFTER_PAINT_JS if instant else None, **LIGHT)
        lang.change(redraw_if_shown, [*settings, steps, lang], view[1:], api_visibility="private",
                    show_progress="hidden", **LIGHT)
        if instant:
            gr.on([steps.change, lang.change], instant_numbers, [steps, *settings, lang], instant,
                  api_visibility="private", show_progress="hidden", **LIGHT)
        # The model: the visitor's choice runs it on the prompt (an API client names it).
        model.input(show_on, [prompt, model, *settings, steps, lang], view,
                    api_name="next_token_model", **MODEL)
        # The radio shows the model of the visitor's steps (the outputs of the api_names above
        # stay as they were), or the language's model before any run.
        gr.on([steps.change, lang.change], shown_model, [steps, lang], model,
              api_visibility="private", queue=False, show_progress="hidden")

        # Step by step.
        sample_btn.click(step_sample, [prompt, *settings, seed, steps, lang], view,
                         api_name="generation_step_sample", **MODEL)
        pick.input(step_pick, [prompt, pick, *settings, steps, lang], view,
                   api_name="generation_step_pick", **MODEL)
        undo_btn.click(step_undo, shown, view, api_name="generation_step_undo", **MODEL)
        reset_btn.click(step_reset, shown, view, api_name="generation_step_reset", **MODEL)

        # Streaming, stoppable.
        streaming = stream_btn.click(generate_stream, [prompt, max_tokens, *settings, seed, steps, lang],
                                     [stream_out, stream_status, stream_result],
                                     api_name="generate_stream", show_progress="minimal", **STREAM)
        stream_stop.click(None, cancels=[streaming], api_visibility="private")
        lang.change(stream_again, [stream_result, lang], [stream_out, stream_status],
                    api_visibility="private", show_progress="hidden", **LIGHT)

        comparing = compare_btn.click(generate_compare,
                                      [prompt, compare_tokens, low, high, top_k, top_p, seed, steps,
                                       lang],
                                      [compare_out, compare_result], api_name="generate_compare",
                                      show_progress="minimal", **STREAM)
        compare_stop.click(None, cancels=[comparing], api_visibility="private")
        # The same with the model named, for API clients (no component: gr.api).
        gr.api(stream_api, api_name="generate_stream_model", **STREAM)
        gr.api(compare_api, api_name="generate_compare_model", **STREAM)
        lang.change(compare_again, [compare_result, lang], compare_out, api_visibility="private",
                    show_progress="hidden", **LIGHT)
        _server_section(lang, tab, prompt, temperature, top_p)
    return tab
