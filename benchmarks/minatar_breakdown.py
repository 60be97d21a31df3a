"""Where a MinAtar DQN frame's time goes: each part inside a run, alone, and its NumPy floor.

    python -m benchmarks.minatar_breakdown                 # Breakout, 20,000 frames, 3 processes
    python -m benchmarks.minatar_breakdown --frames 30000 --processes 5

The run is the one ``benchmarks.minatar_vs_peer`` times: ``MinAtar/Breakout-v0`` with rlnn's
MinAtar preset (MinAtar's examples/dqn.py settings: a 3x3 convolution with 16 filters, 128
hidden units, batch 32, centered RMSprop, one update per frame after 5,000 random frames),
TensorBoard on, evaluations off. *In the run*: ``time.perf_counter`` around each part's calls,
per learning frame (the frames after the random ones). *Alone*: the same call in a loop on the
run's network and a buffer of 6,000 real frames. *Floor*: the least the part costs in NumPy:
the matrix products of the same shapes (im2col's and the Dense layers'), and RMSprop's
elementwise passes over the network's 132,566 parameters, each as cheap as one multiply. Each
process is fresh; the table shows the median over processes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from benchmarks._common import run_isolated, timeit

ENV = "MinAtar/Breakout-v0"
RMSPROP_PASSES = 14  # rlnn.optimizers.RMSprop.update, centered, without momentum


def _config(frames: int):
    from agents.config import make_config

    return make_config(
        ENV, seed=0, total_steps=frames, eval_every=0, checkpoint_every=0,
        final_eval_episodes=1, logdir="/tmp/rlnn-minatar-breakdown", quiet=True,
    )  # fmt: skip


def in_run(frames: int) -> dict[str, float]:
    """µs per learning frame of each part, timed inside one run."""
    from agents import dqn, replay, returns, train
    from rlnn.layers.sequential import Sequential
    from rlnn.optimizers.base import Optimizer

    spent: dict[str, float] = defaultdict(float)
    learning = {"on": False}

    def timed(owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args, **kwargs):
            began = time.perf_counter()
            result = inner(*args, **kwargs)
            if learning["on"]:
                spent[label] += time.perf_counter() - began
            return result

        setattr(owner, name, wrapper)

    config = _config(frames)
    original_act = train.Run.act

    def act(run):
        learning["on"] = run.state.step >= config.learning_starts
        return original_act(run)

    train.Run.act = act
    for owner, name, label in [
        (train.Run, "act", "act: epsilon-greedy on one observation"),
        (train.Run, "collect", "env step and replay store"),
        (train.Run, "learn", "gradient step (all of it)"),
        (replay.ReplayBuffer, "sample_batches", "- sample a minibatch"),
        (dqn.DQN, "target_outputs", "- target network forward"),
        (Sequential, "forward", "- online forward"),
        (returns.QValues, "loss_parts", "- Bellman targets, Huber loss and its gradient"),
        (Sequential, "backward_params", "- backward (parameter gradients)"),
        (Optimizer, "step", "- centered RMSprop step"),
    ]:
        timed(owner, name, label)
    summary = train.train(config)
    learning_frames = frames - config.learning_starts
    parts = {label: seconds / learning_frames * 1e6 for label, seconds in spent.items()}
    parts["whole frame (act + env + gradient step)"] = sum(
        parts[k] for k in parts if not k.startswith("-")
    )
    parts["frames/s over the run"] = frames / summary["train_seconds"]
    return parts


def alone() -> dict[str, float]:
    """µs per call of each part in a loop, and the floors."""
    from agents.config import make_agent, make_buffer
    from envs import make

    config = _config(10_000)
    env = make(ENV)
    agent = make_agent(config, env.observation_space, env.action_space)
    buffer = make_buffer(config, env.observation_space)
    rng = np.random.default_rng(0)
    obs = [env.reset(seed=0)[0]]  # the current observation, for the timed step below
    for action in rng.integers(env.action_space.n, size=6_000):
        obs[0] = step_and_store(env, buffer, obs[0], int(action))
    online, optimizer = agent.online, agent.optimizer
    batch = buffer.sample(32)
    outputs = agent.target_outputs(batch.next_states)
    selection = agent.selection_values(batch.next_states, outputs)
    q = online.forward(batch.states)
    grad = agent.returns.loss_parts(q, batch, selection, outputs, agent.gamma).grad
    one = batch.states[:1]
    parts = {
        "act: epsilon-greedy on one observation": timeit(lambda: agent.act_batch(one, 0.0)),
        "env step and replay store": timeit(
            lambda: obs.__setitem__(0, step_and_store(env, buffer, obs[0], 0))
        ),
        "gradient step (all of it)": timeit(lambda: agent.learn(buffer, 1, 32)),
        "- sample a minibatch": timeit(lambda: buffer.sample(32)),
        "- target network forward": timeit(lambda: agent.target_outputs(batch.next_states)),
        "- online forward": timeit(lambda: online.forward(batch.states)),
        "- Bellman targets, Huber loss and its gradient": timeit(
            lambda: agent.returns.loss_parts(q, batch, selection, outputs, agent.gamma)
        ),
        "- backward (parameter gradients)": timeit(lambda: online.backward_params(grad)),
        "- centered RMSprop step": timeit(optimizer.step),
    }
    parts.update(floors(agent, batch))
    return parts


def step_and_store(env, buffer, obs, action: int):
    """One env step from ``obs`` and its transition stored; returns the next observation."""
    next_obs, reward, terminated, truncated, _ = env.step(action)
    buffer.add_batch(obs[None], np.array([action]), np.array([reward], np.float32),
                     next_obs[None], np.array([terminated]))  # fmt: skip
    return env.reset()[0] if terminated or truncated else next_obs


def floors(agent, batch) -> dict[str, float]:
    """The matrix products of a forward and a backward pass, and one elementwise pass."""
    conv, dense1, dense2 = (layer for layer in agent.online.layers if hasattr(layer, "weight"))
    x = batch.states.astype(np.float32)
    windows = sliding_window_view(x, (3, 3), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3)
    columns = np.ascontiguousarray(windows).reshape(-1, 36)
    w0 = conv.weight.value.reshape(36, -1)
    h0 = np.maximum(columns @ w0, 0).reshape(len(x), -1)
    h1 = np.maximum(h0 @ dense1.weight.value, 0)
    g2 = np.ones((len(x), dense2.weight.value.shape[1]), np.float32)
    g1, g0 = g2 @ dense2.weight.value.T, np.ones((len(columns), w0.shape[1]), np.float32)

    def forward():
        return columns @ w0, h0 @ dense1.weight.value, h1 @ dense2.weight.value

    def backward():
        weights = dense1.weight.value, dense2.weight.value
        return h1.T @ g2, g2 @ weights[1].T, h0.T @ g1, g1 @ weights[0].T, columns.T @ g0

    flat = np.concatenate([p.value.ravel() for p in agent.online.parameters()])
    out, im2col = np.empty_like(flat), np.empty(windows.shape, np.float32)
    one_pass = timeit(lambda: np.multiply(flat, 0.5, out=out))
    return {
        "floor: forward products (conv im2col, 1024x128, 128x6)": timeit(forward),
        "floor: backward products (weight and input gradients)": timeit(backward),
        f"floor: {RMSPROP_PASSES} elementwise passes over {flat.size:,} parameters": (
            RMSPROP_PASSES * one_pass
        ),
        "im2col copy alone (in each conv forward: 32x8x8 windows of 3x3x4)": timeit(
            lambda: np.copyto(im2col, windows)
        ),
    }


def one(frames: int) -> dict:
    return {"alone": alone(), "in_run": in_run(frames)}


def main() -> None:
    from benchmarks._common import machine, save, wait_until_idle

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.frames)))
        return
    runs = []
    for _ in range(args.processes):
        wait_until_idle()
        runs.append(run_isolated("minatar_breakdown", ["--one", "--frames", str(args.frames)]))
    save("minatar_breakdown", {"machine": machine(), "frames": args.frames, "runs": runs})
    keys = list(runs[0]["in_run"]) + [k for k in runs[0]["alone"] if k not in runs[0]["in_run"]]

    def median(kind: str, key: str) -> str:
        values = [r[kind][key] for r in runs if key in r[kind]]
        return f"{statistics.median(values):.1f}" if values else ""

    print("| part (µs per learning frame) | in the run | alone |")
    print("|---|---|---|")
    for key in keys:
        print(f"| {key} | {median('in_run', key)} | {median('alone', key)} |")


if __name__ == "__main__":
    main()
