"""The fully connected layer."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnn._checks import check_number, check_positive_int
from rlnn._typing import Array, DTypeLike
from rlnn.layers.base import Activated, Layer
from rlnn.layers.registry import registry


@registry.register("dense", "linear_layer")
class Dense(Activated, Layer):
    """``y = act(x @ W + b)`` with ``W`` of shape (in_features, out_features).

    ``Dense(4, 64, activation="relu")`` is shorthand for Dense followed by that activation.

    Regularization: ``l1·Σ|W| + (l2/2)·ΣW²`` is added to the loss (``penalty()``), and its
    gradient ``l1·sign(W) + l2·W`` to ``W.grad`` in ``backward``; biases too when
    ``regularize_bias``. (Note 000 writes the L2 gradient as λ·Σw, a sum over the weights;
    the derivative of λ/2·Σw² with respect to one weight is λ·w.)

    Args:
        in_features: size of each input row.
        out_features: size of each output row.
        activation: an activation spec applied after the affine map, or None.
        bias: whether to learn a bias.
        weight_init: initializer spec for W (default ``glorot_uniform``).
        bias_init: initializer spec for b (default ``zeros``).
        l1, l2: penalty coefficients (>= 0).
        regularize_bias: apply the penalties to b too.
        dtype: float32 (default) or float64.
        rng: generator or seed for the initial weights.

    Shapes: input (batch, in_features) -> output (batch, out_features).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        activation: Any = None,
        *,
        bias: bool = True,
        weight_init: Any = "glorot_uniform",
        bias_init: Any = "zeros",
        l1: float = 0.0,
        l2: float = 0.0,
        regularize_bias: bool = False,
        dtype: DTypeLike = np.float32,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        self.in_features = check_positive_int("Dense", "in_features", in_features)
        self.out_features = check_positive_int("Dense", "out_features", out_features)
        self.l1 = check_number("Dense", "l1", l1, low=0)
        self.l2 = check_number("Dense", "l2", l2, low=0)
        self.regularize_bias = bool(regularize_bias)
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise ValueError(f"Dense: dtype must be a floating type, got {self.dtype}")
        shape = (self.in_features, self.out_features)
        self._build(shape, shape, bias, weight_init, bias_init, activation, rng)
        self._label = f"Dense({self.in_features} -> {self.out_features})"

    def _check(self, x: Array) -> Array:
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"{self._label} expected input (batch, {self.in_features}), got {x.shape}"
            )
        return x

    def _affine(self, x: Array) -> Array:
        z = x @ self.weight.value
        if "bias" in self._parameters:
            z += self._parameters["bias"].value
        return z

    def forward(self, x: Array) -> Array:
        x = self._check(x)
        self._x = x
        z = self._affine(x)
        return z if self.activation is None else self.activation.forward(z)

    def predict(self, x: Array) -> Array:
        z = self._affine(self._check(x))
        return z if self.activation is None else self.activation.predict(z)

    def backward(self, grad_out: Array) -> Array:
        return self._param_grads(grad_out) @ self.weight.value.T

    def backward_params(self, grad_out: Array) -> None:
        self._param_grads(grad_out)

    def _param_grads(self, grad_out: Array) -> Array:
        """Write W.grad and b.grad; returns the gradient at the affine output."""
        if self.activation is not None:
            grad_out = self.activation.backward(grad_out)
        weight = self.weight
        np.matmul(self._x.T, grad_out, out=weight.grad)
        bias = self.bias
        if bias is not None:
            np.sum(grad_out, axis=0, out=bias.grad)
        if self.l1 or self.l2:
            for p in [weight, bias] if self.regularize_bias and bias is not None else [weight]:
                if self.l1:
                    p.grad += self.l1 * np.sign(p.value)
                if self.l2:
                    p.grad += self.l2 * p.value
        return grad_out

    def penalty(self) -> float:
        if not (self.l1 or self.l2):
            return 0.0
        params = [self.weight]
        if self.regularize_bias and self.bias is not None:
            params.append(self.bias)
        return float(
            sum(
                self.l1 * np.abs(p.value).sum() + 0.5 * self.l2 * np.square(p.value).sum()
                for p in params
            )
        )

    def config(self) -> dict[str, Any]:
        def spec(obj: Any) -> Any:
            return obj.config() if hasattr(obj, "config") else obj

        return {
            "name": "dense",
            "in_features": self.in_features,
            "out_features": self.out_features,
            "activation": None if self.activation is None else self.activation.config(),
            "bias": self.bias is not None,
            "weight_init": spec(self.weight_init),
            "bias_init": spec(self.bias_init),
            "l1": self.l1,
            "l2": self.l2,
            "regularize_bias": self.regularize_bias,
            "dtype": self.dtype.name,
        }

    def __repr__(self) -> str:
        act = "" if self.activation is None else f", activation={self.activation!r}"
        return f"Dense({self.in_features}, {self.out_features}{act}, dtype={self.dtype.name})"
