"""Positions: how a transformer knows where a token is, three ways.

Attention itself ignores order (it is a weighted sum over a set), so the position has to
be put into the vectors:

1. Learned absolute positions (BERT, Devlin et al. 2018; MiniLM): a table of 512 vectors,
   one per position, learned like word embeddings and added to the token embedding.
   `learned_similarity` shows the cosine of position i's vector with position j's.
2. Sinusoidal encodings (Vaswani et al. 2017, section 3.5), fixed, not learned:
       PE(pos, 2i) = sin(pos / 10000^(2i/d)),  PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).
   The dot product PE(m) . PE(n) depends only on m - n.
3. Rotary position embedding, RoPE (Su et al. 2021, "RoFormer"), used by Llama and
   SmolLM2: instead of adding a vector, it *rotates* each pair of dimensions of q and k
   by the angle pos * theta_i, with theta_i = base^(-2i/d). Then
       (R_m q) . (R_n k) = q . R_(n-m) k,
   so the attention score depends on the positions only through m - n. Llama pairs
   dimension i with dimension i + d/2 (`rotate_half`). The head size d and the base are
   the causal LM's own, read from its config (`CausalLM.shape`: head_dim, rope_theta).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from playground import backends
from playground.core import plotstyle, validate
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.core.plotstyle import fmt

MAX_POSITIONS = 512         # MiniLM's table; the sinusoidal and RoPE demos use the same bound
SINUS_BASE = 10_000.0       # "Attention is all you need", section 3.5
RELATIVE_SEED = 5           # the fixed random q and k of the relative-position table
MAX_ROPE_POSITIONS = 64     # positions drawn on the RoPE circle


def rope_numbers(model: str | None = None) -> tuple[int, float]:
    """(head_dim, rope base) of a causal LM with rotary positions (default: the first one)."""
    model = model or backends.first("causal_lm")
    shape = backends.get(model).shape
    if shape.rope_theta is None:
        raise UserError("transformer_pos_error_no_rope", model=backends.title(model))
    return shape.head_dim, shape.rope_theta


# --- 1. learned absolute positions (MiniLM) ------------------------------------------------

@lru_cache(maxsize=4)
def learned_cosines(model: str | None = None) -> np.ndarray:
    """(P, P) cosine similarity of an encoder's learned position vectors (read-only);
    MiniLM, the first encoder, by default: P = 512."""
    table = backends.get(model or backends.first("encoder")).position_vectors()
    e = table / np.linalg.norm(table, axis=1, keepdims=True)             # (P, D)
    cos = e @ e.T
    cos.flags.writeable = False
    return cos


def _position_heatmap(z, title: str, lang: str, colorbar: str, zmin=-1.0, zmax=1.0,
                      colorscale: str = "RdBu", reverse: bool = True):
    """A square position-by-position heatmap, position 0 at the top left."""
    n = len(z)
    layout = plotstyle.base_layout(title, t("transformer_pos_axis_j", lang), t("transformer_pos_axis_i", lang),
                                   height=620)
    layout["margin"] = {"l": 70, "r": 30, "t": 100, "b": 60}
    layout["yaxis"].update(autorange="reversed", scaleanchor="x", constrain="domain")
    layout["xaxis"].update(constrain="domain")
    heat = {"type": "heatmap", "z": np.round(z, 3).tolist(), "x": list(range(n)),
            "y": list(range(n)), "colorscale": colorscale, "reversescale": reverse,
            "colorbar": {"title": {"text": colorbar}, "thickness": 18},
            "hovertemplate": "i=%{y}, j=%{x}: %{z:.3f}<extra></extra>"}
    if zmin is not None:
        heat.update(zmin=zmin, zmax=zmax)
    data = [heat]
    return plotstyle.figure(data, layout)


def learned_figure(n: int, lang: str):
    """Cosine of position i with position j over the first n positions of MiniLM's table."""
    return _position_heatmap(learned_cosines()[:n, :n], t("transformer_pos_learned_title", lang, n=n),
                             lang, t("transformer_pos_cosine", lang))


def learned_text(n: int, lang: str) -> str:
    cos = learned_cosines()
    near = float(np.mean([cos[i, i + 1] for i in range(n - 1)])) if n > 1 else 1.0
    far = float(cos[0, n - 1]) if n > 1 else 1.0
    return t("transformer_pos_learned_explain", lang, n=n, near=fmt(near, 2), far=fmt(far, 2))


# --- 2. sinusoidal encodings ---------------------------------------------------------------

def sinusoidal(n_positions: int, d_model: int, base: float = SINUS_BASE) -> np.ndarray:
    """(n_positions, d_model) encodings: even columns sin, odd columns cos."""
    pos = np.arange(n_positions)[:, None]                                # (N, 1)
    i = np.arange(0, d_model, 2)[None, :]                                # (1, d/2): 2i
    angle = pos / base ** (i / d_model)                                  # (N, d/2)
    pe = np.zeros((n_positions, d_model))
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])
    return pe


def sinusoidal_figure(n_positions: int, d_model: int, lang: str):
    """The encodings as a picture: positions down, dimensions across (fast waves on the left)."""
    pe = sinusoidal(n_positions, d_model)
    layout = plotstyle.base_layout(t("transformer_pos_sinus_title", lang, n=n_positions, d=d_model),
                                   t("transformer_pos_axis_dim", lang), t("transformer_pos_axis_pos", lang),
                                   height=620)
    layout["margin"] = {"l": 70, "r": 30, "t": 100, "b": 60}
    layout["yaxis"].update(autorange="reversed")
    data = [{"type": "heatmap", "z": np.round(pe, 3).tolist(), "zmin": -1, "zmax": 1,
             "colorscale": "RdBu", "reversescale": True,
             "colorbar": {"title": {"text": "PE"}, "thickness": 18},
             "hovertemplate": "pos=%{y}, dim=%{x}: %{z:.3f}<extra></extra>"}]
    return plotstyle.figure(data, layout)


def sinusoidal_similarity_figure(n_positions: int, d_model: int, lang: str):
    """PE(i) . PE(j) / (d/2): each diagonal is constant (it depends on i - j only)."""
    pe = sinusoidal(n_positions, d_model)
    return _position_heatmap(pe @ pe.T / (d_model / 2),
                             t("transformer_pos_sinus_sim_title", lang, n=n_positions, d=d_model),
                             lang, "PE·PE", zmin=None, zmax=None, colorscale="Viridis", reverse=False)


# --- 3. RoPE ---------------------------------------------------------------------------------

def rope_frequencies(head_dim: int, base: float) -> np.ndarray:
    """theta_i = base^(-2i/d), i = 0 .. d/2 - 1: radians turned per position by pair i."""
    return base ** (-np.arange(0, head_dim, 2) / head_dim)


def rope_rotate(x: np.ndarray, position: int | np.ndarray, base: float) -> np.ndarray:
    """Rotate vector(s) x (..., d) to `position`, pairing dimension i with i + d/2 (Llama).

    For pair i: (x_i, x_(i+d/2)) -> (x_i cos a - x_(i+d/2) sin a, x_i sin a + x_(i+d/2) cos a),
    a = position * theta_i.
    """
    x = np.asarray(x, dtype=float)
    head_dim = x.shape[-1]
    half = head_dim // 2
    angle = np.asarray(position, dtype=float)[..., None] * rope_frequencies(head_dim, base)
    cos, sin = np.cos(angle), np.sin(angle)
    a, b = x[..., :half], x[..., half:]
    return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)


def rope_pair_path(pair: int, positions: int, head_dim: int, base: float,
                   start=(1.0, 0.0)) -> np.ndarray:
    """(positions, 2): where the 2-D vector `start` of pair `pair` lands at positions 0, 1, ..."""
    angle = np.arange(positions) * rope_frequencies(head_dim, base)[pair]
    c, s = np.cos(angle), np.sin(angle)
    x, y = start
    return np.stack([x * c - y * s, x * s + y * c], axis=1)


def rope_figure(pair: int, positions: int, lang: str, model: str | None = None):
    """One pair of dimensions as an arrow turning with the position (the model's frequencies)."""
    head_dim, base = rope_numbers(model)
    path = rope_pair_path(pair, positions, head_dim, base)
    theta = float(rope_frequencies(head_dim, base)[pair])
    circle = np.linspace(0, 2 * np.pi, 121)
    layout = plotstyle.base_layout(
        t("transformer_pos_rope_title", lang, pair=pair, i=pair, j=pair + head_dim // 2,
          theta=f"{theta:.3g}", n=positions),
        t("transformer_pos_rope_x", lang, i=pair), t("transformer_pos_rope_y", lang, j=pair + head_dim // 2),
        height=620)
    layout["margin"] = {"l": 70, "r": 30, "t": 100, "b": 60}
    layout["xaxis"].update(range=[-1.3, 1.3], zeroline=True)
    layout["yaxis"].update(range=[-1.3, 1.3], scaleanchor="x", zeroline=True)
    layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0}
    data = [{"type": "scatter", "mode": "lines", "x": np.cos(circle).round(4).tolist(),
             "y": np.sin(circle).round(4).tolist(), "line": {"color": "#d1d5db", "width": 2},
             "hoverinfo": "skip", "showlegend": False}]
    # arrows from the origin: a few shown as lines, every position as a dot colored by position
    shown = sorted(set(np.linspace(0, positions - 1, min(positions, 9)).round().astype(int)))
    xs, ys = [], []
    for p in shown:
        xs += [0, float(path[p, 0]), None]
        ys += [0, float(path[p, 1]), None]
    data.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "showlegend": False,
                 "line": {"color": "#93c5fd", "width": 3}, "hoverinfo": "skip"})
    data.append({"type": "scatter", "mode": "markers+text", "x": path[:, 0].round(4).tolist(),
                 "y": path[:, 1].round(4).tolist(), "name": t("transformer_pos_rope_points", lang),
                 "text": [str(p) if p in shown else "" for p in range(positions)],
                 "textposition": "top center", "textfont": {"size": 15},
                 "marker": {"size": 11, "color": list(range(positions)), "colorscale": "Viridis"},
                 "hovertemplate": "pos %{marker.color}: (%{x:.3f}, %{y:.3f})<extra></extra>"})
    return plotstyle.figure(data, layout)


@dataclass(frozen=True)
class RelativeRow:
    m: int
    n: int
    score: float        # (R_m q) . (R_n k)


def relative_rows(m: int, n: int, head_dim: int, base: float,
                  seed: int = RELATIVE_SEED) -> tuple[list[RelativeRow], float]:
    """Scores of a fixed q at position m and a fixed k at n, moved together, and one other.

    Returns the rows (m, n), (m+1, n+1), (m+10, n+10), (m+100, n+100) - same offset - and
    (m, n+1) - another offset - plus the unrotated score q . k.
    """
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((2, head_dim))
    pairs = [(m, n), (m + 1, n + 1), (m + 10, n + 10), (m + 100, n + 100), (m, n + 1)]
    rows = [RelativeRow(a, b, float(rope_rotate(q, a, base) @ rope_rotate(k, b, base)))
            for a, b in pairs]
    return rows, float(q @ k)


def relative_text(m: int, n: int, lang: str, model: str | None = None) -> str:
    model = model or backends.first("causal_lm")
    head_dim, base = rope_numbers(model)
    rows, plain = relative_rows(m, n, head_dim, base)
    lines = [t("transformer_pos_relative_intro", lang, d=head_dim, plain=fmt(plain, 6),
               model=backends.title(model)), "",
             t("transformer_pos_relative_header", lang), "|---:|---:|---:|---:|"]
    for k, r in enumerate(rows):
        score = f"**{fmt(r.score, 6)}**" if k < 4 else fmt(r.score, 6)
        lines.append(f"| {r.m} | {r.n} | {r.m - r.n} | {score} |")
    spread = max(r.score for r in rows[:4]) - min(r.score for r in rows[:4])
    lines += ["", t("transformer_pos_relative_outro", lang, spread=f"{spread:.1e}",
                    other=fmt(rows[4].score, 6))]
    return "\n".join(lines)


def rope_view(pair, n_positions, m, n, lang: str, model: str | None = None) -> tuple:
    """The RoPE part of the lesson after checking its inputs: one pair turning, the m - n table."""
    head_dim, _ = rope_numbers(model)
    pair = validate.integer(pair, "i", 0, head_dim // 2 - 1)
    n_positions = validate.integer(n_positions, "positions", 2, MAX_ROPE_POSITIONS)
    m = validate.integer(m, "m", 0, MAX_POSITIONS)
    n = validate.integer(n, "n", 0, MAX_POSITIONS)
    return rope_figure(pair, n_positions, lang, model), relative_text(m, n, lang, model)


def rope_pairs(model: str | None = None) -> int:
    """Pairs of dimensions RoPE turns in one head (head_dim / 2): the pair slider's range."""
    return rope_numbers(model)[0] // 2
