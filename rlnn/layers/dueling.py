"""The dueling aggregation of a value stream and an advantage stream (Wang et al., 2016)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnn._checks import check_positive_int
from rlnn._typing import Array
from rlnn.layers.base import Layer, Parameter
from rlnn.layers.registry import build, registry


@registry.register("dueling")
class Dueling(Layer):
    """``Q(s, a) = V(s) + A(s, a) - mean_a' A(s, a')`` from two streams on the same input.

    With ``atoms > 1`` (a distributional head) every stream output has one entry per atom and
    the aggregation is done atom by atom, as in Rainbow: the value stream gives (batch, atoms),
    the advantage stream (batch, n_actions·atoms), the output is (batch, n_actions·atoms).

    Backward: with upstream ``g`` of shape (batch, n_actions, atoms), ``dL/dV = Σ_a g`` and
    ``dL/dA = g - mean_a g``; the input gradient is the sum of both streams' input gradients.

    Args:
        value: the value stream (a layer or spec), output (batch, atoms).
        advantage: the advantage stream (a layer or spec), output (batch, n_actions·atoms).
        n_actions: number of actions.
        atoms: outputs per action (1 for scalar Q-values).
    """

    def __init__(
        self, value: Layer | dict, advantage: Layer | dict, n_actions: int, atoms: int = 1
    ) -> None:
        self.value = build(value)
        self.advantage = build(advantage)
        self.n_actions = check_positive_int("Dueling", "n_actions", n_actions)
        self.atoms = check_positive_int("Dueling", "atoms", atoms)

    def _aggregate(self, v: Array, a: Array) -> Array:
        n, k = self.n_actions, self.atoms
        if v.shape[1:] != (k,) or a.shape[1:] != (n * k,):
            raise ValueError(
                f"Dueling expected value (batch, {k}) and advantage (batch, {n * k}), "
                f"got {v.shape} and {a.shape}"
            )
        a = a.reshape(len(a), n, k)
        q = v[:, None, :] + (a - a.mean(axis=1, keepdims=True))
        return q.reshape(len(q), n * k)

    def forward(self, x: Array) -> Array:
        return self._aggregate(self.value.forward(x), self.advantage.forward(x))

    def predict(self, x: Array) -> Array:
        return self._aggregate(self.value.predict(x), self.advantage.predict(x))

    def backward(self, grad_out: Array) -> Array:
        g = grad_out.reshape(len(grad_out), self.n_actions, self.atoms)
        grad_v = g.sum(axis=1)
        grad_a = (g - g.mean(axis=1, keepdims=True)).reshape(len(g), -1)
        return self.value.backward(grad_v) + self.advantage.backward(grad_a)

    def children(self) -> list[Layer]:
        return [self.value, self.advantage]

    def named_parameters(self) -> dict[str, Parameter]:
        return {
            f"{stream}.{name}": p
            for stream, layer in (("value", self.value), ("advantage", self.advantage))
            for name, p in layer.named_parameters().items()
        }

    def buffers(self) -> dict[str, Array]:
        return {
            f"{stream}.{name}": b
            for stream, layer in (("value", self.value), ("advantage", self.advantage))
            for name, b in layer.buffers().items()
        }

    def generators(self) -> list[np.random.Generator]:
        return self.value.generators() + self.advantage.generators()

    def penalty(self) -> float:
        return self.value.penalty() + self.advantage.penalty()

    def train(self, mode: bool = True) -> Dueling:
        self.training = mode
        self.value.train(mode)
        self.advantage.train(mode)
        return self

    def astype(self, dtype: Any) -> Dueling:
        self.value.astype(dtype)
        self.advantage.astype(dtype)
        return self

    def config(self) -> dict[str, Any]:
        return {
            "name": "dueling",
            "value": self.value.config(),
            "advantage": self.advantage.config(),
            "n_actions": self.n_actions,
            "atoms": self.atoms,
        }

    def __repr__(self) -> str:
        return (
            f"Dueling(n_actions={self.n_actions}, atoms={self.atoms},\n"
            f"  value={self.value!r},\n  advantage={self.advantage!r})"
        )
