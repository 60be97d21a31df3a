"""Plot learning curves from run directories: mean and spread across seeds, one line per algo.

    python scripts/plot_runs.py runs/CartPole-v1__* --out curves.png
    python scripts/plot_runs.py runs/CartPole-v1__dqn__seeds0-19__* runs/*__ddqn__seeds0-19__*

A seed group (``--seeds``) or a sweep directory stands for all its runs; their line is named
after the group (a lone run's after its algorithm).

Reads the TensorBoard event files of each run (tag ``eval/mean_return`` by default) with
tensorboard's EventAccumulator; needs matplotlib (``pip install 'rlnn[plot]'``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np


def read_scalars(run_dir: Path, tag: str) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of ``tag`` in a run directory's event files."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    accumulator.Reload()
    if tag not in accumulator.Tags().get("scalars", []):
        raise ValueError(
            f"{run_dir} has no scalar {tag!r}; it has "
            f"{sorted(accumulator.Tags().get('scalars', []))}"
        )
    events = accumulator.Scalars(tag)
    # A resumed run may log a step twice: keep the last value of each step.
    by_step = {e.step: e.value for e in events}
    steps = np.array(sorted(by_step))
    return steps, np.array([by_step[s] for s in steps])


def run_label(run_dir: Path) -> str:
    """A group's name without its time for a run of a seed group; else the algorithm of the
    run (from config.json, else from the directory name)."""
    if re.fullmatch(r"seed\d+", run_dir.name):
        return re.sub(r"__\d{8}-\d{6}(-\d+)?$", "", run_dir.resolve().parent.name)
    config = run_dir / "config.json"
    if config.exists():
        return json.loads(config.read_text())["algo"]
    parts = run_dir.name.split("__")
    return parts[1] if len(parts) > 1 else run_dir.name


def curves(run_dirs: list[Path], tag: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per label: (steps, values of shape (runs, steps)), on the steps all its runs share."""
    grouped: dict[str, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
    for run_dir in run_dirs:
        grouped[run_label(run_dir)].append(read_scalars(run_dir, tag))
    result = {}
    for label, series in grouped.items():
        common = sorted(set.intersection(*(set(s.tolist()) for s, _ in series)))
        if not common:
            raise ValueError(f"the runs of {label!r} share no logged step of {tag!r}")
        steps = np.array(common)
        values = np.stack([np.interp(steps, s, v) for s, v in series])
        result[label] = (steps, values)
    return result


def plot_curves(
    curves_by_label: dict[str, tuple[np.ndarray, np.ndarray]],
    out: Path,
    ylabel: str,
    title: str,
    threshold: float | None = None,
) -> Path:
    """Write a PNG: per label, the mean over runs as a line and the min-max range as a band.

    Args:
        curves_by_label: label -> (steps (n,), values (runs, n)).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for label, (steps, values) in sorted(curves_by_label.items()):
        (line,) = ax.plot(steps, values.mean(axis=0), label=f"{label} (n={len(values)})")
        ax.fill_between(
            steps,
            values.min(axis=0),
            values.max(axis=0),
            alpha=0.2,
            color=line.get_color(),
            linewidth=0,
        )
    if threshold is not None:
        ax.axhline(threshold, color="gray", linestyle="--", linewidth=1, label="solved")
    ax.set_xlabel("environment steps")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def plot(
    run_dirs: list[Path],
    out: Path,
    tag: str = "eval/mean_return",
    title: str | None = None,
    threshold: float | None = None,
) -> Path:
    """Plot ``tag`` of the given run directories, one line per algorithm."""
    title = title or f"{tag}: mean and min-max over seeds"
    return plot_curves(curves(run_dirs, tag), out, tag, title, threshold)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dirs", nargs="+", type=Path, help="run directories")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("learning_curves.png"),
        help="PNG to write (default learning_curves.png)",
    )
    parser.add_argument("--tag", default="eval/mean_return", help="scalar tag to plot")
    parser.add_argument("--title", help="plot title")
    parser.add_argument("--threshold", type=float, help="draw a 'solved' line at this value")
    args = parser.parse_args(argv)
    missing = [str(d) for d in args.run_dirs if not d.is_dir()]
    if missing:
        parser.error(f"not run directories: {', '.join(missing)}")
    from agents.seeds import run_directories

    run_dirs = [run for d in args.run_dirs for run in run_directories(d)]
    if not run_dirs:
        parser.error(
            f"no run directories (with config.json) in {', '.join(map(str, args.run_dirs))}"
        )
    path = plot(run_dirs, args.out, args.tag, args.title, args.threshold)
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    try:
        main()
    except ValueError as error:
        print(f"plot_runs.py: error: {error}", file=sys.stderr)
        sys.exit(2)
