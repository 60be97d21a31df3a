"""Optimizers, each registered by name, with ``step()``, ``zero_grad()`` and state dicts."""

from rlnn.optimizers.adam import Adam, AdamW, NAdam
from rlnn.optimizers.adaptive import Adadelta, Adagrad, RMSprop
from rlnn.optimizers.base import Optimizer, clip_grad_norm, clip_grad_value, get, names, registry
from rlnn.optimizers.lbfgs import LBFGS
from rlnn.optimizers.sgd import SGD, Momentum, Nesterov

__all__ = [
    "Optimizer",
    "SGD",
    "Momentum",
    "Nesterov",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Adam",
    "AdamW",
    "NAdam",
    "LBFGS",
    "clip_grad_norm",
    "clip_grad_value",
    "get",
    "names",
    "registry",
]
