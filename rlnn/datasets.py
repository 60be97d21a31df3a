"""The small data sets that ship inside scikit-learn, split and standardized for ``fit``.

Only data sets bundled with a package are used (nothing is downloaded): ``digits``,
``breast_cancer`` (classification) and ``diabetes`` (regression). scikit-learn is imported
lazily: ``pip install rlnn[datasets]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rlnn._typing import Array
from rlnn.preprocessing import Standardize

TASKS = {"digits": "classification", "breast_cancer": "classification", "diabetes": "regression"}


@dataclass
class Split:
    """A train/test split, inputs standardized with training statistics.

    For regression the targets are standardized too (``target_scaler`` undoes it).
    """

    x_train: Array
    y_train: Array
    x_test: Array
    y_test: Array
    task: str
    n_outputs: int
    target_scaler: Standardize | None = None


def load(name: str, test_size: float = 0.2, seed: int = 0, dtype=np.float32) -> Split:
    """Load a bundled data set with a stratified (classification) 80/20 split.

    Raises:
        ValueError: unknown name. ImportError: scikit-learn is not installed.
    """
    if name not in TASKS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(TASKS)}")
    try:
        from sklearn import datasets
        from sklearn.model_selection import train_test_split
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the bundled data sets need scikit-learn: pip install 'rlnn[datasets]'"
        ) from error
    x, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    task = TASKS[name]
    stratify = y if task == "classification" else None
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, random_state=seed, stratify=stratify
    )
    scaler = Standardize().fit(x_train)
    x_train, x_test = (
        scaler.transform(x_train).astype(dtype),
        scaler.transform(x_test).astype(dtype),
    )
    if task == "classification":
        return Split(
            x_train,
            y_train.astype(np.int64),
            x_test,
            y_test.astype(np.int64),
            task,
            int(y.max()) + 1,
        )
    target_scaler = Standardize().fit(y_train.reshape(-1, 1))
    return Split(
        x_train,
        target_scaler.transform(y_train.reshape(-1, 1)).astype(dtype),
        x_test,
        target_scaler.transform(y_test.reshape(-1, 1)).astype(dtype),
        task,
        1,
        target_scaler,
    )
