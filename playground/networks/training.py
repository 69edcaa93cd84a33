"""Training a small network, live: forward pass, loss, backpropagation, gradient descent, epochs.

The course's training cycle on a toy 2D dataset (playground.networks.datasets2d), in the spirit of
TensorFlow Playground (Smilkov et al., 2017): a multilayer perceptron of up to six hidden
layers of up to eight neurons ends in one logit, P(class 1) = sigmoid(logit), and learns by
minimising the binary cross-entropy with SGD or Adam (Kingma & Ba, 2015) on mini-batches.

A `Session` holds one visitor's data, network, optimizer and loss history; the page keeps it
in gr.State, never in a module global. `train_epochs` trains it and yields one `Frame` (the
numbers a picture needs) every few epochs, and stops by itself after RUN_SECONDS or
RUN_EPOCHS. A `Config` holds what the visitor set, read from the tab's controls by
`Config.from_controls`. playground.networks.training_code writes the same run as a short
PyTorch program; the same cycle by hand, for a 2-2-1 network and one example, is
playground.networks.backprop.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from playground.networks import datasets2d
from playground.core import pacing, validate
from playground.core.errors import UserError
from playground.core.i18n import t

# torch is imported where it is used: importing the app stays fast (torch takes seconds).
ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Identity"}
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}     # names in torch.nn and torch.optim
REGULARIZATIONS = ("none", "l1", "l2")
MAX_LAYERS = 6
MAX_NEURONS = 8
MAX_POINTS = 1000
MAX_SEED = 9999
MAX_LR = 10.0

RUN_SECONDS = 30        # one press of Train runs at most this long (the queue has 2 slots) ...
RUN_EPOCHS = 1000       # ... or this many epochs, whichever comes first
FRAME_SECONDS = pacing.frame_seconds()   # what a browser can draw (playground/core/pacing.py)
TRAIN_BUDGET = 0.06     # seconds of training between two frames, at most (always >= 1 epoch)
GRID = 60               # the decision boundary is drawn on a GRID x GRID grid
NEURON_GRID = 20        # each hidden neuron's picture is NEURON_GRID x NEURON_GRID
MAX_HISTORY = 20_000    # loss entries kept per visitor; beyond, every other one is dropped
STOP_WAIT = 2.0         # seconds Pause (Step, Reset) waits, at most, for a run to end

# The Training tab's controls, in the order its events (and their API) pass them; n1..n6 are
# the neurons of hidden layers 1..6, of which the first `layers` are used.
CONTROLS = ("dataset", "n_points", "noise", "test_percent", "seed", "layers",
            *(f"n{i}" for i in range(1, MAX_LAYERS + 1)), "activation",
            "optimizer", "lr", "batch_size", "regularization", "reg_rate")


@dataclass(frozen=True)
class Config:
    """Everything a visitor sets. The first group fixes the network; the second can change
    between two runs without starting over."""
    dataset: str = "moons"
    n_points: int = 300
    noise: float = 0.2
    test_fraction: float = 0.3
    seed: int = 0
    hidden: tuple[int, ...] = (8, 8)    # neurons per hidden layer
    activation: str = "tanh"
    # --- hyperparameters of the optimisation
    optimizer: str = "adam"
    lr: float = 0.03
    batch_size: int = 32
    regularization: str = "none"        # penalty on the weights: none, l1 or l2
    reg_rate: float = 0.0

    def structure(self) -> tuple:
        return (self.dataset, self.n_points, self.noise, self.test_fraction, self.seed,
                self.hidden, self.activation)

    @classmethod
    def from_controls(cls, values, lang: str) -> Config:
        """The settings as the tab's controls hold them, one value per name of CONTROLS and
        in that order, checked: a UserError names the control as the visitor reads it."""
        if len(values) != len(CONTROLS):
            raise ValueError(f"expected {len(CONTROLS)} control values, got {len(values)}")
        c = dict(zip(CONTROLS, values))
        name = lambda key: t(f"training_{key}", lang)   # noqa: E731 - the control's label
        n = validate.integer(c["n_points"], name("points"), 20, MAX_POINTS)
        test_fraction = validate.integer(c["test_percent"], name("test_percent"), 10, 90) / 100
        n_layers = validate.integer(c["layers"], name("layers"), 1, MAX_LAYERS)
        widths = [validate.integer(c[f"n{i}"], name(f"neurons_{i}"), 1, MAX_NEURONS)
                  for i in range(1, MAX_LAYERS + 1)]
        lr = validate.number(c["lr"], name("lr"), 0, MAX_LR)
        if lr <= 0:
            raise UserError("training_error_lr", value=c["lr"])
        return cls(
            dataset=validate.choice(c["dataset"], list(datasets2d.GENERATORS), name("dataset")),
            n_points=n,
            noise=validate.number(c["noise"], name("noise"), 0, 1),
            test_fraction=test_fraction,
            seed=validate.integer(c["seed"], name("seed"), 0, MAX_SEED),
            hidden=tuple(widths[:n_layers]),
            activation=validate.choice(c["activation"], list(ACTIVATIONS), name("activation")),
            optimizer=validate.choice(c["optimizer"], list(OPTIMIZERS), name("optimizer")),
            lr=lr,
            batch_size=validate.integer(c["batch_size"], name("batch"), 1,
                                        datasets2d.train_size(n, test_fraction)),
            regularization=validate.choice(c["regularization"], list(REGULARIZATIONS),
                                           name("regularization")),
            reg_rate=validate.number(c["reg_rate"], name("reg_rate"), 0, 1),
        )


# --- the network and one epoch -----------------------------------------------------------
# init_weights and train_one_epoch are copied verbatim into the exported listing
# (playground.networks.training_code), so they only use torch and their arguments.

def build_network(hidden, activation: str):
    """nn.Sequential: 2 inputs -> hidden layers with `activation` -> 1 logit."""
    from torch import nn
    layers, width = [], 2
    for n in hidden:
        layers += [nn.Linear(width, n), getattr(nn, ACTIVATIONS[activation])()]
        width = n
    layers.append(nn.Linear(width, 1))
    return nn.Sequential(*layers)


def init_weights(model, seed):
    """PyTorch's default initialisation, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from a
    generator of our own: the same seed gives the same network. Returns the generator,
    which then shuffles the mini-batches."""
    import torch
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                bound = 1 / layer.in_features ** 0.5
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-bound, bound, generator=generator)
    return generator


def train_one_epoch(model, optimizer, X, y, batch_size, regularization, rate, generator):
    """One pass over the training points, in shuffled mini-batches of `batch_size`."""
    import torch
    order = torch.randperm(len(X), generator=generator)
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        logits = model(X[batch]).squeeze(1)                    # 1. forward pass
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y[batch])  # 2. loss
        if regularization in ("l1", "l2"):                     #    + penalty on the weights
            power = 1 if regularization == "l1" else 2
            loss = loss + rate * sum(p.abs().pow(power).sum()
                                     for name, p in model.named_parameters() if "weight" in name)
        optimizer.zero_grad()
        loss.backward()                                        # 3. backpropagation
        optimizer.step()                                       # 4. w <- w - lr * gradient


def make_optimizer(model, name: str, lr: float):
    import torch
    return getattr(torch.optim, OPTIMIZERS[name])(model.parameters(), lr=lr)


@contextmanager
def one_thread():
    """Run torch on one thread here. A small network's ops are tiny, and on a busy 2-core
    host torch's second thread makes them wait for a free core, so one thread is faster
    (bench/bench_training.py measures both). torch keeps the thread count per thread once
    set, so this only touches the calling thread; it restores the previous count for
    whatever runs next on the same worker thread."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# --- one visitor's training ---------------------------------------------------------------

@dataclass
class Frame:
    """What one streamed picture shows."""
    data: datasets2d.Dataset
    epoch: int
    train_loss: float
    test_loss: float
    train_accuracy: float
    test_accuracy: float
    history: dict                   # "epoch", "train", "test": lists, one entry per epoch
    probability: np.ndarray         # (GRID, GRID): P(class 1); row i is x2, column j is x1
    neurons: list                   # per hidden layer, (neurons, NEURON_GRID, NEURON_GRID)
    run_epochs: int = 0             # epochs in this run (this press of Train)
    run_seconds: float = 0.0
    stopped: str | None = None      # None while running; "epochs" or "seconds" when it stopped
    config: Config = field(default_factory=Config)


def grid(extent: float, n: int):
    """(n * n, 2) points covering [-extent, extent]^2, row by row (x2 outer, x1 inner)."""
    import torch
    axis = torch.linspace(-extent, extent, n)
    x2, x1 = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([x1.reshape(-1), x2.reshape(-1)], dim=1)


class Session(pacing.LiveRun):
    """One visitor's run: their dataset, network, optimizer and loss history."""

    def __init__(self, config: Config):
        import torch
        self.config = config
        self.data = datasets2d.make(config.dataset, config.n_points, config.noise,
                                    config.test_fraction, config.seed)
        self.X_train, self.y_train, self.X_test, self.y_test = (
            torch.from_numpy(a) for a in (self.data.X_train, self.data.y_train,
                                          self.data.X_test, self.data.y_test))
        self.model = build_network(config.hidden, config.activation)
        self.generator = init_weights(self.model, config.seed)
        self.optimizer = make_optimizer(self.model, config.optimizer, config.lr)
        self.epoch = 0
        super().__init__()              # run, idle, pacer, stop; ended_by: "epochs", "seconds"
        self.history = {"epoch": [], "train": [], "test": []}
        self.lock = threading.Lock()    # a paused run may still be finishing its last epoch
        with one_thread():
            self._record()

    def matches(self, config: Config) -> bool:
        return config.structure() == self.config.structure()

    def set_hyperparameters(self, config: Config) -> None:
        """New optimizer, learning rate, batch or penalty: keep the network, go on training."""
        with self.lock:
            if config.optimizer != self.config.optimizer:
                self.optimizer = make_optimizer(self.model, config.optimizer, config.lr)
            for group in self.optimizer.param_groups:
                group["lr"] = config.lr
            self.config = config

    def train_epoch(self) -> None:
        c = self.config
        with self.lock, one_thread():
            train_one_epoch(self.model, self.optimizer, self.X_train, self.y_train,
                            min(c.batch_size, len(self.X_train)), c.regularization, c.reg_rate,
                            self.generator)
            self.epoch += 1
            self._record()

    def evaluate(self, X, y) -> tuple[float, float]:
        """(mean binary cross-entropy, accuracy) on the points X with labels y."""
        import torch
        with torch.no_grad():
            logits = self.model(X).squeeze(1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
            return float(loss), float(((logits > 0).float() == y).float().mean())

    def _record(self) -> None:
        self.history["epoch"].append(self.epoch)
        self.history["train"].append(self.evaluate(self.X_train, self.y_train)[0])
        self.history["test"].append(self.evaluate(self.X_test, self.y_test)[0])
        if len(self.history["epoch"]) > MAX_HISTORY:     # a long session stays small
            self.history = {k: v[::2] for k, v in self.history.items()}

    def frame(self, run_epochs: int = 0, run_seconds: float = 0.0,
              stopped: str | None = None) -> Frame:
        """The numbers of one picture: metrics, the boundary and each hidden neuron's map."""
        import torch
        with self.lock, one_thread(), torch.no_grad():
            train_loss, train_acc = self.evaluate(self.X_train, self.y_train)
            test_loss, test_acc = self.evaluate(self.X_test, self.y_test)
            extent = self.data.extent
            probability = torch.sigmoid(self.model(grid(extent, GRID))).reshape(GRID, GRID)
            neurons, h = [], grid(extent, NEURON_GRID)
            for layer in self.model[:-1]:
                h = layer(h)
                if not isinstance(layer, torch.nn.Linear):       # after each activation
                    neurons.append(h.T.reshape(-1, NEURON_GRID, NEURON_GRID).numpy().copy())
            history = {k: list(v) for k, v in self.history.items()}
        return Frame(self.data, self.epoch, train_loss, test_loss, train_acc, test_acc, history,
                     probability.numpy(), neurons, run_epochs, run_seconds, stopped, self.config)


def prepare(session: Session | None, config: Config) -> Session:
    """The visitor's session, ready for `config`: the same network if only the
    hyperparameters changed, a new one if the data or the architecture did."""
    if session is not None:
        session.stop(wait=STOP_WAIT)    # whatever ran before ends here
    if session is None or not session.matches(config):
        return Session(config)
    session.set_hyperparameters(config)
    return session


def train_epochs(session: Session, epochs_per_frame: int = 2, max_epochs: int = RUN_EPOCHS,
                 max_seconds: float = RUN_SECONDS, frame_seconds: float | None = None):
    """Train, yielding a Frame after every `epochs_per_frame` epochs (fewer if they take
    longer than TRAIN_BUDGET), at most one every `frame_seconds` (FRAME_SECONDS) and none
    before the page has drawn the last (session.pacer); stop after `max_epochs` epochs or
    `max_seconds` seconds."""
    frame_seconds = FRAME_SECONDS if frame_seconds is None else frame_seconds
    run = session.begin()               # this run, and no other, trains from now on
    try:
        yield from _run(session, run, epochs_per_frame, max_epochs, max_seconds, frame_seconds)
    finally:
        session.end()


def _run(session, run, epochs_per_frame, max_epochs, max_seconds, frame_seconds):
    start = time.monotonic()
    done = 0
    while True:
        slice_start = time.monotonic()
        for _ in range(min(epochs_per_frame, max_epochs - done)):
            if session.run != run:
                return
            session.train_epoch()
            done += 1
            if time.monotonic() - slice_start > TRAIN_BUDGET:
                break
        now = time.monotonic()
        stopped = "epochs" if done >= max_epochs else "seconds" if now - start >= max_seconds else None
        # Pace the frames: the page draws each one while this generator waits.
        session.pacer.wait(frame_seconds, stopped=lambda: session.run != run)
        frame = session.frame(done, time.monotonic() - start, stopped)
        if session.run != run:
            return
        session.ended_by = stopped
        yield frame
        if stopped:
            return
