"""Piecewise activations: step, linear, the ReLU family, the ELU family, hard sigmoid/swish."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnn._checks import check_number, check_positive_int
from rlnn._typing import Array, DTypeLike
from rlnn.activations.base import Activation, LearnableMixin, registry

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _neg_exp(z: Array, scale: float = 1.0) -> Array:
    """exp(min(z, 0) / scale): the ELU branch without overflow for large positive z."""
    return np.exp(np.minimum(z, 0) / scale)


@registry.register("binary_step", "step")
class BinaryStep(Activation):
    """``1 if z >= 0 else 0``. Its derivative is 0 everywhere (undefined at 0): no gradient
    flows through it, which is why it is only useful as an output threshold."""

    def function(self, z):
        return (z >= 0).astype(z.dtype)

    def derivative(self, z, a):
        return np.zeros_like(z)


@registry.register("linear", "identity")
class Linear(Activation):
    """``z`` (identity); derivative 1."""

    def function(self, z):
        return z

    def derivative(self, z, a):
        return np.ones_like(z)

    def backward(self, grad_out):
        return grad_out.copy()


@registry.register("relu")
class ReLU(Activation):
    """``max(z, 0)``; derivative 1 for z > 0, else 0 (Nair & Hinton, 2010)."""

    def function(self, z):
        return np.maximum(z, 0)

    def derivative(self, z, a):
        return (a > 0).astype(z.dtype)

    def backward(self, grad_out):
        return grad_out * (self._a > 0)  # a bool mask keeps grad_out's dtype


@registry.register("leaky_relu")
class LeakyReLU(Activation):
    """``z if z > 0 else alpha·z`` (Maas et al., 2013); the notes' τ = 0.01 default."""

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = check_number("LeakyReLU", "alpha", alpha, low=0)

    def function(self, z):
        return np.where(z > 0, z, self.alpha * z)

    def derivative(self, z, a):
        return np.where(z > 0, 1, self.alpha).astype(z.dtype)

    def _hyper(self):
        return {"alpha": self.alpha}


@registry.register("prelu")
class PReLU(LearnableMixin, Activation):
    """``z if z > 0 else alpha·z`` with learnable alpha (He et al., 2015).

    Args:
        num_parameters: 1 (one alpha shared) or the number of features (one per feature).
        init: initial alpha (PyTorch's 0.25).
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, dtype: DTypeLike = np.float32
    ) -> None:
        self.num_parameters = check_positive_int("PReLU", "num_parameters", num_parameters)
        self.init = check_number("PReLU", "init", init)
        self._make_params(dtype, (self.num_parameters,), alpha=self.init)

    def function(self, z):
        return np.where(z > 0, z, self._value("alpha") * z)

    def derivative(self, z, a):
        return np.where(z > 0, 1, self._value("alpha")).astype(z.dtype)

    def param_derivatives(self, z):
        return [np.where(z > 0, 0, z)]

    def _hyper(self):
        return {"num_parameters": self.num_parameters, "init": self.init, "dtype": self.dtype.name}


@registry.register("rrelu")
class RReLU(Activation):
    """Randomized leaky ReLU (Xu et al., 2015): in training each negative input gets a slope
    drawn from U(lower, upper); in eval the slope is their mean (lower + upper) / 2.

    Args:
        lower, upper: slope bounds, 0 <= lower <= upper (PyTorch's 1/8 and 1/3).
        rng: generator (or seed) for the slopes.
    """

    def __init__(
        self,
        lower: float = 1 / 8,
        upper: float = 1 / 3,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        self.lower = check_number("RReLU", "lower", lower, low=0)
        self.upper = check_number("RReLU", "upper", upper, low=self.lower)
        self.rng = np.random.default_rng(rng)

    def _slope(self, z: Array) -> Array | float:
        if self.training:
            return self.rng.uniform(self.lower, self.upper, size=z.shape).astype(z.dtype)
        return (self.lower + self.upper) / 2

    def forward(self, z):
        self._slope_used = self._slope(z)
        self._z = z
        self._a = np.where(z >= 0, z, self._slope_used * z)
        return self._a

    def function(self, z):
        return np.where(z >= 0, z, (self.lower + self.upper) / 2 * z)

    def derivative(self, z, a):
        return np.where(z >= 0, 1, self._slope_used).astype(z.dtype)

    def _hyper(self):
        return {"lower": self.lower, "upper": self.upper}


@registry.register("elu")
class ELU(Activation):
    """``z if z > 0 else alpha·(e^z - 1)`` (Clevert et al., 2016); derivative alpha·e^z below 0."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = check_number("ELU", "alpha", alpha, low=0)

    def function(self, z):
        return np.where(z > 0, z, self.alpha * (_neg_exp(z) - 1))

    def derivative(self, z, a):
        return np.where(z > 0, 1, self.alpha * _neg_exp(z)).astype(z.dtype)

    def _hyper(self):
        return {"alpha": self.alpha}


@registry.register("celu")
class CELU(Activation):
    """``max(0, z) + min(0, alpha·(e^{z/alpha} - 1))`` (Barron, 2017); C¹ for any alpha > 0."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = check_number("CELU", "alpha", alpha, low=0, low_open=True)

    def function(self, z):
        return np.where(z > 0, z, self.alpha * (_neg_exp(z, self.alpha) - 1))

    def derivative(self, z, a):
        return np.where(z > 0, 1, _neg_exp(z, self.alpha)).astype(z.dtype)

    def _hyper(self):
        return {"alpha": self.alpha}


@registry.register("selu")
class SELU(Activation):
    """``scale·(z if z > 0 else alpha·(e^z - 1))`` with the fixed constants of Klambauer et al.
    (2017), alpha ≈ 1.6733 and scale ≈ 1.0507. Pair it with ``lecun_normal`` weights."""

    def function(self, z):
        return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * (_neg_exp(z) - 1))

    def derivative(self, z, a):
        return (SELU_SCALE * np.where(z > 0, 1, SELU_ALPHA * _neg_exp(z))).astype(z.dtype)


@registry.register("isrlu")
class ISRLU(Activation):
    """Inverse square root linear unit (Carlile et al., 2017):
    ``z if z >= 0 else z / sqrt(1 + alpha·z²)``; derivative (1 + alpha·z²)^{-3/2} below 0."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = check_number("ISRLU", "alpha", alpha, low=0)

    def function(self, z):
        return np.where(z >= 0, z, z / np.sqrt(1 + self.alpha * z * z))

    def derivative(self, z, a):
        return np.where(z >= 0, 1, (1 + self.alpha * z * z) ** -1.5).astype(z.dtype)

    def _hyper(self):
        return {"alpha": self.alpha}


@registry.register("pelu")
class PELU(LearnableMixin, Activation):
    """Parametric ELU (Trottier et al., 2017) with learnable a, b > 0:
    ``(a/b)·z if z >= 0 else a·(e^{z/b} - 1)``.

    Gradients: for z >= 0, ∂/∂a = z/b, ∂/∂b = -a·z/b²; for z < 0, ∂/∂a = e^{z/b} - 1,
    ∂/∂b = -a·z·e^{z/b}/b². The paper keeps a, b positive; choose a small learning rate or
    clip them if an optimizer drives them toward 0.
    """

    def __init__(self, a: float = 1.0, b: float = 1.0, dtype: DTypeLike = np.float32) -> None:
        self.a = check_number("PELU", "a", a, low=0, low_open=True)
        self.b = check_number("PELU", "b", b, low=0, low_open=True)
        self._make_params(dtype, (1,), a=self.a, b=self.b)

    def function(self, z):
        a, b = self._value("a"), self._value("b")
        return np.where(z >= 0, (a / b) * z, a * (np.exp(np.minimum(z, 0) / b) - 1))

    def derivative(self, z, a_out):
        a, b = self._value("a"), self._value("b")
        return np.where(z >= 0, a / b, (a / b) * np.exp(np.minimum(z, 0) / b)).astype(z.dtype)

    def param_derivatives(self, z):
        a, b = self._value("a"), self._value("b")
        e = np.exp(np.minimum(z, 0) / b)
        return [np.where(z >= 0, z / b, e - 1), np.where(z >= 0, -a * z / b**2, -a * z * e / b**2)]

    def _hyper(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "dtype": self.dtype.name}


@registry.register("hard_sigmoid", "hardsigmoid")
class HardSigmoid(Activation):
    """PyTorch's ``relu6(z + 3) / 6``; derivative 1/6 on (-3, 3), else 0."""

    def function(self, z):
        return np.clip(z + 3, 0, 6) / 6

    def derivative(self, z, a):
        return np.where((z > -3) & (z < 3), 1 / 6, 0).astype(z.dtype)


@registry.register("hard_swish", "hardswish")
class HardSwish(Activation):
    """``z·relu6(z + 3) / 6`` (Howard et al., 2019); derivative (2z + 3)/6 on (-3, 3)."""

    def function(self, z):
        return z * np.clip(z + 3, 0, 6) / 6

    def derivative(self, z, a):
        return np.where(z <= -3, 0, np.where(z >= 3, 1, (2 * z + 3) / 6)).astype(z.dtype)
