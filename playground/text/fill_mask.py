"""Fill in the blank, the BERT way, and what a GPT can do instead.

BERT (Devlin et al., 2018) is trained as a *masked* language model: a word of the sentence is
replaced by [MASK] and the model, reading the words on both sides at once, predicts it. That
needs a masked-LM head, which the offline MiniLM does not ship (sentence-transformers kept
only the encoder). So:

- where the host allows a masked LM from the Hub (GENAI_HUB_MODELS, see `hub.py`), its
  [MASK] predictions are shown: method "mlm";
- otherwise (offline) each candidate word is put in the blank and a causal LM (SmolLM2,
  the first of the registry, or the one named) scores the whole
  completed sentence by its log-likelihood, sum_t log p(token_t | tokens before t): method
  "causal". A GPT reads left to right, so it cannot look at the words after the blank
  *before* choosing; scoring whole sentences lets the right-hand context count after all.
  The "left context only" score (the candidate's own tokens given the words before the
  blank) shows what a GPT would guess at that point.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from playground import backends
from playground.backends.compute import COMPUTE_LOCK
from playground.core import plotstyle, validate
from playground.core.errors import UserError
from playground.core.i18n import t

BLANK = "___"
BLANK_RE = re.compile(r"_{3,}|\[MASK\]|<mask>", re.IGNORECASE)
MAX_CHARS = 300
MAX_CANDIDATES = 12
MAX_CANDIDATE_CHARS = 40
PROPOSED = 4                 # words the causal LM proposes from the left context, besides the visitor's
TOP_MLM = 10                 # predictions shown from a masked LM
DOC_START = "<|endoftext|>"  # SmolLM2's document separator: the context of a sentence's first token
MAX_SENTENCE_TOKENS = 96     # tokens of one completed sentence


@dataclass(frozen=True)
class Candidate:
    word: str
    sentence_logprob: float          # log p(whole sentence) (causal), or log p(word) (mlm)
    left_logprob: float | None       # log p(word's tokens | words before the blank), causal only
    proposed: bool = False           # proposed by the model, not typed by the visitor


@dataclass(frozen=True)
class FillResult:
    method: str                      # "causal" or "mlm"
    model: str
    sentence: str
    candidates: tuple[Candidate, ...]  # best first
    fallback_reason: str = ""        # why an allowed hub masked LM was not used

    def probabilities(self, which: str = "sentence") -> list[float | None]:
        """Each candidate's share among the candidates (a softmax of its log-probability)."""
        scores = [c.sentence_logprob if which == "sentence" else c.left_logprob for c in self.candidates]
        if any(s is None for s in scores):
            return [None] * len(scores)
        if self.method == "mlm":
            return [math.exp(s) for s in scores]          # the model's own probabilities
        top = max(scores)
        e = [math.exp(s - top) for s in scores]
        return [v / sum(e) for v in e]

    def as_dict(self) -> dict:
        return {"method": self.method, "model": self.model, "sentence": self.sentence,
                "fallback_reason": self.fallback_reason,
                "candidates": [{"word": c.word, "sentence_logprob": round(c.sentence_logprob, 4),
                                "left_logprob": None if c.left_logprob is None else round(c.left_logprob, 4),
                                "proposed": c.proposed, "share": None if p is None else round(p, 4)}
                               for c, p in zip(self.candidates, self.probabilities())]}


# --- inputs ----------------------------------------------------------------------------------

def split_blank(sentence) -> tuple[str, str]:
    """(text before the blank, text after it); exactly one blank ___ or [MASK]."""
    sentence = validate.text(sentence, MAX_CHARS)
    found = list(BLANK_RE.finditer(sentence))
    if len(found) != 1:
        raise UserError("transformer_fill_error_blank", found=len(found))
    return sentence[:found[0].start()], sentence[found[0].end():]


def parse_candidates(text) -> tuple[str, ...]:
    """'dog, cat,  mailman' -> ('dog', 'cat', 'mailman'); empty is allowed (the model proposes)."""
    if text is None:
        text = ""
    if not isinstance(text, str) or len(text) > MAX_CANDIDATES * (MAX_CANDIDATE_CHARS + 2):
        raise UserError("transformer_fill_error_candidates", n=MAX_CANDIDATES, chars=MAX_CANDIDATE_CHARS)
    words = tuple(dict.fromkeys(w.strip() for w in text.split(",") if w.strip()))
    if len(words) > MAX_CANDIDATES or any(len(w) > MAX_CANDIDATE_CHARS or BLANK_RE.search(w)
                                          for w in words):
        raise UserError("transformer_fill_error_candidates", n=MAX_CANDIDATES, chars=MAX_CANDIDATE_CHARS)
    return words


# --- offline: SmolLM2 scores whole sentences ------------------------------------------------

def document_start(lm) -> int:
    """The token a document starts after: DOC_START if the vocabulary has it, else BOS or EOS."""
    vocab = lm.tokenizer.get_vocab()
    if DOC_START in vocab:
        return vocab[DOC_START]
    start = lm.tokenizer.bos_token_id
    return start if start is not None else lm.tokenizer.eos_token_id


def token_logprobs(lm, texts: list[str]) -> list[np.ndarray]:
    """For each text, log p(token_t | document start, tokens before t) for every token t."""
    start = document_start(lm)
    return lm.token_logprobs([[start] + lm.encode(s) for s in texts], pad_id=start)


def _span(lm, prefix: str, word: str, sentence_ids: list[int]) -> tuple[int, int] | None:
    """Which tokens of the sentence are the candidate's (0-based, without the start token)."""
    before = lm.encode(prefix.rstrip(" ")) if prefix.strip() else []
    through = lm.encode(prefix + word) if prefix.strip() else lm.encode(word)
    if sentence_ids[:len(before)] != before or sentence_ids[:len(through)] != through:
        return None
    return (len(before), len(through)) if len(through) > len(before) else None


def propose(lm, prefix: str, k: int = PROPOSED) -> list[str]:
    """The k words the model finds most likely right after `prefix` (whole-word tokens only)."""
    import torch

    ids = [document_start(lm)] + (lm.encode(prefix.rstrip(" ")) if prefix.strip() else [])
    logits = torch.from_numpy(lm.next_token_logits(ids))
    words = []
    for token in torch.topk(logits, 300).indices.tolist():
        piece = lm.pieces([token])[0]
        word = piece.strip()
        spaced = piece.startswith(" ") or not prefix.strip()
        if spaced and word.isalpha() and word not in words:
            words.append(word)
        if len(words) == k:
            break
    return words


def _join(prefix: str, word: str, suffix: str) -> str:
    return prefix + word + suffix


@lru_cache(maxsize=32)
def rank_causal(prefix: str, suffix: str, typed: tuple[str, ...], model: str | None = None) -> FillResult:
    """Candidates (typed, plus a few the model proposes) ranked by whole-sentence likelihood."""
    lm = backends.get(model or backends.first("causal_lm"))
    words = list(typed) + [w for w in propose(lm, prefix) if w not in typed]
    sentences = [_join(prefix, w, suffix) for w in words]
    for s in sentences:
        if len(lm.encode(s)) > MAX_SENTENCE_TOKENS:
            raise UserError("error_prompt_too_long", tokens=len(lm.encode(s)), limit=MAX_SENTENCE_TOKENS)
    scores = token_logprobs(lm, sentences)
    out = []
    for w, s, lp in zip(words, sentences, scores):
        span = _span(lm, prefix, w, lm.encode(s))
        left = float(lp[span[0]:span[1]].sum()) if span else None
        out.append(Candidate(w, float(lp.sum()), left, proposed=w not in typed))
    out.sort(key=lambda c: -c.sentence_logprob)
    return FillResult("causal", lm.name, _join(prefix, BLANK, suffix), tuple(out))


# --- where the host allows it: a masked LM from the Hub --------------------------------------

@lru_cache(maxsize=16)
def _is_masked_lm(name: str) -> bool:
    try:
        from transformers import AutoConfig

        arch = AutoConfig.from_pretrained(name).architectures or []
    except Exception:  # noqa: BLE001 - offline or missing: not usable
        return False
    return any(a.endswith("ForMaskedLM") for a in arch)


def hub_masked_lm() -> str | None:
    """The first model the host allows that has a masked-LM head, if any."""
    from playground.backends import hub

    return next((n for n in hub.allowed_models() if _is_masked_lm(n)), None)


_MLM: dict = {}


def _mlm_backend(name: str):
    """A lazy holder per allowed masked LM (shared by every visitor, like hub.backend)."""
    from playground.backends.backend import Backend

    def load():
        from transformers import AutoModelForMaskedLM, AutoTokenizer

        from playground.backends.compute import limit_torch_threads

        limit_torch_threads()
        return AutoTokenizer.from_pretrained(name), AutoModelForMaskedLM.from_pretrained(name).eval()

    return _MLM.setdefault(name, Backend(name, load))


@lru_cache(maxsize=32)
def rank_mlm(name: str, prefix: str, suffix: str) -> FillResult:
    """The masked LM's own top predictions for the blank."""
    import torch

    tokenizer, model = _mlm_backend(name).get()
    text = prefix + tokenizer.mask_token + suffix
    batch = tokenizer(text, return_tensors="pt", truncation=True, max_length=128)
    where = (batch["input_ids"][0] == tokenizer.mask_token_id).nonzero()
    if len(where) != 1:
        raise UserError("transformer_fill_error_blank", found=len(where))
    with COMPUTE_LOCK, torch.inference_mode():
        logits = model(**batch).logits[0, int(where[0])]
    logp = torch.log_softmax(logits.float(), -1)
    top = torch.topk(logp, TOP_MLM)
    cands = tuple(Candidate(tokenizer.decode([i]).strip(), float(v), None)
                  for v, i in zip(top.values.tolist(), top.indices.tolist()))
    return FillResult("mlm", name, _join(prefix, BLANK, suffix), cands)


def fill(sentence, candidates="", model: str | None = None) -> FillResult:
    """The blank filled: by a hub masked LM if the host allows one, else offline by the
    causal LM `model` (the registry's first by default)."""
    prefix, suffix = split_blank(sentence)
    typed = parse_candidates(candidates)
    reason = ""
    name = hub_masked_lm()
    if name is not None:
        try:
            return rank_mlm(name, prefix, suffix)
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001 - the offline method still answers
            reason = f"{type(exc).__name__}: {exc}"[:200]
    result = rank_causal(prefix, suffix, typed, model)
    if reason:
        result = FillResult(result.method, result.model, result.sentence, result.candidates, reason)
    return result


# --- what the page shows ---------------------------------------------------------------------

def figure(res: FillResult, lang: str):
    """Horizontal bars, best candidate on top: whole-sentence share, and left-only share."""
    words = [c.word + (" *" if c.proposed else "") for c in res.candidates]
    y = list(range(len(words)))
    title = t("transformer_fill_title_" + res.method, lang, sentence=res.sentence if len(res.sentence) < 60
              else res.sentence[:57] + "…")
    layout = plotstyle.base_layout(title, t("transformer_fill_axis_share", lang), None,
                                   height=max(420, 210 + 52 * len(words)))
    layout["yaxis"].update(tickvals=y, ticktext=words, autorange="reversed")
    layout["xaxis"].update(range=[0, 1.16], tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1])
    layout["barmode"] = "group"
    layout["margin"] = {"l": 140, "r": 30, "t": 70, "b": 60}
    layout["legend"] = {"orientation": "h", "yanchor": "top", "y": -0.16, "xanchor": "left", "x": 0}
    data = [{"type": "bar", "orientation": "h", "y": y, "name": t(f"transformer_fill_series_{res.method}", lang),
             "x": [round(p, 4) for p in res.probabilities("sentence")],
             "marker": {"color": plotstyle.COLORS["line"]},
             "texttemplate": "%{x:.1%}", "textposition": "outside", "cliponaxis": False,
             "hovertemplate": "%{x:.2%}<extra></extra>"}]
    left = res.probabilities("left") if res.method == "causal" else [None]
    if left[0] is not None:
        data.append({"type": "bar", "orientation": "h", "y": y, "x": [round(p, 4) for p in left],
                     "name": t("transformer_fill_series_left", lang), "marker": {"color": "#f59e0b"},
                     "hovertemplate": "%{x:.2%}<extra></extra>"})
    return plotstyle.figure(data, layout)


def explain(res: FillResult, lang: str) -> str:
    """Which method ran, in words, with the winner."""
    best = res.candidates[0].word if res.candidates else "?"
    if res.method == "mlm":
        return t("transformer_fill_method_mlm", lang, model=res.model, best=best)
    lines = [t("transformer_fill_method_causal", lang, model=res.model, best=best)]
    left = [c for c in res.candidates if c.left_logprob is not None]
    if left:
        guess = max(left, key=lambda c: c.left_logprob).word
        lines.append(t("transformer_fill_left_guess", lang, guess=guess, best=best))
    if any(c.proposed for c in res.candidates):
        lines.append(t("transformer_fill_proposed_note", lang))
    if res.fallback_reason:
        lines.append(t("transformer_fill_fallback", lang, reason=res.fallback_reason))
    return "\n\n".join(lines)
