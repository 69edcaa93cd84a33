"""Toy 2D datasets for classification, and the train/test split (70/30 by default).

The shapes TensorFlow Playground made familiar: two moons, circles, a spiral, XOR and two
Gaussian blobs. Each lives roughly inside the square [-1, 1]^2, has two classes (0 and 1) in
equal numbers, and gets Gaussian jitter whose standard deviation is `noise / 2`.

Every generator is plain numpy and self-contained (it only uses `np` and its arguments), so
the "export as PyTorch" listing copies its source verbatim and the learner's copy draws
exactly the same points as the app for the same seed.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

# --- the shapes -----------------------------------------------------------------------
# Each takes (n points, noise in [0, 1], a numpy Generator) and returns X (n, 2), y (n,).


def two_moons(n, noise, rng):
    """Two interleaving half circles (scikit-learn's make_moons, centred and scaled)."""
    n0 = n // 2
    t0 = np.pi * rng.random(n0)
    t1 = np.pi * rng.random(n - n0)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = (np.concatenate([upper, lower]) - [0.5, 0.25]) / 1.5
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    return X + rng.normal(0, noise / 2, X.shape), y


def circles(n, noise, rng):
    """A disc of class 1 inside a ring of class 0."""
    n0 = n // 2
    radius = np.concatenate([rng.uniform(0.65, 1.0, n0), rng.uniform(0.0, 0.45, n - n0)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    return X + rng.normal(0, noise / 2, X.shape), y


def spiral(n, noise, rng):
    """Two spirals wound into each other, one turn and three quarters each."""
    n0 = n // 2
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    r = np.concatenate([np.linspace(0.05, 1, n0), np.linspace(0.05, 1, n - n0)])
    angle = 1.75 * 2 * np.pi * r + np.pi * y
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    return X + rng.normal(0, noise / 2, X.shape), y


def xor(n, noise, rng):
    """Four squares: class 1 where x1 and x2 have the same sign (exclusive or)."""
    X = rng.uniform(-1, 1, (n, 2))
    X += np.sign(X) * 0.05                      # keep a small gap along the axes
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    return X + rng.normal(0, noise / 2, X.shape), y


def blobs(n, noise, rng):
    """Two round Gaussian clouds, one per class."""
    n0 = n // 2
    centres = np.concatenate([np.tile([-0.5, -0.5], (n0, 1)), np.tile([0.5, 0.5], (n - n0, 1))])
    X = centres + rng.normal(0, 0.2, (n, 2))
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    return X + rng.normal(0, noise / 2, X.shape), y


GENERATORS = {"moons": two_moons, "circles": circles, "spiral": spiral, "xor": xor,
              "blobs": blobs}


def split(X, y, test_fraction, rng):
    """Shuffle, then keep `test_fraction` of the points apart for testing (at least one each)."""
    order = rng.permutation(len(X))
    n_test = min(max(1, round(len(X) * test_fraction)), len(X) - 1)
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


def train_size(n: int, test_fraction: float) -> int:
    """How many of n points `split` keeps for training."""
    return n - min(max(1, round(n * test_fraction)), n - 1)


# --- one dataset, ready to train on ----------------------------------------------------

@dataclass(frozen=True)
class Dataset:
    name: str
    X_train: np.ndarray     # (n_train, 2) float32
    y_train: np.ndarray     # (n_train,) float32, 0 or 1
    X_test: np.ndarray
    y_test: np.ndarray
    extent: float           # the plots show the square [-extent, extent]^2


def make(name: str, n: int = 300, noise: float = 0.2, test_fraction: float = 0.3,
         seed: int = 0) -> Dataset:
    """The dataset `name` with `n` points, split train/test; the same seed, the same points."""
    if name not in GENERATORS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(GENERATORS)}")
    if n < 2 or not 0 < test_fraction < 1 or not 0 <= noise:
        raise ValueError("need n >= 2, 0 < test_fraction < 1 and noise >= 0")
    rng = np.random.default_rng(seed)
    X, y = GENERATORS[name](n, noise, rng)
    X_train, y_train, X_test, y_test = split(X, y, test_fraction, rng)
    # A square that holds (almost) every point, in steps of 0.25, never smaller than 1.25.
    reach = float(np.quantile(np.abs(X), 0.99)) if len(X) else 1.0
    extent = max(1.25, np.ceil((reach + 0.1) * 4) / 4)
    f32 = np.float32
    return Dataset(name, X_train.astype(f32), y_train.astype(f32), X_test.astype(f32),
                   y_test.astype(f32), float(extent))


def source(name: str) -> str:
    """The generator's and the split's source code, for the exported listing."""
    return inspect.getsource(GENERATORS[name]) + "\n\n" + inspect.getsource(split)
