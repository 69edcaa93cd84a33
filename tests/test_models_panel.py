"""The Models panel: every default backend listed, with figures, in the visitor's language."""
from playground import backends
from playground.lifecycle import models_panel


def test_table_lists_every_default_backend_in_both_languages():
    es, en = models_panel.table("es"), models_panel.table("en")
    assert len(es["data"]) >= len(backends.DEFAULTS)
    assert "Parámetros" in es["headers"] and "Parameters" in en["headers"]
    titles = [row[0] for row in en["data"]]
    assert {"GloVe 6B 50d", "all-MiniLM-L6-v2", "SmolLM2-135M-Instruct"} <= set(titles)


def test_loaded_backend_shows_measured_figures():
    backends.get("glove")
    row = next(r for r in models_panel.table("en")["data"] if r[0] == "GloVe 6B 50d")
    assert row[5] == "400,000"                 # vocabulary
    assert row[8] == "loaded"
    assert row[7].endswith(" s")               # load time measured


def test_models_api(client):
    summary, table = client.predict("es", api_name="/models")
    assert "modelos cargados" in summary
    assert table["headers"][0] == "Modelo"
    assert len(table["data"]) >= 3
