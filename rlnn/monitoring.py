"""Loggers: one small interface with TensorBoard, stdout and in-memory implementations.

Only loops log; libraries return numbers. ``TensorBoardLogger`` writes tensorboard event files
through tensorboardX (imported lazily), so nothing here hand-builds protobufs.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from typing import Any, TextIO

import numpy as np


class Logger:
    """The interface: scalar, scalars, histogram, text, hparams, flush, close; a context manager."""

    def scalar(self, tag: str, value: float, step: int) -> None:
        """Record one number under ``tag`` at ``step``."""

    def scalars(self, values: dict[str, float], step: int) -> None:
        """Record several scalars at the same step."""
        for tag, value in values.items():
            self.scalar(tag, value, step)

    def histogram(self, tag: str, values: np.ndarray, step: int) -> None:
        """Record the distribution of ``values``."""

    def text(self, tag: str, text: str, step: int = 0) -> None:
        """Record a text (markdown in TensorBoard)."""

    def hparams(self, hparams: dict[str, Any], metrics: dict[str, float]) -> None:
        """Record a run's hyperparameters and final metrics (TensorBoard's HPARAMS tab)."""

    def flush(self) -> None:
        """Push buffered records to their destination."""

    def close(self) -> None:
        """Flush and release resources."""

    def __enter__(self) -> Logger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MemoryLogger(Logger):
    """Keeps everything in dicts: ``scalars_by_tag[tag] == [(step, value), ...]``; for tests."""

    def __init__(self) -> None:
        self.scalars_by_tag: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.histograms: dict[str, list[tuple[int, np.ndarray]]] = defaultdict(list)
        self.texts: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.hparams_records: list[tuple[dict[str, Any], dict[str, float]]] = []
        self.closed = False

    def scalar(self, tag, value, step):
        self.scalars_by_tag[tag].append((int(step), float(value)))

    def histogram(self, tag, values, step):
        self.histograms[tag].append((int(step), np.array(values, copy=True)))

    def text(self, tag, text, step=0):
        self.texts[tag].append((int(step), text))

    def hparams(self, hparams, metrics):
        self.hparams_records.append((dict(hparams), dict(metrics)))

    def close(self):
        self.closed = True


class StdoutLogger(Logger):
    """Prints scalars as ``step tag=value`` lines (histograms are summarized)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def scalar(self, tag, value, step):
        print(f"step {step} {tag}={float(value):.6g}", file=self.stream)

    def histogram(self, tag, values, step):
        values = np.asarray(values)
        print(
            f"step {step} {tag}: mean={values.mean():.4g} std={values.std():.4g} "
            f"min={values.min():.4g} max={values.max():.4g}",
            file=self.stream,
        )

    def text(self, tag, text, step=0):
        print(f"{tag}: {text}", file=self.stream)

    def hparams(self, hparams, metrics):
        print(
            f"hparams {json.dumps(hparams, default=str)} metrics {json.dumps(metrics)}",
            file=self.stream,
        )

    def flush(self):
        self.stream.flush()


def _hparam_value(value: Any) -> float | str | bool:
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, default=str)


class TensorBoardLogger(Logger):
    """Writes TensorBoard event files to ``logdir`` with tensorboardX's ``SummaryWriter``.

    Records are buffered in memory and flushed every ``flush_secs`` seconds by the writer's
    own background thread, and at ``close()``, so logging does not block training.
    """

    def __init__(self, logdir: str, flush_secs: float = 10.0, max_queue: int = 1000) -> None:
        from tensorboardX import SummaryWriter

        self.logdir = str(logdir)
        self._writer = SummaryWriter(self.logdir, flush_secs=flush_secs, max_queue=max_queue)

    def scalar(self, tag, value, step):
        self._writer.add_scalar(tag, float(value), int(step))

    def histogram(self, tag, values, step):
        self._writer.add_histogram(tag, np.asarray(values, dtype=np.float64), int(step))

    def text(self, tag, text, step=0):
        self._writer.add_text(tag, text, int(step))

    def hparams(self, hparams, metrics):
        clean = {k: _hparam_value(v) for k, v in hparams.items()}
        # A sub-run, as PyTorch and tensorboardX do: the HPARAMS tab lists it as the session.
        self._writer.add_hparams(clean, {k: float(v) for k, v in metrics.items()}, name="hparams")

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()


def make_logger(logdir: str | None) -> Logger:
    """A TensorBoard logger when ``logdir`` is given, else a logger that drops everything."""
    return TensorBoardLogger(logdir) if logdir else Logger()
