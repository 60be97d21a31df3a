"""Softmax and log-softmax over the last axis, with exact vector-Jacobian products."""

from __future__ import annotations

import numpy as np

from rlnn import special
from rlnn._typing import Array
from rlnn.activations.base import registry
from rlnn.layers.base import Layer


@registry.register("softmax")
class Softmax(Layer):
    """``s_i = e^{z_i} / Σ_j e^{z_j}`` over the last axis, stable for any input.

    Backward is the exact Jacobian-vector product ``s ⊙ (g - Σ_j g_j s_j)``, i.e. the
    Jacobian ∂s_i/∂z_j = s_i(δ_ij - s_j) of the notes, applied without forming it.
    """

    def forward(self, z: Array) -> Array:
        self._s = special.softmax(z)
        return self._s

    def predict(self, z: Array) -> Array:
        return special.softmax(z)

    def backward(self, grad_out: Array) -> Array:
        s = self._s
        return s * (grad_out - (grad_out * s).sum(axis=-1, keepdims=True))


@registry.register("log_softmax")
class LogSoftmax(Layer):
    """``z_i - log Σ_j e^{z_j}`` over the last axis; backward ``g - softmax(z)·Σ_j g_j``."""

    def forward(self, z: Array) -> Array:
        out = special.log_softmax(z)
        self._out = out
        return out

    def predict(self, z: Array) -> Array:
        return special.log_softmax(z)

    def backward(self, grad_out: Array) -> Array:
        return grad_out - np.exp(self._out) * grad_out.sum(axis=-1, keepdims=True)
