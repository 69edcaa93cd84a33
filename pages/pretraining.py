"""The Pre-training tab: a GPT from scratch trained live on a Spanish (or English, or the
visitor's own) corpus; learned positions against RoPE; what 10 minutes of training writes;
scaling laws."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import anyio
import gradio as gr

from playground.core import validate
from playground.core.errors import UserError
from playground.core.i18n import LANGS, t
from playground.lifecycle import corpus, pretrained, pretraining, scaling, shared_runs
from playground.lifecycle import pretraining_config as settings    # no torch: for the layout
from playground.lifecycle import pretraining_figures as figs
from playground.lifecycle import scaling_figures
from pages.common import (I18N, LIGHT, TRAINING, WATCH, Dropdown, Radio, Slider,
                          acknowledge_frames, guard)

TAB_ID = "pretraining"
DEFAULT = settings.Config()
LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03]
ATTENTION_EVERY = 4     # the attention heatmaps are redrawn every 4th frame
MAX_UPLOAD_BYTES = 4 * corpus.MAX_OWN_CHARS
COMPARE_STEPS = 600     # the comparison's default: two tiny runs of about 5 s each


def _config(corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt, seed, lang):
    return pretraining.Config.from_controls(corpus_name, tokens, size, positions, lr, steps,
                                           temperature, prompt, seed, lang, own_text=own)


def _layer(layer, lang) -> int:
    top = max(p["n_layer"] for p in settings.PRESETS.values())
    return validate.integer(layer, t("pretraining_layer", lang), 1, top)


def _picture(session, lang, frame, layer, attention=True):
    """The outputs every training event shares: state, numbers, curves, samples, attention."""
    heads = figs.attention_figure(frame, layer, lang) if attention and frame.attention else gr.skip()
    return (session, figs.status_text(frame, lang), figs.loss_figure(frame, lang),
            figs.samples_markdown(frame, lang), heads)


def _at_rest(session, lang, layer, state):
    return (*_picture(session, lang, session.frame(with_attention=True), layer),
            figs.run_text(lang, state, session.step))


@guard
def train(session, corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt,
          seed, layer, lang):
    """Handler of `pretraining_train`: train, streaming frames as fast as the page draws
    them, until the steps asked for or pretraining.RUN_SECONDS."""
    layer = _layer(layer, lang)
    config = _config(corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt,
                     seed, lang)
    session = pretraining.prepare(session, config, own)
    for frame in pretraining.train(session, attention_every=ATTENTION_EVERY):
        yield _picture(session, lang, frame, layer)


def started_js() -> str:
    texts = {lang: figs.run_text(lang, "running") for lang in LANGS}
    return f"(lang) => ({json.dumps(texts, ensure_ascii=False)})[lang] || ''"


@guard
def run_ended(session, layer, lang):
    """After a run: the model at rest, and what the buttons do now."""
    layer = _layer(layer, lang)
    if session is None:
        return (gr.skip(),) * 4 + (figs.run_text(lang, "ready"),)
    if session.ended_by:
        return (gr.skip(),) * 4 + (figs.run_text(lang, f"stopped_{session.ended_by}", session.step),)
    return _at_rest(session, lang, layer, "ready" if session.step == 0 else "paused")[1:]


@guard
def pause(session, layer, lang):
    """Handler of `pretraining_pause`: end the run, keep the model, show where it stands."""
    layer = _layer(layer, lang)
    if session is None:
        return (None,) + (gr.skip(),) * 4 + (figs.run_text(lang, "ready"),)
    session.stop(wait=pretraining.STOP_WAIT)
    return _at_rest(session, lang, layer, "paused")


@guard
def reset(session, corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt,
          seed, layer, lang):
    """Handler of `pretraining_reset`: a new, untrained model."""
    layer = _layer(layer, lang)
    if session is not None:
        session.stop(wait=pretraining.STOP_WAIT)
    config = _config(corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt,
                     seed, lang)
    new = pretraining.prepare(None, config, own)
    shared_runs.handover(session, new)
    return _at_rest(new, lang, layer, "ready")


@guard
def show(session, corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt,
         seed, layer, lang):
    """Handler of `pretraining_show`: the visitor's model as it is (a new one if the corpus,
    the tokens, the size or the positions changed)."""
    layer = _layer(layer, lang)
    if corpus_name == corpus.OWN and session is None and not (own or "").strip():
        return (None,) + (gr.skip(),) * 4 + (t("pretraining_own_hint", lang),)
    config = _config(corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt,
                     seed, lang)
    session = pretraining.prepare(session, config, own)
    return _at_rest(session, lang, layer, "ready" if session.step == 0 else "paused")


def opened(session, *values):
    """The tab opened: a first model, or the visitor's as it is (a run goes on)."""
    return show(session, *values) if session is None else (gr.skip(),) * 6


@guard
def redraw(session, layer, lang):
    """The language or the attention layer changed: redraw, if there is a model."""
    layer = _layer(layer, lang)
    if session is None:
        return (gr.skip(),) * 5
    return _at_rest(session, lang, layer, "ready" if session.step == 0 else "paused")[1:]


@guard
def sample(session, temperature, lang):
    """Handler of `pretraining_sample`: one more sample now, at the chosen temperature."""
    if session is None:
        raise UserError("pretraining_error_no_model")
    temperature = validate.number(temperature, t("pretraining_temperature", lang), 0.05, 2.0)
    text = session.sample(temperature)
    return t("pretraining_sample_now", lang, step=f"{session.step:,}",
             temperature=temperature) + "\n\n```text\n" + text + "\n```"


@guard
def load_checkpoint(session, corpus_name, temperature, prompt, layer, lang):
    """Handler of `pretraining_load`: the model scripts/train_pretraining.py trained for
    minutes, into the visitor's session; the controls take its settings."""
    layer = _layer(layer, lang)
    if corpus_name not in pretrained.available():
        raise UserError("pretraining_error_no_checkpoint")
    temperature = validate.number(temperature, t("pretraining_temperature", lang), 0.05, 2.0)
    if not isinstance(prompt, str) or len(prompt) > pretraining.MAX_PROMPT:
        raise UserError("error_text_too_long", length=len(str(prompt)), limit=pretraining.MAX_PROMPT)
    if session is not None:
        session.stop(wait=pretraining.STOP_WAIT)
    old, session = session, pretrained.load(corpus_name, temperature, validate.well_formed(prompt))
    shared_runs.handover(old, session)
    c = session.config
    return (*_at_rest(session, lang, layer, "loaded"), c.tokens, c.size, c.positions, c.seed, c.lr)


@guard
def scaling_view(lang):
    """Handler of `pretraining_scaling`: the app's sweep, its fit and the SmolLM2 example."""
    sweep, law = scaling.sweep_and_fit()
    return scaling_figures.sweep_figure(sweep, law, lang), scaling_figures.smollm2_markdown(lang)


@guard
def train_point(size, tokens, lang):
    """Handler of `pretraining_train_point`: one new run of the sweep, against the fit."""
    size = validate.choice(size, list(scaling.SIZES), t("scaling_point_size", lang))
    tokens = validate.choice(tokens, list(scaling.TOKENS), t("scaling_point_tokens", lang))
    sweep, law = scaling.sweep_and_fit()
    data = corpus.builtin("es", "char")
    point = scaling.train_point(data, size, tokens, seed=1)
    return (scaling_figures.sweep_figure(sweep, law, lang, point),
            scaling_figures.point_markdown(point, law, lang))


@guard
def budget(log10_c, lang):
    """Handler of `pretraining_budget`: the published fits' best model for 10^x FLOPs."""
    x = validate.number(log10_c, t("scaling_budget_slider", lang), 15, 27)
    return scaling_figures.budget_markdown(10 ** x, lang)


@guard
def read_upload(path, lang):
    """A .txt file into the text box, checked against the limits."""
    if not path:
        return gr.skip()
    if not isinstance(path, str):
        raise UserError("pretraining_error_upload", high=f"{corpus.MAX_OWN_CHARS:,}")
    p = Path(path)
    if p.suffix.lower() not in (".txt", ".md") or p.stat().st_size > MAX_UPLOAD_BYTES:
        raise UserError("pretraining_error_upload", high=f"{corpus.MAX_OWN_CHARS:,}")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = p.read_text(encoding="latin-1")
    return corpus.own_text(text)


@guard
def compare_empty(compared, lang):
    """Before any comparison: the figure's axes, titled in the visitor's language."""
    if compared:
        return gr.skip()
    return figs.compare_figure(pretraining.Comparison(), lang)


@guard
def compare(corpus_name, own, tokens, size, lr, steps, seed, lang):
    """Handler of `pretraining_train_compare`: the same run with learned positions and with RoPE."""
    config = _config(corpus_name, own, tokens, size, "learned", lr, steps, 0.8, "", seed, lang)
    data = pretraining.load_corpus(config, own)
    for result in pretraining.compare(config, data, config.steps):
        yield figs.compare_figure(result, lang), figs.compare_text(result, lang)


# --- a run shown to the class ---------------------------------------------------------------

def share_handler(runs: shared_runs.SharedRuns):
    @guard
    def share(session, lang):
        """Handler of `pretraining_share`: a code under which the class watches this run."""
        if session is None:
            raise UserError("pretraining_error_no_model")
        return t("pretraining_share_code", lang, code=runs.share(session),
                 minutes=shared_runs.WATCH_SECONDS // 60)
    return share


def watch_handler(runs: shared_runs.SharedRuns):
    @guard
    async def watch(session, code, layer, lang):
        """Handler of `pretraining_watch`: follow the run shared under `code`, live, without
        training anything (no thread is held between two looks). The watcher's own run, if
        one goes on, pauses."""
        code = shared_runs.read_code(code)
        layer = _layer(layer, lang)
        if runs.get(code) is None:
            raise UserError("pretraining_watch_no_run", code=code)
        if session is not None:
            await anyio.to_thread.run_sync(lambda: session.stop(wait=pretraining.STOP_WAIT))
        frames = 0
        for event in shared_runs.watch(runs, code):
            if event[0] == "wait":
                await asyncio.sleep(event[1])
            elif event[0] == "frame":
                attention = frames % ATTENTION_EVERY == 0
                frame = await anyio.to_thread.run_sync(event[1].frame, 0, 0.0, None, attention)
                event, frames = None, frames + 1
                picture = _picture(None, lang, frame, layer, attention)[1:]
                yield (*picture, t("pretraining_watching", lang, code=code, step=f"{frame.step:,}"))
            else:
                yield (gr.skip(),) * 4 + (t(f"pretraining_watch_{event[0]}", lang, code=code,
                                            minutes=shared_runs.WATCH_SECONDS // 60),)
    return watch


def _class_section(lang, session, shown, runs):
    """Share my run under a code; watch the run shared under a code."""
    with gr.Accordion(I18N("pretraining_class_heading"), open=False, elem_id="pretraining-class"):
        gr.Markdown(I18N("pretraining_class_lesson"))
        with gr.Row():
            share_btn = gr.Button(I18N("pretraining_share_button"), elem_id="pretraining-share")
            code = gr.Textbox(label=I18N("pretraining_watch_code"), max_lines=1, scale=1,
                              elem_id="pretraining-watch-code")
            watch_btn = gr.Button(I18N("pretraining_watch_button"), variant="primary",
                                  elem_id="pretraining-watch")
            unwatch_btn = gr.Button(I18N("pretraining_unwatch_button"), elem_id="pretraining-unwatch")
        share_text = gr.Markdown(elem_id="pretraining-share-text")
    share_btn.click(share_handler(runs), [session, lang], share_text, api_name="pretraining_share",
                    show_progress="hidden", **LIGHT)
    watching = watch_btn.click(watch_handler(runs), [session, code, shown[0], lang], shown[1:],
                               api_name="pretraining_watch",
                               show_progress="hidden", **WATCH)
    unwatch_btn.click(None, None, None, cancels=[watching], api_visibility="private", queue=False)
    return watching


def _controls():
    with gr.Column(scale=1, min_width=300):
        corpus_name = Radio([(I18N(f"pretraining_corpus_{k}"), k) for k in (*corpus.CORPORA, corpus.OWN)],
                            value=DEFAULT.corpus, label=I18N("pretraining_corpus"),
                            elem_id="pretraining-corpus")
        with gr.Accordion(I18N("pretraining_own_heading"), open=False, elem_id="pretraining-own-box"):
            own = gr.Textbox(lines=5, max_lines=10, label=I18N("pretraining_own_label"),
                             placeholder=I18N("pretraining_own_placeholder"),
                             elem_id="pretraining-own")
            upload = gr.File(file_types=[".txt"], label=I18N("pretraining_upload"),
                             elem_id="pretraining-upload")
        tokens = Radio([(I18N(f"pretraining_tokens_{k}"), k) for k in corpus.TOKENIZERS],
                       value=DEFAULT.tokens, label=I18N("pretraining_tokens"),
                       elem_id="pretraining-tokens")
        size = Radio([(I18N(f"pretraining_size_{k}"), k) for k in settings.PRESETS],
                     value=DEFAULT.size, label=I18N("pretraining_size"), elem_id="pretraining-size")
        positions = Radio([(I18N(f"pretraining_positions_{k}"), k) for k in settings.POSITIONS],
                          value=DEFAULT.positions, label=I18N("pretraining_positions"),
                          elem_id="pretraining-positions")
        lr = Dropdown(LEARNING_RATES, value=DEFAULT.lr, label=I18N("pretraining_lr"),
                      elem_id="pretraining-lr")
        steps = Slider(100, settings.MAX_STEPS, value=DEFAULT.steps, step=100,
                       label=I18N("pretraining_steps"), elem_id="pretraining-steps")
        temperature = Slider(0.1, 2.0, value=DEFAULT.temperature, step=0.05,
                             label=I18N("pretraining_temperature"), elem_id="pretraining-temperature")
        prompt = gr.Textbox(DEFAULT.prompt, label=I18N("pretraining_prompt"), max_lines=1,
                            elem_id="pretraining-prompt")
        seed = Slider(0, 9999, value=DEFAULT.seed, step=1, label=I18N("pretraining_seed"),
                      elem_id="pretraining-seed")
    return corpus_name, own, upload, tokens, size, positions, lr, steps, temperature, prompt, seed


def _live_section(lang, tab, runs):
    with gr.Row():
        (corpus_name, own, upload, tokens, size, positions, lr, steps, temperature, prompt,
         seed) = _controls()
        with gr.Column(scale=3):
            with gr.Row():
                train_btn = gr.Button(I18N("pretraining_train_button"), variant="primary",
                                      elem_id="pretraining-train")
                pause_btn = gr.Button(I18N("pretraining_pause_button"), elem_id="pretraining-pause")
                reset_btn = gr.Button(I18N("pretraining_reset_button"), elem_id="pretraining-reset")
                sample_btn = gr.Button(I18N("pretraining_sample_button"), elem_id="pretraining-sample")
                load_btn = gr.Button(I18N("pretraining_load_button"), elem_id="pretraining-load")
            status = gr.Markdown(elem_id="pretraining-status")
            run_state = gr.Markdown(elem_id="pretraining-run-state")
            loss = gr.Plot(elem_id="pretraining-loss", show_label=False)
            samples = gr.Markdown(elem_id="pretraining-samples")
            sample_now = gr.Markdown(elem_id="pretraining-sample-now")
            layer = Slider(1, max(p["n_layer"] for p in settings.PRESETS.values()), value=1,
                           step=1, label=I18N("pretraining_layer"), elem_id="pretraining-layer")
            heads = gr.Plot(elem_id="pretraining-attention", show_label=False)

    upload.upload(read_upload, [upload, lang], own, api_visibility="private",
                  show_progress="hidden", **LIGHT)
    session = gr.State(None)
    controls = [corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt, seed]
    picture = [session, status, loss, samples, heads]
    still = [*picture, run_state]
    running = train_btn.click(train, [session, *controls, layer, lang], picture,
                              api_name="pretraining_train", show_progress="full", **TRAINING)
    watching = _class_section(lang, session, [layer, *still[1:]], runs)
    train_btn.click(None, None, None, cancels=[watching], api_visibility="private", queue=False)
    train_btn.click(None, lang, run_state, js=started_js(), api_visibility="private",
                    show_progress="hidden")
    acknowledge_frames(loss, session)
    running.then(run_ended, [session, layer, lang], still[1:], api_visibility="private",
                 show_progress="hidden", trigger_mode="always_last", **LIGHT)
    pause_btn.click(pause, [session, layer, lang], still, cancels=[running],
                    api_name="pretraining_pause", show_progress="hidden", **LIGHT)
    reset_btn.click(reset, [session, *controls, layer, lang], still, cancels=[running],
                    api_name="pretraining_reset", show_progress="hidden", **LIGHT)
    sample_btn.click(sample, [session, temperature, lang], sample_now, api_name="pretraining_sample",
                     show_progress="hidden", **LIGHT)
    load_btn.click(load_checkpoint, [session, corpus_name, temperature, prompt, layer, lang],
                   [*still, tokens, size, positions, seed, lr], cancels=[running],
                   api_name="pretraining_load", show_progress="hidden", **LIGHT)
    structure = [corpus_name, tokens, size, positions, seed]
    tab.select(opened, [session, *controls, layer, lang], still, api_visibility="private",
               show_progress="hidden", **LIGHT)
    gr.on([c.change for c in structure], show, [session, *controls, layer, lang],
          still, cancels=[running], api_name="pretraining_show", trigger_mode="always_last",
          show_progress="hidden", **LIGHT)
    gr.on([lang.change, layer.change], redraw, [session, layer, lang], still[1:],
          api_visibility="private", trigger_mode="always_last", show_progress="hidden", **LIGHT)
    return controls


def _compare_section(controls):
    corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt, seed = controls
    gr.Markdown(I18N("pretraining_compare_lesson"))
    with gr.Row():
        compare_btn = gr.Button(I18N("pretraining_compare_button"), variant="primary",
                                elem_id="pretraining-compare")
        stop_btn = gr.Button(I18N("pretraining_compare_stop"), elem_id="pretraining-compare-stop")
    compare_steps = Slider(100, settings.MAX_STEPS, value=COMPARE_STEPS, step=100,
                           label=I18N("pretraining_compare_steps"), elem_id="pretraining-compare-steps")
    compare_plot = gr.Plot(elem_id="pretraining-compare-plot", show_label=False)
    compare_note = gr.Markdown(elem_id="pretraining-compare-note")
    return compare_btn, stop_btn, compare_steps, compare_plot, compare_note


def _scaling_section(lang, tab):
    gr.Markdown(I18N("scaling_lesson"), latex_delimiters=[{"left": "$", "right": "$", "display": False}])
    sweep_plot = gr.Plot(elem_id="pretraining-scaling", show_label=False)
    with gr.Row():
        point_size = Radio([(f"{k} ({'×'.join(map(str, v))})", k) for k, v in scaling.SIZES.items()],
                           value="m", label=I18N("scaling_point_size"), elem_id="pretraining-point-size")
        point_tokens = Dropdown([(f"{n:,}", n) for n in scaling.TOKENS], value=scaling.TOKENS[2],
                                label=I18N("scaling_point_tokens"), elem_id="pretraining-point-tokens")
        point_btn = gr.Button(I18N("scaling_point_button"), variant="primary",
                              elem_id="pretraining-point")
    point_text = gr.Markdown(elem_id="pretraining-point-text")
    point_btn.click(train_point, [point_size, point_tokens, lang], [sweep_plot, point_text],
                    api_name="pretraining_train_point", show_progress="full", **TRAINING)
    log10_c = Slider(15, 27, value=21.2, step=0.1, label=I18N("scaling_budget_slider"),
                     elem_id="pretraining-budget-slider")
    budget_text = gr.Markdown(elem_id="pretraining-budget")
    smollm2 = gr.Markdown(elem_id="pretraining-smollm2")
    gr.on([tab.select, lang.change], scaling_view, [lang], [sweep_plot, smollm2],
          api_name="pretraining_scaling", show_progress="hidden", **LIGHT)
    gr.on([tab.select, lang.change, log10_c.change], budget, [log10_c, lang], budget_text,
          api_name="pretraining_budget", trigger_mode="always_last", show_progress="hidden", **LIGHT)
    gr.Markdown(I18N("pretraining_steps_lesson"))


def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_pretraining"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("pretraining_lesson"))
        # The app's one registry of runs shown to a class (SharedRuns is thread-safe; a run
        # is in it only because its owner pressed Share).
        controls = _live_section(lang, tab, shared_runs.SharedRuns())
        compare_btn, stop_btn, compare_steps, compare_plot, compare_note = _compare_section(controls)
        corpus_name, own, tokens, size, positions, lr, steps, temperature, prompt, seed = controls
        comparing = compare_btn.click(compare, [corpus_name, own, tokens, size, lr, compare_steps, seed,
                                                lang],
                                      [compare_plot, compare_note], api_name="pretraining_train_compare",
                                      show_progress="minimal", **TRAINING)
        stop_btn.click(None, None, None, cancels=[comparing], api_visibility="private",
                       queue=False)
        compared = gr.State(False)
        compare_btn.click(lambda: True, None, compared, queue=False, api_visibility="private")
        gr.on([tab.select, lang.change], compare_empty, [compared, lang], compare_plot,
              api_visibility="private", show_progress="hidden", **LIGHT)
        _scaling_section(lang, tab)
    return tab
