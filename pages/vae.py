"""The VAE tab: a two-dimensional latent plane you can walk on."""
from __future__ import annotations

import gradio as gr

from playground.core import deferred, validate
from playground.images import vae
from pages.common import I18N, LIGHT, Slider, guard

TAB_ID = "vae"


@guard
def decode(z1, z2, lang):
    """Handler of `vae_decode`: the image decoded at (z1, z2), marked on the codes' scatter."""
    z1 = validate.number(z1, "z1", -vae.EXTENT, vae.EXTENT)
    z2 = validate.number(z2, "z2", -vae.EXTENT, vae.EXTENT)
    return vae.decoded_figure(z1, z2, lang), vae.scatter_figure(z1, z2, lang)


@guard
def overview(lang):
    """Handler of `vae_overview`: the decoded grid, reconstructions and the test error."""
    return vae.grid_figure(lang), vae.reconstruction_figure(lang), vae.explain(lang)


def build(lang: gr.Component) -> gr.Tab:
    extent = deferred.constant("playground.images.vae", "EXTENT")     # vae.EXTENT, unrun
    with gr.Tab(I18N("tab_vae"), id=TAB_ID, elem_id=f"tab-{TAB_ID}") as tab:
        gr.Markdown(I18N("vae_lesson"))
        with gr.Row():
            with gr.Column(scale=3):
                scatter = gr.Plot(None, elem_id="vae-scatter", show_label=False)
            with gr.Column(scale=2, min_width=300):
                z1 = Slider(-extent, extent, value=0.0, step=0.05, label=I18N("vae_z1"),
                            elem_id="vae-z1")
                z2 = Slider(-extent, extent, value=0.0, step=0.05, label=I18N("vae_z2"),
                            elem_id="vae-z2")
                decoded = gr.Plot(None, elem_id="vae-decoded", show_label=False)
        with gr.Row():
            with gr.Column(scale=3):
                grid = gr.Plot(None, elem_id="vae-grid", show_label=False)
            with gr.Column(scale=2):
                recon = gr.Plot(None, elem_id="vae-recon", show_label=False)
                numbers = gr.Markdown("", elem_id="vae-numbers")
        gr.on([z1.change, z2.change, lang.change, tab.select], decode, [z1, z2, lang],
              [decoded, scatter], api_name="vae_decode", trigger_mode="always_last",
              show_progress="hidden", **LIGHT)
        gr.on([tab.select, lang.change], overview, [lang], [grid, recon, numbers],
              api_name="vae_overview", show_progress="hidden", **LIGHT)
    return tab
