"""The 2D shapes the GAN and the toy diffusion learn (GAN Lab's targets, Kahng et al. 2018).

Numpy only, so a page can list them without importing torch; playground.images.gan2d
re-exports them.
"""
from __future__ import annotations

import numpy as np

# Each takes (n, numpy Generator) and returns (n, 2) float32 points inside about [-1.5, 1.5]^2.


def ring(n, rng):
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.stack([np.cos(angle), np.sin(angle)], 1) + rng.normal(0, 0.05, (n, 2))


def moons(n, rng):
    half = n // 2
    a, b = np.pi * rng.random(half), np.pi * rng.random(n - half)
    upper = np.stack([np.cos(a), np.sin(a)], 1)
    lower = np.stack([1 - np.cos(b), 0.5 - np.sin(b)], 1)
    return (np.concatenate([upper, lower]) - [0.5, 0.25]) * 1.1 + rng.normal(0, 0.05, (n, 2))


def gaussians(n, rng):
    """Eight Gaussians on a circle: the classic test of mode collapse."""
    k = rng.integers(0, 8, n)
    centres = np.stack([np.cos(k * np.pi / 4), np.sin(k * np.pi / 4)], 1)
    return centres + rng.normal(0, 0.08, (n, 2))


def spiral(n, rng):
    r = np.sqrt(rng.random(n)) * 1.3 + 0.1
    angle = 3 * np.pi * r / 1.4
    return np.stack([r * np.cos(angle), r * np.sin(angle)], 1) + rng.normal(0, 0.04, (n, 2))


TARGETS = {"ring": ring, "moons": moons, "gaussians": gaussians, "spiral": spiral}
EXTENT = 2.0           # plots and the heatmap span [-EXTENT, EXTENT]^2


def target_points(name: str, n: int, seed: int = 0) -> np.ndarray:
    return TARGETS[name](n, np.random.default_rng(seed)).astype(np.float32)
