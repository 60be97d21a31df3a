"""Layers: the base classes, Dense, Sequential, Dropout, BatchNorm, and the layer registry."""

from rlnn.layers.base import Layer, Parameter
from rlnn.layers.batchnorm import BatchNorm
from rlnn.layers.dense import Dense
from rlnn.layers.dropout import Dropout
from rlnn.layers.registry import build, registry
from rlnn.layers.sequential import Sequential, mlp

__all__ = [
    "Layer",
    "Parameter",
    "Dense",
    "Sequential",
    "Dropout",
    "BatchNorm",
    "mlp",
    "build",
    "registry",
]
