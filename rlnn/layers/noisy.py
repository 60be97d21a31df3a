"""Factorized Gaussian noisy linear layer (Fortunato et al., 2018), and helpers that switch
the noise of every noisy layer in a model."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from rlnn._checks import check_number
from rlnn._typing import Array, DTypeLike
from rlnn.layers.base import Layer, Parameter
from rlnn.layers.dense import Dense
from rlnn.layers.registry import registry


def _scaled_noise(rng: np.random.Generator, size: int, dtype: np.dtype) -> Array:
    """``f(ε) = sign(ε)·sqrt(|ε|)`` of standard normal draws (the paper's factorization)."""
    eps = rng.standard_normal(size)
    return (np.sign(eps) * np.sqrt(np.abs(eps))).astype(dtype)


@registry.register("noisy_dense", "noisy_linear")
class NoisyDense(Dense):
    """``y = act(x (μ_W + σ_W ⊙ ε_W) + μ_b + σ_b ⊙ ε_b)`` with factorized Gaussian noise
    ``ε_W = f(ε_in) f(ε_out)ᵀ``, ``ε_b = f(ε_out)``, ``f(ε) = sign(ε)·sqrt(|ε|)``.

    The noise is held in two buffers (``noise_in``, ``noise_out``) and stays fixed until
    ``reset_noise()`` draws new noise from the layer's own generator; ``forward``, ``predict``
    and ``backward`` all use the current noise, so a gradient check with fixed noise is exact.
    With ``noisy = False`` (see :func:`noise_disabled`) the layer is the mean network μ.
    A batch forms the noisy matrix once (one product each way, as a Dense layer; the σ
    gradients are the μ gradients times ε); a few rows use the factorized form
    ``x μ_W + ((x ⊙ f(ε_in)) σ_W) ⊙ f(ε_out)`` instead.

    Initialization as the paper's factorized case: μ ~ U(-1/√p, 1/√p), σ = σ₀/√p with p the
    input size; σ₀ = 0.5.

    Args:
        in_features, out_features, activation, dtype: as :class:`Dense`.
        sigma0: initial noise scale σ₀ (> 0).
        rng: generator or seed for the initial weights; the noise generator is seeded from it.

    Parameters: ``weight`` and ``bias`` (μ), ``weight_sigma`` and ``bias_sigma`` (σ).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        activation: Any = None,
        *,
        sigma0: float = 0.5,
        dtype: DTypeLike = np.float32,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        self.sigma0 = check_number("NoisyDense", "sigma0", sigma0, low=0, low_open=True)
        rng = np.random.default_rng(rng)
        bound = 1.0 / math.sqrt(in_features)
        uniform = {"name": "uniform", "low": -bound, "high": bound}
        super().__init__(
            in_features,
            out_features,
            activation,
            weight_init=uniform,
            bias_init=uniform,
            dtype=dtype,
            rng=rng,
        )
        sigma = self.sigma0 * bound
        self._parameters["weight_sigma"] = Parameter(
            np.full((self.in_features, self.out_features), sigma, self.dtype), "weight_sigma"
        )
        self._parameters["bias_sigma"] = Parameter(
            np.full(self.out_features, sigma, self.dtype), "bias_sigma"
        )
        self.rng = np.random.default_rng(rng.integers(2**63))
        self._buffers = {
            "noise_in": np.zeros(self.in_features, self.dtype),
            "noise_out": np.zeros(self.out_features, self.dtype),
        }
        self.noisy = True
        self._label = f"NoisyDense({self.in_features} -> {self.out_features})"
        self.reset_noise()

    def reset_noise(self) -> None:
        """Draw new factorized noise (in place, so the buffers keep their identity)."""
        self._buffers["noise_in"][...] = _scaled_noise(self.rng, self.in_features, self.dtype)
        self._buffers["noise_out"][...] = _scaled_noise(self.rng, self.out_features, self.dtype)

    def _noisy_bias(self) -> Array:
        eps_out = self._buffers["noise_out"]
        return self._parameters["bias"].value + self._parameters["bias_sigma"].value * eps_out

    def _noisy_weight(self) -> tuple[Array, Array]:
        """(ε_W = f(ε_in) f(ε_out)ᵀ, μ_W + σ_W ⊙ ε_W)."""
        eps = np.outer(self._buffers["noise_in"], self._buffers["noise_out"])
        return eps, self._parameters["weight"].value + self._parameters["weight_sigma"].value * eps

    def _affine(self, x: Array) -> Array:
        if not self.noisy:
            return super()._affine(x)
        if len(x) * 4 < self.in_features:
            # Few rows (acting on one observation): two thin products beat forming the matrix.
            eps_in, eps_out = self._buffers["noise_in"], self._buffers["noise_out"]
            weight, weight_sigma = self._parameters["weight"], self._parameters["weight_sigma"]
            return (
                x @ weight.value
                + ((x * eps_in) @ weight_sigma.value) * eps_out
                + (self._noisy_bias())
            )
        return x @ self._noisy_weight()[1] + self._noisy_bias()

    def forward(self, x: Array) -> Array:
        x = self._check(x)
        self._x = x
        if self.noisy:
            self._eps, self._w = self._noisy_weight()
            z = x @ self._w + self._noisy_bias()
        else:
            z = super()._affine(x)
        return z if self.activation is None else self.activation.forward(z)

    def backward(self, grad_out: Array) -> Array:
        if self.activation is not None:
            grad_out = self.activation.backward(grad_out)
        weight, bias = self._parameters["weight"], self._parameters["bias"]
        weight_sigma, bias_sigma = self._parameters["weight_sigma"], self._parameters["bias_sigma"]
        np.matmul(self._x.T, grad_out, out=weight.grad)
        np.sum(grad_out, axis=0, out=bias.grad)
        if not self.noisy:
            weight_sigma.zero_grad()
            bias_sigma.zero_grad()
            return grad_out @ weight.value.T
        # dL/dσ_W = dL/dW ⊙ ε_W and dL/dσ_b = dL/db ⊙ ε_b: no extra matrix product.
        np.multiply(weight.grad, self._eps, out=weight_sigma.grad)
        np.multiply(bias.grad, self._buffers["noise_out"], out=bias_sigma.grad)
        return grad_out @ self._w.T

    def buffers(self) -> dict[str, Array]:
        return dict(self._buffers)

    def generators(self) -> list[np.random.Generator]:
        return [self.rng, *super().generators()]

    def config(self) -> dict[str, Any]:
        return {
            "name": "noisy_dense",
            "in_features": self.in_features,
            "out_features": self.out_features,
            "activation": None if self.activation is None else self.activation.config(),
            "sigma0": self.sigma0,
            "dtype": self.dtype.name,
        }

    def __repr__(self) -> str:
        act = "" if self.activation is None else f", activation={self.activation!r}"
        return (
            f"NoisyDense({self.in_features}, {self.out_features}{act}, sigma0={self.sigma0}, "
            f"dtype={self.dtype.name})"
        )


def noisy_layers(model: Layer) -> Iterator[NoisyDense]:
    """Every :class:`NoisyDense` in ``model`` (depth first)."""
    if isinstance(model, NoisyDense):
        yield model
    for child in model.children():
        yield from noisy_layers(child)


def reset_noise(model: Layer) -> None:
    """Draw new noise in every noisy layer of ``model``."""
    for layer in noisy_layers(model):
        layer.reset_noise()


@contextlib.contextmanager
def noise_disabled(model: Layer) -> Iterator[Layer]:
    """Within the block every noisy layer of ``model`` is its mean network (greedy evaluation)."""
    layers = list(noisy_layers(model))
    saved = [layer.noisy for layer in layers]
    for layer in layers:
        layer.noisy = False
    try:
        yield model
    finally:
        for layer, flag in zip(layers, saved, strict=True):
            layer.noisy = flag
