"""DQN and Double DQN agents. Agents own networks and the update; they know no loop or env."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

import rlnn
from agents.networks import build_q_network, target_copy
from agents.prioritized import PrioritizedReplayBuffer
from agents.replay import Batch, ReplayBuffer
from agents.returns import CategoricalReturns, QValues
from agents.targets import polyak_update
from rlnn._typing import Array
from rlnn.layers.noisy import noise_disabled, noisy_layers
from rlnn.registry import Registry

registry: Registry[DQN] = Registry("algo")

# Rows of next states per target-network forward pass in :meth:`DQN.learn`: 512 x 256 float32
# activations (512 KiB) stay in a core's L2; 1024-row passes measured slower than none.
PHASE_ROWS = 512


@registry.register("dqn")
class DQN:
    """Deep Q-network agent (Mnih et al., 2015): an online network trained toward Bellman
    targets computed by a periodically synchronized target network.

    The DQN-family switches compose freely: ``dueling`` (Wang et al., 2016), ``noisy``
    (Fortunato et al., 2018: factorized noisy layers replace epsilon-greedy; the noise of both
    networks is resampled at each update and at each action selection, and is off in
    :meth:`q_values`, the greedy evaluation path) and ``distributional`` (C51, Bellemare et al.,
    2017: a categorical return distribution over ``n_atoms`` atoms in [v_min, v_max], the
    projected Bellman update, cross-entropy loss). Prioritized replay and n-step returns live in
    the replay buffer and the loop; the agent honours the batch's ``weights`` and ``discounts``.

    Args:
        observation_space: a gymnasium Box space.
        action_space: a gymnasium Discrete space.
        gamma: discount in [0, 1].
        seed: seeds the network initialization, the noise and the exploration generator.
        net_arch: hidden layer sizes, after any convolutions (``"c16k3"``; see
            :mod:`agents.networks`).
        activation: hidden activation name.
        layer_norm: a LayerNorm between each hidden Dense layer and its activation.
        learning_rate: a number or a schedule spec (a function of the update count).
        optimizer: optimizer name or spec (Adam by default, PyTorch's eps).
        loss: loss on the taken actions' Q-values (Huber by default, i.e. SB3's smooth L1);
            the distributional agent always uses the cross-entropy.
        max_grad_norm: clip the global gradient norm to this (None: no clipping).
        tau: 1.0 for hard target copies, < 1 for Polyak averaging at each sync.
        target_network: False uses the online network for targets (the notes' plain variant:
            see why the target network matters).
        dueling: value and advantage streams, Q = V + A - mean(A).
        noisy: noisy linear layers in the head (and no epsilon needed).
        noisy_sigma0: initial noise scale σ₀ of the noisy layers.
        distributional: C51 instead of scalar Q-values.
        n_atoms, v_min, v_max: the C51 support.
        network: a prebuilt online network (then net_arch, activation, layer_norm, dueling and
            noisy are ignored; its output must have n_actions·n_atoms columns when distributional).
    """

    def __init__(
        self,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        gamma: float = 0.99,
        seed: int | None = None,
        net_arch: list[int | str] | tuple[int | str, ...] = (64, 64),
        activation: str = "relu",
        layer_norm: bool = False,
        learning_rate: Any = 1e-3,
        optimizer: Any = "adam",
        loss: Any = "huber",
        max_grad_norm: float | None = 10.0,
        tau: float = 1.0,
        target_network: bool = True,
        dueling: bool = False,
        noisy: bool = False,
        noisy_sigma0: float = 0.5,
        distributional: bool = False,
        n_atoms: int = 51,
        v_min: float = -10.0,
        v_max: float = 10.0,
        network: rlnn.Layer | None = None,
    ) -> None:
        name = type(self).__name__
        if not isinstance(action_space, spaces.Discrete):
            raise ValueError(f"{name} needs a Discrete action space, got {action_space}")
        if not isinstance(observation_space, spaces.Box):
            raise ValueError(f"{name} needs a Box observation space, got {observation_space}")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"{name}: gamma must be in [0, 1], got {gamma}")
        if not 0.0 < tau <= 1.0:
            raise ValueError(f"{name}: tau must be in (0, 1], got {tau}")
        self.observation_space, self.action_space = observation_space, action_space
        self.n_actions = int(action_space.n)
        self.gamma, self.tau = float(gamma), float(tau)
        self.max_grad_norm = max_grad_norm
        self.distributional = bool(distributional)
        self.returns = (
            CategoricalReturns.checked(name, self.n_actions, n_atoms, v_min, v_max)
            if self.distributional
            else QValues(self.n_actions, rlnn.losses.get(loss))
        )
        self.loss = self.returns.loss if isinstance(self.returns, QValues) else None
        self.atoms = self.returns.atoms
        seeds = np.random.SeedSequence(seed)
        init_seed, act_seed, target_noise_seed = seeds.spawn(3)
        obs_dim = int(np.prod(observation_space.shape))
        self.online = (
            network
            if network is not None
            else build_q_network(
                obs_dim,
                self.n_actions,
                net_arch,
                activation,
                np.random.default_rng(init_seed),
                dueling=dueling,
                noisy=noisy,
                atoms=self.atoms,
                noisy_sigma0=noisy_sigma0,
                obs_shape=tuple(observation_space.shape),
                layer_norm=layer_norm,
            )
        )
        self.target = target_copy(self.online, target_noise_seed) if target_network else self.online
        self.target.eval()
        # Noisy layers redrawn at each action (online) and each update (both networks).
        self._online_noisy = list(noisy_layers(self.online))
        self._update_noisy = self._online_noisy + (
            [] if self.target is self.online else list(noisy_layers(self.target))
        )
        self.noisy = bool(self._online_noisy)
        opt_spec = optimizer if isinstance(optimizer, dict) else {"name": optimizer}
        self.optimizer = rlnn.optimizers.get(
            {**opt_spec, "lr": learning_rate}, self.online.parameters()
        )
        self.rng = np.random.default_rng(act_seed)
        self.updates = 0

    # values ----------------------------------------------------------------------------
    @property
    def support(self) -> Array:
        """The C51 support (atoms,); only distributional agents have one."""
        return self.returns.support

    def _values(self, net: rlnn.Layer, states: Array) -> Array:
        """Q(s, ·) under ``net`` with its current noise (the mean of the return distribution
        for C51), (batch, n_actions); touches no cache."""
        return self.returns.values(net.predict(states))

    def q_values(self, states: Array) -> Array:
        """Greedy Q(s, ·) for a batch of states, shape (batch, n_actions): noise off, no cache
        touched (the evaluation path)."""
        if not self.noisy:
            return self._values(self.online, states)
        with noise_disabled(self.online):
            return self._values(self.online, states)

    # acting --------------------------------------------------------------------------
    def act(self, state: Array, epsilon: float = 0.0) -> int:
        """Epsilon-greedy action for one observation (noisy agents draw new noise first)."""
        if epsilon > 0.0 and self.rng.random() < epsilon:
            return int(self.rng.integers(self.n_actions))
        return int(self._explore_values(np.asarray(state)[None]).argmax())

    def act_batch(self, states: Array, epsilon: float = 0.0) -> Array:
        """Epsilon-greedy actions for a batch of observations (vector envs); noisy agents draw
        new noise and act greedily on the noisy values (the loop sets epsilon to 0). A step on
        which every observation explores skips the network, as MinAtar's DQN does: the same
        draws and actions (noisy layers draw their noise from their own generators)."""
        if epsilon <= 0.0:
            return self._explore_values(states).argmax(axis=1)
        n = len(states)
        explore = (self.rng.random() if n == 1 else self.rng.random(n)) < epsilon
        random = self.random_actions(n)
        if np.all(explore) and not self._online_noisy:
            return random
        return np.where(explore, random, self._explore_values(states).argmax(axis=1))

    def random_actions(self, n: int) -> Array:
        """``n`` uniform random actions; one env draws a scalar, the number a size-1 draw
        gives from the same stream, without Generator's array path (~4 µs per step)."""
        if n == 1:
            return np.array([self.rng.integers(self.n_actions)])
        return self.rng.integers(self.n_actions, size=n)

    def _explore_values(self, states: Array) -> Array:
        for layer in self._online_noisy:
            layer.reset_noise()
        return self._values(self.online, states)

    # learning ------------------------------------------------------------------------
    def selection_values(self, next_states: Array, next_q_target: Array) -> Array:
        """The values whose argmax picks the bootstrap action a*: DQN takes the target
        network's own values (so its target is ``max_a' Q_target(s', a')``)."""
        return next_q_target

    def _discounts(self, batch: Batch) -> float | Array:
        return self.gamma if batch.discounts is None else batch.discounts

    def target_outputs(self, next_states: Array) -> Array:
        """What the targets need from the target network on ``next_states``: its Q-values
        (batch, n_actions), or for C51 its return distributions (batch, n_actions, atoms)."""
        return self.returns.target_outputs(self.target.predict(next_states))

    def _target_parts(self, batch: Batch, target_outputs: Array | None) -> tuple[Array, Array]:
        """(the target network's outputs, the values that pick a*) on ``batch.next_states``."""
        if target_outputs is None:
            target_outputs = self.target_outputs(batch.next_states)
        next_values = self.returns.next_values(target_outputs)
        return target_outputs, self.selection_values(batch.next_states, next_values)

    def bellman_targets(self, batch: Batch, next_q_target: Array | None = None) -> Array:
        """``r + γ·(1 - terminated)·Q_target(s', a*)`` for each transition, (batch,), with a*
        chosen by :meth:`selection_values` (``γ^k`` per sample for n-step batches); for C51,
        the projected target distributions (batch, atoms).
        ``next_q_target``: :meth:`target_outputs` of ``batch.next_states`` if already
        computed (:meth:`learn` computes them for many minibatches at once)."""
        outputs, selection = self._target_parts(batch, next_q_target)
        return self.returns.targets(batch, selection, outputs, self._discounts(batch))

    def learn(
        self,
        buffer: ReplayBuffer,
        gradient_steps: int,
        batch_size: int,
        beta: float | None = None,
    ) -> dict[str, Any]:
        """One training phase: ``gradient_steps`` updates on minibatches sampled from
        ``buffer`` (with importance exponent ``beta`` and new priorities for a prioritized
        buffer). Returns the last update's metrics.

        The target network does not change within a phase (the loop syncs it between
        phases), so with uniform replay and no noise its values on every minibatch's next
        states come from a few larger forward passes (``PHASE_ROWS`` rows each) instead of
        one per minibatch: bit-identical values, a few percent less time per gradient step.
        """
        prioritized = isinstance(buffer, PrioritizedReplayBuffer)
        if prioritized or self.noisy or self.target is self.online:
            # Priorities, noise or the targets' network change at every update: one
            # minibatch at a time.
            for _ in range(gradient_steps):
                batch = (
                    buffer.sample(batch_size, beta) if prioritized else buffer.sample(batch_size)
                )
                metrics = self.update(batch)
                if prioritized:
                    buffer.update_priorities(batch.indices, metrics["priorities"])
            return metrics
        per_chunk = max(1, PHASE_ROWS // batch_size)
        for start in range(0, gradient_steps, per_chunk):
            steps = min(per_chunk, gradient_steps - start)
            batches = buffer.sample_batches(steps, batch_size)
            outputs = self.target_outputs(batches.next_states)
            for k in range(0, steps * batch_size, batch_size):
                rows = slice(k, k + batch_size)
                metrics = self.update(batches.rows(rows), outputs[rows])
        return metrics

    def update(self, batch: Batch, target_outputs: Array | None = None) -> dict[str, Any]:
        """One gradient step on the loss of the taken actions (weighted per sample by the
        batch's importance weights, if any). ``target_outputs``: :meth:`target_outputs` of
        ``batch.next_states`` if already computed.

        Returns:
            Metrics: ``td_loss``, ``q_values`` (mean Q of the taken actions), ``grad_norm``
            (before clipping), ``td_errors`` (batch,) and ``priorities`` (batch,) for
            prioritized replay: |TD error|, or the cross-entropy for C51.

        Raises:
            FloatingPointError: the Q-values, targets or loss are NaN or inf.
        """
        for layer in self._update_noisy:
            layer.reset_noise()
        outputs, selection = self._target_parts(batch, target_outputs)
        parts = self.returns.loss_parts(
            self.online.forward(batch.states), batch, selection, outputs, self._discounts(batch)
        )
        loss = parts.loss
        self.online.backward_params(parts.grad)
        grad_norm = (
            self.optimizer.clip_grad_norm(self.max_grad_norm)
            if self.max_grad_norm
            else float("nan")
        )
        if not np.isfinite(loss):
            raise FloatingPointError(f"non-finite loss {loss}")
        self.optimizer.step()
        self.updates += 1
        return {
            "td_loss": loss,
            "q_values": float(parts.q_taken.mean()),
            "grad_norm": grad_norm,
            "td_errors": parts.td_errors,
            "priorities": parts.priorities,
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
    def _generators(self) -> list[np.random.Generator]:
        nets = [self.online] if self.target is self.online else [self.online, self.target]
        return [self.rng] + [g for net in nets for g in net.generators()]

    def state_dict(self) -> dict[str, Any]:
        """Both networks, the optimizer, the update count and every generator (exploration,
        and the noise of noisy layers)."""
        return {
            "online": self.online.state_dict(),
            "target": self.target.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "updates": self.updates,
            "generators": [g.bit_generator.state for g in self._generators()],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.online.load_state_dict(state["online"])
        if self.target is not self.online:
            self.target.load_state_dict(state["target"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.updates = int(state["updates"])
        saved_states = state["generators"] if "generators" in state else [state["rng"]]  # <= 0.1
        for g, saved in zip(self._generators(), saved_states, strict=True):
            g.bit_generator.state = saved

    def save(self, path: str | Path) -> None:
        """Save the online network (architecture and weights) and, for C51, the support, to
        one ``.npz`` file."""
        rlnn.io.save(self.online, path, agent=self.returns.settings())

    @classmethod
    def load(
        cls,
        path: str | Path,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        **kwargs: Any,
    ) -> DQN:
        """An agent whose online (and target) network is the one saved at ``path``."""
        network, meta = rlnn.io.load_with_meta(path)
        settings = {**meta.get("agent", {}), **kwargs}
        return cls(observation_space, action_space, network=network, **settings)


@registry.register("ddqn", "double_dqn")
class DoubleDQN(DQN):
    """Double DQN (van Hasselt et al., 2016): the online network picks the next action, the
    target network values it. Nothing else differs from :class:`DQN`."""

    def selection_values(self, next_states: Array, next_q_target: Array) -> Array:
        """The online network's values (with its current noise; mean values for C51)."""
        return self._values(self.online, next_states)


@registry.register("rainbow")
class Rainbow(DoubleDQN):
    """Rainbow (Hessel et al., 2018): Double DQN with dueling, noisy and distributional (C51)
    networks on by default. Its other two parts, prioritized replay and n-step returns, are
    the loop's (``--algo rainbow`` turns them on)."""

    def __init__(
        self,
        observation_space: spaces.Space,
        action_space: spaces.Space,
        *,
        dueling: bool = True,
        noisy: bool = True,
        distributional: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            observation_space,
            action_space,
            dueling=dueling,
            noisy=noisy,
            distributional=distributional,
            **kwargs,
        )
