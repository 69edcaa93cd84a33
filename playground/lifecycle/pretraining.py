"""Pre-training live: a GPT from scratch (playground.lifecycle.gpt) learns to predict the next
token of a corpus (playground.lifecycle.corpus), while the visitor watches.

The loop is nanoGPT's train.py on a small scale: take a batch of random windows of the
training tokens (each window's targets are the same window shifted by one), forward,
cross-entropy, backpropagation, an AdamW step (Loshchilov & Hutter, 2019). Every 0.4 s it
adds a point to the curves (the training loss: the mean of the batches since the last
point; the validation loss: measured on fixed windows of the held-out tokens), and at steps
0, 100, 500 and 2,000 it writes a sample from the same prompt.

A `Session` holds one visitor's corpus, model, optimizer and history; the page keeps it in
gr.State. `train` streams `Frame`s, paced to the visitor's page (playground.core.pacing),
and stops by itself after RUN_SECONDS or the steps asked for, like the Training tab's
playground.networks.training. `compare` trains the same model twice, with learned positions
and with RoPE, and measures both on contexts longer than the one they were trained on.
"""
from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from playground.core import gpu, pacing
from playground.core.errors import UserError
from playground.lifecycle import corpus, shared_runs
from playground.lifecycle.gpt import GPT
from playground.text.attention import Analysis, token_label

# The sizes, limits and a run's Config: playground/lifecycle/pretraining_config.py (no torch:
# the page lays out its controls from them before the first run imports torch).
from playground.lifecycle.pretraining_config import (ATTENTION_TOKENS, DEFAULT_PROMPTS,  # noqa: E402,F401
                                                     EVAL_WINDOWS, MAX_HISTORY, MAX_LR, MAX_PROMPT,
                                                     MAX_STEPS, POSITIONS, PRESETS, RUN_SECONDS,
                                                     SAMPLE_STEPS, SAMPLE_TOKENS, STOP_WAIT,
                                                     TRAIN_BUDGET, Config)

BURST_GPU_SECONDS = 15      # one slice's GPU call (ZeroGPU): TRAIN_BUDGET of steps, with room


def load_corpus(config: Config, own_text: str | None = None) -> corpus.Corpus:
    if config.corpus == corpus.OWN:
        return corpus.prepare(corpus.own_text(own_text), corpus.OWN, config.tokens)
    return corpus.builtin(config.corpus, config.tokens)


@dataclass
class Frame:
    """What one streamed picture shows."""
    step: int
    history: dict                   # "step", "train", "val": lists
    unigram: float                  # the baselines, nats per token on the validation tokens
    bigram: float
    tokens_per_second: float
    samples: dict                   # step -> text, from the same prompt
    config: Config
    n_params: int
    tokens_kind: str
    attention: Analysis | None = None
    run_steps: int = 0
    run_seconds: float = 0.0
    stopped: str | None = None      # None while running; "steps" or "seconds" when it stopped


def shared_tensor(ids: np.ndarray) -> torch.Tensor:
    """A read-only corpus as a tensor over the same memory: every visitor reads the one copy
    (torch warns that it cannot mark a tensor read-only; nothing here writes to it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(ids)


def windows(data: torch.Tensor, starts, T: int):
    """Inputs (B, T) and targets (B, T): each window and the same window one token later."""
    x = torch.stack([data[i:i + T] for i in starts])
    y = torch.stack([data[i + 1:i + 1 + T] for i in starts])
    return x, y


class Session(pacing.LiveRun):
    """One visitor's pre-training run."""

    def __init__(self, config: Config, data: corpus.Corpus):
        self.config, self.data = config, data
        self.model_config = config.model_config(data.vocab_size)
        T = self.model_config.block_size
        if len(data.val) < T + 2 or len(data.train) < T + 2:
            raise UserError("pretraining_error_own_short", length=f"{data.chars:,}",
                            low=f"{corpus.MIN_OWN_CHARS:,}")
        self.train_ids, self.val_ids = shared_tensor(data.train), shared_tensor(data.val)
        torch.manual_seed(config.seed)              # nothing else draws from the global RNG
        self.model = GPT(self.model_config)
        self.generator = self.model.init_weights(config.seed)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr, betas=(0.9, 0.99))
        self.batch_size = PRESETS[config.size]["batch_size"]
        eval_rng = np.random.default_rng(config.seed)
        self.eval_starts = {"train": eval_rng.integers(0, len(data.train) - T - 1, EVAL_WINDOWS),
                            "val": eval_rng.integers(0, len(data.val) - T - 1, EVAL_WINDOWS)}
        self.step = 0
        self.tokens_trained = 0
        self.seconds_trained = 0.0
        self.history = {"step": [], "train": [], "val": []}
        self.samples: dict[int, str] = {}
        self.batch_losses: list[float] = []     # since the last point of the curves
        super().__init__()                      # run, idle, pacer, stop; ended_by
        self.lock = threading.Lock()
        self.shared_in = None                   # the registry it was shared in (shared_runs)
        self._record()
        self.samples[0] = self.sample()

    # --- the loop's pieces
    def train_step(self) -> float:
        T = self.model_config.block_size
        starts = torch.randint(0, len(self.train_ids) - T - 1, (self.batch_size,), generator=self.generator)
        x, y = windows(self.train_ids, starts.tolist(), T)      # 1. a batch of windows
        dev = gpu.device_of(self.model)                          #    where the burst put the net
        x, y = x.to(dev), y.to(dev)
        _, loss, _ = self.model(x, y)                            # 2. forward, cross-entropy
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()                                          # 3. backpropagation
        self.optimizer.step()                                    # 4. AdamW step
        self.step += 1
        self.tokens_trained += x.numel()
        self.batch_losses.append(float(loss.detach()))
        return self.batch_losses[-1]

    @torch.no_grad()
    def evaluate(self, split: str, T: int | None = None, starts=None) -> float:
        """Mean loss, nats per token, on the fixed windows of `split` (of T tokens)."""
        T = T or self.model_config.block_size
        ids = self.train_ids if split == "train" else self.val_ids
        starts = self.eval_starts[split] if starts is None else starts
        starts = [min(int(s), len(ids) - T - 1) for s in starts]
        x, y = windows(ids, starts, T)
        return float(self.model(x, y)[1])

    def _record(self) -> None:
        """One more point of the curves: the training loss is the mean of the batches since
        the last point (free: they were computed to train), the validation loss is measured."""
        self.history["step"].append(self.step)
        train = float(np.mean(self.batch_losses)) if self.batch_losses else self.evaluate("train")
        self.batch_losses = []
        self.history["train"].append(train)
        self.history["val"].append(self.evaluate("val"))
        if len(self.history["step"]) > MAX_HISTORY:
            self.history = {k: v[::2] for k, v in self.history.items()}

    def prompt_ids(self, prompt: str | None = None) -> list[int]:
        ids = self.data.tokenizer.encode(self.config.prompt if prompt is None else prompt)
        return ids or [int(self.data.val[0])]

    @torch.no_grad()
    def sample(self, temperature: float | None = None) -> str:
        """A continuation of the prompt; the same seed at every step, so samples compare."""
        temperature = self.config.temperature if temperature is None else temperature
        idx = torch.tensor([self.prompt_ids()])
        g = torch.Generator().manual_seed(self.config.seed)
        out = self.model.eval().generate(idx, SAMPLE_TOKENS, temperature, g)
        self.model.train()
        return self.data.tokenizer.decode(out[0].tolist())

    @torch.no_grad()
    def attention(self) -> Analysis:
        """The attention of every head of every layer on the prompt, as the Attention tab's
        figures read it."""
        ids = self.prompt_ids()[-ATTENTION_TOKENS:]
        _, _, att = self.model(torch.tensor([ids]), need_weights=True)      # (L, 1, nh, T, T)
        att = att[:, 0].numpy().astype(np.float32)                          # (L, nh, T, T)
        labels = tuple(token_label(self.data.tokenizer.piece(i)) for i in ids)
        return Analysis("pretraining", tuple(ids), labels, att,
                        np.zeros((att.shape[0], len(ids), 1), np.float32), causal=True)

    # --- runs
    def matches(self, config: Config) -> bool:
        return config.structure() == self.config.structure()

    def set_hyperparameters(self, config: Config) -> None:
        with self.lock:
            for group in self.optimizer.param_groups:
                group["lr"] = config.lr
            self.config = config

    def frame(self, run_steps=0, run_seconds=0.0, stopped=None, with_attention=False) -> Frame:
        with self.lock:
            rate = self.tokens_trained / self.seconds_trained if self.seconds_trained else 0.0
            return Frame(self.step, {k: list(v) for k, v in self.history.items()},
                         self.data.unigram, self.data.bigram, rate, dict(self.samples),
                         self.config, self.model.num_params(), self.data.tokenizer.kind,
                         self.attention() if with_attention else None,
                         run_steps, run_seconds, stopped)


def prepare(session: Session | None, config: Config, own_text: str | None = None) -> Session:
    """The visitor's session for `config`: the same model if only the learning rate, the
    steps, the temperature or the prompt changed; a new one otherwise."""
    if session is not None:
        session.stop(wait=STOP_WAIT)
    if session is None or not session.matches(config):
        new = Session(config, load_corpus(config, own_text))
        shared_runs.handover(session, new)      # a class watching this run goes on with the new one
        return new
    prompt_changed = (config.prompt, config.temperature) != (session.config.prompt,
                                                             session.config.temperature)
    session.set_hyperparameters(config)
    if prompt_changed:                  # the gallery is of one prompt at one temperature
        session.samples = {s: text for s, text in session.samples.items() if s == session.step}
    return session


@gpu.on_gpu(duration=BURST_GPU_SECONDS)
def train_burst(session: Session, run, steps_left: int, slice_start: float) -> int:
    """A slice of training steps, on ZeroGPU one GPU call (`gpu.on_gpu`): until TRAIN_BUDGET
    seconds after `slice_start`, `steps_left` steps, a step whose sample the lesson shows, or
    the end of the run. The network and AdamW's state are on the GPU only meanwhile
    (`gpu.burst`). Returns the steps done. The caller holds the session's lock."""
    done = 0
    with gpu.burst(session.model, session.optimizer):
        while done < steps_left and session.run == run:
            session.train_step()
            done += 1
            if session.step in SAMPLE_STEPS or time.monotonic() - slice_start > TRAIN_BUDGET:
                break
    return done


def train(session: Session, max_steps: int | None = None, max_seconds: float = RUN_SECONDS,
          frame_seconds: float | None = None, attention_every: int = 4):
    """Train, yielding a Frame about every TRAIN_BUDGET seconds (no faster than the page
    draws them), until `max_steps` steps (the config's) or `max_seconds`. Every
    `attention_every`-th frame carries the attention of the model as it is."""
    max_steps = session.config.steps if max_steps is None else max_steps
    run = session.begin()
    try:
        start = time.monotonic()
        done, frames = 0, 0
        while True:
            slice_start = time.monotonic()
            with session.lock:
                while done < max_steps and session.run == run:
                    steps = train_burst(session, run, max_steps - done, slice_start)
                    done += steps
                    if steps and session.step in SAMPLE_STEPS:    # drawn on the CPU, after it
                        session.samples[session.step] = session.sample()
                    if time.monotonic() - slice_start > TRAIN_BUDGET:
                        break
                session.seconds_trained += time.monotonic() - slice_start
                session._record()
            if session.run != run:
                return
            now = time.monotonic()
            stopped = "steps" if done >= max_steps else "seconds" if now - start >= max_seconds else None
            session.pacer.wait(frame_seconds, stopped=lambda: session.run != run)
            frame = session.frame(done, time.monotonic() - start, stopped,
                                  with_attention=stopped is not None or frames % attention_every == 0)
            if session.run != run:
                return
            session.ended_by = stopped
            frames += 1
            yield frame
            if stopped:
                return
    finally:
        session.end()


# --- learned positions against RoPE ---------------------------------------------------------

from playground.lifecycle.pretraining_config import CONTEXT_FACTORS  # noqa: E402,F401


@dataclass
class Comparison:
    """Two runs of the same model, one per kind of position."""
    curves: dict = field(default_factory=dict)      # positions -> {"step": [...], "val": [...]}
    long_context: dict = field(default_factory=dict)   # positions -> [val loss per CONTEXT_FACTORS]
    block_size: int = 0
    bigram: float = 0.0
    done: bool = False


def compare(config: Config, data: corpus.Corpus, steps: int, max_seconds: float = RUN_SECONDS,
            stopped=lambda: False, every: int = 25):
    """Train `config` with learned positions, then with RoPE (same seed, same batches),
    yielding the Comparison after every `every` steps; at the end, each model's validation
    loss on windows CONTEXT_FACTORS times the training context."""
    result = Comparison(bigram=data.bigram)
    budget = max_seconds / len(POSITIONS)
    for positions in POSITIONS:
        session = Session(replace(config, positions=positions), data)
        result.block_size = session.model_config.block_size
        curve = result.curves[positions] = {"step": [0], "val": [session.evaluate("val")]}
        start = time.monotonic()
        while session.step < steps and time.monotonic() - start < budget and not stopped():
            for _ in range(every):
                session.train_step()
            curve["step"].append(session.step)
            curve["val"].append(session.evaluate("val"))
            yield result
        T = session.model_config.block_size
        starts = np.random.default_rng(config.seed).integers(0, len(data.val) - 4 * T - 1, EVAL_WINDOWS)
        result.long_context[positions] = [session.evaluate("val", T * f, starts)
                                          for f in CONTEXT_FACTORS]
    result.done = True
    yield result
