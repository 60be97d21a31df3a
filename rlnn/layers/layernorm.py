"""Layer normalization over the last axis."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnn._checks import check_number, check_positive_int
from rlnn._typing import Array, DTypeLike
from rlnn.layers.base import Layer, Parameter
from rlnn.layers.registry import registry


@registry.register("layer_norm", "layernorm")
class LayerNorm(Layer):
    """Layer normalization (Ba, Kiros & Hinton, 2016) of each row's last axis.

    ``y = weight·(x - mu)/sqrt(var + eps) + bias``, with the mean and (biased) variance of each
    input's ``features`` values: the same in training and evaluation, no running statistics,
    so a batch of one is normalized as in a batch of many (unlike BatchNorm). Names and
    defaults are PyTorch's ``nn.LayerNorm(features)``.

    Backward, with x̂ the normalized input, ĝ = g·weight and means over the last axis:
    ``dx = (ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))/sqrt(var + eps)``; ``dweight = Σ g·x̂`` and
    ``dbias = Σ g`` over every leading axis.

    Args:
        features: the size of the last axis.
        eps: added to the variance (default 1e-5).
        affine: learn ``weight`` (scale, ones) and ``bias`` (shift, zeros).
        dtype: float32 (default) or float64.
    """

    def __init__(
        self,
        features: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: DTypeLike = np.float32,
    ) -> None:
        self.features = check_positive_int("LayerNorm", "features", features)
        self.eps = check_number("LayerNorm", "eps", eps, low=0, low_open=True)
        self.affine = bool(affine)
        self.dtype = np.dtype(dtype)
        self._parameters = {}
        if self.affine:
            self._parameters = {
                "weight": Parameter(np.ones(features, self.dtype), "weight"),
                "bias": Parameter(np.zeros(features, self.dtype), "bias"),
            }

    @property
    def weight(self) -> Parameter | None:
        return self._parameters.get("weight")

    @property
    def bias(self) -> Parameter | None:
        return self._parameters.get("bias")

    def _normalize(self, x: Array) -> tuple[Array, Array]:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim < 1 or x.shape[-1] != self.features:
            raise ValueError(
                f"LayerNorm({self.features}) expected input (..., {self.features}), got {x.shape}"
            )
        # ufunc calls, not ndarray.mean's Python wrapper: this runs at every action
        mean = np.add.reduce(x, axis=-1, keepdims=True)
        mean /= self.features
        centered = x - mean
        var = np.einsum("...i,...i->...", centered, centered)[..., None]
        var /= self.features
        var += self.eps
        inv_std = np.reciprocal(np.sqrt(var, out=var), out=var)
        centered *= inv_std
        return centered, inv_std

    def _scale_shift(self, x_hat: Array) -> Array:
        if not self.affine:
            return x_hat
        return x_hat * self._parameters["weight"].value + self._parameters["bias"].value

    def forward(self, x: Array) -> Array:
        self._x_hat, self._inv_std = self._normalize(x)
        return self._scale_shift(self._x_hat)

    def predict(self, x: Array) -> Array:
        return self._scale_shift(self._normalize(x)[0])

    def backward(self, grad_out: Array) -> Array:
        x_hat = self._x_hat
        if self.affine:
            rows = grad_out.reshape(-1, self.features)
            flat_hat = x_hat.reshape(-1, self.features)
            weight = self._parameters["weight"]
            np.einsum("ni,ni->i", rows, flat_hat, out=weight.grad)
            np.sum(rows, axis=0, out=self._parameters["bias"].grad)
            g = grad_out * weight.value
        else:
            g = np.array(grad_out, dtype=self.dtype)
        mean_g = np.add.reduce(g, axis=-1, keepdims=True)
        mean_g /= self.features
        mean_gx = np.einsum("...i,...i->...", g, x_hat)[..., None]
        mean_gx /= self.features
        g -= mean_g
        g -= x_hat * mean_gx
        g *= self._inv_std
        return g

    def config(self) -> dict[str, Any]:
        return {
            "name": "layer_norm",
            "features": self.features,
            "eps": self.eps,
            "affine": self.affine,
            "dtype": self.dtype.name,
        }
