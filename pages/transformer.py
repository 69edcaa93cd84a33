"""The Inside-the-transformer tab: three kinds of positions, the KV cache, fill in the blank."""
from __future__ import annotations

import gradio as gr

from playground import backends
from playground.text import fill_mask, kv_cache, positions
from playground.core import validate
from playground.core.errors import UserError
from pages.common import I18N, LIGHT, MODEL, Radio, Slider, guard

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


def causal_lm(chosen) -> str:
    """The causal LM the visitor chose (their State), else the lesson's default."""
    return chosen if chosen in backends.names(kind="causal_lm") else kv_cache.default_model()


@guard
def rope(pair, n_positions, m, n, chosen, lang):
    """`transformer_rope`: one pair of dimensions turning, and the m - n table (with the
    visitor's model's numbers)."""
    return positions.rope_view(pair, n_positions, m, n, lang, causal_lm(chosen))


@guard
def kv_run(prompt, n_new, chosen, lang):
    """`transformer_kv_cache`: generate n tokens with and without the cache, streaming the timing."""
    yield from kv_cache.stream(prompt, n_new, lang, model=causal_lm(chosen))


@guard
def memory(chosen, lang):
    """The formula figure and text, with the model's numbers."""
    model = causal_lm(chosen)
    return kv_cache.memory_figure(lang, model), kv_cache.memory_text(lang, model=model)


@guard
def switch_model(model, pair, n_positions, m, n, lang):
    """`transformer_model`: RoPE and the cache's memory with another causal LM's numbers
    (the choice is kept in the visitor's State for the KV-cache run)."""
    model = validate.choice(model, backends.names(kind="causal_lm"), "model")
    pairs = positions.rope_pairs(model)
    pair = min(validate.integer(pair, "i", 0, 10**6), pairs - 1)
    return (model, gr.update(maximum=pairs - 1, value=pair),
            *rope(pair, n_positions, m, n, model, lang), *memory(model, lang))


@guard
def fill(sentence, candidates, lang):
    """`transformer_fill_mask`: the candidates ranked, and which method ran."""
    res = fill_mask.fill(sentence, candidates)
    return fill_mask.figure(res, lang), fill_mask.explain(res, lang), res.as_dict()


# --- private helpers -----------------------------------------------------------------------

def redraw(state, learned_n, sentence, candidates, pair, n_positions, m, n, chosen, lang):
    """On a language switch: relabel everything computed in Python, once the tab has run.
    What needed a model is redrawn from caches (MiniLM's table, the fill-in scores, the
    model's shape) or from the visitor's own timing (kept in `state`)."""
    state = state or {}
    if not state.get("opened"):
        return [gr.skip()] * 11
    out = [*learned(learned_n, lang), *fill(sentence, candidates, lang),
           *rope(pair, n_positions, m, n, chosen, lang)]
    kv = state.get("kv")
    if kv:
        plot, text, formula, _ = kv_cache.outputs(kv_cache.steps_from(kv), kv["n"], kv["prompt_tokens"],
                                                  lang, kv.get("model"))
        return [*out, plot, text, memory(kv.get("model"), lang)[0], formula]
    return [*out, gr.skip(), gr.skip(), *memory(chosen, lang)]


@guard
def first_model_views(pair, n_positions, m, n, chosen, lang):
    """On opening, once the model is there: RoPE with its frequencies (and the pair slider
    over its head's pairs), the cache's memory with its numbers."""
    return (gr.update(maximum=positions.rope_pairs(causal_lm(chosen)) - 1),
            *rope(pair, n_positions, m, n, chosen, lang), *memory(chosen, lang))


def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_transformer"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("transformer_lesson"))

        gr.Markdown(I18N("transformer_pos_learned_heading"))
        learned_n = Slider(2, MAX_SHOWN, value=64, step=1, label=I18N("transformer_pos_n"),
                           elem_id="transformer-learned-n")
        with gr.Row():
            with gr.Column(scale=3):
                learned_plot = gr.Plot(elem_id="transformer-learned-plot", show_label=False)
            with gr.Column(scale=2):
                learned_md = gr.Markdown(I18N("attention_first_use"), elem_id="transformer-learned-text")

        gr.Markdown(I18N("transformer_pos_sinus_heading"))
        with gr.Row():
            sinus_n = Slider(2, MAX_SHOWN, value=SINUS0[0], step=1, label=I18N("transformer_pos_n"),
                             elem_id="transformer-sinus-n")
            sinus_d = Slider(2, 512, value=SINUS0[1], step=2, label=I18N("transformer_pos_d_model"),
                             elem_id="transformer-sinus-d")
        with gr.Row():
            # Drawn when the tab is shown (select, or a link's ?tab=), not in the page's config.
            sinus_plot = gr.Plot(None, elem_id="transformer-sinus-plot", show_label=False)
            sinus_sim = gr.Plot(None, elem_id="transformer-sinus-sim", show_label=False)

        chosen = gr.State(None)    # the visitor's causal LM for RoPE and the KV cache
        model = Radio([(backends.title(name), name) for name in backends.names(kind="causal_lm")],
                      value=kv_cache.default_model(), label=I18N("transformer_model"),
                      info=I18N("transformer_model_info"), elem_id="transformer-model")
        gr.Markdown(I18N("transformer_pos_rope_heading"))
        with gr.Row():
            with gr.Column(scale=3):
                with gr.Row():
                    pair = Slider(0, ROPE0[0], value=ROPE0[0], step=1,     # the model's range on opening
                                  label=I18N("transformer_pos_pair"), elem_id="transformer-rope-pair")
                    n_positions = Slider(2, positions.MAX_ROPE_POSITIONS, value=ROPE0[1], step=1,
                                         label=I18N("transformer_pos_rope_positions"),
                                         elem_id="transformer-rope-positions")
                rope_plot = gr.Plot(elem_id="transformer-rope-plot", show_label=False)
            with gr.Column(scale=2):
                with gr.Row():
                    m = Slider(0, 400, value=ROPE0[2], step=1, label=I18N("transformer_pos_m"),
                               elem_id="transformer-rope-m")
                    n = Slider(0, 400, value=ROPE0[3], step=1, label=I18N("transformer_pos_n_key"),
                               elem_id="transformer-rope-n")
                rope_md = gr.Markdown(elem_id="transformer-rope-text")

        gr.Markdown(I18N("transformer_kv_heading"))
        with gr.Row():
            kv_prompt = gr.Textbox(KV_PROMPT, label=I18N("transformer_kv_prompt"), scale=3,
                                   elem_id="transformer-kv-prompt")
            kv_n = Slider(1, kv_cache.MAX_NEW, value=KV_N, step=1, label=I18N("transformer_kv_n"),
                          scale=2, elem_id="transformer-kv-n")
            kv_button = gr.Button(I18N("transformer_kv_run"), variant="primary", scale=1,
                                  elem_id="transformer-kv-run")
        with gr.Row():
            with gr.Column(scale=3):
                kv_plot = gr.Plot(elem_id="transformer-kv-plot", show_label=False)
                kv_md = gr.Markdown(elem_id="transformer-kv-text")
            with gr.Column(scale=2):
                memory_plot = gr.Plot(elem_id="transformer-kv-memory", show_label=False)
                memory_md = gr.Markdown(elem_id="transformer-kv-formula")

        gr.Markdown(I18N("transformer_fill_heading"))
        with gr.Row():
            fill_sentence = gr.Textbox(FILL0[0], label=I18N("transformer_fill_sentence"), scale=3,
                                       elem_id="transformer-fill-sentence")
            fill_candidates = gr.Textbox(FILL0[1], label=I18N("transformer_fill_candidates"), scale=3,
                                         elem_id="transformer-fill-candidates")
            fill_button = gr.Button(I18N("transformer_fill_run"), variant="primary", scale=1,
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
        rope_in, rope_out = [pair, n_positions, m, n, chosen, lang], [rope_plot, rope_md]
        # (MiniLM's table is read once and cached: no forward pass, so the light queue)
        (tab.select(learned, [learned_n, lang], [learned_plot, learned_md], api_visibility="private",
                    **LIGHT)
            .success(fill, fill_in, fill_out, api_visibility="private", **MODEL)
            .success(first_model_views, rope_in, [pair, *rope_out, memory_plot, memory_md],
                     api_visibility="private", **LIGHT)
            .success(lambda s: {**(s or {}), "opened": True}, state, state, queue=False, api_visibility="private"))
        learned_n.input(learned, [learned_n, lang], [learned_plot, learned_md],
                        api_name="transformer_learned", trigger_mode="always_last",
                        show_progress="hidden", **LIGHT)
        gr.on([sinus_n.input, sinus_d.input, lang.change, tab.select], sinusoidal, [sinus_n, sinus_d, lang],
              [sinus_plot, sinus_sim], api_name="transformer_sinusoidal", trigger_mode="always_last",
              show_progress="hidden", **LIGHT)
        gr.on([pair.input, n_positions.input, m.input, n.input], rope,
              rope_in, rope_out, api_name="transformer_rope",
              trigger_mode="always_last", show_progress="hidden", **LIGHT)
        kv_data = gr.JSON(visible=False)
        model.input(switch_model, [model, pair, n_positions, m, n, lang],
                    [chosen, pair, *rope_out, memory_plot, memory_md], api_name="transformer_model",
                    **LIGHT)
        (kv_button.click(kv_run, [kv_prompt, kv_n, chosen, lang], [kv_plot, kv_md, memory_md, kv_data],
                         api_name="transformer_kv_cache", **MODEL)
            .success(remember_kv, [state, kv_data], state, queue=False, api_visibility="private"))
        gr.on([fill_button.click, fill_sentence.submit, fill_candidates.submit], fill, fill_in,
              fill_out, api_name="transformer_fill_mask", **MODEL)
        lang.change(redraw, [state, learned_n, fill_sentence, fill_candidates, pair, n_positions, m, n,
                             chosen, lang],
                    [learned_plot, learned_md, *fill_out, *rope_out, kv_plot, kv_md, memory_plot, memory_md],
                    api_visibility="private",
                    show_progress="hidden", **LIGHT)
    return tab


def remember_kv(state, data):
    return {**(state or {}), "kv": data}
