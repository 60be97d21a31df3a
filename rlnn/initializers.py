"""Weight initializers, registered by name; each takes an explicit generator.

Every initializer is called as ``init(shape, rng, dtype)``. For a weight of shape
``(fan_in, fan_out)`` the fans are read from the shape; for a 1-D shape both are its length.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlnn._typing import Array, DTypeLike
from rlnn.registry import Registry

registry: Registry[Initializer] = Registry("initializer")


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[0] * receptive, shape[1] * receptive


class Initializer:
    """Base class: ``init(shape, rng, dtype) -> array``."""

    registry_name = "initializer"

    def __call__(
        self, shape: tuple[int, ...], rng: np.random.Generator, dtype: DTypeLike = np.float32
    ) -> Array:
        return self.sample(tuple(shape), rng).astype(dtype, copy=False)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> Array:
        return np.zeros(shape)

    def config(self) -> dict[str, Any]:
        return {"name": self.registry_name, **vars(self)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


@registry.register("zeros")
class Zeros(Initializer):
    """All zeros."""


@registry.register("constant")
class Constant(Initializer):
    """Every entry equal to ``value``."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = float(value)

    def sample(self, shape, rng):
        return np.full(shape, self.value)


@registry.register("uniform")
class Uniform(Initializer):
    """U(low, high)."""

    def __init__(self, low: float = -0.05, high: float = 0.05) -> None:
        if high <= low:
            raise ValueError(f"Uniform: high must be > low, got low={low}, high={high}")
        self.low, self.high = float(low), float(high)

    def sample(self, shape, rng):
        return rng.uniform(self.low, self.high, size=shape)


@registry.register("normal")
class Normal(Initializer):
    """N(mean, std²)."""

    def __init__(self, mean: float = 0.0, std: float = 0.05) -> None:
        if std < 0:
            raise ValueError(f"Normal: std must be >= 0, got {std}")
        self.mean, self.std = float(mean), float(std)

    def sample(self, shape, rng):
        return rng.normal(self.mean, self.std, size=shape)


@registry.register("glorot_uniform", "xavier_uniform")
class GlorotUniform(Initializer):
    """U(-a, a), a = gain·sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = float(gain)

    def sample(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        a = self.gain * math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-a, a, size=shape)


@registry.register("glorot_normal", "xavier_normal")
class GlorotNormal(Initializer):
    """N(0, σ²), σ = gain·sqrt(2 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = float(gain)

    def sample(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        return rng.normal(0.0, self.gain * math.sqrt(2.0 / (fan_in + fan_out)), size=shape)


@registry.register("he_uniform", "kaiming_uniform")
class HeUniform(Initializer):
    """U(-a, a), a = sqrt(6 / fan_in) (He et al., 2015), for ReLU layers."""

    def sample(self, shape, rng):
        a = math.sqrt(6.0 / _fans(shape)[0])
        return rng.uniform(-a, a, size=shape)


@registry.register("he_normal", "kaiming_normal")
class HeNormal(Initializer):
    """N(0, 2 / fan_in) (He et al., 2015), for ReLU layers."""

    def sample(self, shape, rng):
        return rng.normal(0.0, math.sqrt(2.0 / _fans(shape)[0]), size=shape)


@registry.register("lecun_uniform", "torch_default")
class LecunUniform(Initializer):
    """U(-a, a), a = sqrt(1 / fan_in): PyTorch's default for ``nn.Linear`` weights."""

    def sample(self, shape, rng):
        a = math.sqrt(1.0 / _fans(shape)[0])
        return rng.uniform(-a, a, size=shape)


@registry.register("lecun_normal")
class LecunNormal(Initializer):
    """N(0, 1 / fan_in) (LeCun et al., 1998); the initialization SELU needs."""

    def sample(self, shape, rng):
        return rng.normal(0.0, math.sqrt(1.0 / _fans(shape)[0]), size=shape)


@registry.register("orthogonal")
class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2014), via QR of a Gaussian."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = float(gain)

    def sample(self, shape, rng):
        rows, cols = shape[0], math.prod(shape[1:]) if len(shape) > 1 else 1
        flat = rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))  # makes the decomposition unique (uniform over O(n))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)


def get(spec: str | dict | Initializer, **params: Any) -> Initializer:
    """Build an initializer from a name or dict spec."""
    return registry.get(spec, **params)


def names() -> list[str]:
    """Registered initializer names."""
    return registry.names()
