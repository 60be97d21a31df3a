"""The loss interface, its registry, and input validation by domain."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnn._typing import Array
from rlnn.registry import Registry

registry: Registry[Loss] = Registry("loss")

_DOMAINS = {
    "real": (None, None, "real numbers"),
    "probability": (0.0, 1.0, "probabilities in [0, 1]"),
    "positive": (0.0, None, "positive values"),
    "nonnegative": (0.0, None, "non-negative values"),
    "sign": (None, None, "labels in {-1, +1}"),
}


class Loss:
    """A loss: ``forward(pred, target) -> float`` and ``backward(pred, target) -> dL/dpred``.

    Reduction: a per-sample loss ``c_i`` is averaged over the batch, weighted by the optional
    per-sample ``weights`` w_i: ``L = (1/B)·Σ_i w_i·c_i``. Element-wise losses take ``c_i`` as
    the mean over the sample's elements (so, unweighted, L is the mean over every element, as
    PyTorch's ``reduction="mean"``); losses over a distribution sum over the last axis.
    ``backward`` is the exact gradient of ``forward``.

    Subclasses define ``per_sample(pred, target) -> (B,)`` and ``per_sample_grad`` (the
    gradient of ``c_i`` with respect to ``pred``), and declare the domains they accept.
    """

    registry_name = "loss"
    pred_domain = "real"
    target_domain = "real"
    elementwise = True
    accepts_class_targets = False

    # subclass hooks ----------------------------------------------------------------
    def value(self, pred: Array, target: Array) -> Array:
        """Element-wise losses: the loss of each element."""
        raise TypeError(f"{type(self).__name__} must define value() or per_sample()")

    def derivative(self, pred: Array, target: Array) -> Array:
        """Element-wise losses: the derivative of each element's loss."""
        raise TypeError(f"{type(self).__name__} must define derivative() or per_sample_grad()")

    def per_sample(self, pred: Array, target: Array) -> Array:
        loss = self.value(pred, target)
        return loss.reshape(loss.shape[0], -1).mean(axis=1) if loss.ndim > 1 else loss

    def per_sample_grad(self, pred: Array, target: Array) -> Array:
        grad = self.derivative(pred, target)
        return grad / (grad[0].size if grad.ndim > 1 else 1)

    # public interface ----------------------------------------------------------------
    def forward(self, pred: Array, target: Array, weights: Array | None = None) -> float:
        """Mean loss over the batch.

        Args:
            pred: predictions, shape (batch,) or (batch, ...).
            target: same shape (or class indices (batch,) for classification losses).
            weights: optional per-sample weights, shape (batch,), non-negative.
        """
        pred, target, weights = self.validate(pred, target, weights)
        per_sample = self.per_sample(pred, target)
        if weights is not None:
            per_sample = per_sample * weights
        return float(per_sample.mean())

    def backward(self, pred: Array, target: Array, weights: Array | None = None) -> Array:
        """dL/dpred, same shape and dtype as ``pred``."""
        pred, target, weights = self.validate(pred, target, weights)
        grad = self.per_sample_grad(pred, target)
        scale = 1.0 / pred.shape[0]
        if weights is not None:
            grad = grad * (weights * scale).reshape((-1,) + (1,) * (grad.ndim - 1))
            return grad.astype(pred.dtype, copy=False)
        return (grad * scale).astype(pred.dtype, copy=False)

    def value_and_grad(
        self, pred: Array, target: Array, weights: Array | None = None
    ) -> tuple[float, Array]:
        """``(forward(...), backward(...))`` with the inputs validated once: the training loops'
        per-minibatch call. Losses that override forward/backward fall back to calling both."""
        if type(self).forward is not Loss.forward or type(self).backward is not Loss.backward:
            return self.forward(pred, target, weights), self.backward(pred, target, weights)
        pred, target, weights = self.validate(pred, target, weights)
        per_sample = self.per_sample(pred, target)
        grad = self.per_sample_grad(pred, target)
        scale = 1.0 / pred.shape[0]
        if weights is not None:
            per_sample = per_sample * weights
            grad = grad * (weights * scale).reshape((-1,) + (1,) * (grad.ndim - 1))
        else:
            grad = grad * scale
        return float(per_sample.mean()), grad.astype(pred.dtype, copy=False)

    __call__ = forward

    # validation ------------------------------------------------------------------------
    def validate(
        self, pred: Array, target: Array, weights: Array | None
    ) -> tuple[Array, Array, Array | None]:
        """Check shapes, domains and weights; returns arrays in ``pred``'s float dtype."""
        name = type(self).__name__
        pred = np.asarray(pred)
        if not np.issubdtype(pred.dtype, np.floating):
            pred = pred.astype(np.float64)
        if pred.ndim == 0:
            raise ValueError(f"{name}: pred must have a batch axis, got a scalar")
        target = np.asarray(target)
        if (
            self.accepts_class_targets
            and target.ndim == pred.ndim - 1
            and np.issubdtype(target.dtype, np.integer)
        ):
            target = self._one_hot(target, pred)
        elif target.shape != pred.shape:
            raise ValueError(
                f"{name}: pred shape {pred.shape} and target shape {target.shape} differ"
            )
        target = target.astype(pred.dtype, copy=False)
        self._check_domain(name, "pred", pred, self.pred_domain)
        self._check_domain(name, "target", target, self.target_domain)
        if weights is not None:
            weights = np.asarray(weights, dtype=pred.dtype)
            if weights.shape != (pred.shape[0],):
                raise ValueError(
                    f"{name}: weights must have shape ({pred.shape[0]},), got {weights.shape}"
                )
            if np.any(weights < 0) or not np.all(np.isfinite(weights)):
                raise ValueError(f"{name}: weights must be finite and non-negative")
        return pred, target, weights

    @staticmethod
    def _one_hot(labels: Array, pred: Array) -> Array:
        n_classes = pred.shape[-1]
        if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(
                f"class labels must lie in [0, {n_classes - 1}], got values in "
                f"[{labels.min()}, {labels.max()}]"
            )
        one_hot = np.zeros(pred.shape, dtype=pred.dtype)
        np.put_along_axis(one_hot, labels[..., None], 1, axis=-1)
        return one_hot

    @staticmethod
    def _check_domain(loss: str, arg: str, values: Array, domain: str) -> None:
        if domain == "real" or values.size == 0:
            if not np.all(np.isfinite(values)) and values.size:
                raise ValueError(f"{loss}: {arg} contains NaN or inf")
            return
        low, high, words = _DOMAINS[domain]
        vmin, vmax = float(values.min()), float(values.max())
        if domain == "sign":
            bad = not np.all(np.abs(values) == 1)
        elif domain == "positive":
            bad = vmin <= 0
        else:
            bad = (low is not None and vmin < low) or (high is not None and vmax > high)
        if bad or not np.isfinite(vmin) or not np.isfinite(vmax):
            raise ValueError(f"{loss}: {arg} must be {words}, got values in [{vmin:g}, {vmax:g}]")

    def config(self) -> dict[str, Any]:
        return {"name": self.registry_name, **vars(self)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def get(spec: str | dict | Loss, **params: Any) -> Loss:
    """Build a loss from a name (``"huber"``) or dict spec."""
    return registry.get(spec, **params)


def names() -> list[str]:
    """Registered loss names, aliases included."""
    return registry.names()
