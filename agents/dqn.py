"""DQN and Double DQN agents. Agents own networks and the update; they know no loop or env."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

import rlnn
from agents.replay import Batch
from agents.targets import double_dqn_target, dqn_target, polyak_update
from rlnn._typing import Array
from rlnn.registry import Registry

registry: Registry[DQN] = Registry("algo")


def build_q_network(
    obs_dim: int,
    n_actions: int,
    net_arch: list[int] | tuple[int, ...],
    activation: str = "relu",
    rng: np.random.Generator | int | None = None,
    weight_init: Any = "torch_default",
) -> rlnn.Sequential:
    """An MLP from observations to one Q-value per action (PyTorch's default init)."""
    return rlnn.mlp(
        [obs_dim, *net_arch, n_actions],
        activation=activation,
        seed=rng,
        weight_init=weight_init,
        bias_init="zeros",
    )


@registry.register("dqn")
class DQN:
    """Deep Q-network agent (Mnih et al., 2015): an online network trained toward Bellman
    targets computed by a periodically synchronized target network.

    Args:
        observation_space: a gymnasium Box space.
        action_space: a gymnasium Discrete space.
        gamma: discount in [0, 1].
        seed: seeds the network initialization and the exploration generator.
        net_arch: hidden layer sizes.
        activation: hidden activation name.
        learning_rate: a number or a schedule spec (a function of the update count).
        optimizer: optimizer name or spec (Adam by default, PyTorch's eps).
        loss: loss on the taken actions' Q-values (Huber by default, i.e. SB3's smooth L1).
        max_grad_norm: clip the global gradient norm to this (None: no clipping).
        tau: 1.0 for hard target copies, < 1 for Polyak averaging at each sync.
        target_network: False uses the online network for targets (the notes' plain variant:
            see why the target network matters).
        network: a prebuilt online network (then net_arch and activation are ignored).
    """

    def __init__(
        self,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        gamma: float = 0.99,
        seed: int | None = None,
        net_arch: list[int] | tuple[int, ...] = (64, 64),
        activation: str = "relu",
        learning_rate: Any = 1e-3,
        optimizer: Any = "adam",
        loss: Any = "huber",
        max_grad_norm: float | None = 10.0,
        tau: float = 1.0,
        target_network: bool = True,
        network: rlnn.Layer | None = None,
    ) -> None:
        if not isinstance(action_space, spaces.Discrete):
            raise ValueError(
                f"{type(self).__name__} needs a Discrete action space, got {action_space}"
            )
        if not isinstance(observation_space, spaces.Box):
            raise ValueError(
                f"{type(self).__name__} needs a Box observation space, got {observation_space}"
            )
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"{type(self).__name__}: gamma must be in [0, 1], got {gamma}")
        if not 0.0 < tau <= 1.0:
            raise ValueError(f"{type(self).__name__}: tau must be in (0, 1], got {tau}")
        self.observation_space, self.action_space = observation_space, action_space
        self.n_actions = int(action_space.n)
        self.gamma, self.tau = float(gamma), float(tau)
        self.max_grad_norm = max_grad_norm
        seeds = np.random.SeedSequence(seed)
        init_seed, act_seed = seeds.spawn(2)
        obs_dim = int(np.prod(observation_space.shape))
        self.online = (
            network
            if network is not None
            else build_q_network(
                obs_dim, self.n_actions, net_arch, activation, np.random.default_rng(init_seed)
            )
        )
        self.target = copy.deepcopy(self.online) if target_network else self.online
        self.target.eval()
        opt_spec = optimizer if isinstance(optimizer, dict) else {"name": optimizer}
        self.optimizer = rlnn.optimizers.get(
            {**opt_spec, "lr": learning_rate}, self.online.parameters()
        )
        self.loss = rlnn.losses.get(loss)
        self.rng = np.random.default_rng(act_seed)
        self.updates = 0

    # acting --------------------------------------------------------------------------
    def q_values(self, states: Array) -> Array:
        """Q(s, ·) for a batch of states, shape (batch, n_actions); touches no cache."""
        return self.online.predict(states)

    def act(self, state: Array, epsilon: float = 0.0) -> int:
        """Epsilon-greedy action for one observation."""
        if epsilon > 0.0 and self.rng.random() < epsilon:
            return int(self.rng.integers(self.n_actions))
        return int(self.online.predict(state[None]).argmax())

    def act_batch(self, states: Array, epsilon: float = 0.0) -> Array:
        """Epsilon-greedy actions for a batch of observations (vector envs)."""
        actions = self.online.predict(states).argmax(axis=1)
        if epsilon > 0.0:
            explore = self.rng.random(len(actions)) < epsilon
            actions = np.where(
                explore, self.rng.integers(self.n_actions, size=len(actions)), actions
            )
        return actions

    # learning ------------------------------------------------------------------------
    def bellman_targets(self, batch: Batch) -> Array:
        """``r + γ·(1 - terminated)·max_a' Q_target(s', a')`` for each transition, (batch,)."""
        gamma = self.gamma if batch.discounts is None else batch.discounts
        return dqn_target(
            batch.rewards, batch.terminated, self.target.predict(batch.next_states), gamma
        )

    def update(self, batch: Batch) -> dict[str, Any]:
        """One gradient step on the loss between Q(s, a) of the taken actions and the targets.

        Returns:
            Metrics: ``td_loss``, ``q_values`` (mean Q of the taken actions), ``grad_norm``
            (before clipping), and ``td_errors`` (batch,) for prioritized replay.

        Raises:
            FloatingPointError: the Q-values, targets or loss are NaN or inf.
        """
        targets = self.bellman_targets(batch)
        q = self.online.forward(batch.states)
        rows = np.arange(len(batch.actions))
        q_taken = q[rows, batch.actions]
        if not (np.all(np.isfinite(q_taken)) and np.all(np.isfinite(targets))):
            raise FloatingPointError("non-finite Q-values or Bellman targets")
        loss, grad_taken = self.loss.value_and_grad(q_taken, targets, batch.weights)
        grad_q = np.zeros_like(q)
        grad_q[rows, batch.actions] = grad_taken
        self.online.backward(grad_q)
        grad_norm = (
            rlnn.clip_grad_norm(self.online.parameters(), self.max_grad_norm)
            if self.max_grad_norm
            else float("nan")
        )
        if not np.isfinite(loss):
            raise FloatingPointError(f"non-finite loss {loss}")
        self.optimizer.step()
        self.updates += 1
        return {
            "td_loss": loss,
            "q_values": float(q_taken.mean()),
            "grad_norm": grad_norm,
            "td_errors": q_taken - targets,
        }

    def sync_target(self) -> None:
        """Hard copy (tau = 1) or Polyak averaging of the online weights into the target;
        buffers (BatchNorm statistics) are copied. A no-op without a target network."""
        if self.target is self.online:
            return
        polyak_update(
            [p.value for p in self.target.parameters()],
            [p.value for p in self.online.parameters()],
            self.tau,
        )
        for t, o in zip(
            self.target.buffers().values(), self.online.buffers().values(), strict=True
        ):
            np.copyto(t, o)

    # state ---------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Both networks, the optimizer, the update count and the exploration generator."""
        return {
            "online": self.online.state_dict(),
            "target": self.target.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "updates": self.updates,
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.online.load_state_dict(state["online"])
        if self.target is not self.online:
            self.target.load_state_dict(state["target"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.updates = int(state["updates"])
        self.rng.bit_generator.state = state["rng"]

    def save(self, path: str | Path) -> None:
        """Save the online network (architecture and weights) to one ``.npz`` file."""
        self.online.save(path)

    @classmethod
    def load(
        cls,
        path: str | Path,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        **kwargs: Any,
    ) -> DQN:
        """An agent whose online (and target) network is the one saved at ``path``."""
        return cls(observation_space, action_space, network=rlnn.load(path), **kwargs)


@registry.register("ddqn", "double_dqn")
class DoubleDQN(DQN):
    """Double DQN (van Hasselt et al., 2016): the online network picks the next action, the
    target network values it. Nothing else differs from :class:`DQN`."""

    def bellman_targets(self, batch: Batch) -> Array:
        gamma = self.gamma if batch.discounts is None else batch.discounts
        return double_dqn_target(
            batch.rewards,
            batch.terminated,
            self.online.predict(batch.next_states),
            self.target.predict(batch.next_states),
            gamma,
        )
