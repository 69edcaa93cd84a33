"""Every string a visitor can read exists in both languages."""
import json
import re

from playground.core import i18n


def test_every_key_has_spanish_and_english():
    for key, texts in i18n.strings().items():
        assert set(texts) == set(i18n.LANGS), key
        assert all(isinstance(v, str) and v.strip() for v in texts.values()), key
        assert "." not in key, f"{key}: dots are read as nesting by the browser's i18n"


def test_placeholders_agree_between_languages():
    for key, texts in i18n.strings().items():
        fields = {lang: set(re.findall(r"{(\w+)}", text)) for lang, text in texts.items()}
        assert fields["es"] == fields["en"], key


def test_no_key_defined_twice_across_files():
    seen = {}
    for path in sorted(i18n.I18N_DIR.glob("*.json")):
        for key in json.loads(path.read_text(encoding="utf-8")):
            assert key not in seen, f"{key} in {path.name} and {seen[key]}"
            seen[key] = path.name


def test_language_normalization():
    assert i18n.normalize("es-MX") == "es"
    assert i18n.normalize("EN_gb") == "en"
    assert i18n.normalize(None) == i18n.DEFAULT_LANG
    assert i18n.t("neuron_input_2", "en") == "Input x2"
