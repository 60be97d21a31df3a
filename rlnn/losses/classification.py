"""Classification losses: cross-entropies (on probabilities and fused on logits) and hinge."""

from __future__ import annotations

import numpy as np

from rlnn import special
from rlnn._typing import Array
from rlnn.losses.base import Loss, registry


def _clip_probability(p: Array) -> Array:
    eps = np.finfo(p.dtype).eps
    return np.clip(p, eps, 1 - eps)


@registry.register("binary_cross_entropy", "bce")
class BCELoss(Loss):
    """Binary cross-entropy on probabilities ``-mean(y·log p + (1 - y)·log(1 - p))``;
    gradient ``(p - y)/(p(1 - p))/n``. p is clipped to [eps, 1 - eps] inside the logs.
    Prefer ``bce_with_logits`` after a linear layer: it never saturates."""

    pred_domain = "probability"
    target_domain = "probability"

    def value(self, pred, target):
        p = _clip_probability(pred)
        return -(target * np.log(p) + (1 - target) * np.log1p(-p))

    def derivative(self, pred, target):
        p = _clip_probability(pred)
        return (p - target) / (p * (1 - p))


@registry.register("bce_with_logits", "binary_cross_entropy_with_logits")
class BCEWithLogitsLoss(Loss):
    """Sigmoid + binary cross-entropy fused on logits z:
    ``mean(max(z, 0) - z·y + log1p(e^{-|z|}))``, finite for any z; gradient ``(σ(z) - y)/n``."""

    target_domain = "probability"

    def value(self, pred, target):
        return np.maximum(pred, 0) - pred * target + np.log1p(np.exp(-np.abs(pred)))

    def derivative(self, pred, target):
        return special.sigmoid(pred) - target


@registry.register("categorical_cross_entropy", "cce")
class CategoricalCrossEntropy(Loss):
    """Cross-entropy on probabilities ``-Σ_j y_j·log p_j`` per sample, averaged over the batch;
    gradient ``-y/p``. Targets are distributions (one-hot) or integer class labels."""

    pred_domain = "probability"
    target_domain = "probability"
    elementwise = False
    accepts_class_targets = True

    def per_sample(self, pred, target):
        return -(target * np.log(_clip_probability(pred))).reshape(pred.shape[0], -1).sum(axis=1)

    def per_sample_grad(self, pred, target):
        return -target / _clip_probability(pred)


@registry.register("softmax_cross_entropy", "cross_entropy")
class SoftmaxCrossEntropy(Loss):
    """Softmax + categorical cross-entropy fused on logits z:
    ``-Σ_j y_j·log_softmax(z)_j`` per sample, averaged over the batch; gradient
    ``softmax(z)·Σ_j y_j - y`` (= softmax(z) - y for a distribution y). Finite for any z.
    Targets are distributions (one-hot) or integer class labels (PyTorch's CrossEntropyLoss)."""

    target_domain = "probability"
    elementwise = False
    accepts_class_targets = True

    def per_sample(self, pred, target):
        return -(target * special.log_softmax(pred)).sum(axis=-1)

    def per_sample_grad(self, pred, target):
        return special.softmax(pred) * target.sum(axis=-1, keepdims=True) - target


@registry.register("hinge")
class HingeLoss(Loss):
    """``mean(max(0, 1 - y·ŷ))`` with labels y in {-1, +1}; gradient ``-y/n`` where the margin
    is violated, 0 elsewhere."""

    target_domain = "sign"

    def value(self, pred, target):
        return np.maximum(0, 1 - target * pred)

    def derivative(self, pred, target):
        return np.where(1 - target * pred > 0, -target, 0).astype(pred.dtype)
