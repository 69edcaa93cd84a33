"""The torch modules of playground.lifecycle.classification: the top layers, the classifier,
a head alone. Imported where they are used, so importing the app does not import torch."""
from __future__ import annotations

import torch
from torch import nn


def additive_mask(mask: torch.Tensor) -> torch.Tensor:
    """(B, T) of 1 (token) / 0 (padding) -> (B, 1, 1, T), added to the attention scores:
    0 where a token may be read, the lowest float where it is padding (BERT's eager attention)."""
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sentence embedding (B, D): the mean of the token vectors that are not padding, length 1
    (what sentence-transformers does for all-MiniLM-L6-v2)."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)                    # (B, T, 1)
    mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    return nn.functional.normalize(mean, dim=-1)


class TopLayers(nn.Module):
    """MiniLM's top transformer layers: hidden (B, T, D) and mask (B, T) -> hidden (B, T, D)."""

    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, hidden, mask):
        extended = additive_mask(mask)
        for layer in self.layers:
            hidden = layer(hidden, extended)
        return hidden


class Classifier(nn.Module):
    """Top layers, mean pooling, a linear head: (logits (B, C), embedding (B, D))."""

    def __init__(self, top: nn.Module, head: nn.Linear):
        super().__init__()
        self.top, self.head = top, head

    def forward(self, hidden, mask):
        embedding = mean_pool(self.top(hidden, mask), mask)
        return self.head(embedding), embedding


class Head(nn.Module):
    """A linear head on fixed sentence embeddings (B, D): (logits, the embedding itself)."""

    def __init__(self, head: nn.Linear):
        super().__init__()
        self.head = head

    def forward(self, embedding, mask=None):
        return self.head(embedding), embedding
