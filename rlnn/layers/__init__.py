"""Layers: the base classes, Dense, NoisyDense, Conv2D, MaxPool2D, Flatten, Sequential, Dueling,
Dropout, BatchNorm, LayerNorm, and the layer registry."""

from rlnn.layers.base import Layer, Parameter
from rlnn.layers.batchnorm import BatchNorm
from rlnn.layers.conv import Conv2D, Flatten, MaxPool2D
from rlnn.layers.dense import Dense
from rlnn.layers.dropout import Dropout
from rlnn.layers.dueling import Dueling
from rlnn.layers.layernorm import LayerNorm
from rlnn.layers.noisy import NoisyDense, noise_disabled, noisy_layers, reset_noise
from rlnn.layers.registry import build, registry
from rlnn.layers.sequential import Sequential, mlp

__all__ = [
    "Layer",
    "Parameter",
    "Dense",
    "Conv2D",
    "MaxPool2D",
    "Flatten",
    "NoisyDense",
    "Dueling",
    "noise_disabled",
    "noisy_layers",
    "reset_noise",
    "Sequential",
    "Dropout",
    "BatchNorm",
    "LayerNorm",
    "mlp",
    "build",
    "registry",
]
