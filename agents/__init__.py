"""Agents: DQN, Double DQN, replay memory, Bellman targets and the training loop."""

from agents.dqn import DQN, DoubleDQN, build_q_network, registry
from agents.replay import Batch, ReplayBuffer, Transition
from agents.targets import double_dqn_target, dqn_target, polyak_update

__all__ = [
    "DQN",
    "DoubleDQN",
    "build_q_network",
    "registry",
    "Batch",
    "ReplayBuffer",
    "Transition",
    "dqn_target",
    "double_dqn_target",
    "polyak_update",
]
