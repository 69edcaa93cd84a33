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


def test_gemma_is_listed_with_its_terms_in_both_languages():
    row = next(r for r in models_panel.table("en")["data"] if r[0] == "Gemma 3 270M")
    assert row[1] == models_panel.t("models_kind_causal_lm", "en") and row[9] == "Gemma Terms of Use"
    es, en = models_panel.licences("es"), models_panel.licences("en")
    assert "[Gemma Terms of Use](https://ai.google.dev/gemma/terms)" in es and "se usa según" in es
    assert "used under the [Gemma Terms of Use]" in en and "base model" in en


def test_models_licences_api(client):
    for lang, words in (("es", "Licencias"), ("en", "Licences")):
        text = client.predict(lang, api_name="/models_licences")
        assert words in text and "Gemma 3 270M" in text and "ai.google.dev/gemma/terms" in text


def test_all_settled_waits_for_every_default_backend_not_the_hub():
    infos = [{"kind": "encoder", "status": {"state": backends.LOADED}},
             {"kind": "causal_lm", "status": {"state": backends.FAILED}},
             {"kind": "hub", "status": {"state": backends.NOT_LOADED}},
             {"kind": "chat_lm", "optional": True, "status": {"state": backends.NOT_LOADED}}]
    assert models_panel.all_settled(infos)
    infos[0]["status"]["state"] = backends.LOADING
    assert not models_panel.all_settled(infos)


def test_the_pages_polling_timer_stops_at_its_deadline():
    """The page's "load all" holds no worker: each tick answers at once, and the timer stops
    once its deadline (set when the button was pressed) has passed."""
    import time

    from pages import models
    start = time.monotonic()
    summary, table, timer = models.poll(time.monotonic() - 1, "en")
    assert time.monotonic() - start < 1.0
    assert timer.active is False
    assert "models loaded" in summary and table["headers"][0] == "Model"
    assert models.poll(None, "en")[2].active is False            # no deadline: no polling


def test_load_models_api_streams_until_every_default_backend_is_loaded(client):
    """API clients keep `load_models`: one call returns once the default models (all shipped
    offline, MODELS.md) are loaded."""
    summary, table = client.predict("en", api_name="/load_models")
    preloaded = [i for i, b in enumerate(backends.DEFAULTS.values()) if not b.card.get("optional")]
    rows = table["data"][:len(backends.DEFAULTS)]              # defaults first (describe_all)
    assert [rows[i][8] for i in preloaded] == ["loaded"] * len(preloaded)
    assert "models loaded" in summary
