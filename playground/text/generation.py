"""Text generation: a GPT predicts the next token, and sampling turns scores into text.

The course's definition of an autoregressive language model: the probability of a text is
the product of each token's probability given the tokens before it,

    P(x_1 ... x_n | prompt) = P(x_1 | prompt) · P(x_2 | prompt, x_1) · ... ,
    log P = sum of the log-probabilities of the steps.

One forward pass of a causal LM gives a score (logit) for each token of its vocabulary
being the next one (`Scores`): 49,152 for SmolLM2, 262,144 for Gemma 3 270M, which the
Spanish interface uses by default (`default_model`). Sampling then follows the lesson's stages,
playground.backends.sampling (the same as transformer-explainer's): scale by T, top-k,
softmax, top-p, draw. Entropy H = -sum p log2 p (bits) measures how spread the choice is:
0 bits for a sure token; log2(49,152) = 15.6 bits for all tokens equally likely.

The scores of a visitor's context travel with the visitor (`Steps.scores`, in their
gr.State): the events that run the model compute them, and a slider only reruns the
sampling stages on them (`next_token`), never the model. Figures and text:
playground.text.generation_figures.

A little over the project's ~350 lines: the lesson's whole path (scores, stages, steps,
streaming, side by side) and the choice of model by name, which every part takes, together.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Iterator

import numpy as np

from playground import backends
from playground.backends import sampling
from playground.backends.sampling import SampledToken
from playground.core import gpu
from playground.core.errors import UserError
from playground.text.pieces import bar_piece, readable_pieces
from playground.text.streaming import bounded_tokens, time_limit

MODEL = "smollm2"            # the library's default when no model is named
BY_LANGUAGE = {"es": "gemma3"}   # the interface's default per language: the course's Spanish
                                 # example runs on a model that speaks Spanish
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

# A forward pass already uses both cores: two at once only slow each other down.
_FORWARD_LOCK = threading.Lock()


def model_names() -> tuple[str, ...]:
    """The models the lesson takes: every causal LM of the registry."""
    return backends.names(kind="causal_lm")


def default_model(lang: str) -> str:
    """The model a visitor who chose none gets, by the interface's language."""
    name = BY_LANGUAGE.get(lang)
    return name if name in model_names() else MODEL


def check_model(name) -> str:
    """A causal LM's name from a visitor or an API client, or a UserError listing them."""
    if name not in model_names():
        raise UserError("generation_error_unknown_model", model=str(name)[:40],
                        choices=", ".join(model_names()))
    return name


# --- the model's scores for a context ------------------------------------------------------

def logits_after(ids: tuple[int, ...], model: str = MODEL) -> np.ndarray:
    """Scores of every vocabulary token following `ids`: (V,) float32, read-only."""
    lm = backends.get(model)
    with _FORWARD_LOCK:
        logits = lm.next_token_logits(ids)
    logits.flags.writeable = False
    return logits


def encode_prompt(prompt: str, model: str = MODEL) -> tuple[int, ...]:
    lm = backends.get(model)
    ids = tuple(lm.prompt_ids(prompt))
    if len(ids) == len(lm.prompt_ids("")):           # nothing but the tokens put in front
        raise UserError("error_empty_prompt")
    if not ids:
        raise UserError("error_empty_prompt")
    if len(ids) > MAX_CONTEXT_TOKENS:
        raise UserError("error_prompt_too_long", tokens=len(ids), limit=MAX_CONTEXT_TOKENS)
    return ids


def entropy_bits(probs) -> float:
    """H = -sum p log2 p over the whole vocabulary (0 log 0 = 0)."""
    import torch

    p = torch.as_tensor(probs, dtype=torch.float32)
    return float(-torch.special.xlogy(p, p).sum() / math.log(2))


@dataclass(frozen=True, eq=False)
class Scores:
    """One forward pass over a context, and all that does not depend on the sliders."""
    ids: tuple[int, ...]          # the context: the prompt's tokens, then the appended ones
    n_prompt: int
    pieces: tuple[str, ...]       # each context token's text (the chips)
    logits: np.ndarray            # (V,) float32: the next token's scores (arrays read-only)
    top_ids: np.ndarray           # (TOP_N,) the best next tokens, best first
    top_pieces: tuple[str, ...]   # their text
    original: np.ndarray          # (TOP_N,) their P at T = 1: the model's own probabilities
    entropy_original: float       # bits, whole vocabulary, T = 1
    entropy_curve: np.ndarray     # bits of softmax(logits / T) at each ENTROPY_TEMPERATURES
    model: str = MODEL            # the causal LM that scored it

    @property
    def vocab_size(self) -> int:
        return int(self.logits.shape[0])

    def logits_tensor(self):
        import torch

        return torch.tensor(self.logits)        # a copy: the stored scores stay read-only

    def model_prob(self, token: int) -> float:
        """P(token | context) at T = 1."""
        import torch

        return float(torch.softmax(self.logits_tensor(), -1)[token])


def scores_after(prompt_ids: tuple[int, ...], appended: tuple[int, ...] = (),
                 model: str = MODEL) -> Scores:
    """Run the model on prompt + appended tokens and read what it says (cached)."""
    ids = prompt_ids + appended
    if len(ids) > MAX_CONTEXT_TOKENS:
        raise UserError("error_prompt_too_long", tokens=len(ids), limit=MAX_CONTEXT_TOKENS)
    return _scores(ids, len(prompt_ids), model)


@lru_cache(maxsize=32)
def _scores(ids: tuple[int, ...], n_prompt: int, model: str) -> Scores:
    """Shared by visitors only to spare work when a class opens the same prompt, or an API
    client without state asks again; a visitor's own context is kept in their
    `Steps.scores` and never looked up here again."""
    import torch

    lm = backends.get(model)
    stored = logits_after(ids, model)
    logits = torch.tensor(stored)                                                # (V,)
    original = torch.softmax(logits, -1)
    top = torch.topk(logits, TOP_N).indices
    temps = torch.tensor(ENTROPY_TEMPERATURES, dtype=torch.float32)[:, None]    # (N, 1)
    logp = torch.log_softmax(logits[None] / temps, -1)                          # (N, V)
    curve = -(logp.exp() * logp).sum(-1) / math.log(2)                          # (N,)
    arrays = top.numpy(), original[top].numpy(), curve.numpy()
    for array in arrays:
        array.flags.writeable = False                # shared through the cache: read-only
    return Scores(ids=ids, n_prompt=n_prompt, pieces=tuple(readable_pieces(lm, ids)),
                  logits=stored, top_ids=arrays[0], original=arrays[1], entropy_curve=arrays[2],
                  top_pieces=tuple(bar_piece(lm, int(i)) for i in top),
                  entropy_original=entropy_bits(original), model=model)


# --- one next-token distribution through the stages ---------------------------------------

@dataclass(frozen=True, eq=False)
class NextToken:
    """The next-token distribution after a context, under one setting of the sliders.

    Arrays hold the TOP_N best tokens, best first; entropies and counts cover the whole
    vocabulary.
    """
    scores: Scores
    temperature: float
    top_k: int
    top_p: float
    tempered: np.ndarray          # softmax(logits / T), before top-k and top-p
    sampled: np.ndarray           # after top-k and top-p: what the next token is drawn from
    cut_by: tuple[str, ...]       # "", "greedy", "top_k" or "top_p" for each bar
    entropy_tempered: float       # bits
    entropy_sampled: float
    kept_by_k: int                # tokens left after top-k (the vocabulary size if off)
    kept: int                     # tokens left after top-k and top-p
    kept_mass: float              # share of the tempered probability those hold

    ids = property(lambda self: self.scores.ids)
    top_ids = property(lambda self: self.scores.top_ids)
    pieces = property(lambda self: self.scores.top_pieces)
    original = property(lambda self: self.scores.original)
    entropy_original = property(lambda self: self.scores.entropy_original)
    vocab_size = property(lambda self: self.scores.vocab_size)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    def as_dict(self) -> dict:
        """The numbers an API client reads."""
        return {"temperature": self.temperature, "top_k": self.top_k, "top_p": self.top_p,
                "greedy": self.greedy, "context_tokens": len(self.ids),
                "context": "".join(self.scores.pieces),     # what these numbers follow
                "model": self.scores.model,
                "entropy_bits": {"original": self.entropy_original,
                                 "tempered": self.entropy_tempered,
                                 "sampled": self.entropy_sampled},
                "kept_by_top_k": self.kept_by_k, "kept": self.kept, "kept_mass": self.kept_mass,
                "tokens": [{"id": int(i), "piece": p, "p_model": float(o), "p_tempered": float(tp),
                            "p_sampled": float(s), "cut_by": c}
                           for i, p, o, tp, s, c in zip(self.top_ids, self.pieces, self.original,
                                                         self.tempered, self.sampled, self.cut_by)]}


def cut_by(after_k, sampled, greedy: bool = False) -> list[str]:
    """For each token: "" if it can be drawn, else the stage that cut it: "greedy" (T = 0
    keeps only the best), "top_k" or "top_p"."""
    return ["" if s > 0 else "greedy" if greedy else "top_k" if k == 0 else "top_p"
            for s, k in zip(sampled.tolist(), after_k.tolist())]


def next_token(scores: Scores, temperature: float, top_k: int, top_p: float) -> NextToken:
    """The distribution after the context of `scores` at each stage: no model, no tokenizer."""
    import torch

    stages = sampling.stages(scores.logits_tensor(), temperature, top_k, top_p)
    top = torch.tensor(scores.top_ids)
    kept = stages.sampled > 0
    return NextToken(
        scores=scores, temperature=temperature, top_k=top_k, top_p=top_p,
        tempered=stages.tempered[top].numpy(), sampled=stages.sampled[top].numpy(),
        cut_by=tuple(cut_by(stages.after_top_k[top], stages.sampled[top], temperature == 0)),
        entropy_tempered=entropy_bits(stages.tempered), entropy_sampled=entropy_bits(stages.sampled),
        kept_by_k=int((stages.after_top_k > 0).sum()), kept=int(kept.sum()),
        kept_mass=float(stages.tempered[kept].sum()))


# --- step by step: append one token at a time ------------------------------------------------

@dataclass(frozen=True)
class Steps:
    """Tokens appended to a prompt one click at a time (a visitor's gr.State).

    `model` is the causal LM's name ("" until the page settles it by the visitor's choice
    or language; the library then uses MODEL). `p_model` is each token's probability under the model (T = 1) given everything before
    it: the factors of the sequence's probability. `p_sampled` is its probability in the
    distribution it was drawn from (None when the visitor picked it). `rng_state` carries
    the seeded generator from one draw to the next, so clicking "sample" n times with a
    seed gives the same tokens as streaming n tokens with that seed. `scores` are the
    model's scores after prompt + ids (None until an event that runs the model computes
    them): the sliders redraw from them.
    """
    prompt: str = ""
    model: str = ""
    ids: tuple[int, ...] = ()
    p_model: tuple[float, ...] = ()
    p_sampled: tuple[float | None, ...] = ()
    seed: int | None = None
    rng_state: bytes | None = None
    scores: Scores | None = field(default=None, compare=False, repr=False)

    def for_prompt(self, prompt: str) -> "Steps":
        """These steps if they continue `prompt`, else none (the prompt was edited), on
        the same model."""
        return self if self.prompt == prompt else Steps(prompt, self.model)

    def on_model(self, model: str) -> "Steps":
        """These steps if they ran on `model`, else none for the same prompt."""
        return self if self.model == model else Steps(self.prompt, model)

    def log_prob(self) -> float:
        """ln P(appended tokens | prompt) = sum of ln p of each step."""
        return math.fsum(math.log(p) if p > 0 else -math.inf for p in self.p_model)

    def undo(self) -> "Steps":
        return replace(self, ids=self.ids[:-1], p_model=self.p_model[:-1],
                       p_sampled=self.p_sampled[:-1], scores=None) if self.ids else self


def scored(steps: Steps, model: str | None = None) -> Steps:
    """`steps` with the model's scores for its context (computed only if missing); the
    model is `steps.model` unless named."""
    if steps.scores is not None:
        return steps
    model = model or steps.model or MODEL
    return replace(steps, scores=scores_after(encode_prompt(steps.prompt, model), steps.ids, model))


def sample_step(steps: Steps, temperature: float, top_k: int, top_p: float, seed: int,
                model: str | None = None) -> Steps:
    """Append a token drawn with the sliders' settings and the seed's generator, then score
    the longer context."""
    import torch

    scores = scored(steps, model).scores
    probs = sampling.sampling_distribution(scores.logits_tensor(), temperature, top_k, top_p)
    generator = torch.Generator()
    if steps.seed == seed and steps.rng_state is not None:
        generator.set_state(torch.frombuffer(bytearray(steps.rng_state), dtype=torch.uint8))
    else:
        generator.manual_seed(seed)
    if temperature == 0:
        token = int(torch.argmax(probs))
    else:
        token = int(torch.multinomial(probs, 1, generator=generator))
    longer = replace(steps, ids=steps.ids + (token,), p_model=steps.p_model + (scores.model_prob(token),),
                     p_sampled=steps.p_sampled + (float(probs[token]),), seed=seed,
                     rng_state=generator.get_state().numpy().tobytes(), scores=None)
    return scored(longer, model)


def pick_step(steps: Steps, token_id: int, model: str | None = None) -> Steps:
    """Append the token the visitor chose, then score the longer context."""
    scores = scored(steps, model).scores
    if not 0 <= token_id < scores.vocab_size:
        raise UserError("error_out_of_range", name="token", low=0, high=scores.vocab_size - 1,
                        value=token_id)
    longer = replace(steps, ids=steps.ids + (token_id,),
                     p_model=steps.p_model + (scores.model_prob(token_id),),
                     p_sampled=steps.p_sampled + (None,), scores=None)
    return scored(longer, model)


# --- streaming generation -----------------------------------------------------------------

@gpu.on_gpu(duration=60)
def stream(prompt: str, max_new_tokens: int, temperature: float, top_k: int, top_p: float,
           seed: int, stop_event: threading.Event | None = None,
           max_seconds: float = MAX_SECONDS, model: str = MODEL) -> Iterator[list[SampledToken]]:
    """The new tokens so far, after each one, through the backend's `stream_tokens`.

    Stops after `max_new_tokens` (at most MAX_NEW_TOKENS), at the end-of-text token, when
    `stop_event` is set, or after `max_seconds` of wall time.
    """
    tokens: list[SampledToken] = []
    lm = backends.get(model)
    gpu.to_device(getattr(lm, "model", None))  # on ZeroGPU: the GPU this call was lent
    for token in bounded_tokens(lm, encode_prompt(prompt, model),
                                min(max_new_tokens, MAX_NEW_TOKENS), temperature, top_k, top_p,
                                seed, max_seconds, stop_event):
        tokens.append(token)
        yield tokens


@gpu.on_gpu(duration=60)
def compare(prompt: str, max_new_tokens: int, temperatures: tuple[float, float],
            top_k: int, top_p: float, seed: int, stop_event: threading.Event | None = None,
            max_seconds: float = MAX_SECONDS,
            model: str = MODEL) -> Iterator[list[tuple[float, int, list[SampledToken]]]]:
    """Four samples from one prompt, [(T, seed, tokens), ...]: each temperature with seeds
    `seed` and `seed + 1`, advanced one token each in turn so all four grow together."""
    lm = backends.get(model)
    gpu.to_device(getattr(lm, "model", None))
    ids = encode_prompt(prompt, model)
    n = min(max_new_tokens, MAX_COMPARE_TOKENS)
    with time_limit(max_seconds, stop_event) as stop:
        runs = [(temp, s, lm.stream_tokens(ids, n, temp, top_k, top_p, s, stop_event=stop))
                for temp in temperatures for s in (seed, seed + 1)]
        out = [(temp, s, []) for temp, s, _ in runs]
        live = [True] * len(runs)
        while any(live) and not stop.is_set():
            for i, (_, _, tokens_iter) in enumerate(runs):
                if live[i]:
                    token = next(tokens_iter, None)
                    if token is None:
                        live[i] = False
                    else:
                        out[i][2].append(token)
            yield out


def stream_dict(prompt: str, model: str, tokens: list[SampledToken], elapsed: float) -> dict:
    """A streamed generation as plain numbers and text, for an API client."""
    lm = backends.get(model)
    return {"prompt": prompt, "model": model, "text": lm.decode([t.token_id for t in tokens]),
            "tokens": [{"id": int(t.token_id), "p": float(t.prob)} for t in tokens],
            "elapsed": elapsed}


def compare_dict(prompt: str, model: str, runs) -> dict:
    """The four side-by-side samples as plain numbers and text, for an API client."""
    lm = backends.get(model)
    return {"prompt": prompt, "model": model,
            "runs": [{"temperature": temp, "seed": seed, "text": lm.decode([t.token_id for t in tokens])}
                     for temp, seed, tokens in runs]}
