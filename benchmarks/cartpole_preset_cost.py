"""What the CartPole-v1 preset's learner costs per environment step, against the preset before it.

    python -m benchmarks.cartpole_preset_cost        # about 1 minute

For dqn and ddqn, a run's own agent (``agents.train.Run`` with the preset) times one training
phase of ``DQN.learn`` (``gradient_steps`` updates on a buffer of 50,000 CartPole-shaped
transitions, the target network's values batched as in a run) and one greedy ``act_batch`` on
one observation, each in a loop (``benchmarks._common.timeit``). "before" is the learner of
commit 45815b5 (``agents.presets.CARTPOLE_64_64``: 64-64 with LayerNorm, 64 gradient steps of
batch 64 every 128 env steps),
"now" the small learner (one hidden layer of 128, 16 gradient steps of batch 32). Each
(preset, algo) runs in a fresh process, three times alternating; the table shows medians.
"""

from __future__ import annotations

import json
import statistics
import sys

from benchmarks._common import alternating, machine, run_isolated, save, table, timeit

KINDS = ["before:dqn", "now:dqn", "before:ddqn", "now:ddqn"]


def one(kind: str) -> dict:
    from agents.config import make_config
    from agents.presets import CARTPOLE_64_64
    from agents.train import Run
    from benchmarks.time_breakdown import filled_buffer
    from rlnn.monitoring import Logger

    preset, algo = kind.split(":")
    overrides = CARTPOLE_64_64 if preset == "before" else {}
    config = make_config(
        "CartPole-v1", algo=algo, total_steps=10**9, logdir="/tmp/rlnn-bench-preset-cost",
        quiet=True, **overrides,
    )  # fmt: skip
    run = Run(config, logger=Logger())
    try:
        agent, obs = run.agent, run.obs
        buffer = filled_buffer(config, run.train_env.single_observation_space)
        phase = timeit(lambda: agent.learn(buffer, config.gradient_steps, config.batch_size))
        act = timeit(lambda: agent.act_batch(obs, 0.0))
    finally:
        run.close()
    return {
        "kind": kind,
        "gradient_step_us": phase / config.gradient_steps,
        "learn_us_per_env_step": phase / config.train_freq,
        "act_us": act,
    }


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))
        return
    runs = alternating(KINDS, lambda kind: run_isolated("cartpole_preset_cost", ["--one", kind]))
    rows = []
    for kind in KINDS:
        med = {k: statistics.median(r[k] for r in runs[kind]) for k in runs[kind][0] if k != "kind"}
        rows.append(
            [
                kind,
                f"{med['gradient_step_us']:.0f}",
                f"{med['learn_us_per_env_step']:.1f}",
                f"{med['act_us']:.1f}",
            ]
        )
    headers = ["preset:algo", "µs per gradient step", "learning µs per env step", "act µs"]
    text = table(headers, rows)
    save("cartpole_preset_cost", {"machine": machine(), "runs": runs})
    print(text)


if __name__ == "__main__":
    main()
