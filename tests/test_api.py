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


# --- Post-training tab (pages/posttraining.py) ---------------------------------------------------

@pytest.fixture
def pt_client(app_url):
    """A client of its own: its own classifiers in gr.State."""
    from gradio_client import Client
    return Client(app_url, verbose=False)


def test_posttraining_train_inspect_classify_stop(pt_client):
    c = pt_client
    with pytest.raises(AppError, match="Train first"):
        c.predict("free prize", "en", api_name="/posttraining_classify")
    outputs = c.submit(["frozen", "top"], 2, 1, 4, "en", api_name="/posttraining_train").result()
    status, table, loss, accuracy = outputs
    assert "Done" in status and "Head on frozen MiniLM" in table and "Fine-tuned top layers" in table
    assert loss["type"] == "plotly" and accuracy["type"] == "plotly"
    _, confusion, embedding_map = c.predict("top", "es", api_name="/posttraining_inspect")
    assert "Matriz de confusión" in str(confusion)
    probs = c.predict("Your parcel was delivered", "en", api_name="/posttraining_classify")
    assert "Your sentence" in str(probs)
    assert "Parado" in c.predict("es", api_name="/posttraining_stop")
    with pytest.raises(AppError, match="Epochs"):
        c.predict(["lora"], 99, 2, 8, "en", api_name="/posttraining_train")
    with pytest.raises(AppError, match="al menos una"):
        c.predict([], 2, 2, 8, "es", api_name="/posttraining_train")
    with pytest.raises(AppError, match="vacío|empty"):
        c.predict("   ", "en", api_name="/posttraining_classify")


def test_posttraining_lora_count_and_test_split(client, app_url):
    from tests.test_bad_input import call_raw, error_message
    text = client.predict(2, 8, "en", api_name="/posttraining_lora_count")
    assert "**24,576**" in text                      # 4 matrices x 8 x (384 + 384)
    rows = client.predict("es", api_name="/posttraining_test_split")["data"]
    assert len(rows) == 32 and {r[1] for r in rows} == {"spam", "trabajo", "personal", "pedidos"}
    kind, data = call_raw(app_url, "/posttraining_lora_count", [2, float("nan"), "en"])
    assert kind == "error" and "LoRA rank" in error_message(data)


def test_posttraining_reward_and_best_of_n(pt_client):
    summary, curve, margins = pt_client.predict("multilingual", "en", api_name="/posttraining_reward_train")
    assert "test pairs correctly" in summary and margins["type"] == "plotly"
    candidates = "Of course! Tell me the first exercise.\nDo it yourself, I am busy."
    scores, best = pt_client.predict("multilingual", "Can you help me with my homework?", candidates,
                                     "en", api_name="/posttraining_best_of_n")
    assert "no. 1" in best and scores["type"] == "plotly"
    with pytest.raises(AppError, match="entre 2 y 8"):
        pt_client.predict("multilingual", "Hola", "solo una", "es", api_name="/posttraining_best_of_n")


def test_posttraining_sample_candidates(client):
    text = client.predict("smollm2", "What is a token?", 2, "en", api_name="/posttraining_sample")
    assert len(text.splitlines()) == 2 and all(line.strip() for line in text.splitlines())


def test_posttraining_prompting_streams_answers_and_shows_the_model_text(client):
    job = client.submit("smollm2", ["zero_shot"], 1, "en", api_name="/posttraining_prompting")
    status, chart, rows = job.result()
    assert "3 answers" in status and chart["type"] == "plotly"
    assert len(rows["data"]) == 3 and {r[5] for r in rows["data"]} <= {"✔", "✘"}
    text = client.predict("smollm2", "arithmetic", "few_shot", "es", api_name="/posttraining_model_text")
    assert "<|im_start|>user" in text and text.count("Pregunta:") == 3
    with pytest.raises(AppError, match="Questions per task"):
        client.predict("smollm2", ["few_shot"], 9, "en", api_name="/posttraining_prompting")
