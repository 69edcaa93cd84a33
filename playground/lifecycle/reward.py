"""Learning from preferences: a reward model, best-of-n, and the DPO loss.

RLHF (Christiano et al. 2017; Ouyang et al. 2022, InstructGPT) turned autocompletion into
chat in three steps: supervised fine-tuning, a *reward model* trained on answers people
compared, then reinforcement learning against that reward. Here:

- The reward model r(prompt, answer) is a linear head on frozen sentence embeddings,
  r = w . phi + b with phi = [e(answer), e(prompt) * e(answer)] (the second half lets it
  see whether the answer goes with the prompt, for instance in its language). It learns
  from pairs (prompt, chosen, rejected) with the Bradley-Terry model (Bradley & Terry,
  1952): P(chosen preferred) = sigmoid(r_chosen - r_rejected), loss
  -log sigmoid(r_chosen - r_rejected), averaged over the pairs. Its figures: the reward
  margin r_chosen - r_rejected and the share of held-out pairs it orders correctly.
- Best-of-n: n candidate answers (written, or sampled from a causal LM), and the one the
  reward model scores highest: the simplest way to use a reward without training the LM.
- DPO (Rafailov et al. 2023) skips the reward model: its loss,
  -log sigmoid(beta [(log pi(y_w|x) - log pi_ref(y_w|x)) - (log pi(y_l|x) - log pi_ref(y_l|x))]),
  trains the policy pi directly; beta times each log-ratio is an "implicit reward".

The pairs (assets/posttraining/preferences.json) were written by the team, es and en.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from playground import backends
from playground.core.paths import ASSETS

DATA = ASSETS / "posttraining" / "preferences.json"
ENCODERS = ("multilingual", "minilm")   # the first is the default: 83 % of held-out pairs against 75 %
EPOCHS = 300                 # full-batch Adam steps: milliseconds on 36 pairs
LR = 0.02
WEIGHT_DECAY = 1e-3
MAX_CANDIDATES = 8
MAX_NEW_TOKENS = 40


@dataclass(frozen=True)
class Pair:
    kind: str                   # "language", "polite", "helpful"
    lang: str
    prompt: str
    chosen: str
    rejected: str


@lru_cache(maxsize=1)
def document() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def pairs(split: str) -> tuple[Pair, ...]:
    """The train or test pairs, in the file's order."""
    return tuple(Pair(p["kind"], p["lang"], p["prompt"], p["chosen"], p["rejected"])
                 for p in document()["pairs"] if p["split"] == split)


def best_of_n_examples(lang: str | None = None) -> tuple[dict, ...]:
    """The written prompts with their candidate answers (for best-of-n without a model)."""
    return tuple(e for e in document()["best_of_n"] if lang is None or e["lang"] == lang)


# --- the loss ------------------------------------------------------------------------------------

def bradley_terry_loss(r_chosen, r_rejected):
    """Mean of -log sigmoid(r_chosen - r_rejected) (torch tensors), computed stably."""
    import torch
    return -torch.nn.functional.logsigmoid(r_chosen - r_rejected).mean()


@dataclass(frozen=True)
class DPOTerms:
    loss: float
    chosen_rewards: np.ndarray      # beta (log pi(y_w|x) - log pi_ref(y_w|x)), per pair
    rejected_rewards: np.ndarray    # beta (log pi(y_l|x) - log pi_ref(y_l|x))
    margins: np.ndarray             # chosen - rejected
    accuracy: float                 # share of pairs with a positive margin
    losses: np.ndarray              # per pair


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps,
             beta: float = 0.1):
    """DPO's loss (Rafailov et al. 2023, eq. 7) for a batch of pairs, from the summed log
    probabilities of each answer under the policy and the frozen reference: returns the
    mean loss as a torch tensor (to call backward on) and its terms as numbers."""
    import torch
    tensors = [torch.as_tensor(x, dtype=torch.float64) if not torch.is_tensor(x) else x
               for x in (policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
                         ref_rejected_logps)]
    pc, pr, rc, rr = tensors
    chosen = beta * (pc - rc)                       # implicit reward of the chosen answer
    rejected = beta * (pr - rr)                     # ... and of the rejected one
    losses = -torch.nn.functional.logsigmoid(chosen - rejected)
    loss = losses.mean()
    d = lambda x: x.detach().double().numpy()       # noqa: E731
    margins = d(chosen - rejected)
    return loss, DPOTerms(float(loss), d(chosen), d(rejected), margins,
                          float((margins > 0).mean()), d(losses))


# --- the reward model ------------------------------------------------------------------------------

def embed(encoder: str, texts) -> np.ndarray:
    return np.asarray(backends.get(encoder).embed(list(texts)), np.float32)


def features(encoder: str, prompts, answers) -> np.ndarray:
    """phi = [e(answer), e(prompt) * e(answer)]: (N, 2 D)."""
    p, a = embed(encoder, prompts), embed(encoder, answers)
    return np.concatenate([a, p * a], axis=1)


@lru_cache(maxsize=4)
def pair_features(encoder: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(phi chosen, phi rejected) of a split's pairs, computed once per encoder (read-only)."""
    ps = pairs(split)
    prompts = [p.prompt for p in ps]
    chosen = features(encoder, prompts, [p.chosen for p in ps])
    rejected = features(encoder, prompts, [p.rejected for p in ps])
    chosen.flags.writeable = rejected.flags.writeable = False
    return chosen, rejected


@dataclass(frozen=True)
class RewardModel:
    encoder: str
    w: np.ndarray               # (2 D,)
    b: float

    def score(self, prompt: str, answers) -> np.ndarray:
        """r(prompt, answer) for each answer."""
        phi = features(self.encoder, [prompt] * len(answers), answers)
        return phi @ self.w + self.b

    def margins(self, split: str) -> np.ndarray:
        """r_chosen - r_rejected for each pair of the split."""
        chosen, rejected = pair_features(self.encoder, split)
        return (chosen - rejected) @ self.w


@dataclass(frozen=True)
class RewardRun:
    model: RewardModel
    before: RewardModel         # the same head at its random start
    losses: tuple[float, ...]   # training loss per step
    train_accuracy: float
    test_accuracy: float
    test_margins: np.ndarray


def ordered(margins: np.ndarray) -> float:
    """The share of pairs whose chosen answer gets the higher reward."""
    return float((np.asarray(margins) > 0).mean())


def train(encoder: str = "multilingual", epochs: int = EPOCHS, seed: int = 0) -> RewardRun:
    """Fit the head on the train pairs with the Bradley-Terry loss (full batch, Adam)."""
    import torch
    chosen, rejected = (torch.from_numpy(np.array(a)) for a in pair_features(encoder, "train"))
    torch.manual_seed(seed)
    head = torch.nn.Linear(chosen.shape[1], 1)
    start = RewardModel(encoder, head.weight.detach()[0].numpy().copy(), head.bias.item())
    optimizer = torch.optim.Adam(head.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    losses = []
    for _ in range(epochs):
        loss = bradley_terry_loss(head(chosen)[:, 0], head(rejected)[:, 0])   # 1-2. rewards, loss
        optimizer.zero_grad()
        loss.backward()                                                       # 3. gradients
        optimizer.step()                                                      # 4. update
        losses.append(loss.item())
    model = RewardModel(encoder, head.weight.detach()[0].numpy().copy(), head.bias.item())
    test_margins = model.margins("test")
    return RewardRun(model, start, tuple(losses), ordered(model.margins("train")),
                     ordered(test_margins), test_margins)


# --- best-of-n -----------------------------------------------------------------------------------

def sample_candidates(model_name: str, prompt: str, n: int, seed: int = 0,
                      max_new_tokens: int = MAX_NEW_TOKENS, temperature: float = 1.0) -> list[str]:
    """n answers sampled from a causal LM of the app (its chat template if it has one)."""
    lm = backends.get(model_name)
    ids = (lm.chat_ids([{"role": "user", "content": prompt}]) if lm.has_chat_template
           else lm.prompt_ids(prompt + "\n"))
    eos = lm.eos_ids
    answers = []
    for i in range(n):
        new = lm.generate_ids(ids, max_new_tokens, temperature=temperature, top_p=0.95, seed=seed + i)
        answers.append(lm.decode([t for t in new if t not in eos]).strip() or "…")
    return answers


def best_of_n(model: RewardModel, prompt: str, candidates) -> tuple[np.ndarray, int]:
    """(each candidate's reward, the index of the best)."""
    scores = model.score(prompt, list(candidates))
    return scores, int(np.argmax(scores))
