"""Regression losses: squared, absolute, robust and normalized errors."""

from __future__ import annotations

import math

import numpy as np

from rlnn._checks import check_number
from rlnn._typing import Array
from rlnn.losses.base import Loss, registry


@registry.register("mse", "mean_squared_error")
class MSELoss(Loss):
    """Mean squared error ``mean((ŷ - y)²)``; gradient ``2(ŷ - y)/n``.

    Note 004 writes the gradient as -(2/n)(ŷ - y); the sign is wrong.
    """

    def value(self, pred, target):
        d = pred - target
        return d * d

    def derivative(self, pred, target):
        return 2 * (pred - target)


@registry.register("quadratic")
class QuadraticLoss(Loss):
    """The notes' quadratic cost ``½·Σ_j (ŷ_j - y_j)²`` per sample, averaged over the batch;
    gradient ``ŷ - y`` (per sample, then divided by the batch size)."""

    elementwise = False

    def per_sample(self, pred, target):
        d = (pred - target).reshape(pred.shape[0], -1)
        return 0.5 * (d * d).sum(axis=1)

    def per_sample_grad(self, pred, target):
        return pred - target


@registry.register("sse", "sum_squared_error")
class SSELoss(Loss):
    """Sum of squared errors over a sample's outputs ``Σ_j (ŷ_j - y_j)²``, averaged over the
    batch; gradient ``2(ŷ - y)``."""

    elementwise = False

    def per_sample(self, pred, target):
        d = (pred - target).reshape(pred.shape[0], -1)
        return (d * d).sum(axis=1)

    def per_sample_grad(self, pred, target):
        return 2 * (pred - target)


@registry.register("rmse", "root_mean_squared_error")
class RMSELoss(Loss):
    """``sqrt(MSE)`` over every element (weighted MSE with weights); gradient MSE'/(2·RMSE),
    taken as 0 where RMSE = 0 (the square root has no derivative there)."""

    def forward(self, pred, target, weights=None):
        return math.sqrt(MSELoss().forward(pred, target, weights))

    def backward(self, pred, target, weights=None):
        mse = MSELoss()
        rmse = math.sqrt(mse.forward(pred, target, weights))
        grad = mse.backward(pred, target, weights)
        return grad * (0.0 if rmse == 0 else 1 / (2 * rmse))


@registry.register("mae", "mean_absolute_error", "l1")
class MAELoss(Loss):
    """Mean absolute error ``mean(|ŷ - y|)``; gradient ``sign(ŷ - y)/n`` (0 at 0).

    Note 004 writes sign(y - ŷ)/n; the sign is wrong.
    """

    def value(self, pred, target):
        return np.abs(pred - target)

    def derivative(self, pred, target):
        return np.sign(pred - target)


@registry.register("weighted_squared_error", "wse")
class WeightedSquaredError(Loss):
    """``mean(w_j·(ŷ_j - y_j)²)`` with fixed per-output weights ``w`` (shape (outputs,));
    gradient ``2·w_j·(ŷ_j - y_j)/n``."""

    def __init__(self, output_weights: list[float] | Array = (1.0,)) -> None:
        weights = np.asarray(output_weights, dtype=np.float64)
        if weights.ndim != 1 or np.any(weights < 0):
            raise ValueError(
                "WeightedSquaredError: output_weights must be a 1-D list of "
                f"non-negative numbers, got {output_weights!r}"
            )
        self.output_weights = weights.tolist()

    def _w(self, pred: Array) -> Array:
        w = np.asarray(self.output_weights, dtype=pred.dtype)
        if pred.ndim < 2 or w.shape[0] not in (1, pred.shape[-1]):
            raise ValueError(
                f"WeightedSquaredError: {w.shape[0]} output weights for pred shape {pred.shape}"
            )
        return w

    def value(self, pred, target):
        d = pred - target
        return self._w(pred) * d * d

    def derivative(self, pred, target):
        return 2 * self._w(pred) * (pred - target)


@registry.register("normalized_squared_error", "nse")
class NormalizedSquaredError(Loss):
    """``Σ(ŷ - y)² / Σ(y - ȳ)²`` over the batch, ȳ the target's mean per output (the
    Nash–Sutcliffe denominator, so the loss is 1 - R²). With weights both sums and ȳ are
    weighted. The gradient is ``2(ŷ - y)/Σ(y - ȳ)²`` (the denominator does not depend on ŷ)."""

    def _denominator(self, target: Array, weights: Array | None) -> tuple[Array, float]:
        w = np.ones(target.shape[0], target.dtype) if weights is None else weights
        wb = w.reshape((-1,) + (1,) * (target.ndim - 1))
        mean = (wb * target).sum(axis=0) / w.sum()
        denom = float((wb * (target - mean) ** 2).sum())
        if denom == 0:
            raise ValueError(
                "NormalizedSquaredError: the target is constant over the batch, "
                "so the normalizing sum Σ(y - ȳ)² is 0"
            )
        return wb, denom

    def forward(self, pred, target, weights=None):
        pred, target, weights = self.validate(pred, target, weights)
        wb, denom = self._denominator(target, weights)
        return float((wb * (pred - target) ** 2).sum() / denom)

    def backward(self, pred, target, weights=None):
        pred, target, weights = self.validate(pred, target, weights)
        wb, denom = self._denominator(target, weights)
        return (2 * wb * (pred - target) / denom).astype(pred.dtype, copy=False)


@registry.register("huber")
class HuberLoss(Loss):
    """Huber loss (Huber, 1964): ``½d²`` for |d| <= delta, ``delta·(|d| - ½delta)`` beyond,
    d = ŷ - y; gradient ``clip(d, -delta, delta)``. The DQN default (Mnih et al., 2015)."""

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = check_number("HuberLoss", "delta", delta, low=0, low_open=True)

    def value(self, pred, target):
        a = np.abs(pred - target)
        return np.where(a <= self.delta, 0.5 * a * a, self.delta * (a - 0.5 * self.delta))

    def derivative(self, pred, target):
        return np.clip(pred - target, -self.delta, self.delta)


@registry.register("smooth_l1")
class SmoothL1Loss(Loss):
    """PyTorch's smooth L1: ``½d²/beta`` for |d| < beta, ``|d| - ½beta`` beyond; equals
    Huber(delta=beta)/beta. Gradient ``clip(d/beta, -1, 1)``."""

    def __init__(self, beta: float = 1.0) -> None:
        self.beta = check_number("SmoothL1Loss", "beta", beta, low=0, low_open=True)

    def value(self, pred, target):
        a = np.abs(pred - target)
        return np.where(a < self.beta, 0.5 * a * a / self.beta, a - 0.5 * self.beta)

    def derivative(self, pred, target):
        return np.clip((pred - target) / self.beta, -1, 1)


@registry.register("log_cosh")
class LogCoshLoss(Loss):
    """``mean(log cosh(ŷ - y))``, computed as |d| + log1p(e^{-2|d|}) - log 2 (no overflow);
    gradient ``tanh(d)/n``."""

    def value(self, pred, target):
        a = np.abs(pred - target)
        return a + np.log1p(np.exp(-2 * a)) - math.log(2)

    def derivative(self, pred, target):
        return np.tanh(pred - target)


@registry.register("exponential")
class ExponentialLoss(Loss):
    """The exponential cost ``tau·exp(Σ_j (ŷ_j - y_j)²/tau)`` per sample, averaged over the batch;
    gradient ``(2/tau)(ŷ - y)·c``, c the sample's cost. It grows very fast: keep errors small
    relative to tau."""

    elementwise = False

    def __init__(self, tau: float = 1.0) -> None:
        self.tau = check_number("ExponentialLoss", "tau", tau, low=0, low_open=True)

    def per_sample(self, pred, target):
        d = (pred - target).reshape(pred.shape[0], -1)
        return self.tau * np.exp((d * d).sum(axis=1) / self.tau)

    def per_sample_grad(self, pred, target):
        cost = self.per_sample(pred, target).reshape((-1,) + (1,) * (pred.ndim - 1))
        return (2 / self.tau) * (pred - target) * cost
