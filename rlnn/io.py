"""Saving and loading: one ``.npz`` file holds a model's config and weights; writes are atomic."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from rlnn._typing import Array

CONFIG_KEY = "__config__"


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Write a file so that readers see the old version or the new one, never a torn one.

    ``write`` fills a temporary file in the same directory, which is flushed, fsynced and
    moved over ``path`` with ``os.replace`` (atomic on POSIX and Windows).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_arrays(
    path: str | os.PathLike, arrays: dict[str, Array], meta: dict[str, Any] | None = None
) -> None:
    """Atomically save named arrays and a JSON-serializable ``meta`` dict to an ``.npz`` file."""
    payload = dict(arrays)
    payload[CONFIG_KEY] = np.array(json.dumps(meta or {}))
    atomic_write(path, lambda f: np.savez(f, **payload))


def load_arrays(path: str | os.PathLike) -> tuple[dict[str, Array], dict[str, Any]]:
    """Load what :func:`save_arrays` wrote: (arrays, meta). Never unpickles."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != CONFIG_KEY}
        meta = json.loads(str(data[CONFIG_KEY])) if CONFIG_KEY in data.files else {}
    return arrays, meta


def save(model: Any, path: str | os.PathLike, **meta: Any) -> None:
    """Save a layer or model: its config (architecture) and its state (weights, buffers).

    Keyword arguments are stored as JSON metadata beside them (see :func:`load_with_meta`).
    """
    save_arrays(
        path, model.state_dict(), {**meta, "format": "rlnn.model/1", "config": model.config()}
    )


def load(path: str | os.PathLike) -> Any:
    """Rebuild a layer or model saved with ``save`` from the file alone.

    Raises:
        ValueError: the file is not an rlnn model file.
    """
    return load_with_meta(path)[0]


def load_with_meta(path: str | os.PathLike) -> tuple[Any, dict[str, Any]]:
    """What :func:`load` returns, and the metadata ``save`` was given as keyword arguments."""
    from rlnn.layers.registry import build

    arrays, meta = load_arrays(path)
    if meta.pop("format", None) != "rlnn.model/1":
        raise ValueError(f"{path} is not an rlnn model file (no rlnn.model/1 config inside)")
    model = build(meta.pop("config"))
    model.load_state_dict(arrays)
    return model, meta
