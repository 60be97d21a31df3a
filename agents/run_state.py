"""What a run carries from step to step and tells the outside: its checkpointed state, the
reports a Ray trial forwards, the summary.json it ends with, and the progress bar a user
watches."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.config import Config


@dataclass
class RunState:
    """Counters and records that a checkpoint carries besides agent, buffer and envs."""

    step: int = 0
    iteration: int = 0
    episodes: int = 0
    wall_seconds: float = 0.0
    recent_returns: list[float] = field(default_factory=list)
    evaluations: list[tuple[int, float, float]] = field(default_factory=list)
    first_solved_step: int | None = None
    first_solved_wall_seconds: float | None = None
    first_solved_train_seconds: float | None = None
    eval_seconds: float = 0.0
    best_eval_mean_return: float | None = None
    last_metrics: dict[str, float] = field(default_factory=dict)
    resumed_from: list[int] = field(default_factory=list)
    """the checkpoint steps this run continued from, in order (empty: never interrupted)"""

    def __setstate__(self, values: dict[str, Any]) -> None:
        # Checkpoints written before a field existed load with that field's default.
        self.__dict__.update(RunState().__dict__)
        self.__dict__.update(values)


@dataclass(frozen=True)
class Report:
    """What a run tells its ``reporter`` after an evaluation or a checkpoint.

    ``checkpoint`` is the checkpoint file written at this step (None if none was): a Ray
    trial hands it to ``tune.report`` so that a retried trial resumes from it.
    """

    step: int
    total_steps: int
    metrics: dict[str, Any]
    checkpoint: Path | None
    done: bool = False


Reporter = Callable[[Report], None]


def run_summary(
    config: Config,
    state: RunState,
    final: tuple[float, float],
    threshold: float | None,
    run_dir: Path,
) -> dict[str, Any]:
    """summary.json of a finished run (scripts, plots and the seed groups read its keys)."""
    final_mean, final_std = final
    return {
        "env": config.env,
        "algo": config.algo,
        "seed": config.seed,
        "total_steps": state.step,
        "wall_seconds": round(state.wall_seconds, 3),
        "steps_per_second": round(state.step / max(state.wall_seconds, 1e-9), 1),
        "eval_mean_return": final_mean,
        "eval_std_return": final_std,
        "first_solved_step": state.first_solved_step,
        "first_solved_wall_seconds": state.first_solved_wall_seconds,
        "first_solved_train_seconds": state.first_solved_train_seconds,
        "eval_seconds": round(state.eval_seconds, 3),
        "train_seconds": round(state.wall_seconds - state.eval_seconds, 3),
        "best_eval_mean_return": state.best_eval_mean_return,
        "reward_threshold": threshold,
        "episodes": state.episodes,
        "evaluations": [list(e) for e in state.evaluations],
        "resumed_from": list(state.resumed_from),
        "run_dir": str(run_dir),
    }


def progress_bar(config: Config, initial: int) -> Any:
    """The run's tqdm bar over environment steps (off when quiet or not on a terminal)."""
    from tqdm.auto import tqdm

    return tqdm(
        total=config.total_steps,
        initial=initial,
        unit="step",
        desc=config.env,
        disable=config.quiet or not sys.stderr.isatty(),
        leave=False,
    )
