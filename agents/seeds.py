"""Seed groups: one configuration run on many seeds, and the statistics over them.

A group directory ``<logdir>/<env>__<algo>__seeds<SPEC>__<time>/`` holds one run directory
``seed<k>/`` per seed (each exactly the run ``--seed k`` would make) and, once they are done,
``results.json``, ``results.md`` and ``curves.png``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents import stats
from agents.config import Config
from agents.engine import LOCAL_HINT, EngineOptions, Job, print_once, run_jobs
from agents.run_state import Report
from rlnn.io import atomic_write

SPEC_HELP = "a seed spec such as 0-19, 0,3,7 or 0-4,10"


def parse_seeds(spec: str | int | Sequence[int]) -> list[int]:
    """The seeds of a spec: ``"0-19"``, ``"0,3,7"``, ``"0-4,10"`` (ranges include both ends);
    an int or a list of ints is taken as it is. Order is kept, repeats are refused.

    Raises:
        ValueError: naming ``--seeds``, what was expected and what came.
    """
    if isinstance(spec, bool):
        raise ValueError(f"--seeds: expected {SPEC_HELP}, got {spec!r}")
    if isinstance(spec, int):
        seeds = [spec]
    elif isinstance(spec, str):
        seeds = []
        parts = spec.split(",")
        for part in parts:
            match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
            if match is None:
                raise ValueError(f"--seeds: expected {SPEC_HELP}, got {spec!r}")
            low = int(match[1])
            high = int(match[2]) if match[2] is not None else low
            if high < low:
                raise ValueError(
                    f"--seeds: a range runs from low to high ({SPEC_HELP}), got {part.strip()!r}"
                )
            seeds.extend(range(low, high + 1))
    elif isinstance(spec, Sequence) and all(
        isinstance(s, int) and not isinstance(s, bool) for s in spec
    ):
        seeds = list(spec)
    else:
        raise ValueError(f"--seeds: expected {SPEC_HELP}, got {spec!r}")
    if not seeds or any(s < 0 for s in seeds):
        raise ValueError(f"--seeds: expected {SPEC_HELP} of non-negative seeds, got {spec!r}")
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise ValueError(f"--seeds: each seed once, got {spec!r} (repeats {repeated})")
    return seeds


def format_seeds(seeds: Sequence[int]) -> str:
    """The shortest spec of ``seeds`` in their order: ``[0, 1, 2, 3, 10]`` -> ``"0-3,10"``."""
    parts: list[str] = []
    start = prev = seeds[0]
    for s in [*seeds[1:], None]:
        if s is not None and s == prev + 1:
            prev = s
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if s is not None:
            start = prev = s
    return ",".join(parts)


def group_prefix(config: Config, seeds: Sequence[int]) -> str:
    env = re.sub(r"[^A-Za-z0-9_.-]+", "-", config.env)
    return f"{env}__{config.algo}__seeds{format_seeds(seeds)}"


def find_or_create_group_dir(config: Config, seeds: Sequence[int], resume: bool) -> Path:
    """A new ``<logdir>/<prefix>__<time>`` directory; with ``resume``, the newest existing
    group of this env, algo and seeds.

    Raises:
        ValueError: ``resume`` and no such group exists.
    """
    root, prefix = Path(config.logdir), group_prefix(config, seeds)
    if resume:
        existing = sorted(p for p in root.glob(f"{prefix}__*") if p.is_dir())
        if not existing:
            raise ValueError(f"--resume: no seed group matches {root / prefix}__*")
        return existing[-1]
    return new_dir(root, prefix)


def new_dir(root: Path, prefix: str) -> Path:
    """``root/<prefix>__<time>``, made (with a suffix if that name is taken)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path, suffix = root / f"{prefix}__{stamp}", 1
    while path.exists():
        suffix += 1
        path = root / f"{prefix}__{stamp}-{suffix}"
    path.mkdir(parents=True)
    return path


def seed_configs(config: Config, seeds: Sequence[int]) -> list[Config]:
    """``config`` once per seed; the runs are quiet (the group shows one progress bar)."""
    return [dataclasses.replace(config, seed=s, quiet=True, resume=False) for s in seeds]


# Results -------------------------------------------------------------------------------


def group_results(
    config: Config, seeds: Sequence[int], summaries: Sequence[dict], wall_seconds: float
) -> dict[str, Any]:
    """results.json of a group: per-seed finals and first-solved steps (aligned with
    ``seeds``), their mean, median, IQM with its 95% bootstrap interval, the solved
    fraction (final return >= the env's reward threshold), and each seed's summary whole."""
    finals = [s["eval_mean_return"] for s in summaries]
    threshold = summaries[0].get("reward_threshold") if summaries else None
    solved = [s["first_solved_step"] for s in summaries]
    reached = [s for s in solved if s is not None]
    train_seconds = [s["train_seconds"] for s in summaries]
    return {
        "env": config.env,
        "algo": config.algo,
        "seeds": list(seeds),
        "final_returns": finals,
        "first_solved_steps": solved,
        **stats.describe(finals, threshold),
        "confidence": stats.CONFIDENCE,
        "reward_threshold": threshold,
        "median_first_solved_step": float(np.median(reached)) if reached else None,
        "median_train_seconds": float(np.median(train_seconds)),
        "wall_seconds": round(wall_seconds, 3),
        "per_seed": list(summaries),
    }


def results_markdown(results: dict[str, Any]) -> str:
    """results.md: one table a user can paste, then the per-seed finals."""
    threshold = results["reward_threshold"]
    solved = (
        "n/a"
        if results["solved_fraction"] is None
        else f"{round(results['solved_fraction'] * len(results['seeds']))}/{len(results['seeds'])}"
    )
    low, high = results["iqm_ci"]
    first = results["median_first_solved_step"]
    lines = [
        f"{results['env']}, `{results['algo']}`, seeds {format_seeds(results['seeds'])} "
        f"(final greedy return of each seed's final weights; IQM with a "
        f"{results['confidence']:.0%} percentile bootstrap interval over seeds)",
        "",
        "| IQM [95% CI] | mean | median | solved"
        + (f" (>= {threshold:g})" if threshold is not None else "")
        + " | median first solved step | median train s |",
        "|---|---|---|---|---|---|",
        f"| {results['iqm']:.1f} [{low:.1f}, {high:.1f}] | {results['mean']:.1f} | "
        f"{results['median']:.1f} | {solved} | {'never' if first is None else f'{first:.0f}'} | "
        f"{results['median_train_seconds']:.1f} |",
        "",
        "| seed | final return | first solved step | train s |",
        "|---|---|---|---|",
    ]
    for seed, summary in zip(results["seeds"], results["per_seed"], strict=True):
        step = summary["first_solved_step"]
        lines.append(
            f"| {seed} | {summary['eval_mean_return']:.1f} | "
            f"{'never' if step is None else step} | {summary['train_seconds']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def write_results(group_dir: Path, results: dict[str, Any]) -> list[Path]:
    """Write results.json, results.md and (with matplotlib) curves.png; returns the paths."""
    group_dir = Path(group_dir)
    written = [group_dir / "results.json", group_dir / "results.md"]
    atomic_write(written[0], lambda f: f.write(json.dumps(results, indent=2).encode()))
    atomic_write(written[1], lambda f: f.write(results_markdown(results).encode()))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return written
    from agents.plots import plot_seed_curves

    written.append(plot_seed_curves(results, group_dir / "curves.png"))
    return written


def result_line(results: dict[str, Any]) -> str:
    """The final line a group prints."""
    low, high = results["iqm_ci"]
    n = len(results["seeds"])
    line = (
        f"{results['env']} {results['algo']} seeds {format_seeds(results['seeds'])}: "
        f"IQM {results['iqm']:.1f} [95% CI {low:.1f}, {high:.1f}], "
        f"median {results['median']:.1f}"
    )
    if results["solved_fraction"] is not None:
        solved = round(results["solved_fraction"] * n)
        line += f", solved {solved}/{n} (final >= {results['reward_threshold']:g})"
    return line


def seed_line(summary: dict[str, Any]) -> str:
    """The line printed when one seed finishes."""
    first = summary["first_solved_step"]
    return (
        f"seed {summary['seed']}: final {summary['eval_mean_return']:.1f} ± "
        f"{summary['eval_std_return']:.1f}, first solved at {'never' if first is None else first}"
        f", {summary['wall_seconds']:.1f} s"
        + (f" (resumed from {summary['resumed_from']})" if summary.get("resumed_from") else "")
    )


# Running groups ------------------------------------------------------------------------


@dataclass
class Group:
    """One configuration on many seeds, in its group directory."""

    directory: Path
    config: Config
    seeds: list[int]

    def jobs(self) -> list[Job]:
        return [
            Job(config, self.directory / f"seed{config.seed}")
            for config in seed_configs(self.config, self.seeds)
        ]


class Progress:
    """What a user sees while groups run: one bar over every run's environment steps (not
    with ``quiet``), and a line per finished run."""

    def __init__(self, jobs: Sequence[Job], quiet: bool = False, prefix: bool = False) -> None:
        from tqdm.auto import tqdm

        self.prefix = prefix
        self.done: dict[Path, int] = {}
        for job in jobs:
            summary = job.done()
            self.done[job.run_dir] = job.config.total_steps if summary else 0
        total = sum(job.config.total_steps for job in jobs)
        self.bar = tqdm(
            total=total,
            initial=sum(self.done.values()),
            unit="step",
            desc=f"{len(jobs)} runs",
            disable=quiet or not sys.stderr.isatty(),
            smoothing=0.05,
        )

    def report(self, job: Job, report: Report) -> None:
        self._advance(job, report.step)

    def _advance(self, job: Job, step: int) -> None:
        # A retried run reports steps it had passed already: count each step once.
        before = self.done.get(job.run_dir, 0)
        if step > before:
            self.done[job.run_dir] = step
            self.bar.update(step - before)

    def finished(self, job: Job, summary: dict[str, Any]) -> None:
        self._advance(job, job.config.total_steps)  # all of it, also for a run stopped early
        where = f"{job.run_dir.parent.name}: " if self.prefix else ""
        self.bar.write(where + seed_line(summary))

    def close(self) -> None:
        self.bar.close()


def run_groups(
    groups: Sequence[Group], options: EngineOptions, quiet: bool = False
) -> list[dict[str, Any]]:
    """Run every seed of every group on one engine, then write each group's results;
    returns them (a group whose seeds failed lists them under ``failed``)."""
    if options.resolved() == "local" and options.engine == "auto":
        print_once(LOCAL_HINT)
    jobs = [job for group in groups for job in group.jobs()]
    began = time.perf_counter()
    progress = Progress(jobs, quiet, prefix=len(groups) > 1)
    storage = groups[0].directory if len(groups) == 1 else groups[0].directory.parent
    try:
        outcomes = run_jobs(jobs, options, storage, progress.report, progress.finished)
    finally:
        progress.close()
    wall = time.perf_counter() - began
    all_results = []
    for group in groups:
        summaries, failed = [], {}
        for job in group.jobs():
            outcome = outcomes[job.run_dir]
            if isinstance(outcome, str):
                failed[job.config.seed] = outcome
            else:
                summaries.append(outcome)
        seeds = [s["seed"] for s in summaries]
        if not summaries:
            all_results.append({"directory": str(group.directory), "failed": failed})
            continue
        results = group_results(group.config, seeds, summaries, wall)
        if failed:
            results["failed"] = failed
        write_results(group.directory, results)
        all_results.append({**results, "directory": str(group.directory)})
    return all_results


def run_directories(path: Path) -> list[Path]:
    """The run directories under ``path``: itself if it is one (it has config.json), else
    every ``seed<k>/`` of the group (or of each group of a sweep) it holds, in seed order."""
    path = Path(path)
    if (path / "config.json").exists():
        return [path]
    found = [p for p in path.glob("seed*") if (p / "config.json").exists()]
    if found:
        return sorted(found, key=lambda p: int(re.sub(r"\D", "", p.name) or 0))
    return [run for group in sorted(path.glob("*/")) for run in run_directories(group)]
