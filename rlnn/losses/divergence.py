"""Losses between distributions or spectra: Hellinger, KL, generalized KL, Itakura–Saito.

Each sums over the last axis and averages over the batch; ``target`` is the reference
distribution y and ``pred`` the model's p.
"""

from __future__ import annotations

import math

import numpy as np

from rlnn._typing import Array
from rlnn.losses.base import Loss, registry


def _xlogy_ratio(y: Array, p: Array) -> Array:
    """y·log(y/p) with 0·log 0 = 0."""
    safe_y = np.where(y > 0, y, 1)
    return np.where(y > 0, y * np.log(safe_y / p), 0)


def _sum_last(values: Array) -> Array:
    return values.reshape(values.shape[0], -1).sum(axis=1)


@registry.register("hellinger")
class HellingerDistance(Loss):
    """Hellinger distance ``H = (1/√2)·sqrt(Σ_j (√p_j - √y_j)²)`` per sample.

    Gradient ``(√p_j - √y_j) / (4·H·√p_j)`` (0 where H = 0, where the root has no derivative).
    The cost-function list the notes draw on writes (1/√2)·Σ(√p - √y)², which is √2·H², not a
    distance; this is the distance itself.
    """

    pred_domain = "positive"
    target_domain = "nonnegative"
    elementwise = False

    def per_sample(self, pred, target):
        d = np.sqrt(pred) - np.sqrt(target)
        return np.sqrt(_sum_last(d * d)) / math.sqrt(2)

    def per_sample_grad(self, pred, target):
        h = self.per_sample(pred, target).reshape((-1,) + (1,) * (pred.ndim - 1))
        safe_h = np.where(h > 0, h, 1)
        return np.where(h > 0, (np.sqrt(pred) - np.sqrt(target)) / (4 * safe_h * np.sqrt(pred)), 0)


@registry.register("kl_divergence", "kl")
class KLDivergence(Loss):
    """Kullback–Leibler divergence ``D(y || p) = Σ_j y_j·log(y_j/p_j)`` per sample (0·log 0 = 0);
    gradient ``-y/p``."""

    pred_domain = "positive"
    target_domain = "nonnegative"
    elementwise = False

    def per_sample(self, pred, target):
        return _sum_last(_xlogy_ratio(target, pred))

    def per_sample_grad(self, pred, target):
        return -target / pred


@registry.register("generalized_kl_divergence", "generalized_kl")
class GeneralizedKLDivergence(Loss):
    """Generalized KL (I-divergence) for non-normalized vectors
    ``Σ_j (y_j·log(y_j/p_j) - y_j + p_j)``; gradient ``1 - y/p``."""

    pred_domain = "positive"
    target_domain = "nonnegative"
    elementwise = False

    def per_sample(self, pred, target):
        return _sum_last(_xlogy_ratio(target, pred) - target + pred)

    def per_sample_grad(self, pred, target):
        return 1 - target / pred


@registry.register("itakura_saito", "itakura_saito_distance")
class ItakuraSaitoDistance(Loss):
    """Itakura–Saito distance ``Σ_j (y_j/p_j - log(y_j/p_j) - 1)`` for positive spectra;
    gradient ``(p - y)/p²``."""

    pred_domain = "positive"
    target_domain = "positive"
    elementwise = False

    def per_sample(self, pred, target):
        ratio = target / pred
        return _sum_last(ratio - np.log(ratio) - 1)

    def per_sample_grad(self, pred, target):
        return (pred - target) / (pred * pred)
