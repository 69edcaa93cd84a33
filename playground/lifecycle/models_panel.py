"""The Models panel: what each shared backend is, in figures a learner can read.

Rows come from `backends.describe_all()` (model cards plus what is measured once loaded);
this module only turns them into a table in the visitor's language.
"""
from __future__ import annotations

from playground import backends
from playground.core.i18n import t

COLUMNS = ("models_col_model", "models_col_kind", "models_col_params", "models_col_layers",
           "models_col_heads", "models_col_vocab", "models_col_memory", "models_col_load",
           "models_col_status", "models_col_licence", "models_col_source")


def _millions(n) -> str:
    return "—" if not n else f"{n / 1e6:,.1f} M"


def _megabytes(n) -> str:
    return "—" if not n else f"{n / 2**20:,.0f} MB"


def status_text(status: dict, lang: str) -> str:
    return t(status["i18n_key"], lang, **status["i18n_values"])


def table(lang: str, infos: list[dict] | None = None) -> dict:
    """{"headers": [...], "data": [[...], ...]} for a gr.Dataframe, one row per backend."""
    rows = []
    for info in infos if infos is not None else backends.describe_all():
        kind = info.get("kind")
        rows.append([
            info.get("title") or info["name"],
            t(f"models_kind_{kind}", lang) if kind else "—",
            _millions(info.get("parameters")),
            info.get("layers") if info.get("layers") is not None else "—",
            info.get("heads") if info.get("heads") is not None else "—",
            f"{info['vocab_size']:,}" if info.get("vocab_size") else "—",
            _megabytes(info.get("bytes_in_memory")),
            f"{info['load_seconds']:.1f} s" if info.get("load_seconds") else "—",
            status_text(info["status"], lang),
            t("models_licence_card", lang) if kind == "hub" else info.get("licence", "—"),
            info.get("source", "—"),
        ])
    return {"headers": [t(c, lang) for c in COLUMNS], "data": rows}


def summary(lang: str, infos: list[dict] | None = None) -> str:
    """One line: how many backends are loaded, and which one is loading now."""
    infos = infos if infos is not None else backends.describe_all()
    loaded = sum(1 for i in infos if i["status"]["state"] == backends.LOADED)
    loading = [f"{i.get('title', i['name'])}: {status_text(i['status'], lang)}"
               for i in infos if i["status"]["state"] == backends.LOADING]
    text = t("models_summary", lang, loaded=loaded, total=len(infos))
    return text + (" · " + " · ".join(loading) if loading else "")


def licences(lang: str, infos: list[dict] | None = None) -> str:
    """Markdown: each default backend whose card links its licence's own terms (Gemma's),
    with the link and what the terms mean for a user of the app."""
    infos = infos if infos is not None else backends.describe_all()
    lines = [t("models_licence_terms", lang, model=i.get("title") or i["name"], licence=i["licence"],
               url=i["licence_url"], about=t(i["about"], lang) if i.get("about") else "")
             for i in infos if i.get("licence_url")]
    return "\n".join([t("models_licences_title", lang), *lines]) if lines else ""


def all_settled(infos: list[dict]) -> bool:
    """Every preloaded backend is loaded or has failed (hub models and optional ones, like
    the chat's Qwen, load only when asked)."""
    return all(i["status"]["state"] in (backends.LOADED, backends.FAILED)
               for i in infos if i.get("kind") != "hub" and not i.get("optional"))
