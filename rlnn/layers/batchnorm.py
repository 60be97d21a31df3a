"""Batch normalization over the batch axis."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnn._checks import check_number, check_positive_int
from rlnn._typing import Array, DTypeLike
from rlnn.layers.base import Layer, Parameter
from rlnn.layers.registry import registry


@registry.register("batch_norm", "batchnorm")
class BatchNorm(Layer):
    """Batch normalization (Ioffe & Szegedy, 2015) of (batch, features) inputs.

    Training: ``y = gamma·(x - mu_B)/sqrt(var_B + eps) + beta`` with the batch mean and
    (biased) variance; running statistics follow PyTorch:
    ``running = (1 - momentum)·running + momentum·batch_stat`` (unbiased variance).
    Eval: the running statistics replace the batch ones.

    Backward (training), with x̂ the normalized input and N the batch size:
    ``dx = (gamma/(N·sqrt(var_B + eps)))·(N·g - Σg - x̂·Σ(g·x̂))``.

    Running mean and variance are buffers: saved and copied on target sync, never optimized.

    Args:
        num_features: features per row.
        eps: added to the variance (default 1e-5).
        momentum: running-statistics update rate in (0, 1].
        affine: learn gamma (scale) and beta (shift).
        dtype: float32 (default) or float64.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        dtype: DTypeLike = np.float32,
    ) -> None:
        self.num_features = check_positive_int("BatchNorm", "num_features", num_features)
        self.eps = check_number("BatchNorm", "eps", eps, low=0, low_open=True)
        self.momentum = check_number(
            "BatchNorm", "momentum", momentum, low=0, high=1, low_open=True
        )
        self.affine = bool(affine)
        self.dtype = np.dtype(dtype)
        self._parameters = {}
        if self.affine:
            self._parameters = {
                "gamma": Parameter(np.ones(num_features, self.dtype), "gamma"),
                "beta": Parameter(np.zeros(num_features, self.dtype), "beta"),
            }
        self._buffers = {
            "running_mean": np.zeros(num_features, self.dtype),
            "running_var": np.ones(num_features, self.dtype),
        }

    def _check(self, x: Array) -> Array:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm({self.num_features}) expected input "
                f"(batch, {self.num_features}), got {x.shape}"
            )
        return x

    def _scale_shift(self, x_hat: Array) -> Array:
        if not self.affine:
            return x_hat
        return x_hat * self._parameters["gamma"].value + self._parameters["beta"].value

    def forward(self, x: Array) -> Array:
        x = self._check(x)
        if not self.training:
            self._training_pass = False
            self._inv_std = 1 / np.sqrt(self._buffers["running_var"] + self.eps)
            self._x_hat = (x - self._buffers["running_mean"]) * self._inv_std
            return self._scale_shift(self._x_hat)
        n = x.shape[0]
        if n < 2:
            raise ValueError(
                f"BatchNorm({self.num_features}) needs more than 1 sample per batch "
                f"in training mode, got input {x.shape}"
            )
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        m = self.momentum
        self._buffers["running_mean"] *= 1 - m
        self._buffers["running_mean"] += m * mean
        self._buffers["running_var"] *= 1 - m
        self._buffers["running_var"] += m * var * (n / (n - 1))
        self._training_pass = True
        self._inv_std = 1 / np.sqrt(var + self.eps)
        self._x_hat = (x - mean) * self._inv_std
        return self._scale_shift(self._x_hat)

    def predict(self, x: Array) -> Array:
        x = self._check(x)
        inv_std = 1 / np.sqrt(self._buffers["running_var"] + self.eps)
        return self._scale_shift((x - self._buffers["running_mean"]) * inv_std)

    def backward(self, grad_out: Array) -> Array:
        x_hat = self._x_hat
        if self.affine:
            gamma = self._parameters["gamma"]
            np.sum(grad_out * x_hat, axis=0, out=gamma.grad)
            np.sum(grad_out, axis=0, out=self._parameters["beta"].grad)
            g = grad_out * gamma.value
        else:
            g = grad_out
        if not self._training_pass:
            return g * self._inv_std
        n = g.shape[0]
        return (self._inv_std / n) * (n * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))

    def config(self) -> dict[str, Any]:
        return {
            "name": "batch_norm",
            "num_features": self.num_features,
            "eps": self.eps,
            "momentum": self.momentum,
            "affine": self.affine,
            "dtype": self.dtype.name,
        }
