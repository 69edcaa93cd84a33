"""Classification fine-tuning: a pre-trained encoder adapted to sort inbox messages.

The course's second kind of fine-tuning (the first is instruction tuning): a pre-trained
model plus a small labelled set becomes a classifier (spam, work, personal, orders).
Four ways, side by side, on the same fixed held-out test split
(assets/posttraining/messages.json, written by the team in Spanish and English):

- "frozen":       a linear head on all-MiniLM-L6-v2's sentence embeddings; the encoder
                  does not change (logistic regression on features).
- "multilingual": the same head on the Universal Sentence Encoder multilingual's
                  embeddings (MiniLM learned English; this one also reads Spanish).
- "top":          MiniLM's top `top_layers` transformer layers are trained too
                  (Howard & Ruder 2018, ULMFiT; Devlin et al. 2018, BERT fine-tuning).
- "lora":         the same top layers stay frozen; LoRA (Hu et al. 2021) adds, beside each
                  query and value matrix W (d x k), a product B A of rank r (B: d x r,
                  A: r x k, B starts at zero), so W x becomes W x + (alpha / r) B A x and
                  only r (d + k) numbers per matrix train. Built with `peft`.

The lower layers are frozen in every variant, so their output is computed once for the
whole set (`Features`) and only the top layers run while training. A visitor's copies of
the top layers (a few MB) live in their `Session` (gr.State); the shared MiniLM is only
read. `Session.train` yields a `Frame` after every epoch; a run stops after RUN_SECONDS.
"""
from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from playground import backends
from playground.backends.compute import COMPUTE_LOCK
from playground.core import pacing
from playground.core.paths import ASSETS

DATA = ASSETS / "posttraining" / "messages.json"
VARIANTS = ("frozen", "multilingual", "top", "lora")
ENCODER = "minilm"
SENTENCE_ENCODER = "multilingual"
RUN_SECONDS = 90        # one press of Train: every chosen variant, at most this long
MAX_EPOCHS = 30
MAX_RANK = 64
MAX_TOP_LAYERS = 3
BATCH = 16
LR = {"head": 5e-2, "top": 3e-4, "lora": 5e-3}   # Adam's, tried on this set: bench_posttraining


@dataclass(frozen=True)
class Messages:
    labels: tuple[str, ...]
    train_texts: tuple[str, ...]
    train_y: np.ndarray             # (N_train,) label index
    test_texts: tuple[str, ...]
    test_y: np.ndarray              # (N_test,)


@lru_cache(maxsize=2)
def messages(lang: str) -> Messages:
    """The labelled set in `lang` ("es" / "en"), split as the file says."""
    doc = json.loads(DATA.read_text(encoding="utf-8"))
    labels = tuple(doc["labels"])
    parts = {"train": ([], []), "test": ([], [])}
    for item in doc["items"]:
        texts, ys = parts[item["split"]]
        texts.append(item[lang])
        ys.append(labels.index(item["label"]))
    (a, ay), (b, by) = parts["train"], parts["test"]
    return Messages(labels, tuple(a), np.array(ay), tuple(b), np.array(by))


@dataclass(frozen=True)
class Config:
    lang: str = "en"                        # the messages' language
    variants: tuple[str, ...] = VARIANTS
    epochs: int = 12
    rank: int = 8                           # LoRA's r
    top_layers: int = 2                     # how many of MiniLM's 6 layers "top" and "lora" adapt
    seed: int = 0


def lora_parameters(rank: int, shapes) -> int:
    """Trainable numbers LoRA adds: r (d + k) for each adapted d x k matrix in `shapes`."""
    return sum(rank * (d + k) for d, k in shapes)


# --- the frozen part, computed once -------------------------------------------------------

def lower_layers(encoder, texts, keep: int):
    """(hidden after the first `keep` layers (N, T, D), mask (N, T)) for `texts`, padded to
    the longest; the shared model is only read."""
    import torch
    from playground.backends.encoder import MAX_TOKENS
    from playground.lifecycle.classification_nets import additive_mask

    with encoder.tokenizer_lock:
        batch = encoder.tokenizer(list(texts), return_tensors="pt", padding=True,
                                  truncation=True, max_length=MAX_TOKENS)
    model = encoder.model
    with COMPUTE_LOCK, torch.inference_mode():
        hidden = model.embeddings(input_ids=batch["input_ids"],
                                  token_type_ids=batch.get("token_type_ids"))
        extended = additive_mask(batch["attention_mask"])
        for layer in model.encoder.layer[:keep]:
            hidden = layer(hidden, extended)
    return hidden.clone(), batch["attention_mask"].clone()


@dataclass(frozen=True)
class Features:
    """What the frozen layers give, for the train and test texts (read-only)."""
    train_hidden: object        # (N, T, D) torch tensor: input of the top layers
    train_mask: object
    test_hidden: object
    test_mask: object
    frozen: dict                # variant -> (train embeddings, test embeddings), numpy


@lru_cache(maxsize=4)
def features(lang: str, top_layers: int) -> Features:
    """Computed once per language and split point, shared by every visitor (never changed)."""
    data = messages(lang)
    encoder = backends.get(ENCODER)
    keep = encoder.model.config.num_hidden_layers - top_layers
    train = lower_layers(encoder, data.train_texts, keep)
    test = lower_layers(encoder, data.test_texts, keep)
    multi = backends.get(SENTENCE_ENCODER)
    frozen = {"frozen": (encoder.embed(list(data.train_texts)), encoder.embed(list(data.test_texts))),
              "multilingual": (multi.embed(list(data.train_texts)), multi.embed(list(data.test_texts)))}
    return Features(*train, *test, frozen)


# --- the trainable part ---------------------------------------------------------------------

def build_top(variant: str, top_layers: int, rank: int, n_labels: int, seed: int):
    """(model, trainable parameter count without the head). The model maps the input of the
    top layers (and its mask) to (logits, embedding); a head alone for the frozen variants."""
    import torch
    from torch import nn
    from playground.lifecycle.classification_nets import Classifier, Head, TopLayers

    torch.manual_seed(seed)
    if variant in ("frozen", "multilingual"):
        dim = 512 if variant == "multilingual" else backends.get(ENCODER).model.config.hidden_size
        return Head(nn.Linear(dim, n_labels)), 0
    encoder = backends.get(ENCODER)
    layers = copy.deepcopy(encoder.model.encoder.layer[-top_layers:])   # this visitor's copy
    stack = TopLayers(layers)
    if variant == "top":
        count = sum(p.numel() for p in stack.parameters())
    else:
        from peft import LoraConfig, get_peft_model
        for p in stack.parameters():
            p.requires_grad_(False)
        config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0,
                            target_modules=["query", "value"])
        stack = get_peft_model(stack, config)
        shapes = [(m.out_features, m.in_features) for layer in layers
                  for m in (layer.attention.self.query, layer.attention.self.value)]
        count = lora_parameters(rank, shapes)
    head = nn.Linear(encoder.model.config.hidden_size, n_labels)
    return Classifier(stack, head), count


# --- one visitor's run ------------------------------------------------------------------------

@dataclass
class Result:
    """One variant's run: its curves, cost and what it predicts on the test split."""
    variant: str
    trainable: int                  # parameters trained, head included
    adapted: int                    # of which in the encoder (0 for a head alone)
    steps: list = field(default_factory=list)       # (step, train loss)
    epochs: list = field(default_factory=list)      # (epoch, test accuracy)
    seconds: float = 0.0
    accuracy: float = 0.0
    predictions: np.ndarray | None = None           # (N_test,)
    embeddings: np.ndarray | None = None            # (N_test, D) after training
    done: bool = False
    model: object = None


@dataclass
class Frame:
    results: dict                   # variant -> Result (the ones trained so far)
    current: str | None
    seconds: float
    stopped: str | None = None      # "done", "seconds" or None while running


class Session(pacing.LiveRun):
    """One visitor's classifiers, trained one after the other, and their results."""

    def __init__(self, config: Config):
        self.config = config
        self.data = messages(config.lang)
        self.results: dict[str, Result] = {}
        super().__init__()                      # run, idle, pacer, stop

    def inputs(self, variant: str, split: str):
        """(inputs, mask) of the train or test split for `variant`'s model."""
        import torch
        f = features(self.config.lang, self.config.top_layers)
        if variant in ("frozen", "multilingual"):
            return torch.from_numpy(f.frozen[variant][split == "test"]), None
        return (f.test_hidden, f.test_mask) if split == "test" else (f.train_hidden, f.train_mask)

    def evaluate(self, result: Result) -> None:
        import torch
        x, mask = self.inputs(result.variant, "test")
        result.model.eval()
        with torch.no_grad():
            logits, embedding = result.model(x, mask)
        result.predictions = logits.argmax(1).numpy()
        result.accuracy = float((result.predictions == self.data.test_y).mean())
        result.embeddings = embedding.numpy()

    def train(self, max_seconds: float = RUN_SECONDS, frame_seconds: float | None = None):
        """Train every chosen variant in turn, yielding a Frame after each epoch."""
        frame_seconds = pacing.frame_seconds() if frame_seconds is None else frame_seconds
        run = self.begin()
        start = time.monotonic()
        try:
            for variant in self.config.variants:
                for stopped in self._train_variant(variant, run, start, max_seconds):
                    self.pacer.wait(frame_seconds, stopped=lambda: self.run != run)
                    if self.run != run:
                        return
                    yield Frame(dict(self.results), variant, time.monotonic() - start, stopped)
                    if stopped:
                        return
                if self.run != run:
                    return
            yield Frame(dict(self.results), None, time.monotonic() - start, "done")
        finally:
            self.end()

    def _train_variant(self, variant, run, start, max_seconds):
        """Yields None after each epoch, "seconds" when the run's time is up."""
        import torch

        c = self.config
        x, mask = self.inputs(variant, "train")
        y = torch.from_numpy(self.data.train_y)
        model, adapted = build_top(variant, c.top_layers, c.rank, len(self.data.labels), c.seed)
        trainable = [p for p in model.parameters() if p.requires_grad]
        result = self.results[variant] = Result(variant, sum(p.numel() for p in trainable),
                                                adapted, model=model)
        groups = [{"params": list(model.head.parameters()), "lr": LR["head"]}]
        body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head")]
        if body:
            groups.append({"params": body, "lr": LR["lora" if variant == "lora" else "top"]})
        optimizer = torch.optim.Adam(groups)
        generator = torch.Generator().manual_seed(c.seed)
        self.evaluate(result)
        result.epochs.append((0, result.accuracy))
        step = 0
        for epoch in range(1, c.epochs + 1):
            began = time.monotonic()
            model.train()
            for batch in torch.randperm(len(y), generator=generator).split(BATCH):
                if self.run != run:
                    return
                with COMPUTE_LOCK:      # one step at a time beside the other tabs' passes
                    logits, _ = model(x[batch], None if mask is None else mask[batch])  # 1. forward
                    loss = torch.nn.functional.cross_entropy(logits, y[batch])         # 2. loss
                    optimizer.zero_grad()
                    loss.backward()                                                    # 3. gradients
                    optimizer.step()                                                   # 4. update
                step += 1
                result.steps.append((step, loss.item()))
            result.seconds += time.monotonic() - began
            self.evaluate(result)
            result.epochs.append((epoch, result.accuracy))
            result.done = epoch == c.epochs
            yield "seconds" if time.monotonic() - start > max_seconds and not result.done else None

    def classify(self, text: str) -> dict[str, np.ndarray]:
        """The visitor's sentence through every trained variant: variant -> probabilities."""
        import torch

        out = {}
        for variant, result in self.results.items():
            if variant in ("frozen", "multilingual"):
                name = ENCODER if variant == "frozen" else SENTENCE_ENCODER
                x, mask = torch.from_numpy(backends.get(name).embed([text])), None
            else:
                encoder = backends.get(ENCODER)
                keep = encoder.model.config.num_hidden_layers - self.config.top_layers
                x, mask = lower_layers(encoder, [text], keep)
            result.model.eval()
            with torch.no_grad():
                out[variant] = torch.softmax(result.model(x, mask)[0][0], -1).numpy()
        return out


def prepare(session: Session | None, config: Config) -> Session:
    """A fresh session for `config`; any run of the old one stops first."""
    if session is not None:
        session.stop(wait=2.0)
    return Session(config)
