"""Smooth activations: sigmoid family, softplus family, Swish family, GELU, SoftExponential."""

from __future__ import annotations

import math

import numpy as np

from rlnn import special
from rlnn._checks import check_number
from rlnn._typing import Array, DTypeLike
from rlnn.activations.base import Activation, LearnableMixin, registry


@registry.register("sigmoid", "logistic")
class Sigmoid(Activation):
    """``1 / (1 + e^{-z})``; derivative a·(1 - a). Stable for any input.

    Note 003 writes 1/(1 + e^{z}) (the sign of the exponent is wrong); this is the standard one.
    """

    def function(self, z):
        return special.sigmoid(z)

    def derivative(self, z, a):
        return a * (1 - a)


@registry.register("tanh")
class Tanh(Activation):
    """``(e^z - e^{-z}) / (e^z + e^{-z})``; derivative 1 - a²."""

    def function(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        return 1 - a * a


@registry.register("bipolar_sigmoid")
class BipolarSigmoid(Activation):
    """``(1 - e^{-z}) / (1 + e^{-z}) = tanh(z/2)``, range (-1, 1); derivative (1 - a²)/2."""

    def function(self, z):
        return np.tanh(0.5 * z)

    def derivative(self, z, a):
        return 0.5 * (1 - a * a)


@registry.register("softplus")
class Softplus(Activation):
    """``log(1 + e^{beta·z}) / beta`` (Dugas et al., 2001); derivative sigmoid(beta·z).
    Stable for any input (PyTorch's beta, without its linear threshold: exact everywhere)."""

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = check_number("Softplus", "beta", beta, low=0, low_open=True)

    def function(self, z):
        return special.softplus(self.beta * z) / self.beta

    def derivative(self, z, a):
        return special.sigmoid(self.beta * z)

    def _hyper(self):
        return {"beta": self.beta}


@registry.register("softsign")
class Softsign(Activation):
    """``z / (1 + |z|)``; derivative 1 / (1 + |z|)²."""

    def function(self, z):
        return z / (1 + np.abs(z))

    def derivative(self, z, a):
        return 1 / (1 + np.abs(z)) ** 2


@registry.register("arctan")
class ArcTan(Activation):
    """``arctan(z)``, range (-π/2, π/2); derivative 1 / (1 + z²)."""

    def function(self, z):
        return np.arctan(z)

    def derivative(self, z, a):
        return 1 / (1 + z * z)


@registry.register("swish")
class Swish(LearnableMixin, Activation):
    """``z·sigmoid(beta·z)`` (Ramachandran et al., 2017), beta fixed or learnable.

    Derivatives: ∂/∂z = s + beta·z·s·(1 - s), ∂/∂beta = z²·s·(1 - s), with s = sigmoid(beta·z).
    """

    def __init__(
        self, beta: float = 1.0, learnable: bool = False, dtype: DTypeLike = np.float32
    ) -> None:
        self.beta = check_number("Swish", "beta", beta)
        self.learnable = bool(learnable)
        self._make_params(dtype, (1,), **({"beta": self.beta} if self.learnable else {}))

    def _beta(self) -> Array | float:
        return self._value("beta") if self.learnable else self.beta

    def function(self, z):
        return z * special.sigmoid(self._beta() * z)

    def derivative(self, z, a):
        beta = self._beta()
        s = special.sigmoid(beta * z)
        return s + beta * z * s * (1 - s)

    def param_derivatives(self, z):
        if not self.learnable:
            return []
        s = special.sigmoid(self._beta() * z)
        return [z * z * s * (1 - s)]

    def _hyper(self):
        return {"beta": self.beta, "learnable": self.learnable, "dtype": self.dtype.name}


@registry.register("silu", "swish1")
class SiLU(Activation):
    """Swish-1 / SiLU: ``z·sigmoid(z)`` (Elfwing et al., 2018), Swish with beta = 1.

    Note 002 calls Swish-1 "a variant of Swish with a division operation"; it is beta = 1.
    """

    def function(self, z):
        return z * special.sigmoid(z)

    def derivative(self, z, a):
        s = special.sigmoid(z)
        return s * (1 + z * (1 - s))


@registry.register("mish")
class Mish(Activation):
    """``z·tanh(softplus(z))`` (Misra, 2019); derivative tanh(sp) + z·sigmoid(z)·(1 - tanh²(sp))."""

    def function(self, z):
        return z * np.tanh(special.softplus(z))

    def derivative(self, z, a):
        t = np.tanh(special.softplus(z))
        return t + z * special.sigmoid(z) * (1 - t * t)


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


@registry.register("gelu")
class GELU(Activation):
    """Gaussian error linear unit (Hendrycks & Gimpel, 2016).

    ``approximate="none"``: z·Φ(z) = z·(1 + erf(z/√2))/2, derivative Φ(z) + z·φ(z).
    ``approximate="tanh"``: z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))/2 (PyTorch's option).
    """

    def __init__(self, approximate: str = "none") -> None:
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def function(self, z):
        if self.approximate == "tanh":
            return 0.5 * z * (1 + np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3)))
        return 0.5 * z * (1 + special.erf(z / math.sqrt(2)))

    def derivative(self, z, a):
        if self.approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3))
            return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _SQRT_2_OVER_PI * (
                1 + 3 * 0.044715 * z * z
            )
        return 0.5 * (1 + special.erf(z / math.sqrt(2))) + z * special.normal_pdf(z)

    def _hyper(self):
        return {"approximate": self.approximate}


@registry.register("soft_exponential")
class SoftExponential(LearnableMixin, Activation):
    """Soft exponential (Godfrey & Gashler, 2015), learnable alpha, three regimes:

    alpha < 0: ``-ln(1 - alpha·(z + alpha)) / alpha`` (logarithmic; defined for
    1 - alpha·(z + alpha) > 0); alpha = 0: ``z``; alpha > 0: ``(e^{alpha·z} - 1)/alpha + alpha``.

    ∂/∂alpha: alpha > 0: (z·e^{αz})/α - (e^{αz} - 1)/α² + 1; alpha = 0: 1 + z²/2 (the limit from
    both sides); alpha < 0, with u = 1 - α(z + α): ln(u)/α² + (z + 2α)/(α·u).
    """

    def __init__(
        self, alpha: float = 0.0, learnable: bool = True, dtype: DTypeLike = np.float32
    ) -> None:
        self.alpha = check_number("SoftExponential", "alpha", alpha)
        self.learnable = bool(learnable)
        self._make_params(dtype, (1,), **({"alpha": self.alpha} if self.learnable else {}))

    def _alpha(self) -> float:
        return float(self._value("alpha")[0]) if self.learnable else self.alpha

    def _u(self, z: Array, alpha: float) -> Array:
        u = 1 - alpha * (z + alpha)
        if np.any(u <= 0):
            bound = (1 - alpha * alpha) / alpha
            raise ValueError(
                f"SoftExponential(alpha={alpha:g}) is defined only for inputs > "
                f"{bound:g}; got a minimum of {np.min(z):g}"
            )
        return u

    def function(self, z):
        alpha = self._alpha()
        if alpha > 0:
            return (np.exp(alpha * z) - 1) / alpha + alpha
        if alpha < 0:
            return -np.log(self._u(z, alpha)) / alpha
        return z.copy()

    def derivative(self, z, a):
        alpha = self._alpha()
        if alpha > 0:
            return np.exp(alpha * z)
        if alpha < 0:
            return 1 / self._u(z, alpha)
        return np.ones_like(z)

    def param_derivatives(self, z):
        if not self.learnable:
            return []
        alpha = self._alpha()
        if alpha > 0:
            e = np.exp(alpha * z)
            return [z * e / alpha - (e - 1) / alpha**2 + 1]
        if alpha < 0:
            u = self._u(z, alpha)
            return [np.log(u) / alpha**2 + (z + 2 * alpha) / (alpha * u)]
        return [1 + 0.5 * z * z]

    def _hyper(self):
        return {"alpha": self.alpha, "learnable": self.learnable, "dtype": self.dtype.name}
