"""Greedy evaluation over several episodes, batched through the network."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from agents.dqn import DQN


def evaluate(
    agent: DQN, envs_list: list[gym.Env], seeds: list[int], max_steps: int = 1_000_000
) -> np.ndarray:
    """Run one greedy episode per env (each reset with its seed) and return the returns.

    All unfinished episodes advance together: one batched forward pass per step.

    Args:
        agent: the agent (its ``q_values`` are used, epsilon = 0).
        envs_list: one env per episode to run.
        seeds: one reset seed per env.
        max_steps: safety cap per episode for envs without a time limit.

    Returns:
        (episodes,) undiscounted returns.
    """
    n = len(envs_list)
    returns = np.zeros(n)
    obs = [env.reset(seed=int(seed))[0] for env, seed in zip(envs_list, seeds, strict=True)]
    active = list(range(n))
    for _ in range(max_steps):
        if not active:
            break
        actions = agent.q_values(np.stack([obs[i] for i in active])).argmax(axis=1)
        still = []
        for i, action in zip(active, actions, strict=True):
            obs[i], reward, terminated, truncated, _ = envs_list[i].step(int(action))
            returns[i] += reward
            if not (terminated or truncated):
                still.append(i)
        active = still
    return returns
