"""Where a zoo-preset CartPole run's time goes: per environment step and per gradient step,
each part against its floor.

    python -m benchmarks.time_breakdown                      # this checkout
    python -m benchmarks.time_breakdown --before /path/old   # also an older checkout, alternating

The run is rl-baselines3-zoo's CartPole-v1 DQN (``benchmarks.dqn_vs_sb3.zoo_config``: 256-256
ReLU, batch 64, Adam, Huber, clipping at 10). Each part is timed alone in a loop on realistic
inputs (a buffer of 50,000 CartPole-shaped transitions, the network the run uses), in a fresh
process; three processes per checkout, alternating, and the table shows the median. A *floor*
is the least the part could cost in NumPy: the environment's own step, the bare matrix
products of the same shapes, one pass over the flat parameters. The loop's own cost is the
whole loop per step with learning off minus the train env's step (issue #16: <= 30 µs).
``transient KiB`` is tracemalloc's peak of what one update allocates and frees again.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks._common import run_on_checkout, timeit

HERE = Path(__file__).resolve().parent
TRANSITIONS, BATCH, PHASE_STEPS, LOOP_STEPS = 50_000, 64, 128, 20_000
LOGDIR = "/tmp/rlnn-bench-breakdown"


def filled_buffer(config, space):
    from agents.config import make_buffer
    from benchmarks.dqn_update import transitions

    buffer = make_buffer(config, space)
    states, actions, next_states, terminated = transitions()
    rewards = np.ones(len(actions), np.float32)
    buffer.add_batch(states, actions, rewards, next_states, terminated)
    return buffer


def env_step_parts(config) -> dict[str, float]:
    import gymnasium as gym

    from agents.train import Run
    from rlnn.monitoring import Logger

    env = gym.make("CartPole-v1")
    env.reset(seed=0)
    steps = iter(range(10**9))

    def raw_step():
        _, _, terminated, truncated, _ = env.step(next(steps) % 2)
        if terminated or truncated:
            env.reset()

    run = Run(replace(config, total_steps=10**9, logdir=LOGDIR), logger=Logger())
    train_env, agent, buffer = run.train_env, run.agent, run.buffer
    action = np.zeros(1, np.int64)
    obs = run.obs
    weights = [(p.value) for p in agent.online.parameters()]

    def bare_forward():  # x @ W + b, max(., 0) per hidden layer, then the argmax
        h = obs
        for w, b in zip(weights[0:-2:2], weights[1:-2:2], strict=True):
            h = np.maximum(h @ w + b, 0)
        return (h @ weights[-2] + weights[-1]).argmax()

    slot = iter(range(10**9))
    reward, terminated = np.ones(1, np.float32), np.zeros(1, bool)

    def bare_store():  # one transition by basic indexing
        i = next(slot) % buffer.capacity
        buffer.states[i] = obs[0]
        buffer.actions[i] = 1
        buffer.rewards[i] = 1.0
        buffer.next_states[i] = obs[0]
        buffer.terminated[i] = False

    parts = {
        "env.step (gymnasium's CartPole, its wrappers)": timeit(raw_step),
        "train env step (rlnn's SingleEnv + episode statistics)": timeit(
            lambda: train_env.step(action)
        ),
        "act: epsilon-greedy action on one observation": timeit(lambda: agent.act_batch(obs, 0.04)),
        "act floor: bare forward + argmax": timeit(bare_forward),
        "store: ReplayBuffer.add_batch of one transition": timeit(
            lambda: buffer.add_batch(obs, action, reward, obs, terminated)
        ),
        "store floor: five basic-index assignments": timeit(bare_store),
    }
    # the whole loop with learning off: acting, stepping, storing, schedules, logging
    loop = Run(
        replace(
            config,
            total_steps=LOOP_STEPS,
            learning_starts=100,
            train_freq=10**9,
            eval_every=0,
            checkpoint_every=0,
            final_eval_episodes=1,
            logdir=LOGDIR,
        )
    )
    began = time.perf_counter()
    loop.run()
    parts["loop per env step, learning off (TensorBoard on)"] = (
        (time.perf_counter() - began) / LOOP_STEPS * 1e6
    )
    parts["loop's own cost beyond the train env step"] = (
        parts["loop per env step, learning off (TensorBoard on)"]
        - parts["train env step (rlnn's SingleEnv + episode statistics)"]
    )
    return parts


def gradient_step_parts(config) -> dict[str, float]:
    import tracemalloc

    import gymnasium as gym

    from agents.config import make_agent

    env = gym.make("CartPole-v1")
    agent = make_agent(config, env.observation_space, env.action_space)
    buffer = filled_buffer(config, env.observation_space)
    online, optimizer = agent.online, agent.optimizer
    per_phase = PHASE_STEPS

    def phase():
        agent.learn(buffer, PHASE_STEPS, BATCH)
        agent.sync_target()

    parts = {"gradient step (DQN.learn over a 128-step phase)": timeit(phase) / per_phase}
    batches = buffer.sample_batches(8, BATCH)
    batch = batches.rows(slice(0, BATCH))
    outputs = agent.target_outputs(batches.next_states)[:BATCH]
    parts["sample: one minibatch's share of a phase's draw"] = (
        timeit(lambda: buffer.sample_batches(PHASE_STEPS, BATCH)) / per_phase
    )
    parts["target network: a minibatch's share of 512-row passes"] = (
        timeit(lambda: agent.target_outputs(batches.next_states)) / 8
    )
    parts["online forward (batch 64)"] = timeit(lambda: online.forward(batch.states))
    selection = agent.selection_values(batch.next_states, outputs)
    q = online.forward(batch.states)
    parts["loss and its gradient (Huber on the taken actions)"] = timeit(
        lambda: agent.returns.loss_parts(q, batch, selection, outputs, agent.gamma)
    )
    grad = agent.returns.loss_parts(q, batch, selection, outputs, agent.gamma).grad
    backward = getattr(online, "backward_params", online.backward)  # what update calls
    parts["backward (parameter gradients)"] = timeit(lambda: backward(grad))
    parts["clip the gradient norm"] = timeit(lambda: optimizer.clip_grad_norm(10.0))
    parts["Adam step"] = timeit(optimizer.step)
    # floors: the products of forward and backward, the target's, one pass over the weights
    w = [p.value for p in online.parameters()][0::2]
    x0 = batch.states.astype(np.float32)
    hs = [x0]
    for layer_w in w[:-1]:
        hs.append(np.maximum(hs[-1] @ layer_w, 0))
    g_out = np.ones((BATCH, w[-1].shape[1]), np.float32)

    def products():
        h = x0
        for layer_w in w:
            h = h @ layer_w
        g = g_out
        for k in range(len(w) - 1, -1, -1):
            _ = hs[k].T @ g
            if k:
                g = g @ w[k].T

    target_rows = np.ascontiguousarray(batches.next_states, dtype=np.float32)

    def target_products():
        h = target_rows
        for layer_w in w:
            h = h @ layer_w

    parts["floor: forward and backward matrix products"] = timeit(products)
    parts["floor: the target's products, per minibatch"] = timeit(target_products) / 8
    flat = np.concatenate([p.value.ravel() for p in online.parameters()])
    out = np.empty_like(flat)
    parts["floor: one pass over the 67,586 parameters"] = timeit(
        lambda: np.multiply(flat, 0.5, out=out)
    )
    # what an update allocates and frees (tracemalloc sees NumPy's data buffers)
    agent.update(batch, outputs)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    for _ in range(10):
        agent.update(batch, outputs)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    parts["transient KiB per update (tracemalloc peak)"] = peak / 1024
    return parts


def one() -> dict:
    from benchmarks.dqn_vs_sb3 import zoo_config

    config = zoo_config(quiet=True)
    return {**env_step_parts(config), **gradient_step_parts(config)}


def measure(code: Path) -> dict[str, float]:
    """One fresh process on the checkout at ``code`` (its agents, rlnn and envs)."""
    return run_on_checkout("time_breakdown", ["--one"], code)


def main() -> None:
    from benchmarks._common import alternating, machine, save

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one()))
        return
    checkouts = {"after": HERE.parent}
    if args.before:
        checkouts = {"before": args.before.resolve(), **checkouts}
    runs = alternating(
        list(checkouts),
        lambda name: measure(checkouts[name]),
        args.processes,
        show=lambda _: "done",
    )
    medians = {
        name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()
    }
    save("time_breakdown", {"machine": machine(), "runs": runs, "medians": medians})
    names = list(checkouts)
    print("| part | " + " | ".join(f"µs, {n}" for n in names) + " |")
    print("|---|" + "---|" * len(names))
    for key in medians[names[-1]]:
        cells = [f"{medians[n].get(key, float('nan')):.1f}" for n in names]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
