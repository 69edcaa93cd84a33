"""The Network types tab through its API (gradio_client on the shared app): one test per
api_name, answers checked against the library and against torch, errors in both languages."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from torch.nn import functional as F

from playground.networks import convolution as cv
from playground.networks import recurrence as rc


def test_network_types_family(client):
    fig_es = client.predict("es", api_name="/network_types_family")
    fig_en = client.predict("en", api_name="/network_types_family")
    assert "familias" in str(fig_es) and "families" in str(fig_en)


def test_network_types_cnn_shows_an_example_with_its_probabilities(client):
    image, probs, maps = client.predict(9, 1, "en", api_name="/network_types_cnn")
    assert "Ankle boot" in str(image) and "feature maps" in str(maps)
    # the probabilities drawn are the model's on that test image
    images, labels = cv.subset()
    expected = cv.predict("cnn", images[np.flatnonzero(labels == 9)[:1]])[0]
    assert f"{100 * expected.max():.1f} %" in str(probs)
    with pytest.raises(AppError, match="entre 1"):
        client.predict(9, 11, "es", api_name="/network_types_cnn")


def test_network_types_draw_reads_a_drawing(client, tmp_path):
    from PIL import Image
    images, labels = cv.subset()
    trouser = images[np.flatnonzero(labels == 1)[0], 0]
    path = tmp_path / "drawn.png"
    Image.fromarray(np.round(255 - (trouser + 1) * 127.5).astype(np.uint8)).resize((280, 280)).save(path)
    drawn = {"background": None, "layers": [], "composite": handle_file(str(path))}
    image, probs, _ = client.predict(drawn, "es", api_name="/network_types_draw")
    assert "Tu dibujo" in str(image) and "Pantalón" in str(probs)
    blank = tmp_path / "blank.png"
    Image.new("L", (280, 280), 255).save(blank)
    with pytest.raises(AppError, match="empty"):
        client.predict({"background": None, "layers": [], "composite": handle_file(str(blank))}, "en",
                       api_name="/network_types_draw")


def test_network_types_patches(client):
    filters, patches = client.predict("relu2", "en", api_name="/network_types_patches")
    assert "8×8" in str(patches) and "filters" in str(filters)
    with pytest.raises(AppError, match="relu1"):
        client.predict("conv9", "en", api_name="/network_types_patches")


def test_network_types_conv_step_equals_torch(client):
    """The step runs on the client's current image (its session's state): the first T-shirt."""
    client.predict(0, 1, "en", api_name="/network_types_cnn")
    figure, text = client.predict(3, 10, 12, "en", api_name="/network_types_conv_step")
    images, labels = cv.subset()
    x = torch.from_numpy(images[np.flatnonzero(labels == 0)[:1]])
    conv = cv.model("cnn").conv1
    with torch.inference_mode():
        out = F.relu(F.conv2d(x, conv.weight[2:3], conv.bias[2:3], padding=1))[0, 0]
    assert f"max(0, " in text and f"**{float(out[10, 12]):.3f}".rstrip("0").rstrip(".") in text
    assert "ReLU" in text and "pooling" in text
    with pytest.raises(AppError, match="between 0"):
        client.predict(3, 28, 12, "en", api_name="/network_types_conv_step")


def test_network_types_shift(client):
    figure, image, text = client.predict(4, "es", api_name="/network_types_shift")
    curves = cv.shift_accuracy(4)
    assert "desplazadas" in str(figure) and "MLP" in text
    assert f"{100 * curves['mlp'][-1]:.1f} %" in text
    with pytest.raises(AppError, match="entre 0"):
        client.predict(5, "es", api_name="/network_types_shift")


def test_network_types_rnn(client):
    rnn, transformer, text = client.predict("4 1 5 9 2 6", "en", api_name="/network_types_rnn")
    assert "hidden state" in str(rnn) and "every output at once" in str(transformer)
    assert "first digit of 6, which is **4**" in text
    expected = torch.softmax(rc.model("rnn")(torch.tensor([[4, 1, 5, 9, 2, 6]]))[0], 0)
    assert f"RNN answers **{int(expected.argmax())}**" in text
    with pytest.raises(AppError, match="1 al 9"):
        client.predict("1 2 x", "es", api_name="/network_types_rnn")


def test_network_types_measure(client):
    timing, gradient = client.predict("en", api_name="/network_types_measure")
    assert "milliseconds" in str(timing) and "distance" in str(gradient)


def test_network_types_events_survive_bad_input(client, app_url):
    """tests/test_bad_input.py's sweep, on this tab's events only (the full sweep covers all)."""
    from tests.test_bad_input import default_args, endpoints, sweep
    failures = []
    for name, spec in endpoints(client).items():
        if name.startswith("/network_types"):
            params = spec["parameters"]
            failures += sweep(app_url, name, params, default_args(params), slow=False)
    assert not failures, "\n".join(map(str, failures))
