"""One env with the vector-env interface, and the real last observations of SAME_STEP
autoreset vector envs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np


class SingleEnv:
    """Gives one gymnasium env the vector-env interface with SAME_STEP autoreset semantics:
    arrays with a leading axis of 1, and ``info["final_obs"]`` when the episode ended."""

    num_envs = 1

    def __init__(self, env: gym.Env) -> None:
        self.env = env
        self.observation_space = env.observation_space
        self.single_observation_space = env.observation_space
        self.single_action_space = env.action_space
        self.spec = env.spec

    def reset(self, seed: int | None = None):
        obs, info = self.env.reset(seed=seed)
        return obs[None], info

    def step(self, actions: np.ndarray):
        obs, reward, terminated, truncated, info = self.env.step(int(actions[0]))
        if terminated or truncated:
            episode = {k: np.array([v]) for k, v in info["episode"].items()}
            info = {"final_obs": obs[None], "final_info": {"episode": episode}}
            obs, _ = self.env.reset()
        return (
            obs[None],
            np.array([reward], dtype=np.float32),
            np.array([terminated]),
            np.array([truncated]),
            info,
        )

    def close(self) -> None:
        self.env.close()


def real_next_observations(next_obs: np.ndarray, done: np.ndarray, infos: dict) -> np.ndarray:
    """What each env's step really led to: with SAME_STEP autoreset, ``next_obs`` of an env
    whose episode ended is already the next episode's first observation; the real last one is
    ``infos["final_obs"]``."""
    if not done.any():
        return next_obs
    real = next_obs.copy()
    for i in np.flatnonzero(done):
        real[i] = infos["final_obs"][i]
    return real
