"""DQN on CartPole-v1: rlnn against Stable-Baselines3, side by side, seeds 0-4, 50,000 steps.

    python -m benchmarks.dqn_vs_sb3            # everything (about 20 minutes on 2 cores)
    python -m benchmarks.dqn_vs_sb3 --seeds 0 1 --kinds sb3 default:dqn default:ddqn

Three rlnn configurations and one SB3 configuration run per seed, alternating so that drift
hits both libraries: rlnn and SB3 with the same hyperparameters and network
(rl-baselines3-zoo's CartPole-v1 DQN settings), and rlnn's own default preset (dqn and ddqn).
Each run is a fresh process; the machine must be idle before it starts, and a run during which
other processes used more than 5% of a core-second per second is repeated.
SB3 and the zoo configuration evaluate greedily every 1,000 steps (10 episodes); rlnn's own
preset as it is set (every 1,000 steps, 20 episodes, and it ends the run once every episode
of an evaluation reaches 475). Every run's final weights are evaluated over 20 episodes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any

from benchmarks._common import (
    HERE,
    machine,
    measured,
    median_range,
    run_isolated,
    save,
    table,
    wait_until_idle,
)

ZOO = dict(
    learning_rate=2.3e-3,
    batch_size=64,
    buffer_size=100_000,
    learning_starts=1000,
    gamma=0.99,
    target_update_interval=10,
    train_freq=256,
    gradient_steps=128,
    exploration_fraction=0.16,
    exploration_final_eps=0.04,
)
ZOO_NET = [256, 256]


def zoo_config(**overrides: Any):
    """rlnn's Config with the zoo's CartPole-v1 settings on rlnn's generic defaults (Huber
    loss, gradient norm clipped to 10, epsilon from 1.0, hard target copies: SB3's), *not* on
    rlnn's CartPole preset, whose LayerNorm, learning-rate decay and stop on solving would
    otherwise ride along."""
    from agents.config import Config

    config = Config(env="CartPole-v1", net_arch=list(ZOO_NET), **ZOO, **overrides)
    config.validate()
    return config


TOTAL, EVAL_EVERY, EVAL_EPISODES, FINAL_EPISODES, THRESHOLD = 50_000, 1000, 10, 20, 475.0
KINDS = ["zoo:dqn", "sb3", "default:dqn", "default:ddqn"]


def run_rlnn(seed: int, preset: str, algo: str) -> dict:
    from agents.config import make_config
    from agents.train import train

    # The zoo configuration evaluates as SB3's run does; the default preset as it is set
    # (its stop on solving is part of it).
    run = dict(
        algo=algo,
        seed=seed,
        total_steps=TOTAL,
        final_eval_episodes=FINAL_EPISODES,
        checkpoint_every=0,
        logdir="/tmp/rlnn-bench-runs",
        quiet=True,
    )
    config = (
        zoo_config(eval_every=EVAL_EVERY, eval_episodes=EVAL_EPISODES, **run)
        if preset == "zoo"
        else make_config("CartPole-v1", **run)
    )
    with measured() as record:
        summary = train(config)
    return {
        "library": "rlnn",
        "preset": preset,
        "algo": algo,
        "seed": seed,
        "wall_seconds": record["wall_seconds"],
        "other_cpu_seconds": record["other_cpu_seconds"],
        "eval_seconds": summary["eval_seconds"],
        "train_seconds": record["wall_seconds"] - summary["eval_seconds"],
        "final_return": summary["eval_mean_return"],
        "first_solved_step": summary["first_solved_step"],
        "solved_train_seconds": summary["first_solved_train_seconds"],
        "evaluations": summary["evaluations"],
        "stopped_at": summary["stopped_at"],
        "run_dir": summary["run_dir"],
    }


def run_sb3(seed: int) -> dict:
    import gymnasium as gym
    import numpy as np
    import torch
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    evaluations: list[tuple[int, float, float]] = []
    started = time.perf_counter()
    solved: dict[str, float] = {}
    eval_seconds = [0.0]

    def greedy(model, episodes, base_seed):
        env = gym.make("CartPole-v1")
        returns = []
        for k in range(episodes):
            obs, _ = env.reset(seed=base_seed + k)
            done, total = False, 0.0
            while not done:
                action, _ = model.predict(obs, deterministic=True)
                obs, reward, terminated, truncated, _ = env.step(int(action))
                total += reward
                done = terminated or truncated
            returns.append(total)
        return float(np.mean(returns)), float(np.std(returns))

    class Periodic(BaseCallback):
        def _on_step(self) -> bool:
            if self.num_timesteps % EVAL_EVERY == 0:
                began = time.perf_counter()
                mean, std = greedy(
                    self.model,
                    EVAL_EPISODES,
                    10_000 + seed * 1_000_003 + len(evaluations) * EVAL_EPISODES,
                )
                evaluations.append((self.num_timesteps, mean, std))
                eval_seconds[0] += time.perf_counter() - began
                if mean >= THRESHOLD and "step" not in solved:
                    train = time.perf_counter() - started - eval_seconds[0]
                    solved.update(step=self.num_timesteps, train=train)
            return True

    torch.manual_seed(seed)
    with measured() as record:
        model = DQN(
            "MlpPolicy",
            gym.make("CartPole-v1"),
            seed=seed,
            verbose=0,
            policy_kwargs=dict(net_arch=ZOO_NET),
            **ZOO,
        )
        model.learn(total_timesteps=TOTAL, callback=Periodic())
        began = time.perf_counter()
        final, _ = greedy(model, FINAL_EPISODES, 10_000 + seed * 1_000_003 + 10**6)
        eval_seconds[0] += time.perf_counter() - began
    return {
        "library": "sb3",
        "preset": "zoo",
        "algo": "dqn",
        "seed": seed,
        "wall_seconds": record["wall_seconds"],
        "other_cpu_seconds": record["other_cpu_seconds"],
        "eval_seconds": eval_seconds[0],
        "train_seconds": record["wall_seconds"] - eval_seconds[0],
        "final_return": final,
        "first_solved_step": solved.get("step"),
        "solved_train_seconds": solved.get("train"),
        "evaluations": evaluations,
    }


def one(kind: str, seed: int) -> dict:
    """Run one configuration in this process and return its record."""
    if kind == "sb3":
        return run_sb3(seed)
    preset, algo = kind.split(":")
    return run_rlnn(seed, preset, algo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=KINDS)
    parser.add_argument(
        "--report", action="store_true", help="plot and tabulate the last saved results only"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed)))
        return
    if args.report:
        records = json.loads((HERE / "results" / "dqn_vs_sb3.json").read_text())["records"]
        plot(records)
        print(report(records))
        return
    kinds = args.kinds
    records = []
    for seed in args.seeds:
        for kind in kinds if seed % 2 == 0 else kinds[::-1]:  # alternate the order
            for attempt in range(3):
                idle = wait_until_idle()
                record = run_isolated("dqn_vs_sb3", ["--one", kind, "--seed", str(seed)])
                record["idle_before"] = idle
                disturbed = record["other_cpu_seconds"] > 0.05 * record["wall_seconds"]
                print(
                    f"{kind} seed {seed}: {record['train_seconds']:.1f} s, final "
                    f"{record['final_return']:.1f}, solved at {record['first_solved_step']}"
                    f"{' (disturbed, repeating)' if disturbed and attempt < 2 else ''}",
                    file=sys.stderr,
                )
                if not disturbed or attempt == 2:
                    records.append(record)
                    break
    save("dqn_vs_sb3", {"machine": machine(), "records": records})
    plot(records)
    print(report(records))


def plot(records: list[dict]) -> None:
    """benchmarks/cartpole_curves.png: periodic evaluations, mean and range over seeds."""
    from agents.plots import evaluation_matrix

    sys.path.insert(0, str(HERE.parent / "scripts"))
    from plot_runs import plot_curves

    labels = {
        ("sb3", "zoo", "dqn"): "SB3 DQN (zoo preset)",
        ("rlnn", "default", "dqn"): "rlnn DQN (rlnn preset)",
        ("rlnn", "default", "ddqn"): "rlnn Double DQN (rlnn preset)",
        ("rlnn", "zoo", "dqn"): "rlnn DQN (zoo preset)",
    }
    curves = {}
    for key, label in labels.items():
        runs = [r for r in records if (r["library"], r["preset"], r["algo"]) == key]
        if runs:
            # a run that ended once solved keeps its final return to the others' last step
            per_seed = [
                {**r, "eval_mean_return": r["final_return"], "stopped_at": r.get("stopped_at")}
                for r in runs
            ]
            curves[label] = evaluation_matrix(per_seed)
    plot_curves(
        curves,
        HERE / "cartpole_curves.png",
        "greedy evaluation return",
        "CartPole-v1: mean and min-max over seeds",
        threshold=THRESHOLD,
    )


def report(records: list[dict]) -> str:
    """Markdown tables: per configuration, then the ratios per seed pair."""

    def pick(library, preset, algo):
        return sorted(
            (
                r
                for r in records
                if (r["library"], r["preset"], r["algo"]) == (library, preset, algo)
            ),
            key=lambda r: r["seed"],
        )

    sb3 = pick("sb3", "zoo", "dqn")
    configs = [
        ("SB3 DQN, zoo preset", sb3),
        ("rlnn DQN, zoo preset", pick("rlnn", "zoo", "dqn")),
        ("rlnn DQN, rlnn preset", pick("rlnn", "default", "dqn")),
        ("rlnn Double DQN, rlnn preset", pick("rlnn", "default", "ddqn")),
    ]
    rows = []
    for label, runs in configs:
        if not runs:
            continue
        solved = [r["first_solved_step"] for r in runs if r["first_solved_step"] is not None]
        solved_s = [r["solved_train_seconds"] for r in runs if r["solved_train_seconds"]]
        rows.append(
            [
                label,
                median_range([r["train_seconds"] for r in runs]),
                median_range([r["wall_seconds"] for r in runs]),
                median_range([(r.get("stopped_at") or TOTAL) / r["train_seconds"] for r in runs]),
                ", ".join(f"{r['final_return']:.0f}" for r in runs),
                f"{sum(r['final_return'] >= THRESHOLD for r in runs)}/{len(runs)}",
                ", ".join(str(r["first_solved_step"]) for r in runs),
                f"{statistics.median(solved):.0f}" if len(solved) > len(runs) / 2 else "not solved",
                median_range(solved_s) if solved_s else "-",
            ]
        )
    text = table(
        [
            "configuration",
            "train s (excl. evaluation)",
            "wall s (incl. evaluation)",
            "env steps/s",
            "final return per seed",
            ">= 475",
            "first solved step per seed",
            "median solved step",
            "train s to solve",
        ],
        rows,
    )
    same = pick("rlnn", "zoo", "dqn")
    if sb3 and same:
        ratios = [s["train_seconds"] / r["train_seconds"] for s, r in zip(sb3, same, strict=False)]
        text += (
            "\n\nSame hyperparameters and network, SB3 train s / rlnn train s per seed: "
            f"{', '.join(f'{x:.2f}' for x in ratios)} (median {statistics.median(ratios):.2f})."
        )
    for algo in ("dqn", "ddqn"):
        own = pick("rlnn", "default", algo)
        pairs = [
            (s, r)
            for s, r in zip(sb3, own, strict=False)
            if s["solved_train_seconds"] and r["solved_train_seconds"]
        ]
        if pairs:
            ratios = [s["solved_train_seconds"] / r["solved_train_seconds"] for s, r in pairs]
            medians = [
                statistics.median(x["solved_train_seconds"] for x in side)
                for side in zip(*pairs, strict=True)
            ]
            text += (
                f"\nOwn presets, train time to solve, SB3 / rlnn {algo} per seed where both "
                f"solved: {', '.join(f'{x:.1f}' for x in ratios)} "
                f"(median {statistics.median(ratios):.1f}); median SB3 {medians[0]:.2f} s / "
                f"median rlnn {medians[1]:.2f} s = {medians[0] / medians[1]:.1f}x."
            )
    return text


if __name__ == "__main__":
    main()
