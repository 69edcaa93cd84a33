"""The checkpoints "what 10 minutes of training writes": the Pre-training tab's small GPT,
trained longer by scripts/train_pretraining.py and committed as float16 safetensors
(assets/weights/pretraining_<corpus>.safetensors, about 1.7 MB each).

The metadata inside each file holds the run's settings, its steps and losses, and the
character vocabulary, which must equal the one rebuilt from the corpus (a check, not a trust).
"""
from __future__ import annotations

import json
from dataclasses import asdict, replace

import torch

from playground.core.paths import ASSETS
from playground.lifecycle import corpus, pretraining

CHECKPOINTS = ("es", "en")


def path(name: str):
    return ASSETS / "weights" / f"pretraining_{name}.safetensors"


def save(session: pretraining.Session, name: str, extra: dict) -> None:
    from safetensors.torch import save_file
    tensors = {k: v.detach().to(torch.float16).contiguous()
               for k, v in session.model.state_dict().items() if k != "lm_head.weight"}  # tied
    meta = {"config": json.dumps(asdict(session.config)), "step": str(session.step),
            "vocab": json.dumps(session.data.tokenizer.chars, ensure_ascii=False),
            "history": json.dumps(session.history), "samples": json.dumps(session.samples),
            **{k: str(v) for k, v in extra.items()}}
    save_file(tensors, str(path(name)), metadata=meta)


def available() -> list[str]:
    return [name for name in CHECKPOINTS if path(name).exists()]


def load(name: str, temperature: float | None = None, prompt: str | None = None) -> pretraining.Session:
    """A new Session holding the checkpoint's model, its history and its samples."""
    from safetensors import safe_open
    if name not in CHECKPOINTS or not path(name).exists():
        raise ValueError(f"no checkpoint {name!r}")
    with safe_open(str(path(name)), "pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k).to(torch.float32) for k in f.keys()}
    config = pretraining.Config(**json.loads(meta["config"]))
    config = replace(config, temperature=config.temperature if temperature is None else temperature,
                     prompt=config.prompt if prompt is None else prompt)
    data = corpus.builtin(config.corpus, config.tokens)
    if json.loads(meta["vocab"]) != data.tokenizer.chars:
        raise ValueError(f"checkpoint {name!r}: its vocabulary is not the corpus's")
    session = pretraining.Session(config, data)
    tensors["lm_head.weight"] = tensors["wte.weight"]
    session.model.load_state_dict(tensors)
    session.step = int(meta["step"])
    session.history = {k: list(v) for k, v in json.loads(meta["history"]).items()}
    session.samples = {int(k): v for k, v in json.loads(meta["samples"]).items()}
    session.samples[session.step] = session.sample()
    return session
