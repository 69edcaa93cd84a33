"""Both languages: every string a visitor reads, in Spanish and English.

Strings live as data in `assets/i18n/*.json`, one file per topic, each mapping a key to
{"es": ..., "en": ...}. The app hands them to `gr.I18n` for static labels; Python code that
computes text (explanations, plot titles, error messages) calls `t(key, lang, **values)`.
Keys use underscores only (the browser's i18n library reads dots as nesting).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from playground.core.paths import ASSETS

LANGS = ("es", "en")
DEFAULT_LANG = "es"
I18N_DIR = ASSETS / "i18n"


@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    """All keys -> {lang: text}, read once from assets/i18n (read-only afterwards)."""
    table: dict[str, dict[str, str]] = {}
    for path in sorted(I18N_DIR.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in table:
                raise ValueError(f"{path.name}: key {key!r} is defined twice")
            table[key] = texts
    return table


def by_language() -> dict[str, dict[str, str]]:
    """{lang: {key: text}}, the shape gr.I18n(**...) takes."""
    return {lang: {k: v[lang] for k, v in strings().items()} for lang in LANGS}


def normalize(lang: str | None) -> str:
    """'es-MX', 'ES', 'en_GB' -> 'es' / 'en'; anything else -> the default language."""
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGS else DEFAULT_LANG


def t(key: str, lang: str | None, **values) -> str:
    """The text for `key` in `lang`, with {placeholders} filled from `values`."""
    text = strings()[key][normalize(lang)]
    return text.format(**values) if values else text
