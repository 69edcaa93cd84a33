"""The Hardware tab: what a model needs to run (weights, KV cache, activations) and how fast it
can go at most, for the app's models (counted on this machine) and published ones."""
from __future__ import annotations

import gradio as gr

from playground import backends
from playground.core import validate
from playground.lifecycle import hardware, hardware_figures as figures, quantization
from pages.common import I18N, LIGHT, MODEL, Dropdown, Number, Slider, guard

TAB_ID = "hardware"
MAX_CONTEXT = 131_072
MAX_BATCH = 64


@guard
def estimate(model, fmt, context, batch, bandwidth, memory, lang):
    """Handler of `hardware_estimate`: the memory picture and the verdict."""
    chosen = hardware.find(model)
    bits = hardware.formats()
    fmt = validate.choice(fmt, list(bits), "format")
    context = validate.integer(context, "context", 1, MAX_CONTEXT)
    batch = validate.integer(batch, "batch", 1, MAX_BATCH)
    bandwidth = validate.number(bandwidth, "bandwidth", 1, 10_000)
    memory = validate.number(memory, "memory", 1, 10_000)
    e = hardware.estimate(chosen, bits[fmt], context, batch, bandwidth_gbs=bandwidth)
    return (figures.memory_figure(chosen, fmt, e, memory, lang),
            figures.verdict(chosen, e, memory, bandwidth, lang))


@guard
def quantize(lang):
    """Handler of `hardware_quantization`: SmolLM2 at 8 ... 2 bits (computed once per language)."""
    rows = quantization.table(lang)
    return figures.quantization_figure(rows, lang), figures.quantization_table(rows, lang)


def _label(name: str) -> str:
    return backends.title(name) if name in hardware.APP_MODELS else name


def build(lang: gr.Component) -> gr.Tab:
    with gr.Tab(I18N("tab_hardware"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("hardware_lesson"))
        with gr.Row():
            with gr.Column(scale=1, min_width=320):
                model = Dropdown([(_label(n), n) for n in hardware.model_names()], value="Llama 3 8B",
                                 label=I18N("hardware_model"), elem_id="hardware-model")
                fmt = Dropdown([(f"{name} · {bits:g} bits", name) for name, bits in hardware.formats().items()],
                               value="Q4_K", label=I18N("hardware_format"), elem_id="hardware-format")
                context = Slider(256, MAX_CONTEXT, value=4096, step=256, label=I18N("hardware_context"),
                                 elem_id="hardware-context")
                batch = Slider(1, MAX_BATCH, value=1, step=1, label=I18N("hardware_batch"), elem_id="hardware-batch")
                bandwidth = Number(60, label=I18N("hardware_bandwidth"), info=I18N("hardware_bandwidth_info"),
                                   elem_id="hardware-bandwidth")
                memory = Number(16, label=I18N("hardware_memory"), elem_id="hardware-memory")
            with gr.Column(scale=2):
                plot = gr.Plot(show_label=False, elem_id="hardware-plot")
                verdict = gr.Markdown(elem_id="hardware-verdict")
        inputs = [model, fmt, context, batch, bandwidth, memory, lang]
        gr.on([tab.select, model.change, fmt.change, context.release, batch.release, bandwidth.submit,
               memory.submit, lang.change], estimate, inputs, [plot, verdict], api_name="hardware_estimate",
              trigger_mode="always_last", show_progress="hidden", **LIGHT)
        with gr.Accordion(I18N("quant_section"), open=True):
            gr.Markdown(I18N("quant_lesson"))
            run = gr.Button(I18N("quant_run"), variant="primary", elem_id="quant-run")
            quant_plot = gr.Plot(show_label=False, elem_id="quant-plot")
            quant_table = gr.Markdown(elem_id="quant-table")
        run.click(quantize, [lang], [quant_plot, quant_table], api_name="hardware_quantization",
                  show_progress="minimal", **MODEL)
    return tab
