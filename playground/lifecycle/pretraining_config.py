"""A pre-training run's settings: the model sizes, the limits, and `Config` (playground/lifecycle/
pretraining.py runs them). No torch here: the Pre-training tab lays out its controls from these
before the first run imports torch (a fast start, issue 18).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from playground.core import validate
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.lifecycle import corpus

if TYPE_CHECKING:
    from playground.lifecycle.gpt import GPTConfig

# Sizes: "small" is nanoGPT's CPU baby GPT (4 layers, 4 heads, width 128, context 64).
PRESETS = {
    "tiny": {"n_layer": 2, "n_head": 4, "n_embd": 64, "block_size": 32, "batch_size": 16, "lr": 3e-3},
    "small": {"n_layer": 4, "n_head": 4, "n_embd": 128, "block_size": 64, "batch_size": 12, "lr": 1e-3},
}
POSITIONS = ("learned", "rope")
SAMPLE_STEPS = (0, 100, 500, 2000)  # the samples' gallery
SAMPLE_TOKENS = 160         # tokens in a sample (characters, or BPE pieces)
RUN_SECONDS = 90            # one press of Train runs at most this long ...
MAX_STEPS = 5000            # ... or the steps asked for (at most this many)
MAX_LR = 0.1
MAX_PROMPT = 200            # characters
ATTENTION_TOKENS = 24       # tokens of the prompt shown in the attention heatmaps
EVAL_WINDOWS = 16           # fixed validation windows the validation curve is measured on
TRAIN_BUDGET = 0.4          # seconds of training between two frames
STOP_WAIT = 3.0             # seconds Pause (Reset) waits, at most, for a run to end
MAX_HISTORY = 4000
DEFAULT_PROMPTS = {"es": "Y dijo Dios", "en": "And God said", "own": ""}


@dataclass(frozen=True)
class Config:
    corpus: str = "es"          # "es", "en" or "own"
    tokens: str = "char"        # "char" or "bpe"
    size: str = "tiny"
    positions: str = "learned"
    seed: int = 0
    own_key: int = 0            # hash of the visitor's text (a new text: a new model)
    # --- can change between two runs without starting over
    lr: float = 3e-3
    steps: int = 2000
    temperature: float = 0.8
    prompt: str = "Y dijo Dios"

    def structure(self) -> tuple:
        return (self.corpus, self.tokens, self.size, self.positions, self.seed, self.own_key)

    def model_config(self, vocab_size: int) -> GPTConfig:
        from playground.lifecycle.gpt import GPTConfig          # torch: imported on use
        p = PRESETS[self.size]
        return GPTConfig(vocab_size=vocab_size, block_size=p["block_size"], n_layer=p["n_layer"],
                         n_head=p["n_head"], n_embd=p["n_embd"], positions=self.positions)

    @classmethod
    def from_controls(cls, corpus_name, tokens, size, positions, lr, steps, temperature, prompt,
                      seed, lang, own_text: str | None = None) -> Config:
        name = lambda key: t(f"pretraining_{key}", lang)   # noqa: E731 - the control's label
        rate = validate.number(lr, name("lr"), 0, MAX_LR)
        if rate <= 0:
            raise UserError("error_out_of_range", name=name("lr"), low=0, high=MAX_LR, value=lr)
        if not isinstance(prompt, str):
            raise UserError("error_empty_text")
        if len(prompt) > MAX_PROMPT:
            raise UserError("error_text_too_long", length=len(prompt), limit=MAX_PROMPT)
        corpus_name = validate.choice(corpus_name, [*corpus.CORPORA, corpus.OWN], name("corpus"))
        return cls(
            corpus=corpus_name,
            tokens=validate.choice(tokens, list(corpus.TOKENIZERS), name("tokens")),
            size=validate.choice(size, list(PRESETS), name("size")),
            positions=validate.choice(positions, list(POSITIONS), name("positions")),
            seed=validate.integer(seed, name("seed"), 0, 9999),
            own_key=hash(own_text) if corpus_name == corpus.OWN else 0,
            lr=rate,
            steps=validate.integer(steps, name("steps"), 1, MAX_STEPS),
            temperature=validate.number(temperature, name("temperature"), 0.05, 2.0),
            prompt=validate.well_formed(prompt),
        )


CONTEXT_FACTORS = (1, 2, 4)     # the comparison evaluates on contexts this many times the training one
