"""Attention: which earlier (or later) tokens each token looks at, and the numbers behind it.

Scaled dot-product attention (Vaswani et al., 2017, "Attention is all you need", eq. 1):

    Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + mask) V

Every token asks with a query vector q, every token answers with a key vector k; the score
q . k / sqrt(d) says how well they match, a softmax over the keys turns the scores into
weights that add up to 1, and the token's output is the weighted sum of the value vectors.
Each head of each layer has its own projections W_Q, W_K, W_V, so it looks for something else.

Two shared models show the two families:
- GPT-like decoder, SmolLM2-135M (Llama architecture): causal mask (a token never sees the
  future), RMSNorm before attention, rotary positions (RoPE) applied to q and k, and
  grouped-query attention: its 9 query heads share 3 key/value heads (3 queries per kv head).
- BERT-like encoder, all-MiniLM-L6-v2: every token sees every token (no mask besides padding,
  and one sentence has no padding); q, k, v are Linear layers on the previous layer's output.

One forward pass per (model, text) is cached (`run`, lru_cache): changing layer, head or the
query token only slices the cached arrays, and `qkv` recomputes one head from the cached
hidden states with the model's own weights, so its softmax equals the model's attention.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from playground.core import plotstyle, validate
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.core.plotstyle import fmt

MODELS = ("smollm2", "minilm")          # the GPT-like decoder, the BERT-like encoder
MAX_CHARS = 400                         # characters of a sentence
MAX_TOKENS = 64                         # tokens: a 64 x 64 heatmap is the most a wall shows
# (layers, heads) from the model cards, so the page can size its sliders without loading
SHAPES = {"smollm2": (30, 9), "minilm": (6, 12)}
COLORSCALE = [[0.0, "#ffffff"], [0.15, "#c6dbef"], [0.4, "#6baed6"], [0.7, "#2171b5"], [1.0, "#08306b"]]  # white -> navy
# The same colours at sqrt-spaced stops: a weight w is drawn where sqrt(w) would be, so small
# weights show in the small multiples while hovering still reads the weight itself.
COLORSCALE_SQRT = [[round(v * v, 4), c] for v, c in COLORSCALE]
MASKED = "#d1d5db"                      # the background shows through masked (None) cells
TABLE_ROWS = 8                          # keys in the Q/K/V table (the bars show all of them)
SHOWN_DIMS = 4                          # first dimensions of q, k, v printed


# --- one forward pass, cached ------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Analysis:
    """One sentence through one model: what every head of every layer did."""
    model: str
    ids: tuple[int, ...]
    tokens: tuple[str, ...]     # one short label per position, for ticks
    attentions: np.ndarray      # (L, H, T, T) float32, read-only; row = query, column = key
    hidden: np.ndarray          # (L, T, D) float32, read-only: the input of each layer
    causal: bool

    @property
    def n_layers(self) -> int:
        return self.attentions.shape[0]

    @property
    def n_heads(self) -> int:
        return self.attentions.shape[1]

    @property
    def n_tokens(self) -> int:
        return self.attentions.shape[2]

    def weights(self, layer: int, head: int) -> np.ndarray:
        """(T, T) attention of one head; layer and head count from 1."""
        return self.attentions[layer - 1, head - 1]

    def as_dict(self) -> dict:
        return {"model": self.model, "tokens": list(self.tokens), "ids": list(self.ids),
                "layers": self.n_layers, "heads": self.n_heads, "causal": self.causal}


def token_label(piece: str, limit: int = 10) -> str:
    """A token as a tick label: spaces dropped, newline as ↵, a blank piece as ␣."""
    text = piece.replace("\n", "↵").replace("\t", "⇥").strip() or "␣"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def analyze(model: str, text: str) -> Analysis:
    """The cached forward pass of `text` through `model`, after checking both."""
    validate.choice(model, MODELS, "model")
    return run(model, validate.text(text, MAX_CHARS))


@lru_cache(maxsize=32)
def run(model: str, text: str) -> Analysis:
    """One forward pass with every head's attention and every layer's input (cached).

    32 entries of at most 64 tokens take at most ~300 MB (SmolLM2: 30 x 9 x 64^2 weights
    and 30 x 64 x 576 hidden numbers per entry); a 20-token sentence takes ~2 MB.
    """
    import torch

    from playground import backends
    from playground.backends.compute import COMPUTE_LOCK

    if model == "smollm2":
        lm = backends.get("smollm2")
        ids = lm.encode(text)
        _check_tokens(len(ids))
        pieces = lm.pieces(ids)
        with COMPUTE_LOCK, torch.inference_mode():
            out = lm.model.model(torch.tensor([ids]), output_attentions=True,
                                 output_hidden_states=True, use_cache=False)
    else:
        enc = backends.get("minilm")
        with enc.tokenizer_lock:
            ids = enc.tokenizer(text)["input_ids"]
            pieces = enc.tokenizer.convert_ids_to_tokens(ids)
        _check_tokens(len(ids))
        with COMPUTE_LOCK, torch.inference_mode():
            out = enc.model(torch.tensor([ids]), output_attentions=True, output_hidden_states=True)
    if not out.attentions:
        raise RuntimeError("no attention weights: the backend must use eager attention")
    attentions = torch.stack(out.attentions)[:, 0].float().numpy()       # (L, H, T, T)
    hidden = torch.stack(out.hidden_states[:-1])[:, 0].float().numpy()   # (L, T, D)
    attentions.flags.writeable = False
    hidden.flags.writeable = False
    return Analysis(model, tuple(ids), tuple(token_label(p) for p in pieces), attentions,
                    hidden, causal=model == "smollm2")


def _check_tokens(n: int) -> None:
    if n > MAX_TOKENS:
        raise UserError("attention_error_too_many_tokens", tokens=n, limit=MAX_TOKENS)


def check_layer_head(an: Analysis, layer, head) -> tuple[int, int]:
    """Layer and head (from 1) as integers inside the model's ranges, or a UserError."""
    return (validate.integer(layer, "layer", 1, an.n_layers),
            validate.integer(head, "head", 1, an.n_heads))


# --- Q, K, V for one head and one query token, from the model's own weights -----------------

@dataclass(frozen=True)
class QKV:
    layer: int                  # from 1
    head: int                   # from 1
    kv_head: int                # from 1: the key/value head this query head reads (GQA)
    query: int                  # position of the token that asks, from 0
    d: int                      # head dimension: scores are divided by sqrt(d)
    q: np.ndarray               # (d,) the query vector (after RoPE for SmolLM2)
    keys: np.ndarray            # (T, d) every key vector (after RoPE for SmolLM2)
    values: np.ndarray          # (T, d)
    scores: np.ndarray          # (T,) q . k
    scaled: np.ndarray          # (T,) q . k / sqrt(d)
    allowed: np.ndarray         # (T,) bool: False where the causal mask hides the key
    weights: np.ndarray         # (T,) softmax of the allowed scaled scores; 0 where masked
    output: np.ndarray          # (d,) sum_j weights_j v_j, this head's output for the token
    model_weights: np.ndarray   # (T,) the model's own attention row, for comparison
    rope: bool

    @property
    def max_difference(self) -> float:
        return float(np.abs(self.weights - self.model_weights).max())

    def as_dict(self) -> dict:
        def nums(a):
            return [round(float(v), 6) for v in a]
        return {
            "layer": self.layer, "head": self.head, "kv_head": self.kv_head, "query": self.query,
            "d": self.d, "sqrt_d": math.sqrt(self.d), "rope": self.rope,
            "q_first": nums(self.q[:SHOWN_DIMS]),
            "scores": [round(float(s), 6) if ok else None for s, ok in zip(self.scores, self.allowed)],
            "scaled": [round(float(s), 6) if ok else None for s, ok in zip(self.scaled, self.allowed)],
            "masked": [not ok for ok in self.allowed],
            "weights": nums(self.weights),
            "model_weights": nums(self.model_weights),
            "max_difference": self.max_difference,
            "output_first": nums(self.output[:SHOWN_DIMS]),
        }


def rotate_half(x):
    """RoPE as Llama lays it out: dimension i is paired with dimension i + d/2."""
    import torch

    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def qkv(an: Analysis, layer: int, head: int, query: int) -> QKV:
    """Recompute head `head` of layer `layer` for the token at `query`, step by step.

    SmolLM2 (Llama): x -> RMSNorm (input_layernorm) -> q_proj, k_proj, v_proj -> RoPE on
    q and k -> the query head reads kv head (head - 1) // (heads / kv_heads) -> causal mask.
    MiniLM (BERT): x -> query, key, value Linear layers (with bias) -> no mask.
    """
    import torch

    from playground import backends
    from playground.backends.compute import COMPUTE_LOCK

    layer, head = check_layer_head(an, layer, head)
    query = validate.integer(query, "query", 0, an.n_tokens - 1)
    x = torch.tensor(an.hidden[layer - 1])                                # (T, D)
    T = an.n_tokens
    with COMPUTE_LOCK, torch.inference_mode():
        if an.model == "smollm2":
            model = backends.get("smollm2").model
            block = model.model.layers[layer - 1]
            attn = block.self_attn
            d = attn.head_dim
            group = attn.num_key_value_groups                             # 9 / 3 = 3
            kv_head = (head - 1) // group + 1
            xn = block.input_layernorm(x)                                 # RMSNorm
            q = attn.q_proj(xn).view(T, -1, d)[:, head - 1]               # (T, d)
            k = attn.k_proj(xn).view(T, -1, d)[:, kv_head - 1]            # (T, d)
            v = attn.v_proj(xn).view(T, -1, d)[:, kv_head - 1]            # (T, d)
            cos, sin = model.model.rotary_emb(x[None], torch.arange(T)[None])
            cos, sin = cos[0], sin[0]                                     # (T, d)
            q = q * cos + rotate_half(q) * sin                            # rotate by position
            k = k * cos + rotate_half(k) * sin
        else:
            self_attn = backends.get("minilm").model.encoder.layer[layer - 1].attention.self
            d = self_attn.attention_head_size
            kv_head = head
            cols = slice((head - 1) * d, head * d)
            q = self_attn.query(x)[:, cols]
            k = self_attn.key(x)[:, cols]
            v = self_attn.value(x)[:, cols]
    q_i = q[query].double().numpy()
    keys, values = k.double().numpy(), v.double().numpy()
    # 1. how well the query matches each key
    scores = keys @ q_i                                                    # (T,)
    # 2. divided by sqrt(d), so the scores do not grow with the dimension
    scaled = scores / math.sqrt(d)
    # 3. the causal mask: a GPT token sees itself and the tokens before it
    allowed = np.arange(T) <= query if an.causal else np.ones(T, bool)
    # 4. softmax over the allowed keys (exp of -inf is 0 for the masked ones)
    z = np.where(allowed, scaled, -np.inf)
    e = np.exp(z - z[allowed].max())
    weights = e / e.sum()
    # 5. the output: the weighted sum of the value vectors
    output = weights @ values
    return QKV(layer, head, kv_head, query, d, q_i, keys, values, scores, scaled, allowed,
               weights, output, an.weights(layer, head)[query].astype(float), an.model == "smollm2")


# --- figures -------------------------------------------------------------------------------

def _ticks(an: Analysis, size: int) -> dict:
    return {"tickvals": list(range(an.n_tokens)), "ticktext": list(an.tokens),
            "tickfont": {"size": size}, "showgrid": False, "zeroline": False}


def tick_size(n_tokens: int) -> int:
    return 17 if n_tokens <= 16 else 15 if n_tokens <= 32 else 12


def heatmap_height(n_tokens: int) -> int:
    return int(min(860, max(480, 250 + 17 * n_tokens)))


class Rows:
    """A heatmap's rows of numbers that plotly neither deep-copies nor walks.

    A go.Figure deep-copies its data when built and again when written as JSON, and walks
    every list looking for arrays to encode: ~4 us per number, 40 ms for the ten 32 x 32
    maps of a layer. Plotly leaves an object with `to_plotly_json` alone until it writes the
    JSON, which is then the same. Reads like a list of rows (z[i][j], len, iteration).
    """

    def __init__(self, rows: list):
        self.rows = rows

    def __deepcopy__(self, memo):
        return self                      # read-only: sharing it is safe

    def to_plotly_json(self):
        return self.rows

    def __getitem__(self, i):
        return self.rows[i]

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)


def _cells(an: Analysis, matrix: np.ndarray) -> Rows:
    """Rows of weights, None where the causal mask hides a key (drawn as the gray background)."""
    rows = np.round(matrix.astype(float), 4).tolist()
    if an.causal:
        for i, row in enumerate(rows):
            row[i + 1:] = [None] * (len(row) - i - 1)
    return Rows(rows)


def model_name(model: str, lang: str) -> str:
    return t(f"attention_model_{model}", lang)


def head_figure(an: Analysis, layer: int, head: int, lang: str):
    """The chosen head: rows the token that looks, columns the token looked at."""
    layer, head = check_layer_head(an, layer, head)
    size = tick_size(an.n_tokens)
    layout = plotstyle.base_layout(
        t("attention_head_title", lang, model=model_name(an.model, lang), layer=layer,
          layers=an.n_layers, head=head, heads=an.n_heads),
        t("attention_axis_key", lang), t("attention_axis_query", lang),
        height=heatmap_height(an.n_tokens))
    layout["xaxis"].update(_ticks(an, size), tickangle=-60, side="bottom")
    layout["yaxis"].update(_ticks(an, size), autorange="reversed")
    layout["plot_bgcolor"] = MASKED
    layout["margin"] = {"l": 110, "r": 30, "t": 100, "b": 110}
    data = [{"type": "heatmap", "z": _cells(an, an.weights(layer, head)), "zmin": 0,
             "colorscale": COLORSCALE, "xgap": 1, "ygap": 1,
             "colorbar": {"title": {"text": t("attention_weight", lang)}, "thickness": 18},
             "hovertemplate": "%{y} → %{x}: %{z:.3f}<extra></extra>"}]
    return plotstyle.figure(data, layout)


def _grid_domains(n: int, cols: int, gap: float = 0.025, top: float = 0.9):
    rows = math.ceil(n / cols)
    w = (1 - gap * (cols - 1)) / cols
    h = (top - gap * 2 * (rows - 1)) / rows
    for k in range(n):
        r, c = divmod(k, cols)
        x0 = c * (w + gap)
        y1 = top - r * (h + 2 * gap)
        yield [x0, x0 + w], [y1 - h, y1]


def heads_figure(an: Analysis, layer: int, head: int, lang: str):
    """Every head of one layer as small multiples, then their average; the chosen head framed."""
    layer, head = check_layer_head(an, layer, head)
    H = an.n_heads
    cols = 5 if H + 1 <= 10 else 7
    rows = math.ceil((H + 1) / cols)
    mats = [an.weights(layer, h) for h in range(1, H + 1)] + [an.attentions[layer - 1].mean(0)]
    names = [t("attention_head_short", lang, head=h) for h in range(1, H + 1)]
    names.append(t("attention_average", lang))
    layout = plotstyle.base_layout(t("attention_heads_title", lang, layer=layer, layers=an.n_layers),
                                   height=110 + (1300 // cols) * rows)
    layout.pop("xaxis"), layout.pop("yaxis")
    layout.update(plot_bgcolor=MASKED, margin={"l": 20, "r": 20, "t": 70, "b": 20},
                  coloraxis={"colorscale": COLORSCALE_SQRT, "cmin": 0, "cmax": 1, "showscale": False},
                  annotations=[], shapes=[])
    data = []
    for k, ((x0, x1), (y0, y1)) in enumerate(_grid_domains(H + 1, cols, top=0.93)):
        ax = "" if k == 0 else str(k + 1)
        axis = {"showticklabels": False, "showgrid": False, "zeroline": False, "ticks": ""}
        layout[f"xaxis{ax}"] = {**axis, "domain": [x0, x1], "anchor": f"y{ax}",
                                "range": [-0.5, an.n_tokens - 0.5]}
        layout[f"yaxis{ax}"] = {**axis, "domain": [y0, y1], "anchor": f"x{ax}",
                                "range": [an.n_tokens - 0.5, -0.5]}
        data.append({"type": "heatmap", "z": _cells(an, mats[k]), "coloraxis": "coloraxis",
                     "xaxis": f"x{ax}", "yaxis": f"y{ax}",
                     "hovertemplate": "%{y} → %{x}: %{z:.3f}<extra>" + names[k] + "</extra>"})
        chosen = k == head - 1
        layout["annotations"].append({
            "text": f"<b>{names[k]}</b>" if chosen or k == H else names[k], "showarrow": False,
            "xref": "paper", "yref": "paper", "x": (x0 + x1) / 2, "y": y1, "yanchor": "bottom",
            "font": {"size": 16, "color": "#b91c1c" if chosen else "#111"}})
        if chosen:
            layout["shapes"].append({"type": "rect", "xref": "paper", "yref": "paper",
                                     "x0": x0 - 0.004, "x1": x1 + 0.004, "y0": y0 - 0.006,
                                     "y1": y1 + 0.006, "line": {"color": "#b91c1c", "width": 3}})
    layout["annotations"].append({
        "text": t("attention_heads_note", lang), "showarrow": False, "xref": "paper",
        "yref": "paper", "x": 1, "y": 1.0, "xanchor": "right", "yanchor": "bottom",
        "font": {"size": 14, "color": "#4b5563"}})
    return plotstyle.figure(data, layout)


def compare_figure(gpt: Analysis, bert: Analysis, lang: str):
    """GPT (causal) and BERT (bidirectional) side by side: each averaged over layers and heads."""
    layout = plotstyle.base_layout(t("attention_compare_title", lang),
                                   height=heatmap_height(max(gpt.n_tokens, bert.n_tokens)) + 40)
    layout.update(plot_bgcolor=MASKED, margin={"l": 100, "r": 30, "t": 110, "b": 110},
                  annotations=[],
                  coloraxis={"colorscale": COLORSCALE, "cmin": 0,
                             "colorbar": {"title": {"text": t("attention_weight", lang)}, "thickness": 18}})
    data = []
    for k, (an, (x0, x1)) in enumerate(((gpt, (0.0, 0.44)), (bert, (0.56, 1.0)))):
        ax = "" if k == 0 else "2"
        size = tick_size(an.n_tokens)
        layout[f"xaxis{ax}"] = {**plotstyle.AXIS, **_ticks(an, size), "domain": [x0, x1],
                                "anchor": f"y{ax}", "tickangle": -60,
                                "title": {"text": t("attention_axis_key", lang)}}
        layout[f"yaxis{ax}"] = {**plotstyle.AXIS, **_ticks(an, size), "domain": [0, 1],
                                "anchor": f"x{ax}", "autorange": "reversed",
                                "title": {"text": t("attention_axis_query", lang) if k == 0 else ""}}
        mean = an.attentions.mean((0, 1))
        data.append({"type": "heatmap", "z": _cells(an, mean), "coloraxis": "coloraxis",
                     "xaxis": f"x{ax}", "yaxis": f"y{ax}", "xgap": 1, "ygap": 1,
                     "hovertemplate": "%{y} → %{x}: %{z:.3f}<extra></extra>"})
        layout["annotations"].append({
            "text": f"<b>{t('attention_compare_' + an.model, lang)}</b>", "showarrow": False,
            "xref": "paper", "yref": "paper", "x": (x0 + x1) / 2, "y": 1.01, "yanchor": "bottom",
            "font": {"size": 18}})
    return plotstyle.figure(data, layout)


def compare_text(gpt: Analysis, bert: Analysis, lang: str) -> str:
    """The explanation under the comparison, with the numbers of this sentence."""
    T = gpt.n_tokens
    upper = np.triu(gpt.attentions, k=1)
    return t("attention_compare_explain", lang, gpt_tokens=T, hidden=T * (T - 1) // 2,
             cells=T * T, gpt_max=fmt(float(upper.max())), bert_tokens=bert.n_tokens,
             bert_min=f"{float(bert.attentions.min()):.1e}")


def qkv_figure(an: Analysis, res: QKV, lang: str):
    """Two rows of bars over the keys: the scaled scores, then the softmax weights."""
    x = list(range(an.n_tokens))
    scaled = [round(float(s), 4) if ok else None for s, ok in zip(res.scaled, res.allowed)]
    layout = plotstyle.base_layout(
        t("attention_qkv_title", lang, token=an.tokens[res.query], pos=res.query,
          layer=res.layer, head=res.head), height=720)
    size = tick_size(an.n_tokens)
    common = {**plotstyle.AXIS, "tickvals": x, "ticktext": list(an.tokens),
              "tickfont": {"size": size}, "range": [-0.6, an.n_tokens - 0.4]}
    layout["xaxis"] = {**common, "anchor": "y", "showticklabels": False}
    layout["xaxis2"] = {**common, "anchor": "y2", "tickangle": -60,
                        "title": {"text": t("attention_axis_key", lang)}}
    layout["yaxis"] = {**plotstyle.AXIS, "domain": [0.56, 1.0],
                       "title": {"text": t("attention_qkv_scaled", lang, d=res.d)}}
    layout["yaxis2"] = {**plotstyle.AXIS, "domain": [0.0, 0.44], "rangemode": "tozero",
                        "title": {"text": t("attention_weight", lang)}}
    layout["margin"] = {"l": 90, "r": 30, "t": 100, "b": 180}
    layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -0.3, "xanchor": "left", "x": 0}
    data = [
        {"type": "bar", "x": x, "y": scaled, "xaxis": "x", "yaxis": "y", "name": t("attention_qkv_scaled_short", lang),
         "marker": {"color": plotstyle.COLORS["line"]},
         "hovertemplate": "%{y:.3f}<extra></extra>"},
        {"type": "bar", "x": x, "y": np.round(res.weights, 4).tolist(), "xaxis": "x2", "yaxis": "y2",
         "name": t("attention_qkv_ours", lang), "marker": {"color": "#f59e0b"},
         "hovertemplate": "%{y:.4f}<extra></extra>"},
        {"type": "scatter", "mode": "markers", "x": x, "y": np.round(res.model_weights, 4).tolist(),
         "xaxis": "x2", "yaxis": "y2", "name": t("attention_qkv_model", lang),
         "marker": {"symbol": "diamond", "size": 11, "color": "#111",
                    "line": {"color": "white", "width": 1}},
         "hovertemplate": "%{y:.4f}<extra></extra>"},
    ]
    if an.causal and res.query < an.n_tokens - 1:
        layout["shapes"] = [{"type": "rect", "xref": f"x{a}", "yref": f"y{a} domain",
                             "x0": res.query + 0.5, "x1": an.n_tokens - 0.4, "y0": 0, "y1": 1,
                             "fillcolor": MASKED, "opacity": 0.5, "line": {"width": 0}}
                            for a in ("", "2")]
        layout["annotations"] = [{"text": t("attention_qkv_masked", lang), "xref": "x",
                                  "yref": "y domain", "x": (res.query + an.n_tokens) / 2,
                                  "y": 0.5, "showarrow": False, "font": {"size": 16, "color": "#374151"}}]
    return plotstyle.figure(data, layout)


def _vec(values, digits: int = 3) -> str:
    return "[" + ", ".join(fmt(float(v), digits) for v in values) + ", …]"


def qkv_text(an: Analysis, res: QKV, lang: str) -> str:
    """The steps with this token's numbers, and a short table of the keys it weighs most."""
    token = an.tokens[res.query]
    intro = t("attention_qkv_steps_rope" if res.rope else "attention_qkv_steps_bert", lang,
              token=token, pos=res.query, d=res.d, sqrt_d=fmt(math.sqrt(res.d), 3),
              q=_vec(res.q[:SHOWN_DIMS]), kv_head=res.kv_head, head=res.head)
    header = t("attention_qkv_table_header", lang)
    order = np.argsort(-res.weights, kind="stable")[:TABLE_ROWS]
    rows = []
    for j in sorted(order):
        if res.allowed[j]:
            cells = [fmt(res.scores[j], 3), fmt(res.scaled[j], 3), "0", fmt(res.weights[j], 4)]
        else:
            cells = ["—", "—", "−∞", "0"]
        rows.append(f"| {j} | `{an.tokens[j]}` | {_vec(res.keys[j][:3], 2)} | "
                    + " | ".join(cells) + f" | {fmt(res.model_weights[j], 4)} |")
    masked = int((~res.allowed).sum())
    outro = t("attention_qkv_outro", lang, shown=len(rows), total=an.n_tokens, masked=masked,
              out=_vec(res.output[:SHOWN_DIMS]), diff=f"{res.max_difference:.1e}")
    return "\n".join([intro, "", header, "|---:|---|---|---:|---:|---:|---:|---:|", *rows, "", outro])


def info_text(an: Analysis, lang: str) -> str:
    """One line under the heatmap: how many tokens, which model, what the mask does."""
    key = "attention_info_causal" if an.causal else "attention_info_bidirectional"
    return t(key, lang, model=model_name(an.model, lang), tokens=an.n_tokens,
             layers=an.n_layers, heads=an.n_heads)


# --- what one event of the page shows ---------------------------------------------------------

def view(model, text, layer, head, lang: str) -> tuple:
    """The chosen head's heatmap, the layer's heads, a line of text and the tokens."""
    an = analyze(model, text)
    layer, head = check_layer_head(an, layer, head)
    return (head_figure(an, layer, head, lang), heads_figure(an, layer, head, lang),
            info_text(an, lang), an.as_dict())


def qkv_view(model, text, layer, head, query, lang: str) -> tuple:
    """The Q/K/V recomputation as bars, steps with a table, and the numbers."""
    an = analyze(model, text)
    res = qkv(an, layer, head, query)
    return qkv_figure(an, res, lang), qkv_text(an, res, lang), res.as_dict()


def compare_view(text, lang: str) -> tuple:
    """GPT and BERT on the same sentence, and what the picture shows."""
    gpt, bert = analyze("smollm2", text), analyze("minilm", text)
    return compare_figure(gpt, bert, lang), compare_text(gpt, bert, lang)
