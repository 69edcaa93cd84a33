"""What a convolutional network sees, layer by layer (LeCun et al. 1998; CNN Explainer, Wang et
al. 2020), and a dense network of comparable size beside it.

The CNN: conv(1->8, 3x3) ReLU maxpool, conv(8->16, 3x3) ReLU maxpool, dense -> 10 classes of
Fashion-MNIST (9,098 parameters). The MLP: 784 -> 16 -> 10 (12,730 parameters, more than the
CNN). Both are trained by scripts/train_network_types.py and ship as small safetensors in
assets/weights/, with a fixed subset of the test set (`network-types-test-subset.npz`: the
first SUBSET test images, uint8) so the tab measures accuracies, top patches and shifts
without the dataset. Images are float32 in [-1, 1] (the range of playground.images.fashion),
shape (N, 1, 28, 28); -1 is the black background.

This module is pure: it never imports gradio. The figures are in convolution_figures.py.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from playground.core.errors import UserError
from playground.core.paths import ASSETS

WEIGHTS = {"cnn": ASSETS / "weights" / "network-types-cnn.safetensors",
           "mlp": ASSETS / "weights" / "network-types-mlp.safetensors"}
SUBSET_FILE = ASSETS / "weights" / "network-types-test-subset.npz"
METRICS_FILE = ASSETS / "weights" / "network-types-metrics.json"
SUBSET = 1000                    # test images shipped: the first 1,000 of Fashion-MNIST's test set
SIZE = 28

# The CNN's layers in order, as the tab names them, with each one's (kernel, stride, padding)
# for the receptive field: a position of a layer's map sees a square of the input.
LAYERS = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "logits"]
GEOMETRY = {"conv1": (3, 1, 1), "relu1": (1, 1, 0), "pool1": (2, 2, 0),
            "conv2": (3, 1, 1), "relu2": (1, 1, 0), "pool2": (2, 2, 0)}
MAP_LAYERS = LAYERS[:-1]         # the layers with feature maps (channels x H x W)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)      # (B, 8, 28, 28)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)                    # (B, 8, 14, 14)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)     # (B, 16, 14, 14)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)                    # (B, 16, 7, 7)
        self.logits = nn.Linear(16 * 7 * 7, 10)         # (B, 10)

    def forward(self, x):
        for name in MAP_LAYERS:
            x = getattr(self, name)(x)
        return self.logits(x.flatten(1))


class MLP(nn.Module):
    def __init__(self, hidden: int = 16):
        super().__init__()
        self.hidden = nn.Linear(SIZE * SIZE, hidden)
        self.out = nn.Linear(hidden, 10)

    def forward(self, x):
        return self.out(F.relu(self.hidden(x.flatten(1))))


def build(kind: str) -> nn.Module:
    return CNN() if kind == "cnn" else MLP()


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@lru_cache(maxsize=2)
def model(kind: str = "cnn") -> nn.Module:
    """The shipped network, loaded once and shared (read-only) by every visitor."""
    from safetensors.torch import load_file
    if not WEIGHTS[kind].exists():
        raise UserError("nt_no_weights", name=WEIGHTS[kind].name)
    with torch.inference_mode(False):      # normal tensors, even if first asked inside inference
        net = build(kind)
        net.load_state_dict({k: v.float() for k, v in load_file(WEIGHTS[kind]).items()})
    return net.eval()


@lru_cache(maxsize=1)
def subset() -> tuple[np.ndarray, np.ndarray]:
    """The shipped test images (SUBSET, 1, 28, 28) in [-1, 1] and their labels."""
    with np.load(SUBSET_FILE) as f:
        return f["images"][:, None].astype(np.float32) / 127.5 - 1.0, f["labels"].astype(np.int64)


def metrics() -> dict:
    """What the training script measured: parameters, full test-set accuracies, epochs."""
    return json.loads(METRICS_FILE.read_text(encoding="utf-8"))


# --- one image through the CNN -----------------------------------------------------------

@dataclass
class Seen:
    """Everything the tab draws for one image: each layer's maps and the probabilities."""
    image: np.ndarray                  # (28, 28) in [-1, 1]
    maps: dict[str, np.ndarray]        # layer -> (C, H, W)
    probabilities: np.ndarray          # (10,)


@torch.inference_mode()
def feature_maps(image: np.ndarray, net: nn.Module | None = None) -> Seen:
    """Run one image (28, 28) through the CNN, keeping every layer's output."""
    net = net or model("cnn")
    x = torch.as_tensor(np.asarray(image, np.float32).reshape(1, 1, SIZE, SIZE))
    maps = {}
    for name in MAP_LAYERS:
        x = getattr(net, name)(x)
        maps[name] = x[0].numpy()
    logits = net.logits(x.flatten(1))[0]
    return Seen(np.asarray(image, np.float32).reshape(SIZE, SIZE), maps, torch.softmax(logits, 0).numpy())


def filters() -> tuple[np.ndarray, np.ndarray]:
    """The first layer's 8 kernels (8, 3, 3) and biases (8,)."""
    conv = model("cnn").conv1
    return conv.weight.detach()[:, 0].numpy(), conv.bias.detach().numpy()


# --- one convolution step with the numbers -------------------------------------------------

@dataclass
class Step:
    row: int
    col: int
    channel: int
    patch: np.ndarray        # (3, 3) the input around (row, col), zero-padded like the layer
    kernel: np.ndarray       # (3, 3)
    products: np.ndarray     # (3, 3) patch * kernel
    total: float             # sum of the products
    bias: float
    pre: float               # total + bias
    relu: float              # max(0, pre)
    pool_block: np.ndarray   # (2, 2) ReLU outputs of the 2x2 block that holds (row, col)
    pool_origin: tuple[int, int]
    pooled: float            # the block's maximum: one value of pool1


def conv_step(image: np.ndarray, channel: int, row: int, col: int) -> Step:
    """The first layer's output at (channel, row, col), computed by hand, then its max-pool."""
    conv = model("cnn").conv1
    kernel = conv.weight.detach()[channel, 0].numpy().astype(np.float64)
    bias = float(conv.bias.detach()[channel])
    padded = np.pad(np.asarray(image, np.float64).reshape(SIZE, SIZE), 1)   # zeros, as padding=1
    patch = padded[row:row + 3, col:col + 3]                   # centred on (row, col)
    products = patch * kernel
    total = float(products.sum())
    pre = total + bias
    r0, c0 = row // 2 * 2, col // 2 * 2                         # the 2x2 pooling block
    block = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            block[i, j] = max(0.0, float((padded[r0 + i:r0 + i + 3, c0 + j:c0 + j + 3] * kernel).sum()) + bias)
    return Step(row, col, channel, patch, kernel, products, total, bias, pre, max(0.0, pre),
                block, (r0, c0), float(block.max()))


# --- the hierarchy: which patches excite a channel most -------------------------------------

def receptive_field(layer: str) -> tuple[int, int, int]:
    """(size, jump, start): position i of `layer` sees input pixels start + i*jump ... + size - 1."""
    size, jump, start = 1, 1, 0
    for name in MAP_LAYERS[:MAP_LAYERS.index(layer) + 1]:
        k, s, p = GEOMETRY[name]
        start -= p * jump
        size += (k - 1) * jump
        jump *= s
    return size, jump, start


@lru_cache(maxsize=1)
def _subset_maps() -> dict[str, np.ndarray]:
    """Every layer's maps over the shipped subset, computed once: (N, C, H, W) per layer."""
    x = torch.from_numpy(subset()[0])
    net, maps = model("cnn"), {}
    with torch.inference_mode():
        for name in MAP_LAYERS:
            x = getattr(net, name)(x)
            maps[name] = x.numpy()
    return maps


def top_patches(layer: str, channel: int, k: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """The k input crops (k, size, size) of the subset that excite `channel` of `layer` most
    (one per image, at its strongest position), and those activations (k,)."""
    acts = _subset_maps()[layer][:, channel]                   # (N, H, W)
    n, h, w = acts.shape
    best = acts.reshape(n, -1).argmax(1)                       # each image's strongest position
    strength = acts.reshape(n, -1)[np.arange(n), best]
    images = subset()[0][:, 0]
    size, jump, start = receptive_field(layer)
    padded = np.pad(images, ((0, 0), (size, size), (size, size)), constant_values=-1.0)
    crops, values = [], []
    for i in np.argsort(-strength, kind="stable")[:k]:
        r, c = divmod(int(best[i]), w)
        top, left = start + r * jump + size, start + c * jump + size
        crops.append(padded[i, top:top + size, left:left + size])
        values.append(float(strength[i]))
    return np.stack(crops), np.array(values)


# --- dense against convolutional: what a shift does ------------------------------------------

def shift(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Images (N, 1, 28, 28) moved by (dy, dx) pixels; what comes in is background (-1)."""
    out = np.full_like(images, -1.0)
    h, w = images.shape[-2:]
    src = images[..., max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    out[..., max(0, dy):max(0, dy) + src.shape[-2], max(0, dx):max(0, dx) + src.shape[-1]] = src
    return out


DIRECTIONS = [(0, 1), (0, -1), (1, 0), (-1, 0)]   # right, left, down, up


@torch.inference_mode()
def predict(kind: str, images: np.ndarray) -> np.ndarray:
    """Class probabilities (N, 10) of `kind` ("cnn" / "mlp") for images (N, 1, 28, 28)."""
    return torch.softmax(model(kind)(torch.as_tensor(images, dtype=torch.float32)), 1).numpy()


@lru_cache(maxsize=1)
def shift_accuracy(max_shift: int = 4) -> dict[str, np.ndarray]:
    """Accuracy on the subset of each model for shifts 0..max_shift pixels (the mean over the
    four directions), measured once: {"shift": (S,), "cnn": (S,), "mlp": (S,)}."""
    images, labels = subset()
    out = {"shift": np.arange(max_shift + 1)}
    for kind in ("cnn", "mlp"):
        acc = [float((predict(kind, images).argmax(1) == labels).mean())]
        for s in range(1, max_shift + 1):
            acc.append(float(np.mean([(predict(kind, shift(images, dy * s, dx * s)).argmax(1) == labels).mean()
                                      for dy, dx in DIRECTIONS])))
        out[kind] = np.array(acc)
    return out


# --- a drawing on the sketchpad as a Fashion-MNIST image -------------------------------------

def from_drawing(grey: np.ndarray, fill: int = 24) -> np.ndarray:
    """A drawing (H, W) grey levels 0..255, dark ink on white, -> (28, 28) in [-1, 1] like the
    dataset: inverted (light object on black), cropped to the ink, scaled to fit `fill` pixels
    and centred. An empty drawing is a UserError."""
    from PIL import Image
    grey = np.asarray(grey, dtype=np.float32)
    if grey.ndim == 3:                                           # RGB(A) -> luminance
        grey = grey[..., :3].mean(-1)
    if grey.ndim != 2 or min(grey.shape) < 8:
        raise UserError("nt_empty_drawing")
    ink = 255.0 - np.clip(np.nan_to_num(grey, nan=255.0), 0, 255)
    rows, cols = np.flatnonzero(ink.max(1) > 30), np.flatnonzero(ink.max(0) > 30)
    if len(rows) == 0:
        raise UserError("nt_empty_drawing")
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = fill / max(ink.shape)
    h, w = max(1, round(ink.shape[0] * scale)), max(1, round(ink.shape[1] * scale))
    small = np.asarray(Image.fromarray(ink.astype(np.uint8)).resize((w, h), Image.LANCZOS), np.float32)
    canvas = np.zeros((SIZE, SIZE), np.float32)
    top, left = (SIZE - h) // 2, (SIZE - w) // 2
    canvas[top:top + h, left:left + w] = small
    return canvas / 127.5 - 1.0
