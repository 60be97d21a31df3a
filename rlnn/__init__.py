"""rlnn: a NumPy neural-network library with explicit, gradient-checked backward passes."""

from rlnn import activations, initializers, losses, metrics, optimizers, schedules
from rlnn.callbacks import Callback, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau
from rlnn.fit import History, evaluate, fit
from rlnn.gradcheck import GradcheckResult, gradcheck
from rlnn.io import load, save
from rlnn.layers import (
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Dueling,
    Flatten,
    Layer,
    LayerNorm,
    MaxPool2D,
    NoisyDense,
    Parameter,
    Sequential,
    build,
    mlp,
)
from rlnn.optimizers import clip_grad_norm, clip_grad_value
from rlnn.preprocessing import Standardize

__version__ = "0.1.0"

__all__ = [
    "activations",
    "initializers",
    "losses",
    "Layer",
    "Parameter",
    "Dense",
    "Conv2D",
    "MaxPool2D",
    "Flatten",
    "NoisyDense",
    "Dueling",
    "Sequential",
    "Dropout",
    "BatchNorm",
    "LayerNorm",
    "mlp",
    "build",
    "load",
    "save",
    "gradcheck",
    "GradcheckResult",
    "metrics",
    "optimizers",
    "schedules",
    "fit",
    "evaluate",
    "History",
    "Callback",
    "EarlyStopping",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "clip_grad_norm",
    "clip_grad_value",
    "Standardize",
]
