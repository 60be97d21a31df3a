"""Metrics for ``fit``: functions of (outputs, targets) returning a float, registered by name."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rlnn._typing import Array
from rlnn.registry import Registry

registry: Registry[Callable[[Array, Array], float]] = Registry("metric")

# Losses whose single-column output is a logit (threshold 0) rather than a probability (0.5).
LOGIT_LOSSES = {"bce_with_logits", "hinge"}


def predicted_classes(outputs: Array, threshold: float = 0.5) -> Array:
    """Class predictions: argmax over columns, or ``output > threshold`` for one column."""
    outputs = np.asarray(outputs)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return (outputs.reshape(-1) > threshold).astype(np.int64)


def _labels(targets: Array) -> Array:
    targets = np.asarray(targets)
    if targets.ndim == 2 and targets.shape[1] > 1:
        return targets.argmax(axis=1)
    return (
        (targets.reshape(-1) > 0).astype(np.int64)
        if np.any(targets < 0)
        else targets.reshape(-1).astype(np.int64)
    )


@registry.register("accuracy")
def accuracy(outputs: Array, targets: Array, threshold: float = 0.5) -> float:
    """Fraction of correct class predictions (targets: labels, one-hot, or {0,1}/{-1,+1})."""
    return float(np.mean(predicted_classes(outputs, threshold) == _labels(targets)))


@registry.register("r2")
def r2(outputs: Array, targets: Array) -> float:
    """Coefficient of determination 1 - SS_res/SS_tot (averaged over outputs)."""
    outputs, targets = np.asarray(outputs, np.float64), np.asarray(targets, np.float64)
    outputs = outputs.reshape(targets.shape)
    ss_res = ((targets - outputs) ** 2).sum(axis=0)
    ss_tot = ((targets - targets.mean(axis=0)) ** 2).sum(axis=0)
    return float(np.mean(1 - ss_res / np.where(ss_tot > 0, ss_tot, 1)))


@registry.register("mae")
def mae(outputs: Array, targets: Array) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(outputs).reshape(np.shape(targets)) - targets)))


@registry.register("mse")
def mse(outputs: Array, targets: Array) -> float:
    """Mean squared error."""
    return float(np.mean((np.asarray(outputs).reshape(np.shape(targets)) - targets) ** 2))
