"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 70,000 28x28 greyscale clothes in 10 classes.

The training scripts read it from Debian's `dataset-fashion-mnist` package (MIT licence):

    apt-get install -y dataset-fashion-mnist      # files in /usr/share/datasets/fashion-mnist

The app and the tests never need it: the app samples from the shipped weights, and the
tests train on scikit-learn's 8x8 digits (`digits()` below, bundled with scikit-learn).
Images are float32 in [-1, 1] (the range the generators output), shape (N, 1, H, W).
"""
from __future__ import annotations

import gzip
import re
import unicodedata
from pathlib import Path

import numpy as np

from playground.core.paths import ASSETS

DATA_DIR = Path("/usr/share/datasets/fashion-mnist")

# The ten classes in the dataset's order, in both languages.
CLASSES = {
    "en": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
    "es": ["Camiseta", "Pantalón", "Jersey", "Vestido", "Abrigo",
           "Sandalia", "Camisa", "Zapatilla", "Bolso", "Botín"],
}

# Words a prompt may use for each class, in either language (lower case, no accents).
KEYWORDS = [
    ["t-shirt", "tshirt", "t shirt", "tee", "top", "camiseta", "remera", "playera"],
    ["trouser", "trousers", "pants", "jeans", "pantalon", "pantalones", "vaquero", "vaqueros"],
    ["pullover", "sweater", "jumper", "sweatshirt", "jersey", "sueter", "sudadera", "chompa"],
    ["dress", "gown", "vestido", "traje"],
    ["coat", "jacket", "parka", "abrigo", "chaqueta", "chamarra", "cazadora"],
    ["sandal", "sandals", "flip-flop", "sandalia", "sandalias", "chancla", "chanclas"],
    ["shirt", "blouse", "camisa", "blusa"],
    ["sneaker", "sneakers", "trainer", "trainers", "shoe", "shoes", "zapatilla", "zapatillas",
     "zapato", "zapatos", "tenis", "deportiva", "deportivas"],
    ["bag", "handbag", "purse", "backpack", "bolso", "bolsa", "cartera", "mochila"],
    ["boot", "boots", "ankle boot", "botin", "botines", "bota", "botas"],
]


def class_names(lang: str) -> list[str]:
    return CLASSES["en" if lang == "en" else "es"]


def _plain(text: str) -> str:
    """Lower case without accents: 'Pantalón' -> 'pantalon'."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def match_keyword(prompt: str) -> int | None:
    """The class whose keyword appears in the prompt (longest keyword wins), else None.

    'una zapatilla' -> 7, 'a bag' -> 8, 'ankle boot' -> 9 (not 'boot' alone: same class).
    'shirt' inside 't-shirt' does not count: words are matched whole.
    """
    words = " " + " ".join(re.findall(r"[a-z0-9\-]+", _plain(prompt))) + " "
    best, best_len = None, 0
    for label, keys in enumerate(KEYWORDS):
        for key in keys:
            if f" {key} " in words and len(key) > best_len:
                best, best_len = label, len(key)
    return best


# --- loading ---------------------------------------------------------------------------

def _idx(path: Path, offset: int) -> np.ndarray:
    return np.frombuffer(gzip.open(path).read(), np.uint8, offset=offset)


def load(split: str = "train", data_dir: Path = DATA_DIR) -> tuple[np.ndarray, np.ndarray]:
    """(images float32 (N, 1, 28, 28) in [-1, 1], labels int64 (N,)) of 'train' or 'test'."""
    prefix = "train" if split == "train" else "t10k"
    images_path = Path(data_dir) / f"{prefix}-images-idx3-ubyte.gz"
    if not images_path.exists():
        raise FileNotFoundError(f"{images_path} is missing: apt-get install -y dataset-fashion-mnist")
    images = _idx(images_path, 16).reshape(-1, 1, 28, 28).astype(np.float32) / 127.5 - 1.0
    labels = _idx(Path(data_dir) / f"{prefix}-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return images, labels


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 8x8 digits as (N, 1, 8, 8) float32 in [-1, 1], labels (N,)."""
    from sklearn.datasets import load_digits
    d = load_digits()
    images = d.images.reshape(-1, 1, 8, 8).astype(np.float32) / 8.0 - 1.0   # pixels 0..16
    return images, d.target.astype(np.int64)


# --- a few test images that ship with the app ----------------------------------------------------

EXAMPLES = ASSETS / "weights" / "fashion_examples.npz"
PER_CLASS = 10


def save_examples(path: Path = EXAMPLES, per_class: int = PER_CLASS) -> Path:
    """The first `per_class` test images of each class, as uint8, for the app (78 KB)."""
    images, labels = load("test")
    keep = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(10)])
    pixels = np.round((images[keep, 0] + 1) * 127.5).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, images=pixels, labels=labels[keep])
    return path


def examples(path: Path = EXAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """The shipped test images (N, 1, 28, 28) in [-1, 1] and their labels."""
    with np.load(path) as f:
        return f["images"][:, None].astype(np.float32) / 127.5 - 1.0, f["labels"].astype(np.int64)


# --- showing images --------------------------------------------------------------------------------

def tile(images: np.ndarray, cols: int, gap: int = 2) -> np.ndarray:
    """(N, 1, H, W) or (N, H, W) images in [-1, 1] -> one (rows*(H+gap)-gap, ...) canvas in [0, 1].

    Gaps are NaN, which a plotly heatmap leaves blank."""
    images = np.asarray(images, dtype=np.float32).reshape(len(images), *np.shape(images)[-2:])
    n, h, w = images.shape
    rows = -(-n // cols)
    canvas = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan, dtype=np.float32)
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        canvas[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = (img + 1) / 2
    return canvas


def image_figure(canvas: np.ndarray, title: str, height: int = 420, width: int | None = None,
                 annotations: list | None = None):
    """A greyscale canvas (values in [0, 1], NaN blank) as a plotly heatmap, row 0 at the top."""
    from playground.core import plotstyle
    # grey levels 0..255 as integers: a third of the JSON of rounded floats
    z = np.where(np.isnan(canvas), None, np.round(np.nan_to_num(canvas) * 255).astype(int).astype(object))
    data = [{"type": "heatmap", "z": z.tolist(), "colorscale": "Greys", "reversescale": False,
             "zmin": 0, "zmax": 255, "showscale": False, "hoverinfo": "skip"}]
    layout = plotstyle.base_layout(title, height=height)
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    layout["xaxis"] = {**hidden, "constrain": "domain"}
    layout["yaxis"] = {**hidden, "autorange": "reversed", "scaleanchor": "x", "constrain": "domain"}
    layout["margin"] = {"l": 10, "r": 10, "t": 60, "b": 10}
    layout["plot_bgcolor"] = "white"
    if width:
        layout["width"] = width
    if annotations:
        layout["annotations"] = annotations
    return plotstyle.figure(data, layout)
