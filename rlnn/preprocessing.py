"""Input preprocessing: standardization fitted on training data."""

from __future__ import annotations

import numpy as np

from rlnn._typing import Array


class Standardize:
    """``(x - mean) / std`` per feature, with mean and std fitted on training data only.

    The notes' normalization x̄ = (x - μ)/sqrt(σ² + ε), applied as preprocessing; features
    with zero variance are left centred (std taken as 1).

    Example:
        scaler = Standardize().fit(x_train)
        x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    """

    def __init__(self, eps: float = 0.0) -> None:
        self.eps = float(eps)
        self.mean: Array | None = None
        self.std: Array | None = None

    def fit(self, x: Array) -> Standardize:
        """Learn per-feature mean and std from ``x`` (shape (n, ...)); returns self."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape[0] == 0:
            raise ValueError("Standardize.fit: x is empty")
        self.mean = x.mean(axis=0)
        std = np.sqrt(x.var(axis=0) + self.eps)
        self.std = np.where(std > 0, std, 1.0)
        return self

    def _check(self) -> tuple[Array, Array]:
        if self.mean is None or self.std is None:
            raise ValueError("Standardize: call fit(x_train) before transform")
        return self.mean, self.std

    def transform(self, x: Array) -> Array:
        """Standardize ``x`` with the fitted statistics (keeps a float32 input float32)."""
        mean, std = self._check()
        x = np.asarray(x)
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
        return ((x - mean) / std).astype(dtype, copy=False)

    def inverse_transform(self, x: Array) -> Array:
        """Undo :meth:`transform`."""
        mean, std = self._check()
        x = np.asarray(x)
        return (x * std + mean).astype(x.dtype, copy=False)

    def fit_transform(self, x: Array) -> Array:
        return self.fit(x).transform(x)

    def state_dict(self) -> dict[str, Array]:
        mean, std = self._check()
        return {"mean": mean.copy(), "std": std.copy()}

    def load_state_dict(self, state: dict[str, Array]) -> None:
        self.mean, self.std = np.array(state["mean"]), np.array(state["std"])
