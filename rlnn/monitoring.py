"""Loggers: one small interface with TensorBoard, stdout and in-memory implementations.

Only loops log; libraries return numbers. ``TensorBoardLogger`` writes tensorboard event files
through tensorboardX (imported lazily), so nothing here hand-builds protobufs.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
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


_WRITERS = itertools.count()


class TensorBoardLogger(Logger):
    """Writes TensorBoard event files to ``logdir`` with tensorboardX's protobufs and its
    event-file writer, in the calling thread.

    Records go into a buffered file and reach the disk every ``flush_secs`` seconds (checked
    at each record) and at ``flush()`` / ``close()``. tensorboardX's ``SummaryWriter`` hands
    every record to two background threads through a ``multiprocessing.Queue`` instead; on a
    busy machine (a worker per core, as ``--seeds`` runs) a thread woken for a record holds
    the GIL while descheduled, and the training thread's NumPy calls wait for it:
    benchmarks/README.md measures what that cost. Serializing a scalar here takes a few µs.
    """

    def __init__(self, logdir: str, flush_secs: float = 10.0) -> None:
        from tensorboardX import summary
        from tensorboardX.event_file_writer import EventsWriter
        from tensorboardX.proto.event_pb2 import Event

        self._summary, self._event = summary, Event

        self.logdir = str(logdir)
        os.makedirs(self.logdir, exist_ok=True)
        # The file is named by the second it opened in; the pid and a count keep a second
        # logger on the same directory (a resumed run) from truncating the first's file.
        suffix = f".{os.getpid()}.{next(_WRITERS)}"
        self._events = EventsWriter(os.path.join(self.logdir, "events"), suffix)
        self.flush_secs = float(flush_secs)
        self._flushed = time.monotonic()
        self._closed = False

    def _write(self, summary: Any, step: int) -> None:
        event = self._event(wall_time=time.time(), step=int(step), summary=summary)
        self._events.write_event(event)
        if time.monotonic() - self._flushed >= self.flush_secs:
            self.flush()

    def scalar(self, tag, value, step):
        self._write(self._summary.scalar(tag, float(value)), step)

    def histogram(self, tag, values, step):
        values = np.asarray(values, dtype=np.float64)
        self._write(self._summary.histogram(tag, values, "auto"), step)

    def text(self, tag, text, step=0):
        self._write(self._summary.text(tag, text), step)

    def hparams(self, hparams, metrics):
        clean = {k: _hparam_value(v) for k, v in hparams.items()}
        values = {k: float(v) for k, v in metrics.items()}
        # A sub-run, as tensorboardX's add_hparams writes it: the HPARAMS tab lists it as the
        # session, with the metrics as its scalars.
        session = TensorBoardLogger(os.path.join(self.logdir, "hparams"))
        with session:
            for summary in self._summary.hparams(clean, values):
                session._write(summary, 0)
            for tag, value in values.items():
                session.scalar(tag, value, 0)

    def flush(self):
        if not self._closed:
            self._events.flush()
        self._flushed = time.monotonic()

    def close(self):
        if not self._closed:
            self._events.close()
            self._closed = True


def make_logger(logdir: str | None) -> Logger:
    """A TensorBoard logger when ``logdir`` is given, else a logger that drops everything."""
    return TensorBoardLogger(logdir) if logdir else Logger()
