"""Evaluate a trained agent greedily: a run directory or a model file.

python scripts/evaluate.py runs/CartPole-v1__dqn__seed0__20260101-120000 --episodes 20
python scripts/evaluate.py path/to/model.npz --env CartPole-v1 --render
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import envs
from agents.dqn import DQN
from agents.evaluation import evaluate


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="run directory (with model.npz and config.json) or a .npz")
    parser.add_argument("--episodes", type=int, default=10, help="episodes to run (default 10)")
    parser.add_argument("--env", help="environment id (default: the run's config.json)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first episode")
    parser.add_argument("--render", action="store_true", help="render one episode on screen")
    args = parser.parse_args(argv)
    path = Path(args.path)
    model_path = path / "model.npz" if path.is_dir() else path
    if not model_path.exists():
        parser.error(f"no model at {model_path}")
    env_id = args.env
    if env_id is None and (model_path.parent / "config.json").exists():
        env_id = json.loads((model_path.parent / "config.json").read_text())["env"]
    if env_id is None:
        parser.error("--env is required when the model has no config.json beside it")
    if args.episodes < 1:
        parser.error(f"--episodes must be a positive integer, got {args.episodes}")
    env_list = [
        envs.make(env_id, render_mode="human" if args.render and i == 0 else None)
        for i in range(args.episodes)
    ]
    agent = DQN.load(model_path, env_list[0].observation_space, env_list[0].action_space)
    returns = evaluate(agent, env_list, [args.seed + i for i in range(args.episodes)])
    result = {
        "env": env_id,
        "episodes": args.episodes,
        "mean_return": float(np.mean(returns)),
        "std_return": float(np.std(returns)),
        "returns": returns.tolist(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    try:
        main()
    except ValueError as error:
        print(f"evaluate.py: error: {error}", file=sys.stderr)
        sys.exit(2)
