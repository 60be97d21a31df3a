"""Agents: DQN, Double DQN, Rainbow, replay memories (uniform and prioritized), n-step
returns, Bellman targets and the training loop."""

from agents.dqn import DQN, DoubleDQN, Rainbow, build_q_network, registry
from agents.nstep import NStepAccumulator
from agents.prioritized import PrioritizedReplayBuffer, SegmentTree, SumTree
from agents.replay import Batch, ReplayBuffer, Transition
from agents.targets import categorical_projection, double_dqn_target, dqn_target, polyak_update

__all__ = [
    "DQN",
    "DoubleDQN",
    "Rainbow",
    "NStepAccumulator",
    "PrioritizedReplayBuffer",
    "SegmentTree",
    "SumTree",
    "categorical_projection",
    "build_q_network",
    "registry",
    "Batch",
    "ReplayBuffer",
    "Transition",
    "dqn_target",
    "double_dqn_target",
    "polyak_update",
]
