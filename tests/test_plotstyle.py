"""The shared figure style: light JSON for a slider that redraws on every move."""
import base64
import json

import gradio as gr
import numpy as np
import plotly.io as pio
import pytest
from _plotly_utils.utils import to_typed_array_spec

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
    assert [plotstyle.fmt(v, 0) for v in (60, 100, 0.4)] == ["60", "100", "0"]   # no zero stripped from a whole number


@pytest.mark.parametrize("values, dtype", [
    (np.linspace(-3, 3, 60, dtype=np.float64).reshape(6, 10), "float32"),   # a heatmap's z
    (np.arange(256), "uint8"),
    (np.array([0.1, -2.5, 1e30]), "float64"),
    (np.array([[-7, 300], [12, -32768]]), "int16")])
def test_typed_array_decodes_back_to_the_array(values, dtype):
    spec = plotstyle.typed_array(values, dtype)
    shape = tuple(int(n) for n in spec["shape"].split(","))
    decoded = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<" + spec["dtype"]).reshape(shape)
    np.testing.assert_array_equal(decoded, values.astype(dtype))
    # plotly.py sends a numpy array of that dtype as the same spec (what plotly.js decodes)
    theirs = to_typed_array_spec(values.astype(dtype))
    assert (spec["dtype"], spec["bdata"]) == (theirs["dtype"], theirs["bdata"])
    assert spec["shape"] == theirs.get("shape", str(len(values)))


def test_typed_array_refuses_what_plotly_js_cannot_decode():
    with pytest.raises(ValueError):
        plotstyle.typed_array([1, 2], "int64")
    with pytest.raises(ValueError):
        plotstyle.typed_array(np.zeros((2, 2, 2, 2)))


def test_a_typed_array_figure_is_sent_as_built():
    z = np.array([[0.0, 0.5], [0.25, 1.0]])
    fig = plotstyle.figure([{"type": "heatmap", "z": plotstyle.typed_array(z)}],
                           plotstyle.base_layout("t"))
    sent = gr.Plot().postprocess(fig).model_dump()
    trace = json.loads(sent["plot"])["data"][0]
    assert trace["z"] == plotstyle.typed_array(z)
