"""Training a small network, live: forward pass, loss, backpropagation, gradient descent, epochs.

The course's training cycle on a toy 2D dataset (playground.networks.datasets2d), in the spirit of
TensorFlow Playground (Smilkov et al., 2017): a multilayer perceptron of up to six hidden
layers of up to eight neurons ends in one logit, P(class 1) = sigmoid(logit), and learns by
minimising the binary cross-entropy with SGD or Adam (Kingma & Ba, 2015) on mini-batches.

A `Session` holds one visitor's data, network, optimizer and loss history; the page keeps it
in gr.State, never in a module global. `train_epochs` trains it and yields one `Frame` (the
numbers a picture needs) every few epochs, and stops by itself after RUN_SECONDS or
RUN_EPOCHS. `one_step` is the same cycle by hand, for a 2-2-1 network and one example, with
every intermediate number; the tests check its gradients against torch autograd.
"""
from __future__ import annotations

import inspect
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from playground.networks import datasets2d
from playground.core import pacing
from playground.core.i18n import t

# torch is imported where it is used: importing the app stays fast (torch takes seconds).
ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Identity"}
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam"}     # names in torch.nn and torch.optim
REGULARIZATIONS = ("none", "l1", "l2")
MAX_LAYERS = 6
MAX_NEURONS = 8

RUN_SECONDS = 30        # one press of Train runs at most this long (the queue has 2 slots) ...
RUN_EPOCHS = 1000       # ... or this many epochs, whichever comes first
FRAME_SECONDS = pacing.frame_seconds()   # what a browser can draw (playground/core/pacing.py)
TRAIN_BUDGET = 0.06     # seconds of training between two frames, at most (always >= 1 epoch)
GRID = 60               # the decision boundary is drawn on a GRID x GRID grid
NEURON_GRID = 20        # each hidden neuron's picture is NEURON_GRID x NEURON_GRID
EXPORT_EPOCHS = 300     # epochs in the exported listing
MAX_HISTORY = 20_000    # loss entries kept per visitor; beyond, every other one is dropped
STOP_WAIT = 2.0         # seconds Pause (Step, Reset) waits, at most, for a run to end


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


# --- the network and one epoch -----------------------------------------------------------
# init_weights and train_one_epoch are copied verbatim into the exported listing, so they
# only use torch and their arguments.

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
    host torch's second thread makes them wait for a free core: tanh on a 32 x 8 batch took
    6 ms with two threads and 8 us with one, and an epoch of
    the benchmark's network 80-120 ms against 20 ms (bench/bench_training.py). torch keeps the
    thread count per thread once set, so this only touches the calling thread; it restores
    the previous count for whatever runs next on the same worker thread."""
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


class Session:
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
        self.run = 0                    # the id of the latest run; older runs stop
        self.idle = threading.Event()   # clear while a run (train_epochs) is going on
        self.idle.set()
        self.pacer = pacing.Pacer()     # frames go no faster than this visitor's page draws them
        self.ended_by = None            # how the last run ended: "epochs", "seconds", None
        self.history = {"epoch": [], "train": [], "test": []}
        self.lock = threading.Lock()    # a paused run may still be finishing its last epoch
        with one_thread():
            self._record()

    def stop(self, wait: float = 0.0) -> int:
        """End the current run, if any: a run stops when it sees a newer run id. Returns
        the new id. With `wait`, wait (at most `wait` seconds) until the run has ended, so
        that the caller (Pause, Step, Reset) shows the network as it is at rest."""
        self.run += 1
        if wait:
            self.idle.wait(wait)
        return self.run

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
    run = session.stop()                # this run, and no other, trains from now on
    session.idle.clear()
    session.pacer.start()
    session.ended_by = None
    try:
        yield from _run(session, run, epochs_per_frame, max_epochs, max_seconds, frame_seconds)
    finally:
        session.idle.set()


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


# --- the exported listing -----------------------------------------------------------------

def _listing(fn) -> str:
    """A function's source for the listing, without its lazy `import torch` (done on top)."""
    return inspect.getsource(fn).replace("    import torch\n", "", 1)


def export_code(config: Config, lang: str, epochs: int = EXPORT_EPOCHS) -> str:
    """A short, runnable PyTorch program that builds and trains the configured network on
    the same data, with the same initial weights, as the app."""
    generator = datasets2d.GENERATORS[config.dataset].__name__
    widths = [2, *config.hidden]
    act = ACTIVATIONS[config.activation]
    layers = "".join(f"    nn.Linear({a}, {b}), nn.{act}(),\n" for a, b in zip(widths, widths[1:]))
    shape = " → ".join(map(str, [2, *config.hidden, 1]))
    optim = OPTIMIZERS[config.optimizer]
    return f'''# {t("training_code_header", lang, shape=shape)}
# pip install torch numpy
import numpy as np
import torch
from torch import nn

SEED = {config.seed}
EPOCHS = {epochs}

# 1. {t("training_code_data", lang)}
{datasets2d.source(config.dataset)}

rng = np.random.default_rng(SEED)
X, y = {generator}({config.n_points}, {config.noise!r}, rng)
X_train, y_train, X_test, y_test = split(X, y, {config.test_fraction!r}, rng)
X_train, y_train, X_test, y_test = (torch.tensor(a, dtype=torch.float32)
                                    for a in (X_train, y_train, X_test, y_test))

# 2. {t("training_code_network", lang)}
model = nn.Sequential(
{layers}    nn.Linear({widths[-1]}, 1),
)


{_listing(init_weights)}

generator = init_weights(model, SEED)

# 3. {t("training_code_optimizer", lang)}
optimizer = torch.optim.{optim}(model.parameters(), lr={config.lr!r})


{_listing(train_one_epoch)}

# 4. {t("training_code_train", lang)}
for epoch in range(1, EPOCHS + 1):
    train_one_epoch(model, optimizer, X_train, y_train, {config.batch_size}, "{config.regularization}",
                    {config.reg_rate!r}, generator)

# 5. {t("training_code_test", lang)}
with torch.no_grad():
    accuracy = ((model(X_test).squeeze(1) > 0).float() == y_test).float().mean().item()
print(f"{t("training_code_accuracy", lang)}: {{accuracy:.1%}}")
'''


# --- one training step by hand: a 2-2-1 network and one example ---------------------------

STEP_PARAMS = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "c")
STEP_ACTIVATIONS = ("sigmoid", "tanh", "relu")
# The classic worked example (M. Mazur, "A step by step backpropagation example", 2015),
# reduced to one output: inputs 0.05 and 0.10, target 1.
STEP_EXAMPLE = {"x1": 0.05, "x2": 0.10, "y": 1, "lr": 0.5, "activation": "sigmoid",
                "params": {"w11": 0.15, "w12": 0.20, "w21": 0.25, "w22": 0.30, "b1": 0.35,
                           "b2": 0.35, "v1": 0.40, "v2": 0.45, "c": 0.60}}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1 + ez)


def activate_with_slope(name: str, z: float) -> tuple[float, float]:
    """(f(z), f'(z)) for the hidden layer's activation; ReLU'(0) = 0 as in torch."""
    if name == "sigmoid":
        s = _sigmoid(z)
        return s, s * (1 - s)
    if name == "tanh":
        a = math.tanh(z)
        return a, 1 - a * a
    if name == "relu":
        return max(z, 0.0), 1.0 if z > 0 else 0.0
    raise ValueError(f"unknown activation {name!r}")


@dataclass(frozen=True)
class Step:
    """Every number of one training step of the 2-2-1 network on one example (x1, x2; y).

    Hidden neuron i: z_i = w_i1 x1 + w_i2 x2 + b_i, h_i = f(z_i). Output: z = v1 h1 + v2 h2 + c,
    y_hat = sigmoid(z). Loss: L = -[y log(y_hat) + (1 - y) log(1 - y_hat)].
    """
    x: tuple[float, float]
    y: float
    lr: float
    activation: str
    params: dict                    # the weights before the step, by STEP_PARAMS name
    z_hidden: tuple[float, float]   # z1, z2
    h: tuple[float, float]          # h1, h2 = f(z1), f(z2)
    slope: tuple[float, float]      # f'(z1), f'(z2)
    z_out: float
    y_hat: float
    loss: float
    dz_out: float                   # dL/dz = y_hat - y
    dh: tuple[float, float]         # dL/dh_i = dL/dz * v_i
    dz_hidden: tuple[float, float]  # dL/dz_i = dL/dh_i * f'(z_i)
    grads: dict                     # dL/dp for every parameter p
    new_params: dict                # p - lr * dL/dp
    new_loss: float                 # the loss on the same example with the new weights


def _forward(x1: float, x2: float, y: float, p: dict, activation: str):
    z1 = p["w11"] * x1 + p["w12"] * x2 + p["b1"]
    z2 = p["w21"] * x1 + p["w22"] * x2 + p["b2"]
    (h1, s1), (h2, s2) = activate_with_slope(activation, z1), activate_with_slope(activation, z2)
    z = p["v1"] * h1 + p["v2"] * h2 + p["c"]
    # Binary cross-entropy written from the logit, so that log(0) never happens:
    # -[y log s(z) + (1 - y) log(1 - s(z))] = max(z, 0) - y z + log(1 + e^-|z|)
    loss = max(z, 0.0) - y * z + math.log1p(math.exp(-abs(z)))
    return (z1, z2), (h1, h2), (s1, s2), z, _sigmoid(z), loss


def one_step(x1: float, x2: float, y: float, params: dict, lr: float,
             activation: str = "sigmoid") -> Step:
    """Forward pass, loss, backpropagation by the chain rule and the update, by hand."""
    p = {k: float(params[k]) for k in STEP_PARAMS}
    # 1. forward pass and 2. loss
    (z1, z2), (h1, h2), (s1, s2), z, y_hat, loss = _forward(x1, x2, y, p, activation)
    # 3. backpropagation: dL/dz of sigmoid + cross-entropy is y_hat - y; then the chain rule
    dz = y_hat - y
    dh1, dh2 = dz * p["v1"], dz * p["v2"]
    dz1, dz2 = dh1 * s1, dh2 * s2
    grads = {"w11": dz1 * x1, "w12": dz1 * x2, "w21": dz2 * x1, "w22": dz2 * x2,
             "b1": dz1, "b2": dz2, "v1": dz * h1, "v2": dz * h2, "c": dz}
    # 4. gradient descent: w <- w - lr * dL/dw
    new = {k: p[k] - lr * grads[k] for k in STEP_PARAMS}
    new_loss = _forward(x1, x2, y, new, activation)[-1]
    return Step((x1, x2), y, lr, activation, p, (z1, z2), (h1, h2), (s1, s2), z, y_hat, loss,
                dz, (dh1, dh2), (dz1, dz2), grads, new, new_loss)


def random_step_params(rng: np.random.Generator) -> dict:
    """Small random weights, rounded to two decimals so they read well on a slide."""
    return {k: round(float(rng.uniform(-1, 1)), 2) for k in STEP_PARAMS}
