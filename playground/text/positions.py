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
   dimension i with dimension i + d/2 (`rotate_half`), SmolLM2 uses d = 64, base = 100000.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from playground.core import plotstyle
from playground.core.i18n import t
from playground.core.plotstyle import fmt

MAX_POSITIONS = 512         # MiniLM's table; the sinusoidal and RoPE demos use the same bound
SINUS_BASE = 10_000.0       # "Attention is all you need", section 3.5
SMOLLM2_HEAD_DIM = 64       # SmolLM2's config: head_dim
SMOLLM2_ROPE_BASE = 100_000.0  # SmolLM2's config: rope_parameters.rope_theta
RELATIVE_SEED = 5           # the fixed random q and k of the relative-position table


# --- 1. learned absolute positions (MiniLM) ------------------------------------------------

@lru_cache(maxsize=1)
def learned_cosines() -> np.ndarray:
    """(512, 512) cosine similarity of MiniLM's learned position vectors (read-only)."""
    from playground import backends

    table = backends.get("minilm").model.embeddings.position_embeddings.weight
    e = table.detach().double().numpy()                                  # (512, 384)
    e = e / np.linalg.norm(e, axis=1, keepdims=True)
    cos = e @ e.T
    cos.flags.writeable = False
    return cos


def _position_heatmap(z, title: str, lang: str, colorbar: str, zmin=-1.0, zmax=1.0,
                      colorscale: str = "RdBu", reverse: bool = True):
    """A square position-by-position heatmap, position 0 at the top left."""
    n = len(z)
    layout = plotstyle.base_layout(title, t("attention_pos_axis_j", lang), t("attention_pos_axis_i", lang),
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
    return _position_heatmap(learned_cosines()[:n, :n], t("attention_pos_learned_title", lang, n=n),
                             lang, t("attention_pos_cosine", lang))


def learned_text(n: int, lang: str) -> str:
    cos = learned_cosines()
    near = float(np.mean([cos[i, i + 1] for i in range(n - 1)])) if n > 1 else 1.0
    far = float(cos[0, n - 1]) if n > 1 else 1.0
    return t("attention_pos_learned_explain", lang, n=n, near=fmt(near, 2), far=fmt(far, 2))


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
    layout = plotstyle.base_layout(t("attention_pos_sinus_title", lang, n=n_positions, d=d_model),
                                   t("attention_pos_axis_dim", lang), t("attention_pos_axis_pos", lang),
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
                             t("attention_pos_sinus_sim_title", lang, n=n_positions, d=d_model),
                             lang, "PE·PE", zmin=None, zmax=None, colorscale="Viridis", reverse=False)


# --- 3. RoPE ---------------------------------------------------------------------------------

def rope_frequencies(head_dim: int = SMOLLM2_HEAD_DIM, base: float = SMOLLM2_ROPE_BASE) -> np.ndarray:
    """theta_i = base^(-2i/d), i = 0 .. d/2 - 1: radians turned per position by pair i."""
    return base ** (-np.arange(0, head_dim, 2) / head_dim)


def rope_rotate(x: np.ndarray, position: int | np.ndarray, head_dim: int = SMOLLM2_HEAD_DIM,
                base: float = SMOLLM2_ROPE_BASE) -> np.ndarray:
    """Rotate vector(s) x (..., d) to `position`, pairing dimension i with i + d/2 (Llama).

    For pair i: (x_i, x_(i+d/2)) -> (x_i cos a - x_(i+d/2) sin a, x_i sin a + x_(i+d/2) cos a),
    a = position * theta_i.
    """
    x = np.asarray(x, dtype=float)
    half = head_dim // 2
    angle = np.asarray(position, dtype=float)[..., None] * rope_frequencies(head_dim, base)
    cos, sin = np.cos(angle), np.sin(angle)
    a, b = x[..., :half], x[..., half:]
    return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)


def rope_pair_path(pair: int, positions: int, start=(1.0, 0.0),
                   head_dim: int = SMOLLM2_HEAD_DIM, base: float = SMOLLM2_ROPE_BASE) -> np.ndarray:
    """(positions, 2): where the 2-D vector `start` of pair `pair` lands at positions 0, 1, ..."""
    angle = np.arange(positions) * rope_frequencies(head_dim, base)[pair]
    c, s = np.cos(angle), np.sin(angle)
    x, y = start
    return np.stack([x * c - y * s, x * s + y * c], axis=1)


def rope_figure(pair: int, positions: int, lang: str):
    """One pair of dimensions as an arrow turning with the position (SmolLM2's frequencies)."""
    path = rope_pair_path(pair, positions)
    theta = float(rope_frequencies()[pair])
    circle = np.linspace(0, 2 * np.pi, 121)
    layout = plotstyle.base_layout(
        t("attention_pos_rope_title", lang, pair=pair, i=pair, j=pair + SMOLLM2_HEAD_DIM // 2,
          theta=f"{theta:.3g}", n=positions),
        t("attention_pos_rope_x", lang, i=pair), t("attention_pos_rope_y", lang, j=pair + SMOLLM2_HEAD_DIM // 2),
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
                 "y": path[:, 1].round(4).tolist(), "name": t("attention_pos_rope_points", lang),
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


def relative_rows(m: int, n: int, seed: int = RELATIVE_SEED) -> tuple[list[RelativeRow], float]:
    """Scores of a fixed q at position m and a fixed k at n, moved together, and one other.

    Returns the rows (m, n), (m+1, n+1), (m+10, n+10), (m+100, n+100) - same offset - and
    (m, n+1) - another offset - plus the unrotated score q . k.
    """
    rng = np.random.default_rng(seed)
    q, k = rng.standard_normal((2, SMOLLM2_HEAD_DIM))
    pairs = [(m, n), (m + 1, n + 1), (m + 10, n + 10), (m + 100, n + 100), (m, n + 1)]
    rows = [RelativeRow(a, b, float(rope_rotate(q, a) @ rope_rotate(k, b))) for a, b in pairs]
    return rows, float(q @ k)


def relative_text(m: int, n: int, lang: str) -> str:
    rows, plain = relative_rows(m, n)
    lines = [t("attention_pos_relative_intro", lang, d=SMOLLM2_HEAD_DIM, plain=fmt(plain, 6)), "",
             t("attention_pos_relative_header", lang), "|---:|---:|---:|---:|"]
    for k, r in enumerate(rows):
        score = f"**{fmt(r.score, 6)}**" if k < 4 else fmt(r.score, 6)
        lines.append(f"| {r.m} | {r.n} | {r.m - r.n} | {score} |")
    spread = max(r.score for r in rows[:4]) - min(r.score for r in rows[:4])
    lines += ["", t("attention_pos_relative_outro", lang, spread=f"{spread:.1e}",
                    other=fmt(rows[4].score, 6))]
    return "\n".join(lines)
