"""DQN on MinAtar for 1M frames on a few seeds, against the curves of the MinAtar paper.

    python -m benchmarks.minatar_learning                   # Breakout, SpaceInvaders, 3 seeds
    python -m benchmarks.minatar_learning --games Freeway --seeds 0-2
    python -m benchmarks.minatar_learning --report --seeds 0-1 2   # groups run apart, one table
    python -m benchmarks.minatar_learning --resume          # continue after an interruption
    python -m benchmarks.minatar_learning --report          # table and picture, runs nothing

Each game is one seed group of the many-seeds tool (``agents.seeds``, the runs
``train_dqn.py --env MinAtar/<game>-v0 --seeds ...`` makes), every group on one engine: rlnn's
MinAtar preset (MinAtar's examples/dqn.py settings, all six actions as in the paper), cut at
``--frames``. The measure is the paper's: the mean return of the last 100 *training* episodes
(epsilon-greedy, sticky actions) at the end, read from each run's TensorBoard events. The
references are read off the DQN curves of MinAtar's README figure at 1M frames (approximate,
Young & Tian 2019). Writes benchmarks/results/minatar_learning.json, the markdown table README
shows, and benchmarks/minatar_learning.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks._common import machine, save

# game: DQN's running mean return at 1M frames, read off the paper's curves
PAPER_AT_1M = {
    "Breakout": 9.2,
    "SpaceInvaders": 32.7,
    "Freeway": 47.8,
    "Asterix": 7.0,
    "Seaquest": 1.0,
}
WINDOW = 100
PICTURE = Path(__file__).with_name("minatar_learning.png")


def groups(games: list[str], specs: list[str], frames: int, logdir: Path, mode: str) -> list:
    """The seed group of each game and seed spec: ``mode`` "new" makes new ones, "resume"
    continues the newest (a new one for a game never started), "report" finds the newest
    (skips others)."""
    from agents.config import make_config
    from agents.seeds import Group, find_or_create_group_dir, parse_seeds

    found = []
    for game, seed_list in ((g, parse_seeds(spec)) for g in games for spec in specs):
        config = make_config(
            f"MinAtar/{game}-v0", total_steps=frames, logdir=str(logdir), quiet=True
        )
        try:
            directory = find_or_create_group_dir(config, seed_list, mode != "new")
        except ValueError:  # no group of this game yet
            if mode == "report":
                continue
            directory = find_or_create_group_dir(config, seed_list, False)
        found.append(Group(directory, config, seed_list))
    return found


def episodes(run_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """(frame, return) of every training episode of one run, from its TensorBoard events."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    events.Reload()
    points = events.Scalars("charts/episodic_return")
    return (
        np.array([p.step for p in points], dtype=np.int64),
        np.array([p.value for p in points], dtype=np.float64),
    )


def running_mean(frames: np.ndarray, returns: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """At each frame of ``grid``, the mean of the last WINDOW episodes ended by then (NaN
    before the first episode)."""
    cumulative = np.concatenate([[0.0], np.cumsum(returns)])
    ended = np.searchsorted(frames, grid, side="right")
    first = np.maximum(ended - WINDOW, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (cumulative[ended] - cumulative[first]) / (ended - first)


def results(found: list) -> list[dict]:
    """Per game, every seed that has episodes so far (``final_eval`` None while running)."""
    rows = []
    for group in found:
        game = group.config.env.split("/")[1].rsplit("-", 1)[0]
        per_seed, finished = [], True
        for job in group.jobs():
            summary = job.done()
            finished = finished and summary is not None
            if not job.run_dir.exists():
                continue
            try:
                frames, returns = episodes(job.run_dir)
            except KeyError:  # no episode has ended yet
                continue
            per_seed.append(
                {
                    "seed": job.config.seed,
                    "frames": frames.tolist(),
                    "returns": returns.tolist(),
                    "last_100": float(np.mean(returns[-WINDOW:])),
                    "final_eval": None if summary is None else summary["eval_mean_return"],
                    "train_seconds": None if summary is None else summary["train_seconds"],
                }
            )
        row = next((r for r in rows if r["game"] == game), None)
        if row is not None:  # another seed group of this game (``--seeds 0-1 2``)
            row["directories"].append(str(group.directory))
            row["finished"] = row["finished"] and finished
            row["per_seed"] += per_seed
            continue
        rows.append(
            {
                "game": game,
                "env": group.config.env,
                "frames": group.config.total_steps,
                "directories": [str(group.directory)],
                "finished": finished,
                "per_seed": per_seed,
                "paper_at_1m": PAPER_AT_1M[game],
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        f"| game | frames | seeds | mean of last {WINDOW} training episodes, per seed | mean "
        "over seeds | paper's DQN at 1M (approx.) | greedy final evaluation, per seed "
        "| train s per run |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        seeds = r["per_seed"]
        if not r["finished"] or not seeds:
            at = ", ".join(f"seed {s['seed']} at {s['frames'][-1]:,}" for s in seeds)
            lines.append(f"| {r['game']} | {r['frames']:,} | running ({at or 'not started'}) |")
            continue
        last = [s["last_100"] for s in seeds]
        evals = [s["final_eval"] for s in seeds]
        seconds = [s["train_seconds"] for s in seeds]
        lines.append(
            f"| {r['game']} | {r['frames']:,} | {', '.join(str(s['seed']) for s in seeds)} | "
            f"{', '.join(f'{v:.1f}' for v in last)} | **{np.mean(last):.1f}** | "
            f"{r['paper_at_1m']:g} | {', '.join(f'{v:.1f}' for v in evals)} | "
            f"{np.median(seconds):.0f} |"
        )
    return "\n".join(lines)


def picture(rows: list[dict], path: Path = PICTURE) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r for r in rows if r["per_seed"]]
    if not shown:
        return
    fig, axes = plt.subplots(1, len(shown), figsize=(5 * len(shown), 3.6), squeeze=False)
    for ax, r in zip(axes[0], shown, strict=True):
        grid = np.linspace(0, r["frames"], 201)[1:]
        for s in r["per_seed"]:
            frames = np.array(s["frames"])
            upto = grid[grid <= frames[-1]]  # a running seed's curve ends where it is
            curve = running_mean(frames, np.array(s["returns"]), upto)
            ax.plot(upto, curve, lw=1.2, label=f"rlnn seed {s['seed']}")
        ax.scatter([1_000_000], [r["paper_at_1m"]], marker="*", s=120, color="k", zorder=3,
                   label="paper's DQN at 1M (read off)")  # fmt: skip
        ax.set_title(f"MinAtar {r['game']}")
        ax.set_xlabel("frames")
        ax.set_ylabel(f"mean of last {WINDOW} training episodes")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", nargs="+", choices=list(PAPER_AT_1M),
                        default=["Breakout", "SpaceInvaders"])  # fmt: skip
    parser.add_argument(
        "--seeds", nargs="+", default=["0-2"],
        help="seed specs such as 0-2, each a seed group per game (0-1 2: two groups, one table)",
    )  # fmt: skip
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--logdir", type=Path, default=Path("/tmp/rlnn-minatar-learning"))
    parser.add_argument("--engine", choices=["auto", "ray", "local"], default="auto")
    parser.add_argument("--resume", action="store_true", help="continue the newest groups")
    parser.add_argument(
        "--report", action="store_true", help="table and picture of --logdir, running nothing"
    )
    args = parser.parse_args()
    mode = "report" if args.report else "resume" if args.resume else "new"
    found = groups(args.games, args.seeds, args.frames, args.logdir, mode)
    if not args.report:
        from agents.engine import EngineOptions
        from agents.seeds import run_groups

        run_groups(found, EngineOptions(args.engine), quiet=False)
    rows = results(found)
    save("minatar_learning", {"machine": machine(), "results": rows})
    picture(rows)
    print(table(rows))


if __name__ == "__main__":
    main()
