"""The neuron against torch's activations and the course's worked example."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import special

from playground.networks import neuron
from playground.core.errors import UserError
from playground.core import validate

Z = np.concatenate([np.linspace(-30, 30, 601), [-1e3, -50.0, 0.0, 50.0, 1e3]])
TORCH = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "leaky_relu": F.leaky_relu,
    "linear": lambda z: z,
    "step": lambda z: (z >= 0).to(z.dtype),
}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_activation_matches_torch(name):
    ours = neuron.activate(name, Z)
    ref = TORCH[name](torch.tensor(Z, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_every_activation_has_a_torch_reference():
    assert set(TORCH) == set(neuron.ACTIVATIONS)


def test_course_example():
    """x = 3, w = 2, b = 1: 3 * 2 = 6, 6 + 1 = 7, ReLU(7) = 7, sigmoid(7) ~ 0.9991."""
    relu = neuron.forward([3], [2], 1, "relu")
    assert relu.products == (6.0,)
    assert relu.weighted_sum == 7.0
    assert relu.output == 7.0
    sig = neuron.forward([3], [2], 1, "sigmoid")
    assert round(sig.output, 4) == 0.9991
    assert sig.output == pytest.approx(1 / (1 + math.exp(-7)))


def test_three_inputs_is_a_dot_product_plus_bias():
    x, w, b = [1.0, -2.0, 0.5], [0.8, 0.3, -1.2], 0.2
    r = neuron.forward(x, w, b, "tanh")
    assert r.weighted_sum == pytest.approx(float(np.dot(x, w) + b))
    assert r.output == pytest.approx(math.tanh(np.dot(x, w) + b))


def test_sigmoid_of_a_float_is_a_float_equal_to_scipys_expit():
    """The course's one sigmoid: backprop's hand-worked step calls it on plain floats."""
    for z in (-1e4, -745.0, -7.0, -1e-9, 0.0, 0.3775, 7.0, 40.0, 1e4):
        value = neuron.sigmoid(z)
        assert type(value) is float
        assert value == pytest.approx(special.expit(z), rel=1e-15, abs=1e-300)
    assert round(neuron.sigmoid(3 * 2 + 1), 4) == 0.9991          # x = 3, w = 2, b = 1


def test_sigmoid_is_in_open_unit_interval_and_monotone():
    s = neuron.activate("sigmoid", np.linspace(-20, 20, 2001))
    assert np.all(s > 0) and np.all(s < 1)
    assert np.all(np.diff(s) > 0)
    # no overflow warnings at the extremes
    with np.errstate(over="raise"):
        assert neuron.activate("sigmoid", np.array([-1e4, 1e4])).tolist() == [0.0, 1.0]


def test_monotone_activations():
    z = np.linspace(-10, 10, 1001)
    for name in ("relu", "tanh", "leaky_relu", "linear", "step"):
        assert np.all(np.diff(neuron.activate(name, z)) >= 0), name


def test_plane_matches_forward_and_boundary_is_zero_sum():
    w1, w2, b = 1.5, -0.5, 0.3
    xs, ys, out = neuron.output_grid(w1, w2, b, "sigmoid", extent=5, n=11)
    # row i is x2 = ys[i], column j is x1 = xs[j]
    assert out[2, 7] == pytest.approx(neuron.forward([xs[7], ys[2]], [w1, w2], b, "sigmoid").output)
    x1, x2 = neuron.boundary_line(w1, w2, b)
    np.testing.assert_allclose(w1 * x1 + w2 * x2 + b, 0, atol=1e-12)
    vx, vy = neuron.boundary_line(2.0, 0.0, 1.0)          # vertical line x1 = -0.5
    assert list(vx) == [-0.5, -0.5]
    assert neuron.boundary_line(0.0, 0.0, 1.0) is None


def test_explanation_shows_the_lesson_numbers_in_both_languages():
    r = neuron.forward([3], [2], 1, "relu")
    es, en = neuron.explain(r, "es"), neuron.explain(r, "en")
    for text in (es, en):
        assert "3 · 2 = **6**" in text and "6 + 1 = **7**" in text and "ReLU(7) = **7**" in text
        assert "0.9991" in text
    assert "Multiplicar" in es and "Multiply" in en


def test_figures_are_labelled_in_the_visitors_language():
    r = neuron.forward([3], [2], 1, "sigmoid")
    es = neuron.curve_figure(r, "es")
    en = neuron.curve_figure(r, "en")
    assert "suma ponderada" in es.layout.xaxis.title.text
    assert "weighted sum" in en.layout.xaxis.title.text
    assert "0.9991" in en.layout.title.text
    plane = neuron.plane_figure(r, "es")
    assert plane.layout.height and "entrada x1" == plane.layout.xaxis.title.text


def test_bad_numbers_are_user_errors():
    for bad in (float("nan"), float("inf"), "abc", None, True):
        with pytest.raises(UserError):
            validate.number(bad, "x1")
    with pytest.raises(UserError):
        validate.number(1e9, "x1", -10, 10)
    with pytest.raises(ValueError):
        neuron.forward([float("nan")], [1], 0)
