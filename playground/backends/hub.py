"""Optional models from the Hugging Face Hub, for hosts that reach it (a Space).

The host lists the models it allows in the environment variable GENAI_HUB_MODELS,
comma-separated, e.g. "gpt2,distilgpt2,bert-base-uncased". Visitors choose among those
names only: text a visitor types never names a model to download. Offline, or if the
download fails, choosing one raises UserError("error_hub_model_unavailable") and the default
models keep working.

A model whose architecture predicts the next token (…ForCausalLM, …LMHeadModel) loads as
a `causal_lm.CausalLM`; an encoder (BERT and kin) as an `encoder.Encoder`. An entry may
also be a local folder a `from_pretrained` accepts, which is how the tests run this code.
"""
from __future__ import annotations

import os
import threading

from playground.backends.backend import Backend
from playground.core.errors import UserError

ENV_VAR = "GENAI_HUB_MODELS"


def allowed_models() -> tuple[str, ...]:
    """The names the host allows, in its order, read from the environment on each call."""
    names = (n.strip() for n in os.environ.get(ENV_VAR, "").split(","))
    return tuple(dict.fromkeys(n for n in names if n))


def _check_allowed(name: str) -> None:
    if name not in allowed_models():
        raise UserError("error_hub_model_not_allowed", name=name)


def kind_of(config) -> str:
    """'causal_lm' or 'encoder' from a transformers config; UserError if neither."""
    if getattr(config, "is_encoder_decoder", False):
        raise UserError("error_hub_model_unsupported", name=getattr(config, "_name_or_path", "?"))
    architectures = getattr(config, "architectures", None) or []
    if getattr(config, "is_decoder", False) or any(
            a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures):
        return "causal_lm"
    return "encoder"


def load_hub_model(name: str):
    """Download (or read from the local hub cache) and load an allowed model.

    Returns a CausalLM or an Encoder. UserError 'error_hub_model_not_allowed' for a name
    the host did not list; 'error_hub_model_unavailable' if it cannot be fetched or read.
    """
    _check_allowed(name)
    from transformers import AutoConfig

    import playground.backends.causal_lm as causal_lm
    import playground.backends.encoder as encoder

    try:
        config = AutoConfig.from_pretrained(name)  # never trust_remote_code
        if kind_of(config) == "causal_lm":
            return causal_lm.load(name)
        return encoder.load(name)
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - offline, missing, or a broken download
        raise UserError("error_hub_model_unavailable", name=name,
                        reason=f"{type(exc).__name__}: {exc}"[:300]) from exc


# One holder per allowed name, made on first request (a cache of models, shared by all
# visitors; never anything a visitor typed unless the host listed it).
_HOLDERS: dict[str, Backend] = {}
_HOLDERS_LOCK = threading.Lock()


def backend(name: str) -> Backend:
    """The lazy, thread-safe holder of an allowed hub model."""
    _check_allowed(name)
    with _HOLDERS_LOCK:
        if name not in _HOLDERS:
            _HOLDERS[name] = Backend(name, lambda: load_hub_model(name), {
                "title": name, "kind": "hub", "source": f"Hugging Face Hub: {name}",
                "licence": "see the model card"})
        return _HOLDERS[name]


def describe_all() -> list[dict]:
    return [backend(name).info() for name in allowed_models()]
