"""``fit``: the supervised training loop."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rlnn import losses, optimizers
from rlnn import metrics as metrics_module
from rlnn._checks import check_positive_int
from rlnn._typing import Array
from rlnn.callbacks import Callback
from rlnn.layers.base import Layer
from rlnn.monitoring import Logger, make_logger


@dataclass
class History:
    """Per-epoch records: ``history.history["val_loss"][epoch]``; ``epochs`` run."""

    history: dict[str, list[float]] = field(default_factory=dict)
    epochs: int = 0

    def append(self, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.epochs += 1

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]


def _check_data(x: Array, y: Array, name: str) -> tuple[Array, Array]:
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"fit: {name} x and y need a sample axis, got shapes {x.shape}, {y.shape}")
    if len(x) != len(y):
        raise ValueError(f"fit: {name} x has {len(x)} samples but y has {len(y)}")
    if len(x) == 0:
        raise ValueError(f"fit: {name} data is empty")
    for label, array in (("x", x), ("y", y)):
        if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
            bad = np.argwhere(~np.isfinite(array.reshape(len(array), -1)))[0][0]
            raise ValueError(f"fit: {name} {label} contains NaN or inf (first at sample {bad})")
    return x, y


def _check_labels(model: Layer, x: Array, y: Array, loss: losses.Loss, name: str) -> None:
    if not (loss.accepts_class_targets and np.issubdtype(y.dtype, np.integer) and y.ndim == 1):
        return
    n_classes = model.predict(x[:1]).shape[-1]
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(
            f"fit: {name} labels must lie in [0, {n_classes - 1}] (the model has "
            f"{n_classes} outputs), got values in [{y.min()}, {y.max()}]"
        )


def _checked(model: Layer, x: Array, y: Array, loss: losses.Loss, name: str) -> tuple[Array, Array]:
    """(x, y) as arrays after the data and label checks."""
    x, y = _check_data(x, y, name)
    _check_labels(model, x, y, loss, name)
    return x, y


def evaluate(
    model: Layer, x: Array, y: Array, loss: Any, metrics: list[str] = (), batch_size: int = 1024
) -> dict[str, float]:
    """Loss (plus penalty) and metrics of ``model`` in eval mode on (x, y)."""
    loss_fn = losses.get(loss)
    outputs = np.concatenate(
        [model.predict(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    )
    result = {"loss": loss_fn.forward(outputs, y) + model.penalty()}
    threshold = 0.0 if getattr(loss_fn, "registry_name", "") in metrics_module.LOGIT_LOSSES else 0.5
    for name in metrics:
        fn = metrics_module.registry.lookup(name)
        result[name] = fn(outputs, y, threshold) if name == "accuracy" else fn(outputs, y)
    return result


def fit(
    model: Layer,
    x: Array,
    y: Array,
    *,
    loss: Any = "mse",
    optimizer: Any = "adam",
    epochs: int = 10,
    batch_size: int = 32,
    validation: tuple[Array, Array] | None = None,
    metrics: list[str] | tuple[str, ...] = (),
    callbacks: list[Callback] | tuple = (),
    logdir: str | None = None,
    logger: Logger | None = None,
    seed: int | None = 0,
    shuffle: bool = True,
    verbose: int = 1,
) -> History:
    """Train ``model`` on (x, y) with mini-batches; returns the per-epoch :class:`History`.

    Each epoch shuffles with a generator seeded by ``seed``, runs every mini-batch (the last
    partial one included), then evaluates ``validation`` in eval mode. ``batch_size=len(x)``
    is full-batch gradient descent; ``batch_size=1`` stochastic. With the ``"lbfgs"`` optimizer
    each epoch is one full-batch L-BFGS step.

    Args:
        model: the layer or model to train (its parameters are updated in place).
        x: inputs, shape (n, features).
        y: targets, shape (n, outputs), or integer class labels (n,) for classification losses.
        loss: loss spec. optimizer: optimizer spec or a built optimizer.
        epochs: passes over the data. batch_size: samples per update.
        validation: optional (x_val, y_val), evaluated after each epoch (``val_`` metrics).
        metrics: metric names (``"accuracy"``, ``"r2"``, ``"mae"``, ``"mse"``).
        callbacks: ``EarlyStopping``, ``ModelCheckpoint``, ``ReduceLROnPlateau``, ...
        logdir: when given, TensorBoard scalars ``train/loss``, ``val/loss``, ``val/<metric>``,
            ``lr`` are written there. logger: a logger to use instead.
        seed: seed of the shuffling generator. verbose: 0 silences the progress bar.

    Raises:
        ValueError: mismatched lengths, NaN/inf in the data, labels outside the class range.
        FloatingPointError: the loss became NaN or inf (the message names epoch and batch).
    """
    epochs = check_positive_int("fit", "epochs", epochs)
    batch_size = check_positive_int("fit", "batch_size", batch_size)
    loss_fn = losses.get(loss)
    x, y = _checked(model, x, y, loss_fn, "training")
    val = None if validation is None else _checked(model, *validation, loss_fn, "validation")
    opt = optimizers.get(optimizer, model.parameters())
    metric_names = list(metrics)
    for name in metric_names:
        metrics_module.registry.lookup(name)
    rng = np.random.default_rng(seed)
    own_logger = logger is None
    log = make_logger(logdir) if logger is None else logger
    callbacks = _begin(list(callbacks), model, opt)
    history = History()
    progress = _progress(epochs, verbose)
    try:
        for epoch in range(epochs):
            model.train()
            lr = opt.current_lr()
            train_loss = _train_epoch(model, opt, loss_fn, x, y, epoch, batch_size, rng, shuffle)
            logs = {"loss": train_loss, "lr": lr}
            logs.update(_metrics(model, loss_fn, metric_names, (x, y), val))
            history.append(logs)
            _log_epoch(log, logs, epoch)
            progress.update(1)
            progress.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k != "lr"})
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs)
            if any(cb.stop_training for cb in callbacks):
                break
    finally:
        progress.close()
        if own_logger:
            log.close()
    for cb in callbacks:
        cb.on_train_end()
    return history


def _metrics(
    model: Layer,
    loss_fn: losses.Loss,
    names: list[str],
    train: tuple[Array, Array],
    val: tuple[Array, Array] | None,
) -> dict[str, float]:
    """The epoch's training metrics (the loss is the epoch's own) and ``val_`` metrics."""
    logs = {}
    if names:
        train_metrics = evaluate(model, *train, loss_fn, names)
        logs.update({k: v for k, v in train_metrics.items() if k != "loss"})
    if val is not None:
        logs.update({f"val_{k}": v for k, v in evaluate(model, *val, loss_fn, names).items()})
    return logs


def _begin(callbacks: list[Callback], model: Layer, opt: optimizers.Optimizer) -> list[Callback]:
    for cb in callbacks:
        cb.model, cb.optimizer, cb.stop_training = model, opt, False
        cb.on_train_begin()
    return callbacks


def _train_epoch(
    model: Layer,
    opt: optimizers.Optimizer,
    loss_fn: losses.Loss,
    x: Array,
    y: Array,
    epoch: int,
    batch_size: int,
    rng: np.random.Generator,
    shuffle: bool,
) -> float:
    """One pass over (x, y): every mini-batch in a (shuffled) order, or one full-batch L-BFGS
    step; returns the mean training loss (penalty included).

    Raises:
        FloatingPointError: the loss became NaN or inf (the message names epoch and batch).
    """

    def train_batch(xb: Array, yb: Array, batch: int) -> float:
        out = model.forward(xb)
        data_loss, grad = loss_fn.value_and_grad(out, yb)
        value = data_loss + model.penalty()
        if not math.isfinite(value):
            raise FloatingPointError(
                f"fit: the loss became {value} at epoch {epoch + 1}, "
                f"batch {batch + 1}; lower the learning rate or check the data"
            )
        model.backward(grad)
        return value

    if isinstance(opt, optimizers.LBFGS):
        return opt.step(lambda: train_batch(x, y, 0))
    n = len(x)
    order = rng.permutation(n) if shuffle else np.arange(n)
    total = 0.0
    for batch, start in enumerate(range(0, n, batch_size)):
        idx = order[start : start + batch_size]
        total += train_batch(x[idx], y[idx], batch) * len(idx)
        opt.step()
    return total / n


def _log_epoch(log: Logger, logs: dict[str, float], epoch: int) -> None:
    """TensorBoard scalars of one epoch: train/loss, lr, train/<metric>, val/<metric>."""
    log.scalar("train/loss", logs["loss"], epoch)
    log.scalar("lr", logs["lr"], epoch)
    for key, value in logs.items():
        if key.startswith("val_"):
            log.scalar(f"val/{key[4:]}", value, epoch)
        elif key not in ("loss", "lr"):
            log.scalar(f"train/{key}", value, epoch)


def _progress(total: int, verbose: int) -> Any:
    from tqdm.auto import tqdm

    quiet = verbose == 0 or not sys.stderr.isatty()
    return tqdm(total=total, desc="fit", unit="epoch", disable=quiet, leave=False)
