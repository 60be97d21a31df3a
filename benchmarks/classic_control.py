"""Classic control, every env x dqn, ddqn, rainbow on many seeds, against rl-baselines3-zoo.

    python -m benchmarks.classic_control                   # everything (about 2.5 h on 2 cores)
    python -m benchmarks.classic_control --envs Acrobot-v1 --algos dqn ddqn
    python -m benchmarks.classic_control --resume          # continue after an interruption
    python -m benchmarks.classic_control --report          # the table of what has finished

Each (env, algo) is one seed group of the many-seeds tool (``agents.seeds``: the same runs,
statistics and files as ``train_dqn.py --seeds``), all groups on one engine (Ray when
installed). Every run is rlnn's preset for its env and algo; the final weights are evaluated
over 20 greedy episodes. The reference is the zoo's published DQN score (its benchmark.md: one
trained agent each, evaluated over about 150k steps). Writes benchmarks/results/
classic_control.json and prints the markdown table README.md shows.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks._common import machine, save

# env: (seeds, the zoo's published DQN mean and std)
ENVS = {
    "CartPole-v1": ("100-119", (500.0, 0.0)),
    "Acrobot-v1": ("0-19", (-76.6, 11.8)),
    "MountainCar-v0": ("0-9", (-100.8, 9.9)),
    "LunarLander-v3": ("0-9", (154.4, 79.2)),
}
ALGOS = ["dqn", "ddqn", "rainbow"]


def cells(envs: list[str], algos: list[str], logdir: Path):
    """(config, seeds) of every (env, algo), in table order."""
    from agents.config import make_config
    from agents.seeds import parse_seeds

    for env in envs:
        seeds = parse_seeds(ENVS[env][0])
        for algo in algos:
            yield make_config(env, algo=algo, logdir=str(logdir), quiet=True), seeds


def run(
    envs: list[str], algos: list[str], logdir: Path, engine: str, resume: bool = False
) -> list[dict]:
    from agents.engine import EngineOptions
    from agents.seeds import Group, find_or_create_group_dir, run_groups

    groups = []
    for config, seeds in cells(envs, algos, logdir):
        try:
            directory = find_or_create_group_dir(config, seeds, resume)
        except ValueError:  # --resume, and this group never started
            directory = find_or_create_group_dir(config, seeds, False)
        groups.append(Group(directory, config, seeds))
    return run_groups(groups, EngineOptions(engine), quiet=False)


def finished(envs: list[str], algos: list[str], logdir: Path) -> list[dict]:
    """The results of every (env, algo) whose newest group in ``logdir`` has all its seeds,
    without running anything; the others as ``{"env", "algo", "missing"}``."""
    from agents.seeds import Group, find_or_create_group_dir, group_results

    results = []
    for config, seeds in cells(envs, algos, logdir):
        cell = {"env": config.env, "algo": config.algo}
        try:
            group = Group(find_or_create_group_dir(config, seeds, True), config, seeds)
        except ValueError:
            results.append({**cell, "missing": len(seeds)})
            continue
        summaries = [job.done() for job in group.jobs()]
        missing = sum(summary is None for summary in summaries)
        results.append(
            {**cell, "missing": missing}
            if missing
            else group_results(config, seeds, summaries, 0.0)
        )
    return results


def table(results: list[dict]) -> str:
    from agents.seeds import format_seeds

    rows = [
        "| env | algo | seeds | IQM [95% CI] | mean | worst seed | solved (>= threshold) "
        "| median first solved step | median train s | SB3 zoo (dqn) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "missing" in r:
            rows.append(f"| {r['env']} | {r['algo']} | not run ({r['missing']} seeds missing) |")
            continue
        if "iqm" not in r:
            rows.append(f"| {r['directory']} | failed: {r.get('failed')} |")
            continue
        n = len(r["seeds"])
        zoo_mean, zoo_std = ENVS[r["env"]][1]
        low, high = r["iqm_ci"]
        first = r["median_first_solved_step"]
        solved = round(r["solved_fraction"] * n)
        rows.append(
            f"| {r['env']} | {r['algo']} | {format_seeds(r['seeds'])} | {r['iqm']:.1f} "
            f"[{low:.1f}, {high:.1f}] | {r['mean']:.1f} | {min(r['final_returns']):.1f} | "
            f"{solved}/{n} (>= {r['reward_threshold']:g}) | "
            f"{'never' if first is None else f'{first:.0f}'} | "
            f"{r['median_train_seconds']:.1f} | {zoo_mean:g} ± {zoo_std:g} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", choices=list(ENVS), default=list(ENVS))
    parser.add_argument("--algos", nargs="+", choices=ALGOS, default=ALGOS)
    parser.add_argument("--logdir", type=Path, default=Path("/tmp/rlnn-classic-control"))
    parser.add_argument("--engine", choices=["auto", "ray", "local"], default="auto")
    parser.add_argument(
        "--resume", action="store_true", help="continue the newest groups in --logdir: finished "
        "seeds are kept, interrupted ones continue from their checkpoints",
    )  # fmt: skip
    parser.add_argument(
        "--report", action="store_true",
        help="tabulate the finished groups in --logdir without running anything",
    )  # fmt: skip
    args = parser.parse_args()
    if args.report:
        print(table(finished(args.envs, args.algos, args.logdir)))
        return
    results = run(args.envs, args.algos, args.logdir, args.engine, args.resume)
    kept = [{k: v for k, v in r.items() if k != "per_seed"} for r in results]
    save("classic_control", {"machine": machine(), "results": kept})
    print(table(results))


if __name__ == "__main__":
    main()
