"""The Neuron tab: y = f(w1 x1 + w2 x2 + w3 x3 + b), step by step, curve and plane."""
from __future__ import annotations

import gradio as gr

from playground.networks import neuron, neuron_instant
from playground.core import validate
from playground.core.i18n import LANGS
from pages.common import I18N, LIGHT, Radio, Slider, guard
from pages.instant_plot import (AFTER_PAINT_JS, enabled as instant_enabled, instant_plot,
                                payload_json)

TAB_ID = "neuron"
LIMIT = 10.0  # sliders span [-LIMIT, LIMIT]; the API accepts the same range


@guard
def compute(n_inputs, x1, w1, x2, w2, x3, w3, bias, activation, lang):
    """Handler of the `neuron` API event: the numbers, the explanation and two figures."""
    n = validate.integer(n_inputs, "n", 1, 3)
    xs = [validate.number(v, f"x{i}", -LIMIT, LIMIT) for i, v in enumerate((x1, x2, x3), 1)]
    ws = [validate.number(v, f"w{i}", -LIMIT, LIMIT) for i, v in enumerate((w1, w2, w3), 1)]
    b = validate.number(bias, "b", -LIMIT, LIMIT)
    act = validate.choice(activation, list(neuron.ACTIVATIONS), "activation")
    result = neuron.forward(xs[:n], ws[:n], b, act)
    return (neuron.explain(result, lang), neuron.curve_figure(result, lang),
            neuron.plane_figure(result, lang), result.as_dict())


# The curve and the plane redrawn in the page (pages/instant_plot.py): its divs, and the
# controls it follows (value name -> elem_id).
INSTANT_IDS = ["neuron-curve", "neuron-plane"]
INSTANT_CONTROLS = {"n": "neuron-n-inputs", "b": "neuron-b", "activation": "neuron-activation",
                    **{f"{v}{i}": f"neuron-{v}{i}" for i in (1, 2, 3) for v in "xw"}}
# After the server's answer (a preset, the number of inputs, a typed value): the page redraws
# from the sliders as they now are, in the browser alone.
REDRAW_JS = "() => { window.genaiInstant?.redrawAll(); }"


def instant_figures():
    """The page's copy of the figures and strings, in both languages: the page draws in its
    own at once, and follows a switch itself."""
    return payload_json(neuron_instant.payload_both(LANGS), INSTANT_IDS, INSTANT_CONTROLS,
                        value=LIMIT)


def apply_preset(name):
    n, xs, ws, b, act = neuron.PRESETS[name]
    visible = [gr.update(value=v, visible=i < n) for i, v in enumerate(xs)]
    weights = [gr.update(value=v, visible=i < n) for i, v in enumerate(ws)]
    return [n, visible[0], weights[0], visible[1], weights[1], visible[2], weights[2], b, act]


def show_inputs(n):
    return [gr.update(visible=i < n) for i in range(3) for _ in (0, 1)]


def build(lang: gr.Component) -> gr.Tab:
    n0, xs0, ws0, b0, act0 = neuron.PRESETS["course"]
    first = compute(n0, xs0[0], ws0[0], xs0[1], ws0[1], xs0[2], ws0[2], b0, act0, "es")
    with gr.Tab(I18N("tab_neuron"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("neuron_lesson"), latex_delimiters=[{"left": "$$", "right": "$$", "display": True},
                                                             {"left": "$", "right": "$", "display": False}])
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                preset = gr.Dropdown([(I18N(f"neuron_preset_{k}"), k) for k in neuron.PRESETS],
                                     value="course", label=I18N("neuron_preset"), elem_id="neuron-preset")
                n_inputs = Slider(1, 3, value=n0, step=1, label=I18N("neuron_n_inputs"),
                                  elem_id="neuron-n-inputs")
                pairs = []
                for i in range(3):
                    with gr.Row():
                        x = Slider(-LIMIT, LIMIT, value=xs0[i], step=0.1, visible=i < n0,
                                      label=I18N(f"neuron_input_{i + 1}"),
                                      elem_id=f"neuron-x{i + 1}")
                        w = Slider(-LIMIT, LIMIT, value=ws0[i], step=0.1, visible=i < n0,
                                      label=I18N(f"neuron_weight_{i + 1}"), elem_id=f"neuron-w{i + 1}")
                    pairs += [x, w]
                bias = Slider(-LIMIT, LIMIT, value=b0, step=0.1, label=I18N("neuron_bias"),
                                 elem_id="neuron-b")
                activation = Radio([(I18N(f"act_{k}"), k) for k in neuron.ACTIVATIONS],
                                      value=act0, label=I18N("neuron_activation"),
                                      elem_id="neuron-activation")
                steps = gr.Markdown(first[0], elem_id="neuron-steps")
            with gr.Column(scale=2):
                # In the page (the default): every move redraws there; the gr.Plots, hidden,
                # keep the `neuron` api_name's outputs.
                instant = None
                if instant_enabled():
                    instant = instant_plot("neuron-instant", min_height=960,
                                           value=instant_figures())
                # (hidden, they start empty: their figures would be 72 KB of the page's first load)
                hidden = "-server" if instant else ""
                curve = gr.Plot(None if instant else first[1], elem_id=f"neuron-curve{hidden}",
                                show_label=False, visible=instant is None)
                plane = gr.Plot(None if instant else first[2], elem_id=f"neuron-plane{hidden}",
                                show_label=False, visible=instant is None)
                numbers = gr.JSON(first[3], label=I18N("neuron_numbers"), open=False)

        controls = [n_inputs, *pairs, bias, activation]
        preset.input(apply_preset, preset, controls, queue=False, api_visibility="private")
        n_inputs.change(show_inputs, n_inputs, pairs, queue=False, api_visibility="private")
        answered = gr.on([c.change for c in controls] + [lang.change], compute, [*controls, lang],
                         [steps, curve, plane, numbers], api_name="neuron",
                         trigger_mode="always_last", show_progress="hidden",
                         js=AFTER_PAINT_JS if instant else None, **LIGHT)
        if instant:
            answered.then(None, js=REDRAW_JS, api_visibility="private", show_progress="hidden")
    return tab
