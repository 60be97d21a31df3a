"""Run checkpoints: everything the run's future depends on, written atomically.

A checkpoint is a pickle (it holds the environments' own state, which classic-control envs
support); load only checkpoints you wrote. Files are ``checkpoints/step_XXXXXXXXXX.pkl`` in
the run directory; the newest two are kept.
"""

from __future__ import annotations

import pickle
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rlnn.io import atomic_write

if TYPE_CHECKING:
    from agents.config import Config

KEEP = 2


def checkpoint_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "checkpoints"


def save_checkpoint(run_dir: Path, step: int, state: dict[str, Any]) -> Path:
    """Atomically write ``state`` as the checkpoint of ``step``; prune older ones."""
    directory = checkpoint_dir(run_dir)
    path = directory / f"step_{step:010d}.pkl"
    atomic_write(path, lambda f: pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL))
    for old in sorted(directory.glob("step_*.pkl"))[:-KEEP]:
        old.unlink(missing_ok=True)
    return path


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint of a run directory, or None."""
    found = sorted(checkpoint_dir(run_dir).glob("step_*.pkl"))
    return found[-1] if found else None


def load_checkpoint(path: Path) -> dict[str, Any]:
    with open(path, "rb") as f:
        return pickle.load(f)


def run_dir_name(config: Config) -> str:
    env = re.sub(r"[^A-Za-z0-9_.-]+", "-", config.env)
    return f"{env}__{config.algo}__seed{config.seed}"


def find_or_create_run_dir(config: Config) -> Path:
    """``<logdir>/<env>__<algo>__seed<seed>__<timestamp>``; with ``resume``, the newest
    existing one for this env, algo and seed."""
    root = Path(config.logdir)
    prefix = run_dir_name(config)
    if config.resume:
        existing = sorted(p for p in root.glob(f"{prefix}__*") if latest_checkpoint(p))
        if not existing:
            raise ValueError(
                f"--resume: no run directory with a checkpoint matches {root / prefix}__*"
            )
        return existing[-1]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / f"{prefix}__{stamp}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = root / f"{prefix}__{stamp}-{suffix}"
    path.mkdir(parents=True)
    return path
