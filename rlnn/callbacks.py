"""Callbacks for ``fit``: early stopping, checkpointing, reduce-on-plateau."""

from __future__ import annotations

import math
import os
from typing import Any

from rlnn._checks import check_number


class Callback:
    """Hooks called by ``fit``. ``self.model`` and ``self.optimizer`` are set before training;
    setting ``self.stop_training = True`` ends training after the current epoch."""

    model: Any = None
    optimizer: Any = None
    stop_training = False

    def on_train_begin(self) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        """Called after each epoch with that epoch's metrics (``loss``, ``val_loss``, ...)."""

    def on_train_end(self) -> None:
        """Called once after the last epoch."""


class _Monitor(Callback):
    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("min", "max", "auto"):
            raise ValueError(
                f"{type(self).__name__}: mode must be 'min', 'max' or 'auto', got {mode!r}"
            )
        if mode == "auto":
            mode = "max" if any(k in monitor for k in ("acc", "r2")) else "min"
        self.monitor, self.mode = monitor, mode
        self.min_delta = check_number(type(self).__name__, "min_delta", min_delta, low=0)
        self.best = math.inf if mode == "min" else -math.inf

    def _value(self, logs: dict[str, float]) -> float:
        if self.monitor not in logs:
            raise ValueError(
                f"{type(self).__name__}: monitor {self.monitor!r} is not among the "
                f"logged metrics {sorted(logs)}"
            )
        return float(logs[self.monitor])

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved for ``patience`` epochs in a row (Keras'
    semantics: training ends ``patience`` epochs after the best one); with
    ``restore_best_weights`` the model ends with the weights of its best epoch."""

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 10,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = True,
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        self.patience = int(check_number("EarlyStopping", "patience", patience, low=0))
        self.restore_best_weights = restore_best_weights
        self.best_epoch = -1
        self._best_state: dict | None = None
        self._wait = 0

    def on_epoch_end(self, epoch, logs):
        value = self._value(logs)
        if self._improved(value):
            self.best, self.best_epoch, self._wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_state = self.model.state_dict()
        else:
            self._wait += 1
            if self._wait >= self.patience:
                self.stop_training = True

    def on_train_end(self):
        if self.restore_best_weights and self._best_state is not None:
            self.model.load_state_dict(self._best_state)


class ModelCheckpoint(_Monitor):
    """Save the model (atomically) after each epoch, or only when ``monitor`` improves."""

    def __init__(
        self,
        path: str | os.PathLike,
        monitor: str = "val_loss",
        save_best_only: bool = True,
        mode: str = "auto",
    ) -> None:
        super().__init__(monitor, mode, 0.0)
        self.path = path
        self.save_best_only = save_best_only

    def on_epoch_end(self, epoch, logs):
        from rlnn.io import save

        if not self.save_best_only:
            save(self.model, self.path)
            return
        value = self._value(logs)
        if self._improved(value):
            self.best = value
            save(self.model, self.path)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for
    ``patience`` epochs (not below ``min_lr``); works with numeric and scheduled lr alike."""

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        min_lr: float = 0.0,
        min_delta: float = 1e-4,
        mode: str = "auto",
    ) -> None:
        super().__init__(monitor, mode, min_delta)
        self.factor = check_number(
            "ReduceLROnPlateau", "factor", factor, low=0, high=1, low_open=True, high_open=True
        )
        self.patience = int(check_number("ReduceLROnPlateau", "patience", patience, low=0))
        self.min_lr = check_number("ReduceLROnPlateau", "min_lr", min_lr, low=0)
        self._wait = 0

    def on_epoch_end(self, epoch, logs):
        value = self._value(logs)
        if self._improved(value):
            self.best, self._wait = value, 0
            return
        self._wait += 1
        if self._wait > self.patience:
            lr = self.optimizer.current_lr()
            new_lr = max(lr * self.factor, self.min_lr)
            if lr > 0:
                self.optimizer.lr_factor *= new_lr / lr
            self._wait = 0
