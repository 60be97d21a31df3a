"""The DQN gradient step alone: one training phase of the zoo preset, rlnn against SB3.

    python -m benchmarks.dqn_update

A phase is what both libraries run every 256 CartPole steps with rl-baselines3-zoo's
settings: 128 gradient steps on minibatches of 64 from a replay buffer (here 50,000 random
CartPole-shaped transitions), 256-256 ReLU Q-network, Adam lr 2.3e-3, Huber loss, gradient
norm clipped to 10, the target network frozen. No environment, no evaluation: the cost that
bounds the zoo-preset runs of ``dqn_vs_sb3``. Kinds:

- ``rlnn``: ``DQN.learn`` (the target network values a phase's next states in 1024-row passes)
- ``rlnn-per-minibatch``: the same updates one ``sample`` + ``update`` at a time
- ``sb3``: ``stable_baselines3.DQN.train(gradient_steps=128, batch_size=64)``

Each kind runs in a fresh process (warm-up phase, then 15 timed phases; its median), three
times, alternating; the table shows the median of the three and the ratio to SB3.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from benchmarks._common import alternating, machine, run_isolated, save, table

GRADIENT_STEPS, BATCH, TRANSITIONS, PHASES = 128, 64, 50_000, 15
KINDS = ("rlnn", "rlnn-per-minibatch", "sb3")


def transitions():
    import numpy as np

    rng = np.random.default_rng(0)
    states = rng.standard_normal((TRANSITIONS, 4)).astype(np.float32)
    actions = rng.integers(2, size=TRANSITIONS)
    next_states = (states + 0.01 * rng.standard_normal(states.shape)).astype(np.float32)
    terminated = rng.random(TRANSITIONS) < 0.05
    return states, actions, next_states, terminated


def rlnn_phase(per_minibatch: bool):
    import gymnasium as gym
    import numpy as np

    from agents.config import make_agent
    from agents.train import make_buffer
    from benchmarks.dqn_vs_sb3 import zoo_config

    config = zoo_config()
    env = gym.make("CartPole-v1")
    agent = make_agent(config, env.observation_space, env.action_space)
    buffer = make_buffer(config, env.observation_space)
    states, actions, next_states, terminated = transitions()
    buffer.add_batch(states, actions, np.ones(len(actions), np.float32), next_states, terminated)

    def phase():
        if per_minibatch:
            for _ in range(GRADIENT_STEPS):
                agent.update(buffer.sample(BATCH))
        else:
            agent.learn(buffer, GRADIENT_STEPS, BATCH)
        agent.sync_target()

    return phase


def sb3_phase():
    import numpy as np
    import torch
    from stable_baselines3 import DQN
    from stable_baselines3.common.logger import configure

    from benchmarks.dqn_vs_sb3 import ZOO, ZOO_NET

    torch.manual_seed(0)
    model = DQN("MlpPolicy", "CartPole-v1", seed=0, policy_kwargs=dict(net_arch=ZOO_NET), **ZOO)
    model.set_logger(configure(None, []))
    states, actions, next_states, terminated = transitions()
    for i in range(TRANSITIONS):
        model.replay_buffer.add(
            states[i : i + 1],
            next_states[i : i + 1],
            actions[i : i + 1, None],
            np.ones(1, np.float32),
            terminated[i : i + 1],
            [{}],
        )

    def phase():
        model.train(gradient_steps=GRADIENT_STEPS, batch_size=BATCH)
        model.q_net_target.load_state_dict(model.q_net.state_dict())

    return phase


def one(kind: str) -> dict:
    phase = sb3_phase() if kind == "sb3" else rlnn_phase(kind == "rlnn-per-minibatch")
    phase()  # warm-up
    times = []
    for _ in range(PHASES):
        began = time.perf_counter()
        phase()
        times.append((time.perf_counter() - began) / GRADIENT_STEPS * 1e6)
    return {"kind": kind, "us_per_step": statistics.median(times), "phases": times}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(sys.argv[2])))
        return
    runs = alternating(
        KINDS,
        lambda kind: run_isolated("dqn_update", ["--one", kind])["us_per_step"],
        show=lambda us: round(us, 1),
    )
    medians = {kind: statistics.median(v) for kind, v in runs.items()}
    save("dqn_update", {"machine": machine(), "runs": runs, "medians": medians})
    rows = [
        [
            kind,
            f"{medians[kind]:.0f}",
            ", ".join(f"{v:.0f}" for v in runs[kind]),
            f"{medians['sb3'] / medians[kind]:.2f}x",
        ]
        for kind in KINDS
    ]
    print(
        table(
            ["zoo phase: 128 steps, batch 64, 256-256", "µs per gradient step", "runs", "SB3 / it"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
