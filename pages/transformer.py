"""The Inside-the-transformer tab: three kinds of positions, the KV cache, fill in the blank."""
from __future__ import annotations

import dataclasses

import gradio as gr

from playground.text import fill_mask, kv_cache, positions
from playground.core import validate
from playground.core.errors import UserError
from pages.common import I18N, LIGHT, MODEL, Slider, guard

TAB_ID = "transformer"
MAX_SHOWN = 256                 # positions in a heatmap (a 256 x 256 map is already ~0.5 MB)
SINUS0 = (100, 128)             # positions, dimensions
ROPE0 = (4, 24, 7, 3)           # pair (4 turns 0.24 rad per position), positions, m, n
KV_PROMPT = "Once upon a time, in a small village by the sea,"
KV_N = 24
FILL0 = ("The ___ barked at the mailman all night.", "dog, cat, man, baby, car")


# --- handlers (the last argument is the language) ----------------------------------------

@guard
def learned(n, lang):
    """`transformer_learned`: cosine of MiniLM's learned position vectors i and j."""
    n = validate.integer(n, "n", 2, MAX_SHOWN)
    return positions.learned_figure(n, lang), positions.learned_text(n, lang)


@guard
def sinusoidal(n, d, lang):
    """`transformer_sinusoidal`: the encodings and their dot products."""
    n = validate.integer(n, "n", 2, MAX_SHOWN)
    d = validate.integer(d, "d", 2, 512)
    if d % 2:
        raise UserError("error_out_of_range", name="d", low=2, high=512, value=d)
    return positions.sinusoidal_figure(n, d, lang), positions.sinusoidal_similarity_figure(n, d, lang)


@guard
def rope(pair, n_positions, m, n, lang):
    """`transformer_rope`: one pair of dimensions turning, and the m - n table."""
    pair = validate.integer(pair, "i", 0, positions.SMOLLM2_HEAD_DIM // 2 - 1)
    n_positions = validate.integer(n_positions, "positions", 2, 64)
    m = validate.integer(m, "m", 0, positions.MAX_POSITIONS)
    n = validate.integer(n, "n", 0, positions.MAX_POSITIONS)
    return positions.rope_figure(pair, n_positions, lang), positions.relative_text(m, n, lang)


@guard
def kv_run(prompt, n_new, lang):
    """`transformer_kv_cache`: generate n tokens with and without the cache, streaming the timing."""
    from playground import backends

    prompt, n_new = kv_cache.check_inputs(prompt, n_new)
    lm = backends.get("smollm2")
    ids = lm.encode(prompt)
    steps = []
    for step in kv_cache.timed_steps(lm, ids, n_new):
        steps.append(step)
        yield kv_outputs(steps, n_new, len(ids), lang)


def kv_outputs(steps, n_new, prompt_tokens, lang):
    last = steps[-1]
    return (kv_cache.timing_figure(steps, n_new, prompt_tokens, lang),
            kv_cache.summary_text(steps, lang),
            kv_cache.memory_text(lang, last.position, last.cache_bytes),
            {"steps": [dataclasses.asdict(s) for s in steps], "n": n_new,
             "prompt_tokens": prompt_tokens})


@guard
def memory(lang):
    """The formula figure and text: no model needed."""
    return kv_cache.memory_figure(2048, lang), kv_cache.memory_text(lang)


@guard
def fill(sentence, candidates, lang):
    """`transformer_fill_mask`: the candidates ranked, and which method ran."""
    res = fill_mask.fill(sentence, candidates)
    return fill_mask.figure(res, lang), fill_mask.explain(res, lang), res.as_dict()


# --- private helpers -----------------------------------------------------------------------

def redraw(state, learned_n, sentence, candidates, lang):
    """On a language switch: relabel everything computed in Python. What needed a model is
    redrawn from caches (MiniLM's table, the fill-in scores) or from the visitor's own timing
    (kept in `state`), and only once it has run."""
    out = [gr.skip()] * 5 if not (state or {}).get("opened") else [*learned(learned_n, lang), *fill(sentence, candidates, lang)]
    kv = (state or {}).get("kv")
    if kv:
        steps = [kv_cache.Step(**s) for s in kv["steps"]]
        plot, text, formula, _ = kv_outputs(steps, kv["n"], kv["prompt_tokens"], lang)
        return [*out, plot, text, *memory(lang)[:1], formula]
    return [*out, gr.skip(), gr.skip(), *memory(lang)]


def build(lang: gr.Component) -> gr.Tab:
    sinus0 = sinusoidal(*SINUS0, "es")
    rope0 = rope(*ROPE0, "es")
    memory0 = memory("es")
    with gr.Tab(I18N("tab_transformer"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("attention_transformer_lesson"))

        gr.Markdown(I18N("attention_pos_learned_heading"))
        learned_n = Slider(2, MAX_SHOWN, value=64, step=1, label=I18N("attention_pos_n"),
                           elem_id="transformer-learned-n")
        with gr.Row():
            with gr.Column(scale=3):
                learned_plot = gr.Plot(elem_id="transformer-learned-plot", show_label=False)
            with gr.Column(scale=2):
                learned_md = gr.Markdown(I18N("attention_first_use"), elem_id="transformer-learned-text")

        gr.Markdown(I18N("attention_pos_sinus_heading"))
        with gr.Row():
            sinus_n = Slider(2, MAX_SHOWN, value=SINUS0[0], step=1, label=I18N("attention_pos_n"),
                             elem_id="transformer-sinus-n")
            sinus_d = Slider(2, 512, value=SINUS0[1], step=2, label=I18N("attention_pos_d_model"),
                             elem_id="transformer-sinus-d")
        with gr.Row():
            sinus_plot = gr.Plot(sinus0[0], elem_id="transformer-sinus-plot", show_label=False)
            sinus_sim = gr.Plot(sinus0[1], elem_id="transformer-sinus-sim", show_label=False)

        gr.Markdown(I18N("attention_pos_rope_heading"))
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Row():
                    pair = Slider(0, positions.SMOLLM2_HEAD_DIM // 2 - 1, value=ROPE0[0], step=1,
                                  label=I18N("attention_pos_pair"), elem_id="transformer-rope-pair")
                    n_positions = Slider(2, 64, value=ROPE0[1], step=1,
                                         label=I18N("attention_pos_rope_positions"),
                                         elem_id="transformer-rope-positions")
                rope_plot = gr.Plot(rope0[0], elem_id="transformer-rope-plot", show_label=False)
            with gr.Column(scale=2):
                with gr.Row():
                    m = Slider(0, 400, value=ROPE0[2], step=1, label=I18N("attention_pos_m"),
                               elem_id="transformer-rope-m")
                    n = Slider(0, 400, value=ROPE0[3], step=1, label=I18N("attention_pos_n_key"),
                               elem_id="transformer-rope-n")
                rope_md = gr.Markdown(rope0[1], elem_id="transformer-rope-text")

        gr.Markdown(I18N("attention_kv_heading"))
        with gr.Row():
            kv_prompt = gr.Textbox(KV_PROMPT, label=I18N("attention_kv_prompt"), scale=3,
                                   elem_id="transformer-kv-prompt")
            kv_n = Slider(1, kv_cache.MAX_NEW, value=KV_N, step=1, label=I18N("attention_kv_n"),
                          scale=2, elem_id="transformer-kv-n")
            kv_button = gr.Button(I18N("attention_kv_run"), variant="primary", scale=1,
                                  elem_id="transformer-kv-run")
        with gr.Row():
            with gr.Column(scale=3):
                kv_plot = gr.Plot(elem_id="transformer-kv-plot", show_label=False)
                kv_md = gr.Markdown(elem_id="transformer-kv-text")
            with gr.Column(scale=2):
                memory_plot = gr.Plot(memory0[0], elem_id="transformer-kv-memory", show_label=False)
                memory_md = gr.Markdown(memory0[1], elem_id="transformer-kv-formula")

        gr.Markdown(I18N("attention_fill_heading"))
        with gr.Row():
            fill_sentence = gr.Textbox(FILL0[0], label=I18N("attention_fill_sentence"), scale=3,
                                       elem_id="transformer-fill-sentence")
            fill_candidates = gr.Textbox(FILL0[1], label=I18N("attention_fill_candidates"), scale=3,
                                         elem_id="transformer-fill-candidates")
            fill_button = gr.Button(I18N("attention_fill_run"), variant="primary", scale=1,
                                    elem_id="transformer-fill-run")
        with gr.Row():
            with gr.Column(scale=3):
                fill_plot = gr.Plot(elem_id="transformer-fill-plot", show_label=False)
            with gr.Column(scale=2):
                fill_md = gr.Markdown(elem_id="transformer-fill-text")
                with gr.Accordion(I18N("attention_numbers"), open=False):
                    fill_numbers = gr.JSON(show_label=False)
        state = gr.State(None)     # set once the model-backed parts have run (for relabelling)

        # On opening: the parts that need a model (MiniLM's table, SmolLM2's scores)
        fill_in, fill_out = [fill_sentence, fill_candidates, lang], [fill_plot, fill_md, fill_numbers]
        # (MiniLM's table is read once and cached: no forward pass, so the light queue)
        (tab.select(learned, [learned_n, lang], [learned_plot, learned_md], api_visibility="private",
                    **LIGHT)
            .success(fill, fill_in, fill_out, api_visibility="private", **MODEL)
            .success(lambda s: {**(s or {}), "opened": True}, state, state, queue=False, api_visibility="private"))
        learned_n.input(learned, [learned_n, lang], [learned_plot, learned_md],
                        api_name="transformer_learned", trigger_mode="always_last",
                        show_progress="hidden", **LIGHT)
        gr.on([sinus_n.input, sinus_d.input, lang.change], sinusoidal, [sinus_n, sinus_d, lang],
              [sinus_plot, sinus_sim], api_name="transformer_sinusoidal", trigger_mode="always_last",
              show_progress="hidden", **LIGHT)
        gr.on([pair.input, n_positions.input, m.input, n.input, lang.change], rope,
              [pair, n_positions, m, n, lang], [rope_plot, rope_md], api_name="transformer_rope",
              trigger_mode="always_last", show_progress="hidden", **LIGHT)
        kv_data = gr.JSON(visible=False)
        (kv_button.click(kv_run, [kv_prompt, kv_n, lang], [kv_plot, kv_md, memory_md, kv_data],
                         api_name="transformer_kv_cache", **MODEL)
            .success(remember_kv, [state, kv_data], state, queue=False, api_visibility="private"))
        gr.on([fill_button.click, fill_sentence.submit, fill_candidates.submit], fill, fill_in,
              fill_out, api_name="transformer_fill_mask", **MODEL)
        lang.change(redraw, [state, learned_n, fill_sentence, fill_candidates, lang],
                    [learned_plot, learned_md, *fill_out, kv_plot, kv_md, memory_plot, memory_md],
                    api_visibility="private",
                    show_progress="hidden", **LIGHT)
    return tab


def remember_kv(state, data):
    return {**(state or {}), "kv": data}
