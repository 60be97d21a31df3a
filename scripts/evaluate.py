"""Evaluate trained agents greedily: a run directory, a model file, or a seed group.

python scripts/evaluate.py runs/CartPole-v1__dqn__seed0__20260101-120000 --episodes 20
python scripts/evaluate.py path/to/model.npz --env CartPole-v1 --render
python scripts/evaluate.py runs/CartPole-v1__dqn__seeds0-19__20260101-120000 --episodes 20

A seed group (or a sweep's configuration directory) evaluates each seed's final model and adds
the IQM over seeds with its 95% bootstrap interval.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import envs
from agents import stats
from agents.dqn import DQN
from agents.evaluation import evaluate
from agents.seeds import run_directories


def evaluate_model(
    model_path: Path, env_id: str | None, episodes: int, seed: int, render: bool = False
) -> dict:
    """Greedy returns of one model file over ``episodes`` episodes seeded from ``seed``."""
    if env_id is None and (model_path.parent / "config.json").exists():
        env_id = json.loads((model_path.parent / "config.json").read_text())["env"]
    if env_id is None:
        raise ValueError("--env is required when the model has no config.json beside it")
    env_list = [
        envs.make(env_id, render_mode="human" if render and i == 0 else None)
        for i in range(episodes)
    ]
    agent = DQN.load(model_path, env_list[0].observation_space, env_list[0].action_space)
    returns = evaluate(agent, env_list, [seed + i for i in range(episodes)])
    return {
        "env": env_id,
        "episodes": episodes,
        "mean_return": float(np.mean(returns)),
        "std_return": float(np.std(returns)),
        "returns": returns.tolist(),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "path", help="run directory (with model.npz and config.json), a .npz, or a seed group"
    )
    parser.add_argument("--episodes", type=int, default=10, help="episodes to run (default 10)")
    parser.add_argument("--env", help="environment id (default: the run's config.json)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first episode")
    parser.add_argument("--render", action="store_true", help="render one episode on screen")
    args = parser.parse_args(argv)
    if args.episodes < 1:
        parser.error(f"--episodes must be a positive integer, got {args.episodes}")
    path = Path(args.path)
    runs = run_directories(path) if path.is_dir() else []
    if runs and runs != [path]:  # a seed group or a sweep, not one run directory
        per_run = {
            str(run): evaluate_model(run / "model.npz", args.env, args.episodes, args.seed)
            for run in runs
            if (run / "model.npz").exists()
        }
        if not per_run:
            parser.error(f"no finished run (model.npz) under {path}")
        means = [r["mean_return"] for r in per_run.values()]
        result = {"runs": per_run, "mean_returns": means, **stats.describe(means)}
    else:
        model_path = path / "model.npz" if path.is_dir() else path
        if not model_path.exists():
            parser.error(f"no model at {model_path}")
        result = evaluate_model(model_path, args.env, args.episodes, args.seed, args.render)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    try:
        main()
    except ValueError as error:
        print(f"evaluate.py: error: {error}", file=sys.stderr)
        sys.exit(2)
