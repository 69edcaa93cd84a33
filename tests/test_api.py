"""API layer: the real app launched in-process, called through gradio_client."""
import pytest
from gradio_client.exceptions import AppError

NEURON_DEFAULTS = dict(n_inputs=1, x1=3, w1=2, x2=0, w2=0, x3=0, w3=0, bias=1)


def neuron(client, activation, lang="en", **changes):
    args = {**NEURON_DEFAULTS, **changes}
    return client.predict(*args.values(), activation, lang, api_name="/neuron")


def test_neuron_relu_course_example(client):
    steps, curve, plane, numbers = neuron(client, "relu")
    assert numbers["weighted_sum"] == 7
    assert numbers["output"] == 7
    assert numbers["products"] == [6]
    assert "3 · 2 = **6**" in steps


def test_neuron_sigmoid_course_example(client):
    _, _, _, numbers = neuron(client, "sigmoid", lang="es")
    assert round(numbers["output"], 4) == 0.9991


def test_neuron_explains_in_the_asked_language(client):
    assert "Multiplicar" in neuron(client, "relu", lang="es")[0]
    assert "Multiply" in neuron(client, "relu", lang="en")[0]


def test_neuron_three_inputs(client):
    _, _, _, numbers = neuron(client, "linear", n_inputs=3, x2=1, w2=-1, x3=2, w3=0.5)
    assert numbers["weighted_sum"] == pytest.approx(3 * 2 + 1 * -1 + 2 * 0.5 + 1)


def test_neuron_out_of_range_is_a_clear_error_in_the_visitors_language(client):
    with pytest.raises(AppError, match="entre -10"):
        neuron(client, "relu", lang="es", x1=1e6)
    with pytest.raises(AppError, match="between -10"):
        neuron(client, "relu", lang="en", x1=1e6)
