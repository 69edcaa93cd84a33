"""The configured network as a short, runnable PyTorch program: the Training tab's listing.

The program builds the same data (the generator's source, copied from
playground.networks.datasets2d), the same network with the same initial weights and the same
training loop as the live run (init_weights and train_one_epoch, copied verbatim from
playground.networks.training), so that a visitor who runs it sees what the app showed.
tests/test_training.py runs it and compares its weights with the app's.
"""
from __future__ import annotations

import inspect

from playground.core.i18n import t
from playground.networks import datasets2d
from playground.networks.training import (ACTIVATIONS, OPTIMIZERS, Config, init_weights,
                                          train_one_epoch)

EPOCHS = 300            # epochs in the exported listing


def _listing(fn) -> str:
    """A function's source for the listing, without its lazy `import torch` (done on top)."""
    return inspect.getsource(fn).replace("    import torch\n", "", 1)


def export_code(config: Config, lang: str, epochs: int = EPOCHS) -> str:
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
