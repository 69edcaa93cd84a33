"""Text generation: a GPT predicts the next token, and sampling turns scores into text.

The course's definition of an autoregressive language model: the probability of a text is
the product of each token's probability given the tokens before it,

    P(x_1 ... x_n | prompt) = P(x_1 | prompt) · P(x_2 | prompt, x_1) · ... ,
    log P = sum of the log-probabilities of the steps.

One forward pass of SmolLM2 gives a score (logit) for each of the 49,152 tokens of its
vocabulary being the next one. Sampling then follows the lesson's stages (the same as
`causal_lm.sampling_distribution`, used here, and as transformer-explainer's):

    1. scaled logits: logits / T  (T < 1 sharpens, T > 1 flattens; T = 0 is greedy)
    2. top-k: keep the k best tokens
    3. top-p (nucleus, Holtzman et al., 2019): keep the best tokens until their
       probabilities add up to p
    4. softmax -> draw one token

Entropy H = -sum p log2 p (bits) measures how spread the choice is: 0 bits for a sure
token; log2(49,152) = 15.6 bits for all tokens equally likely.

The forward pass is cached by the token ids (`logits_after`); temperature, top-k and top-p
are applied live on top of the cache, so a slider never runs the model.
"""
from __future__ import annotations

import codecs
import html
import math
import threading
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterator

import numpy as np

from playground import backends
from playground.core import plotstyle
from playground.backends.causal_lm import SampledToken, sampling_distribution
from playground.core.errors import UserError
from playground.core.i18n import t
from playground.core.plotstyle import fmt

MODEL = "smollm2"
PROMPTS = {"es": "El futuro de la IA se basa en la", "en": "The future of AI is based on the"}
MAX_PROMPT_CHARS = 2_000     # a prompt box takes a paragraph, not a book
MAX_CONTEXT_TOKENS = 512     # prompt + appended tokens for one next-token forward pass
TEMPERATURE_MAX = 3.0
TOP_K_MAX = 200              # 0 switches top-k off
TOP_N = 12                   # bars drawn: the best tokens (the ranking is the same at every T)
MAX_NEW_TOKENS = 300         # a streamed generation stops here...
MAX_SECONDS = 120.0          # ...or after this much wall time, whichever comes first
MAX_COMPARE_TOKENS = 80      # each of the four side-by-side samples
SEED_MAX = 2**31 - 1
ENTROPY_TEMPERATURES = np.round(np.arange(0.05, TEMPERATURE_MAX + 1e-9, 0.05), 2)

# Probability bins for the token chips: (lower bound, colour, i18n key of the legend).
CHIP_BINS = ((0.5, "#1a9850", "generation_chip_high"), (0.1, "#a6d96a", "generation_chip_mid"),
             (0.01, "#fdae61", "generation_chip_low"), (0.0, "#d73027", "generation_chip_rare"))
PROMPT_CHIP = "#e5e7eb"
BAR_MODEL, BAR_SAMPLED, BAR_CUT = "#9ca3af", "#1f77b4", "#f4c7c3"

# A forward pass already uses both cores: two at once only slow each other down.
_FORWARD_LOCK = threading.Lock()


# --- the model's scores, cached by the context ----------------------------------------------

@lru_cache(maxsize=32)
def logits_after(ids: tuple[int, ...], model: str = MODEL) -> np.ndarray:
    """Scores of every vocabulary token following `ids`: (V,) float32, read-only."""
    lm = backends.get(model)
    with _FORWARD_LOCK:
        logits = lm.next_token_logits(ids)
    logits.flags.writeable = False
    return logits


def _logits_tensor(ids: tuple[int, ...], model: str = MODEL):
    """A torch copy of the cached scores (the cached array stays read-only)."""
    import torch

    return torch.from_numpy(np.array(logits_after(ids, model)))


def encode_prompt(prompt: str, model: str = MODEL) -> tuple[int, ...]:
    ids = tuple(backends.get(model).encode(prompt))
    if not ids:
        raise UserError("error_empty_prompt")
    if len(ids) > MAX_CONTEXT_TOKENS:
        raise UserError("error_prompt_too_long", tokens=len(ids), limit=MAX_CONTEXT_TOKENS)
    return ids


# --- token pieces as readable text --------------------------------------------------------

def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's table: each byte 0-255 written as a visible character (space -> 'Ġ')."""
    visible = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
               *range(ord("®"), ord("ÿ") + 1)]
    extra = iter(range(256, 512))
    return {b: chr(b) if b in visible else chr(next(extra)) for b in range(256)}


_UNICODE_TO_BYTE = {c: b for b, c in _bytes_to_unicode().items()}


def token_bytes(lm, token_id: int) -> bytes:
    """The bytes a byte-level BPE token stands for ('Ġla' -> b' la'); special tokens as text."""
    entry = lm.tokenizer.convert_ids_to_tokens(int(token_id))
    try:
        return bytes(_UNICODE_TO_BYTE[c] for c in entry)
    except KeyError:
        return entry.encode("utf-8")


def bar_piece(lm, token_id: int) -> str:
    """One token's text on its own; the bytes of a split character as <0xC3>."""
    piece = token_bytes(lm, token_id)
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(chr(b) if b < 0x80 else f"<0x{b:02X}>" for b in piece)


def readable_pieces(lm, ids) -> list[str]:
    """Each token's text, with a character split over two tokens shown on the token that
    completes it (the other gets ''), never as a replacement character."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return [decoder.decode(token_bytes(lm, i)) for i in ids]


def show_piece(piece: str) -> str:
    """A token as a label: '␣' for a space, '↵' for a line break, '∅' for nothing."""
    if not piece:
        return "∅"
    return piece.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥")


def _plotly_text(text: str) -> str:
    """Plotly reads tags in labels (<b>, <br>): write < > & as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- one next-token distribution through the stages -----------------------------------------

def entropy_bits(probs) -> float:
    """H = -sum p log2 p over the whole vocabulary (0 log 0 = 0)."""
    import torch

    p = torch.as_tensor(probs, dtype=torch.float32)
    return float(-torch.special.xlogy(p, p).sum() / math.log(2))


@lru_cache(maxsize=32)
def _context_facts(ids: tuple[int, ...], model: str = MODEL):
    """What does not depend on the sliders: the best tokens, P at T = 1, its entropy."""
    import torch

    logits = _logits_tensor(ids, model)
    original = torch.softmax(logits, -1)
    top = torch.topk(logits, TOP_N).indices.numpy()
    lm = backends.get(model)
    pieces = tuple(bar_piece(lm, int(i)) for i in top)
    return top, original[top].numpy(), entropy_bits(original), pieces


@lru_cache(maxsize=32)
def entropy_curve(ids: tuple[int, ...], model: str = MODEL) -> tuple[np.ndarray, np.ndarray]:
    """(temperatures, entropy in bits of softmax(logits / T)) for the figure, no top-k/p."""
    import torch

    logits = _logits_tensor(ids, model)
    temps = torch.tensor(ENTROPY_TEMPERATURES, dtype=torch.float32)[:, None]   # (N, 1)
    logp = torch.log_softmax(logits[None] / temps, -1)                          # (N, V)
    h = -(logp.exp() * logp).sum(-1) / math.log(2)                              # (N,)
    return ENTROPY_TEMPERATURES, h.numpy()


@dataclass(frozen=True)
class NextToken:
    """The next-token distribution after a context, under one setting of the sliders.

    Arrays hold the TOP_N best tokens, best first; entropies and counts cover the whole
    vocabulary.
    """
    ids: tuple[int, ...]          # the context
    temperature: float
    top_k: int
    top_p: float
    top_ids: np.ndarray           # (TOP_N,) token ids
    pieces: tuple[str, ...]       # their text
    original: np.ndarray          # P at T = 1: the model's own probabilities
    tempered: np.ndarray          # softmax(logits / T), before top-k and top-p
    sampled: np.ndarray           # after top-k and top-p: what the next token is drawn from
    cut_by: tuple[str, ...]       # "", "greedy", "top_k" or "top_p" for each bar
    entropy_original: float       # bits
    entropy_tempered: float
    entropy_sampled: float
    kept_by_k: int                # tokens left after top-k (the vocabulary size if off)
    kept: int                     # tokens left after top-k and top-p
    kept_mass: float              # share of the tempered probability those hold
    vocab_size: int

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def as_dict(self) -> dict:
        """The numbers an API client reads."""
        return {"temperature": self.temperature, "top_k": self.top_k, "top_p": self.top_p,
                "greedy": self.greedy, "context_tokens": len(self.ids),
                "entropy_bits": {"original": self.entropy_original,
                                 "tempered": self.entropy_tempered,
                                 "sampled": self.entropy_sampled},
                "kept_by_top_k": self.kept_by_k, "kept": self.kept, "kept_mass": self.kept_mass,
                "tokens": [{"id": int(i), "piece": p, "p_model": float(o), "p_tempered": float(tp),
                            "p_sampled": float(s), "cut_by": c}
                           for i, p, o, tp, s, c in zip(self.top_ids, self.pieces, self.original,
                                                         self.tempered, self.sampled, self.cut_by)]}


def stages(logits, temperature: float, top_k: int, top_p: float):
    """The lesson's stages on one row of scores, each a (V,) torch tensor of probabilities:
    (tempered: softmax(logits / T), after top-k, sampled: after top-k and top-p)."""
    # 1. scaled logits -> softmax: the tempered distribution (T = 0: all on the best token)
    tempered = sampling_distribution(logits, temperature)
    # 2. top-k, then 3. top-p: what the next token is drawn from
    after_k = sampling_distribution(logits, temperature, top_k) if top_k else tempered
    sampled = sampling_distribution(logits, temperature, top_k, top_p)
    return tempered, after_k, sampled


def cut_by(after_k, sampled, greedy: bool = False) -> list[str]:
    """For each token: "" if it can be drawn, else the stage that cut it: "greedy" (T = 0
    keeps only the best), "top_k" or "top_p"."""
    return ["" if s > 0 else "greedy" if greedy else "top_k" if k == 0 else "top_p"
            for s, k in zip(sampled.tolist(), after_k.tolist())]


def next_token(ids: tuple[int, ...], temperature: float, top_k: int, top_p: float,
               model: str = MODEL) -> NextToken:
    """The distribution after `ids` at each stage; the model runs only on a cache miss."""
    import torch

    logits = _logits_tensor(ids, model)
    top, original, h_original, pieces = _context_facts(ids, model)
    tempered, after_k, sampled = stages(logits, temperature, top_k, top_p)
    top_t = torch.from_numpy(top)
    kept = sampled > 0
    return NextToken(
        ids=ids, temperature=temperature, top_k=top_k, top_p=top_p, top_ids=top,
        pieces=pieces, original=original, tempered=tempered[top_t].numpy(),
        sampled=sampled[top_t].numpy(), cut_by=tuple(cut_by(after_k[top_t], sampled[top_t], temperature == 0)),
        entropy_original=h_original, entropy_tempered=entropy_bits(tempered),
        entropy_sampled=entropy_bits(sampled), kept_by_k=int((after_k > 0).sum()),
        kept=int(kept.sum()), kept_mass=float(tempered[kept].sum()), vocab_size=int(logits.numel()))


# --- step by step: append one token at a time ------------------------------------------------

@dataclass(frozen=True)
class Steps:
    """Tokens appended to a prompt one click at a time (a visitor's gr.State).

    `p_model` is each token's probability under the model (T = 1) given everything before
    it: the factors of the sequence's probability. `p_sampled` is its probability in the
    distribution it was drawn from (None when the visitor picked it). `rng_state` carries
    the seeded generator from one draw to the next, so clicking "sample" n times with a
    seed gives the same tokens as streaming n tokens with that seed.
    """
    prompt: str = ""
    ids: tuple[int, ...] = ()
    p_model: tuple[float, ...] = ()
    p_sampled: tuple[float | None, ...] = ()
    seed: int | None = None
    rng_state: bytes | None = None

    def for_prompt(self, prompt: str) -> "Steps":
        """These steps if they continue `prompt`, else none (the prompt was edited)."""
        return self if self.prompt == prompt else Steps(prompt)

    def context(self, model: str = MODEL) -> tuple[int, ...]:
        ids = encode_prompt(self.prompt, model) + self.ids
        if len(ids) > MAX_CONTEXT_TOKENS:
            raise UserError("error_prompt_too_long", tokens=len(ids), limit=MAX_CONTEXT_TOKENS)
        return ids

    def log_prob(self) -> float:
        """ln P(appended tokens | prompt) = sum of ln p of each step."""
        return math.fsum(math.log(p) if p > 0 else -math.inf for p in self.p_model)

    def undo(self) -> "Steps":
        return replace(self, ids=self.ids[:-1], p_model=self.p_model[:-1],
                       p_sampled=self.p_sampled[:-1]) if self.ids else self


def _model_prob(ids, token: int, model: str) -> float:
    import torch

    return float(torch.softmax(_logits_tensor(ids, model), -1)[token])


def sample_step(steps: Steps, temperature: float, top_k: int, top_p: float, seed: int,
                model: str = MODEL) -> Steps:
    """Append a token drawn with the sliders' settings and the seed's generator."""
    import torch

    ids = steps.context(model)
    probs = sampling_distribution(_logits_tensor(ids, model), temperature, top_k, top_p)
    generator = torch.Generator()
    if steps.seed == seed and steps.rng_state is not None:
        generator.set_state(torch.frombuffer(bytearray(steps.rng_state), dtype=torch.uint8))
    else:
        generator.manual_seed(seed)
    if temperature == 0:
        token = int(torch.argmax(probs))
    else:
        token = int(torch.multinomial(probs, 1, generator=generator))
    return replace(steps, ids=steps.ids + (token,),
                   p_model=steps.p_model + (_model_prob(ids, token, model),),
                   p_sampled=steps.p_sampled + (float(probs[token]),), seed=seed,
                   rng_state=generator.get_state().numpy().tobytes())


def pick_step(steps: Steps, token_id: int, model: str = MODEL) -> Steps:
    """Append the token the visitor chose."""
    ids = steps.context(model)
    vocab = len(logits_after(ids, model))
    if not 0 <= token_id < vocab:
        raise UserError("error_out_of_range", name="token", low=0, high=vocab - 1, value=token_id)
    return replace(steps, ids=steps.ids + (token_id,),
                   p_model=steps.p_model + (_model_prob(ids, token_id, model),),
                   p_sampled=steps.p_sampled + (None,))


# --- streaming generation -----------------------------------------------------------------

def stream(prompt: str, max_new_tokens: int, temperature: float, top_k: int, top_p: float,
           seed: int, stop_event: threading.Event | None = None,
           max_seconds: float = MAX_SECONDS, model: str = MODEL) -> Iterator[list[SampledToken]]:
    """The new tokens so far, after each one, through the backend's `stream_tokens`.

    Stops after `max_new_tokens` (at most MAX_NEW_TOKENS), at the end-of-text token, when
    `stop_event` is set, or after `max_seconds` of wall time.
    """
    lm = backends.get(model)
    stop = stop_event or threading.Event()
    timer = threading.Timer(max_seconds, stop.set)
    timer.daemon = True
    timer.start()
    tokens: list[SampledToken] = []
    try:
        for token in lm.stream_tokens(encode_prompt(prompt, model), min(max_new_tokens, MAX_NEW_TOKENS),
                                      temperature, top_k, top_p, seed, stop_event=stop):
            tokens.append(token)
            yield tokens
    finally:
        timer.cancel()


def compare(prompt: str, max_new_tokens: int, temperatures: tuple[float, float],
            top_k: int, top_p: float, seed: int, stop_event: threading.Event | None = None,
            max_seconds: float = MAX_SECONDS,
            model: str = MODEL) -> Iterator[list[tuple[float, int, list[SampledToken]]]]:
    """Four samples from one prompt, [(T, seed, tokens), ...]: each temperature with seeds
    `seed` and `seed + 1`, advanced one token each in turn so all four grow together."""
    lm = backends.get(model)
    ids = encode_prompt(prompt, model)
    n = min(max_new_tokens, MAX_COMPARE_TOKENS)
    stop = stop_event or threading.Event()
    deadline = time.monotonic() + max_seconds
    runs = [(temp, s, lm.stream_tokens(ids, n, temp, top_k, top_p, s, stop_event=stop))
            for temp in temperatures for s in (seed, seed + 1)]
    out = [(temp, s, []) for temp, s, _ in runs]
    live = [True] * len(runs)
    while any(live) and not stop.is_set() and time.monotonic() < deadline:
        for i, (_, _, tokens_iter) in enumerate(runs):
            if live[i]:
                token = next(tokens_iter, None)
                if token is None:
                    live[i] = False
                else:
                    out[i][2].append(token)
        yield out


# --- the lesson's presentation: figures and text --------------------------------------------

def bars_figure(nt: NextToken, lang: str):
    """The best next tokens: the model's probabilities and the ones a token is drawn from."""
    n = len(nt.top_ids)
    ys = list(range(n))                                      # by position: pieces may repeat
    labels = [_plotly_text(f"{i + 1}. «{show_piece(p)}»") for i, p in enumerate(nt.pieces)]
    cut_text = {"top_k": t("generation_cut_top_k", lang), "top_p": t("generation_cut_top_p", lang),
                "greedy": ""}
    sampled_text = [cut_text[c] if c else f"{100 * s:.1f}%" for s, c in zip(nt.sampled, nt.cut_by)]
    stage = (t("generation_bar_greedy", lang) if nt.greedy
             else t("generation_bar_sampled", lang, T=fmt(nt.temperature, 2)))
    data = [
        {"type": "bar", "orientation": "h", "y": ys, "x": 100 * nt.original,
         "name": t("generation_bar_model", lang), "marker": {"color": BAR_MODEL},
         "text": [f"{100 * p:.1f}%" for p in nt.original], "textposition": "outside",
         "hovertemplate": "%{x:.2f}%<extra></extra>"},
        {"type": "bar", "orientation": "h", "y": ys, "x": [max(100 * s, 0.0) for s in nt.sampled],
         "name": stage, "text": sampled_text, "textposition": "outside", "cliponaxis": False,
         "marker": {"color": [BAR_CUT if c else BAR_SAMPLED for c in nt.cut_by]},
         "hovertemplate": "%{x:.2f}%<extra></extra>"},
    ]
    if any(c in ("top_k", "top_p") for c in nt.cut_by):   # a visible stub to sit "cut" on
        data[1]["x"] = [0.4 if c in ("top_k", "top_p") else x for c, x in zip(nt.cut_by, data[1]["x"])]
    height = 170 + 44 * n
    title = (t("generation_bars_title_greedy", lang) if nt.greedy
             else t("generation_bars_title", lang, T=fmt(nt.temperature, 2)))
    layout = plotstyle.base_layout(title, t("generation_bars_x", lang), None, height=height)
    top = max(float(np.max(nt.original)), float(np.max(nt.sampled))) * 100
    layout["xaxis"]["range"] = [0, top * 1.22 + 1]
    layout["yaxis"].update({"tickvals": ys, "ticktext": labels, "autorange": "reversed",
                            "tickfont": {"size": 18, "family": "ui-monospace, monospace"}})
    layout.update({"barmode": "group", "bargap": 0.25, "bargroupgap": 0.05,
                   "margin": {"l": 40, "r": 30, "t": 110, "b": 60},
                   "legend": {**layout["legend"], "y": 1.02}})
    return plotstyle.figure(data, layout)


def entropy_figure(nt: NextToken, lang: str):
    """Entropy against temperature for this context, the current setting marked."""
    temps, h = entropy_curve(nt.ids)
    data = [
        {"type": "scatter", "x": temps, "y": h, "mode": "lines",
         "line": {"width": 4, "color": plotstyle.COLORS["line"]},
         "name": t("generation_entropy_curve", lang)},
        {"type": "scatter", "x": [nt.temperature], "y": [nt.entropy_tempered],
         "mode": "markers", "marker": {"size": 16, "color": plotstyle.COLORS["point"]},
         "name": t("generation_entropy_now", lang)},
        {"type": "scatter", "x": [nt.temperature], "y": [nt.entropy_sampled],
         "mode": "markers", "marker": {"size": 14, "symbol": "diamond", "color": "#111"},
         "name": t("generation_entropy_cut", lang)},
    ]
    layout = plotstyle.base_layout(
        t("generation_entropy_title", lang, h=fmt(nt.entropy_sampled, 2)),
        t("generation_entropy_x", lang), t("generation_entropy_y", lang), height=400)
    layout["xaxis"]["range"] = [0, TEMPERATURE_MAX + 0.05]
    layout["legend"] = {"orientation": "h", "y": -0.3, "x": 0, "xanchor": "left"}
    layout["margin"] = {"l": 70, "r": 30, "t": 70, "b": 120}
    return plotstyle.figure(data, layout)


def summary(nt: NextToken, lang: str) -> str:
    """What the sliders did, in words and numbers (Markdown)."""
    best = show_piece(nt.pieces[0])
    lines = []
    if nt.greedy:
        lines.append(t("generation_summary_greedy", lang, token=best))
    else:
        lines.append(t("generation_summary_temperature", lang, T=fmt(nt.temperature, 2), token=best,
                       p1=f"{100 * nt.original[0]:.1f}", p2=f"{100 * nt.tempered[0]:.1f}"))
    lines.append(t("generation_summary_entropy", lang, h1=fmt(nt.entropy_original, 2),
                   h2=fmt(nt.entropy_tempered, 2), h3=fmt(nt.entropy_sampled, 2),
                   T=fmt(nt.temperature, 2)))
    if not nt.greedy:
        k_text = (t("generation_summary_k", lang, k=nt.top_k, kept=count(nt.kept_by_k, lang),
                    vocab=count(nt.vocab_size, lang)) if nt.top_k
                  else t("generation_summary_k_off", lang, vocab=count(nt.vocab_size, lang)))
        p_text = (t("generation_summary_p", lang, p=fmt(nt.top_p, 2), kept=count(nt.kept, lang),
                    mass=f"{100 * nt.kept_mass:.1f}") if nt.top_p < 1
                  else t("generation_summary_p_off", lang))
        lines.append(f"{k_text} {p_text}")
    return "\n\n".join(lines)


def count(n: int, lang: str) -> str:
    """49,152 in English, 49 152 in Spanish (a no-break space between the thousands)."""
    text = f"{n:,}"
    return text.replace(",", "\u00a0") if lang == "es" else text


def _chip_color(p: float) -> str:
    return next(color for low, color, _ in CHIP_BINS if p >= low)


def chips_html(pieces: list[str], probs: list[float | None], n_prompt: int, lang: str,
               sampled: list[float | None] | None = None, legend: bool = True) -> str:
    """Text as token chips: the prompt grey, each new token coloured by its probability."""
    chips = []
    for i, piece in enumerate(pieces):
        text = html.escape(piece.replace("\n", "↵\n")) if piece else "⋯"
        if i < n_prompt:
            chips.append(f'<span class="tok tok-prompt" style="background:{PROMPT_CHIP}">{text}</span>')
            continue
        p = probs[i - n_prompt]
        tip = t("generation_chip_tip", lang, p=f"{100 * p:.2f}")
        q = sampled[i - n_prompt] if sampled else None
        if q is not None:
            tip += " · " + t("generation_chip_tip_sampled", lang, p=f"{100 * q:.2f}")
        chips.append(f'<span class="tok" title="{html.escape(tip)}" data-p="{p:.4f}" '
                     f'style="background:{_chip_color(p)}">{text}</span>')
    text = f'<div class="tok-text">{"".join(chips)}</div>'
    return text + chips_legend(lang) if legend else text


def chips_legend(lang: str) -> str:
    bins = " ".join(f'<span class="tok" style="background:{color}">{html.escape(t(key, lang))}</span>'
                    for _, color, key in CHIP_BINS)
    return (f'<div class="tok-legend">{html.escape(t("generation_chip_legend", lang))} {bins} '
            f'<span class="tok tok-prompt" style="background:{PROMPT_CHIP}">'
            f'{html.escape(t("generation_chip_prompt", lang))}</span></div>')


def sci(log10_value: float) -> str:
    """10 ** log10_value written without underflow: 3.2 × 10^-45."""
    if log10_value == -math.inf:
        return "0"
    exponent = math.floor(log10_value)
    mantissa = 10 ** (log10_value - exponent)
    if -3 <= exponent <= 0:
        return f"{10 ** log10_value:.4g}"
    return f"{mantissa:.2f} × 10^{exponent}"


def steps_view(steps: Steps, lang: str, model: str = MODEL) -> tuple[str, str]:
    """(chips HTML of the prompt and the appended tokens, the sequence probability in
    Markdown: the product of the steps and its log)."""
    lm = backends.get(model)
    prompt_ids = encode_prompt(steps.prompt, model)
    pieces = readable_pieces(lm, prompt_ids + steps.ids)
    chips = chips_html(pieces, list(steps.p_model), len(prompt_ids), lang, list(steps.p_sampled))
    if not steps.ids:
        return chips, t("generation_steps_none", lang)
    log_p = steps.log_prob()
    factors = [f"{p:.3g}" for p in steps.p_model]
    if len(factors) > 8:
        factors = factors[:4] + ["…"] + factors[-3:]
    text = t("generation_steps_product", lang, n=len(steps.ids), factors=" × ".join(factors),
             P=sci(log_p / math.log(10)), logp=fmt(log_p, 3), per_token=fmt(log_p / len(steps.ids), 3))
    return chips, text


def choices(nt: NextToken) -> list[tuple[str, int]]:
    """The bars as choices to append: ('1. «␣la» 6.4%', token id)."""
    return [(f"{i + 1}. «{show_piece(p)}» {100 * o:.1f}%", int(tid))
            for i, (p, o, tid) in enumerate(zip(nt.pieces, nt.original, nt.top_ids))]


def stream_view(prompt: str, tokens: list[SampledToken], lang: str, elapsed: float | None = None,
                model: str = MODEL) -> tuple[str, str]:
    """(chips HTML of a streamed generation, a status line)."""
    lm = backends.get(model)
    prompt_ids = encode_prompt(prompt, model)
    ids = [tok.token_id for tok in tokens]
    pieces = readable_pieces(lm, prompt_ids + tuple(ids))
    chips = chips_html(pieces, [tok.prob for tok in tokens], len(prompt_ids), lang)
    status = t("generation_stream_status", lang, n=len(tokens))
    if elapsed and tokens:
        status += " · " + t("generation_stream_speed", lang, rate=f"{len(tokens) / elapsed:.1f}")
    if tokens and tokens[-1].token_id in lm.eos_ids:
        status += " · " + t("generation_stream_eos", lang)
    return chips, status


def compare_html(prompt: str, runs, lang: str, model: str = MODEL) -> str:
    """The four samples side by side, a card each, titled with temperature and seed."""
    lm = backends.get(model)
    cards = []
    for temp, seed, tokens in runs:
        pieces = readable_pieces(lm, [tok.token_id for tok in tokens])
        body = chips_html(pieces, [tok.prob for tok in tokens], 0, lang, legend=False)
        title = (t("generation_compare_card_greedy", lang, seed=seed) if temp == 0
                 else t("generation_compare_card", lang, T=fmt(temp, 2), seed=seed))
        cards.append(f'<div class="gen-card"><div class="gen-card-title">{html.escape(title)}</div>'
                     f'{body}</div>')
    head = f'<div class="gen-card-prompt">{html.escape(prompt)} …</div>'
    return f'{head}<div class="gen-grid">{"".join(cards)}</div>{chips_legend(lang)}'
