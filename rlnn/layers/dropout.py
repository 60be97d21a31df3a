"""Inverted dropout."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnn._checks import check_number
from rlnn._typing import Array
from rlnn.layers.base import Layer
from rlnn.layers.registry import registry


@registry.register("dropout")
class Dropout(Layer):
    """Inverted dropout (Srivastava et al., 2014): in training each entry is zeroed with
    probability ``p`` and the survivors are scaled by 1/(1 - p), so eval is the identity.

    The mask drawn in ``forward`` is reused in ``backward`` (``dL/dx = g ⊙ mask/(1 - p)``).
    Note 004 draws the mask as Bernoulli(p) while calling p the drop rate; the keep
    probability is 1 - p.

    Args:
        p: drop probability in [0, 1).
        rng: generator or seed for the masks.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None) -> None:
        self.p = check_number("Dropout", "p", p, low=0, high=1, high_open=True)
        self.rng = np.random.default_rng(rng)
        self._mask: Array | None = None

    def forward(self, x: Array) -> Array:
        if not self.training or self.p == 0:
            self._mask = None
            return x
        keep = 1.0 - self.p
        self._mask = (self.rng.random(x.shape) < keep).astype(x.dtype) * x.dtype.type(1 / keep)
        return x * self._mask

    def predict(self, x: Array) -> Array:
        return x

    def backward(self, grad_out: Array) -> Array:
        return grad_out if self._mask is None else grad_out * self._mask

    def config(self) -> dict[str, Any]:
        return {"name": "dropout", "p": self.p}
