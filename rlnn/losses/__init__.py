"""Losses, each registered by name, one interface:
``forward(pred, target, weights=None) -> float`` and ``backward(...) -> dL/dpred``."""

from rlnn.losses.base import Loss, get, names, registry
from rlnn.losses.classification import (
    BCELoss,
    BCEWithLogitsLoss,
    CategoricalCrossEntropy,
    HingeLoss,
    SoftmaxCrossEntropy,
)
from rlnn.losses.divergence import (
    GeneralizedKLDivergence,
    HellingerDistance,
    ItakuraSaitoDistance,
    KLDivergence,
)
from rlnn.losses.regression import (
    ExponentialLoss,
    HuberLoss,
    LogCoshLoss,
    MAELoss,
    MSELoss,
    NormalizedSquaredError,
    QuadraticLoss,
    RMSELoss,
    SmoothL1Loss,
    SSELoss,
    WeightedSquaredError,
)

__all__ = [
    "Loss",
    "get",
    "names",
    "registry",
    "MSELoss",
    "QuadraticLoss",
    "SSELoss",
    "RMSELoss",
    "MAELoss",
    "WeightedSquaredError",
    "NormalizedSquaredError",
    "HuberLoss",
    "SmoothL1Loss",
    "LogCoshLoss",
    "ExponentialLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CategoricalCrossEntropy",
    "SoftmaxCrossEntropy",
    "HingeLoss",
    "HellingerDistance",
    "KLDivergence",
    "GeneralizedKLDivergence",
    "ItakuraSaitoDistance",
]
