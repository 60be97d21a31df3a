"""The activation base class and its registry."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from rlnn._typing import Array, DTypeLike
from rlnn.layers.base import Layer, Parameter
from rlnn.registry import Registry

registry: Registry[Layer] = Registry("activation")


class Activation(Layer):
    """An elementwise activation ``a = f(z)``; ``backward`` multiplies by ``f'(z)``.

    Subclasses define ``function(z)`` and ``derivative(z, a)`` (``a = f(z)`` is passed so
    that sigmoid-like derivatives reuse it). Activations with learnable parameters also
    define ``param_derivatives(z)`` and own ``Parameter``s in ``_parameters``.
    """

    registry_name = "activation"

    @abstractmethod
    def function(self, z: Array) -> Array:
        """f(z), elementwise, in the dtype of ``z``."""

    @abstractmethod
    def derivative(self, z: Array, a: Array) -> Array:
        """f'(z), elementwise, in the dtype of ``z``."""

    def forward(self, z: Array) -> Array:
        a = self.function(z)
        self._z, self._a = z, a
        return a

    def predict(self, z: Array) -> Array:
        return self.function(z)

    def backward(self, grad_out: Array) -> Array:
        z = self._z
        for param, partial in zip(self.parameters(), self.param_derivatives(z), strict=True):
            param.grad[...] = reduce_to(param.value.shape, grad_out * partial)
        return grad_out * self.derivative(z, self._a)

    def param_derivatives(self, z: Array) -> list[Array]:
        """∂f/∂θ elementwise for each learnable parameter θ, in ``parameters()`` order."""
        return []

    def config(self) -> dict[str, Any]:
        return {"name": self.registry_name, **self._hyper()}

    def _hyper(self) -> dict[str, Any]:
        return {}


class LearnableMixin:
    """Helpers for activations that own scalar or per-feature parameters."""

    def _make_params(self, dtype: DTypeLike, shape: tuple[int, ...], **values: float) -> None:
        self.dtype = np.dtype(dtype)
        self._parameters = {
            name: Parameter(np.full(shape, value, dtype=self.dtype), name)
            for name, value in values.items()
        }

    def _value(self, name: str) -> Array:
        return self._parameters[name].value


def reduce_to(shape: tuple[int, ...], values: Array) -> Array:
    """Sum ``values`` over broadcast axes so it has ``shape`` (a parameter's gradient)."""
    if values.shape == shape:
        return values
    if len(shape) == 1 and shape[0] == values.shape[-1] and shape[0] != 1:
        return values.reshape(-1, shape[0]).sum(axis=0)
    return np.asarray(values.sum()).reshape(shape)


def get(spec: str | dict | Layer, **params: Any) -> Layer:
    """Build an activation from a name (``"relu"``) or dict spec."""
    return registry.get(spec, **params)


def names() -> list[str]:
    """Registered activation names, aliases included."""
    return registry.names()
