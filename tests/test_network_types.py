"""The Network types tab's library: the shipped CNN and MLP (playground/networks/convolution.py),
the RNN and the transformer (recurrence.py), checked against torch and against known facts."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from playground.core.errors import UserError
from playground.networks import convolution as cv
from playground.networks import convolution_figures as cvf
from playground.networks import family
from playground.networks import recurrence as rc
from playground.networks import recurrence_figures as rcf

DEBIAN = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="module")
def image():
    images, labels = cv.subset()
    return images[np.flatnonzero(labels == 9)[0], 0]          # an ankle boot


# --- the CNN ------------------------------------------------------------------------------

def test_feature_maps_equal_the_models_intermediate_outputs(image):
    net = cv.model("cnn")
    seen_by_hooks = {}
    handles = [getattr(net, name).register_forward_hook(
        lambda _m, _i, out, name=name: seen_by_hooks.__setitem__(name, out[0].detach().numpy()))
        for name in cv.MAP_LAYERS]
    try:
        with torch.inference_mode():
            logits = net(torch.from_numpy(image[None, None]))
    finally:
        for h in handles:
            h.remove()
    seen = cv.feature_maps(image)
    assert list(seen.maps) == cv.MAP_LAYERS
    for name in cv.MAP_LAYERS:
        np.testing.assert_allclose(seen.maps[name], seen_by_hooks[name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(seen.probabilities, torch.softmax(logits[0], 0).numpy(), rtol=1e-5)
    assert seen.maps["conv1"].shape == (8, 28, 28) and seen.maps["pool2"].shape == (16, 7, 7)


@pytest.mark.parametrize("channel,row,col", [(0, 14, 14), (3, 0, 0), (7, 27, 27), (5, 9, 20), (2, 27, 0)])
def test_convolution_step_equals_torch_conv2d_and_max_pool2d(image, channel, row, col):
    conv = cv.model("cnn").conv1
    x = torch.from_numpy(image[None, None])
    with torch.inference_mode():
        out = F.conv2d(x, conv.weight[channel:channel + 1], conv.bias[channel:channel + 1], padding=1)[0, 0]
        pooled = F.max_pool2d(F.relu(out)[None, None], 2)[0, 0]
    step = cv.conv_step(image, channel, row, col)
    np.testing.assert_allclose(step.products, step.patch * step.kernel)
    assert step.total == pytest.approx(step.products.sum())
    assert step.pre == pytest.approx(float(out[row, col]), abs=1e-5)
    assert step.relu == pytest.approx(max(0.0, float(out[row, col])), abs=1e-5)
    assert step.pooled == pytest.approx(float(pooled[row // 2, col // 2]), abs=1e-5)
    np.testing.assert_allclose(step.kernel, conv.weight[channel, 0].detach().numpy(), rtol=1e-6)


def test_the_cnn_is_accurate_on_the_shipped_test_subset_and_beats_the_mlp():
    images, labels = cv.subset()
    assert len(labels) == cv.SUBSET
    cnn = (cv.predict("cnn", images).argmax(1) == labels).mean()
    mlp = (cv.predict("mlp", images).argmax(1) == labels).mean()
    assert cnn > 0.85, cnn
    assert mlp > 0.78, mlp
    metrics = cv.metrics()
    assert metrics["cnn"]["test_accuracy"] > 0.85 and metrics["cnn"]["test_accuracy"] > metrics["mlp"]["test_accuracy"]


def test_the_mlp_has_at_least_as_many_parameters_as_the_cnn():
    cnn, mlp = (cv.n_parameters(cv.model(k)) for k in ("cnn", "mlp"))
    assert (cnn, mlp) == (80 + 1168 + 7850, 784 * 16 + 16 + 170)
    assert mlp >= cnn
    assert cv.metrics()["cnn"]["parameters"] == cnn and cv.metrics()["mlp"]["parameters"] == mlp


@pytest.mark.skipif(not DEBIAN.exists(), reason="Debian's dataset-fashion-mnist is not installed")
def test_the_shipped_subset_is_the_start_of_fashion_mnists_test_set():
    import gzip
    raw = np.frombuffer(gzip.open(DEBIAN / "t10k-images-idx3-ubyte.gz").read(), np.uint8, offset=16)
    labels = np.frombuffer(gzip.open(DEBIAN / "t10k-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)
    images, sub_labels = cv.subset()
    np.testing.assert_array_equal(sub_labels, labels[:cv.SUBSET])
    np.testing.assert_allclose((images[:, 0] + 1) * 127.5, raw[:cv.SUBSET * 784].reshape(-1, 28, 28), atol=1e-3)


@pytest.mark.parametrize("layer", ["conv1", "pool1", "relu2", "pool2"])
def test_receptive_field_is_where_the_gradient_of_one_activation_is_nonzero(image, layer):
    """Autograd says which input pixels one position depends on: exactly the crop."""
    size, jump, start = cv.receptive_field(layer)
    net = cv.model("cnn")
    x = torch.from_numpy(image[None, None]).clone().requires_grad_(True)
    h = x
    for name in cv.MAP_LAYERS[:cv.MAP_LAYERS.index(layer) + 1]:
        h = getattr(net, name)(h)
    r = c = h.shape[-1] // 2
    h[0, :, r, c].sum().backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    assert rows.min() >= start + r * jump and rows.max() <= start + r * jump + size - 1
    assert cols.min() >= start + c * jump and cols.max() <= start + c * jump + size - 1
    if layer == "conv1":                                  # no ReLU in between: every pixel counts
        assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (3, 3)


def test_top_patches_are_the_strongest_activations_and_their_crops():
    crops, values = cv.top_patches("relu1", 2, k=5)
    acts = cv._subset_maps()["relu1"][:, 2]
    per_image = acts.reshape(len(acts), -1).max(1)
    np.testing.assert_allclose(values, np.sort(per_image)[::-1][:5], rtol=1e-6)
    i = int(np.argmax(per_image))
    r, c = np.unravel_index(acts[i].argmax(), acts[i].shape)
    padded = np.pad(cv.subset()[0][i, 0], 1, constant_values=-1)
    np.testing.assert_array_equal(crops[0], padded[r:r + 3, c:c + 3])
    deep, _ = cv.top_patches("pool2", 0, k=3)
    assert deep.shape == (3, 10, 10)


def test_shift_moves_pixels_and_fills_with_background():
    images = np.arange(2 * 28 * 28, dtype=np.float32).reshape(2, 1, 28, 28)
    moved = cv.shift(images, 1, 3)
    np.testing.assert_array_equal(moved[..., 1:, 3:], images[..., :-1, :-3])
    assert (moved[..., :1, :] == -1).all() and (moved[..., :, :3] == -1).all()
    np.testing.assert_array_equal(cv.shift(images, 0, -2)[..., :-2], images[..., 2:])


def test_a_shift_hurts_the_dense_network_more_than_the_cnn():
    curves = cv.shift_accuracy(4)
    images, labels = cv.subset()
    assert curves["cnn"][0] == pytest.approx((cv.predict("cnn", images).argmax(1) == labels).mean())
    assert curves["mlp"][4] < curves["mlp"][0] - 0.15
    assert curves["cnn"][4] > curves["mlp"][4]


def test_a_test_image_drawn_on_the_sketchpad_is_read_as_that_image():
    """A test image rendered as a drawing (dark on white, 280x280) comes back as the same class."""
    from PIL import Image
    images, labels = cv.subset()
    agree = 0
    for img in images[:20, 0]:
        big = Image.fromarray(np.round(255 - (img + 1) * 127.5).astype(np.uint8)).resize((280, 280))
        back = cv.from_drawing(np.asarray(big))
        assert back.shape == (28, 28) and back.min() >= -1 and back.max() <= 1
        agree += cv.predict("cnn", back[None, None]).argmax() == cv.predict("cnn", img[None, None]).argmax()
    assert agree >= 15


@pytest.mark.parametrize("drawing", [np.full((280, 280), 255), np.full((280, 280), np.nan), np.zeros((3, 3))])
def test_an_empty_or_broken_drawing_is_a_user_error(drawing):
    with pytest.raises(UserError, match="nt_empty_drawing"):
        cv.from_drawing(drawing)


def test_figures_are_titled_in_the_visitors_language(image):
    seen = cv.feature_maps(image)
    assert "capa" in cvf.maps_figure(seen, "es").layout.title.text.lower()
    assert "layer" in cvf.maps_figure(seen, "en").layout.title.text.lower()
    step = cv.conv_step(image, 0, 5, 5)
    assert "ReLU" in cvf.step_text(step, "en") and "sesgo" in cvf.step_text(step, "es")
    assert "filtros" in cvf.filters_figure(*cv.filters(), "es").layout.title.text
    assert family.figure("en").layout.title.text != family.figure("es").layout.title.text


def test_the_family_maps_parameter_counts_come_from_the_modules():
    counts = {k: sum(p.numel() for p in m.parameters()) for k, m in family.modules().items()}
    assert counts["perceptron"] == 3 + 1                 # three weights and a bias
    assert counts["dense"] == (3 * 4 + 4) + (4 * 4 + 4) + (4 * 2 + 2)


# --- recurrent against transformer ------------------------------------------------------------

def test_the_hand_stepped_rnn_equals_torch_nn_rnn():
    net = rc.model("rnn")
    tokens = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    with torch.inference_mode():
        reference, last = net.rnn(net.embed(torch.tensor([tokens])))
    states = rc.hidden_states(tokens, net)
    np.testing.assert_allclose(states, reference[0].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[-1], last[0, 0].numpy(), rtol=1e-5, atol=1e-6)


def test_both_models_learned_the_task():
    assert rc.accuracy(rc.model("rnn")) > 0.8          # chance: 1 in 9
    assert rc.accuracy(rc.model("transformer")) > 0.9
    r = rc.read([7, 3, 5, 2, 8, 1, 4, 6, 9, 2])
    assert r["rnn_states"].shape == (10, rc.HIDDEN) and r["transformer_states"].shape == (10, 32)
    np.testing.assert_allclose(r["attention"].sum(1), 1, rtol=1e-5)     # each head's weights sum to 1


def test_the_rnns_gradient_vanishes_with_distance_and_attentions_does_not():
    rnn = rc.gradient_by_distance("rnn", length=60, seed=0)
    transformer = rc.gradient_by_distance("transformer", length=60, seed=0)
    far = [0, 5, 10, 20, 40]
    assert all(rnn[a] > rnn[b] for a, b in zip(far, far[1:])), rnn[far]
    assert rnn[40] < 1e-3 * rnn[0]
    assert transformer[40] > 1e-3 * transformer[0]
    assert transformer[59] > 100 * rnn[59]


def test_an_untrained_rnn_on_a_fixed_seed_also_vanishes():
    torch.manual_seed(0)
    net = rc.RNN()
    g = rc.gradient_by_distance("rnn", length=40, seed=3, net=net)
    assert g[0] > g[5] > g[10] > g[20] > g[39]


def test_timings_measure_every_length_for_the_three_ways():
    out = rc.timings(lengths=(8, 16), repeats=1)
    for kind in ("rnn_loop", "rnn_torch", "transformer"):
        assert out[kind].shape == (2,) and (out[kind] > 0).all()
    assert "milliseconds" in rcf.timing_figure(out, "en").layout.yaxis.title.text


@pytest.mark.parametrize("text,key", [("", "nt_sequence_empty"), ("   ", "nt_sequence_empty"),
                                      ("1", "nt_sequence_length"), ("1 2 0", "nt_sequence_digits"),
                                      ("🤖🧠", "nt_sequence_digits"), ("1" * 100_000, "nt_sequence_length"),
                                      (None, "nt_sequence_empty")])
def test_bad_sequences_are_user_errors(text, key):
    with pytest.raises(UserError, match=key):
        rc.parse(text)


def test_metrics_file_says_how_it_was_made():
    data = json.loads(cv.METRICS_FILE.read_text(encoding="utf-8"))
    assert "train_network_types.py" in data["_how_made"]
