"""Environments: gymnasium construction for the agents, and small MDPs with known Q*.

Importing ``envs`` registers ``rlnn/Chain-v0`` and ``rlnn/GridWorld-v0`` with gymnasium.
"""

import gymnasium as gym

from envs.chain import ChainEnv
from envs.gridworld import GridWorldEnv
from envs.make import OneHotObservation, check_spaces, make
from envs.tabular import TabularEnv, value_iteration

if "rlnn/Chain-v0" not in gym.registry:
    gym.register(
        id="rlnn/Chain-v0",
        entry_point="envs.chain:ChainEnv",
        max_episode_steps=50,
        reward_threshold=0.99,
    )
    gym.register(
        id="rlnn/GridWorld-v0",
        entry_point="envs.gridworld:GridWorldEnv",
        max_episode_steps=100,
        reward_threshold=0.9,
    )

__all__ = [
    "make",
    "check_spaces",
    "OneHotObservation",
    "ChainEnv",
    "GridWorldEnv",
    "TabularEnv",
    "value_iteration",
]
