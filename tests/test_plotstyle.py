"""The shared figure style: light JSON for a slider that redraws on every move."""
import json

import gradio as gr
import plotly.io as pio

from playground.core import plotstyle


def test_figures_do_not_carry_plotlys_default_template():
    fig = plotstyle.figure([{"type": "scatter", "x": [1, 2], "y": [3, 4]}], plotstyle.base_layout("t"))
    sent = json.dumps(gr.Plot().postprocess(fig).model_dump())
    default = pio.templates[pio.templates.default].layout.colorway[0]    # '#636efa'
    assert default.lower() not in sent.lower()
    assert len(sent) < 2000


def test_a_figures_own_layout_wins():
    fig = plotstyle.figure([], {**plotstyle.base_layout("t"), "height": 321})
    assert fig.to_plotly_json()["layout"]["height"] == 321


def test_fmt_writes_numbers_as_the_lesson_does():
    assert [plotstyle.fmt(v) for v in (7.0, 6.5, 0.99908895, -0.00001)] == ["7", "6.5", "0.9991", "0"]
