"""The DQN run configuration, per-environment presets, validation and agent wiring.

The presets themselves, and why each value is what it is (the CartPole-v1 search on seeds
0-29, its held-out results on 100-119), are in :mod:`agents.presets`.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.dqn import DQN
from agents.dqn import registry as agent_registry
from agents.presets import ALGO_PRESETS, DEFAULT_PRESET, PRESETS
from agents.prioritized import PrioritizedReplayBuffer
from agents.replay import ReplayBuffer


@dataclass
class Config:
    """Hyperparameters use Stable-Baselines3's names (and meanings), so zoo configs carry over."""

    env: str = "CartPole-v1"
    """gymnasium environment id (rlnn/Chain-v0 and rlnn/GridWorld-v0 are ours)"""
    algo: str = "dqn"
    """dqn, ddqn (Double DQN) or rainbow (Double DQN with every switch below on)"""
    seed: int = 0
    """seed of the environments, the network initialization, exploration and replay"""
    total_steps: int = 100_000
    """environment steps to train for"""
    learning_rate: float = 1e-4
    """Adam learning rate (the start of the schedule when learning_rate_end is set)"""
    learning_rate_end: float | None = None
    """if set, the learning rate decays linearly to this value over training"""
    batch_size: int = 32
    """minibatch size of each gradient step"""
    buffer_size: int = 100_000
    """replay buffer capacity (transitions)"""
    learning_starts: int = 1000
    """environment steps of uniform random actions before learning starts"""
    gamma: float = 0.99
    """discount factor"""
    train_freq: int = 4
    """update the network every this many environment steps (per environment)"""
    gradient_steps: int = 1
    """gradient steps at each update"""
    target_update_interval: int = 1000
    """environment steps between target syncs; 0 uses the online network for the targets"""
    tau: float = 1.0
    """target sync coefficient: 1 copies, < 1 is Polyak averaging"""
    exploration_fraction: float = 0.1
    """fraction of training over which epsilon decays linearly"""
    exploration_steps: int | None = None
    """environment steps over which epsilon decays, whatever total_steps is (replaces
    exploration_fraction; MinAtar's 100k frames)"""
    exploration_initial_eps: float = 1.0
    """epsilon at the start"""
    exploration_final_eps: float = 0.05
    """epsilon after the decay"""
    solved_lr_factor: float | None = None
    """multiply the learning rate by this each time a periodic evaluation reaches the env's
    reward threshold (0 ends the run there, as SB3's StopTrainingOnRewardThreshold: the solved
    weights are the final ones; unset: never)"""
    solved_when: str = "mean"
    """what solved_lr_factor counts as solved: mean (the evaluation's mean return reaches the
    threshold, the env's own definition) or all (every evaluation episode does)"""
    max_grad_norm: float = 10.0
    """clip the global gradient norm to this (0 disables clipping)"""
    net_arch: list[int | str] = field(default_factory=lambda: [64, 64])
    """hidden layer sizes, e.g. 256,256; image observations take convolutions first, e.g.
    c16k3,128 (c<filters>k<kernel>[s<stride>][p<padding>])"""
    activation: str = "relu"
    """hidden activation (any rlnn activation name)"""
    layer_norm: bool = False
    """LayerNorm between each hidden Dense layer and its activation"""
    optimizer: str = "adam"
    """optimizer (any rlnn optimizer name)"""
    optimizer_kwargs: dict[str, Any] = field(default_factory=dict)
    """the optimizer's other hyperparameters under PyTorch's names, e.g.
    alpha=0.95,eps=0.01,centered=true for RMSprop"""
    loss: str = "huber"
    """TD loss (any rlnn loss name; huber is SB3's smooth L1)"""
    dueling: bool | None = None
    """dueling network: value and advantage streams, Q = V + A - mean(A) (on for rainbow)"""
    prioritized: bool | None = None
    """proportional prioritized replay on a sum-tree (on for rainbow)"""
    prioritized_alpha: float = 0.6
    """prioritization exponent α in [0, 1] (0: uniform)"""
    prioritized_beta: float = 0.4
    """initial importance-sampling exponent β, annealed linearly to 1 over training"""
    prioritized_eps: float = 1e-6
    """added to |TD error| so every transition keeps a nonzero priority"""
    n_step: int | None = None
    """steps per bootstrapped return (1: one-step Q-learning; 3 for rainbow)"""
    noisy: bool | None = None
    """factorized noisy linear layers instead of epsilon-greedy exploration (on for rainbow)"""
    noisy_sigma0: float = 0.5
    """initial noise scale σ₀ of the noisy layers"""
    distributional: bool | None = None
    """C51: a categorical return distribution instead of scalar Q-values (on for rainbow)"""
    n_atoms: int = 51
    """atoms of the C51 support"""
    v_min: float = -100.0
    """lowest return the C51 support represents"""
    v_max: float = 100.0
    """highest return the C51 support represents"""
    n_envs: int = 1
    """environments collecting experience in parallel (a gymnasium vector env above 1)"""
    eval_every: int = 10_000
    """environment steps between greedy evaluations (0: only at the end)"""
    eval_episodes: int = 10
    """episodes per periodic evaluation"""
    final_eval_episodes: int = 20
    """episodes of the final greedy evaluation (summary.json's eval_mean_return)"""
    checkpoint_every: int = 10_000
    """environment steps between checkpoints (0: only at the end)"""
    logdir: str = "runs"
    """directory that holds the run directories"""
    resume: bool = False
    """continue the newest run directory of this env, algo and seed from its last checkpoint"""
    quiet: bool = False
    """no progress bar"""

    def __post_init__(self) -> None:
        # Switches left unset follow the algo: all on for rainbow, off otherwise.
        rainbow = self.algo == "rainbow"
        for name in ("dueling", "prioritized", "noisy", "distributional"):
            if getattr(self, name) is None:
                setattr(self, name, rainbow)
        if self.n_step is None:
            self.n_step = 3 if rainbow else 1

    def validate(self) -> None:
        """Raise a ValueError naming the first bad field."""
        if self.algo not in agent_registry:
            raise ValueError(
                f"unknown algo {self.algo!r}; expected one of {agent_registry.canonical_names()}"
            )
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {self.gamma}")
        for name in (
            "total_steps",
            "batch_size",
            "buffer_size",
            "train_freq",
            "gradient_steps",
            "n_envs",
            "n_step",
            "eval_episodes",
            "final_eval_episodes",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"{name.replace('_', '-')} must be a positive integer, got {value!r}"
                )
        for name in ("learning_starts", "target_update_interval", "eval_every", "checkpoint_every"):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"{name.replace('_', '-')} must be >= 0, got {getattr(self, name)}"
                )
        if self.batch_size > self.buffer_size:
            raise ValueError(
                f"batch-size ({self.batch_size}) must not exceed buffer-size ({self.buffer_size})"
            )
        if self.learning_rate <= 0 or (
            self.learning_rate_end is not None and self.learning_rate_end < 0
        ):
            raise ValueError(
                f"learning-rate must be > 0 (and learning-rate-end >= 0), got "
                f"{self.learning_rate}, {self.learning_rate_end}"
            )
        if not 0.0 < self.tau <= 1.0:
            raise ValueError(f"tau must be in (0, 1], got {self.tau}")
        if not 0.0 < self.exploration_fraction <= 1.0:
            raise ValueError(
                f"exploration-fraction must be in (0, 1], got {self.exploration_fraction}"
            )
        if self.exploration_steps is not None and (
            isinstance(self.exploration_steps, bool) or not isinstance(self.exploration_steps, int)
            or self.exploration_steps < 1
        ):  # fmt: skip
            raise ValueError(
                f"exploration-steps must be a positive integer, got {self.exploration_steps!r}"
            )
        for name in (
            "exploration_initial_eps",
            "exploration_final_eps",
            "prioritized_alpha",
            "prioritized_beta",
        ):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(
                    f"{name.replace('_', '-')} must be in [0, 1], got {getattr(self, name)}"
                )
        from agents.networks import NET_ARCH_HELP, split_net_arch

        if not self.net_arch:
            raise ValueError(f"net-arch must list {NET_ARCH_HELP}, got {self.net_arch}")
        split_net_arch(self.net_arch)
        if self.solved_lr_factor is not None and not 0.0 <= self.solved_lr_factor <= 1.0:
            raise ValueError(f"solved-lr-factor must be in [0, 1], got {self.solved_lr_factor}")
        if self.solved_when not in ("mean", "all"):
            raise ValueError(f"solved-when must be 'mean' or 'all', got {self.solved_when!r}")
        for name in ("prioritized_eps", "noisy_sigma0"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name.replace('_', '-')} must be > 0, got {getattr(self, name)}")
        if self.distributional and (self.n_atoms < 2 or not self.v_min < self.v_max):
            raise ValueError(
                f"the C51 support needs n-atoms >= 2 and v-min < v-max, got n-atoms "
                f"{self.n_atoms}, v-min {self.v_min}, v-max {self.v_max}"
            )
        if self.max_grad_norm < 0:
            raise ValueError(f"max-grad-norm must be >= 0, got {self.max_grad_norm}")
        self._check_components()

    def _check_components(self) -> None:
        """The named activation, optimizer (with its keyword arguments) and loss exist."""
        import rlnn

        rlnn.activations.registry.lookup(self.activation)
        rlnn.optimizers.registry.lookup(self.optimizer)
        if "lr" in self.optimizer_kwargs:
            raise ValueError("optimizer-kwargs: give the learning rate as --learning-rate")
        try:  # unknown or bad hyperparameters fail here, not at the first update
            rlnn.optimizers.get(self.optimizer_spec(), [rlnn.Parameter(np.zeros(1))])
        except TypeError as error:
            raise ValueError(
                f"optimizer-kwargs: {self.optimizer} does not take {self.optimizer_kwargs} "
                f"({error})"
            ) from None
        rlnn.losses.registry.lookup(self.loss)

    def optimizer_spec(self) -> dict[str, Any]:
        """The optimizer as a registry spec (its learning rate comes from the schedule)."""
        return {"name": self.optimizer, **self.optimizer_kwargs}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def make_config(env: str = "CartPole-v1", **overrides: Any) -> Config:
    """The preset of ``env`` (or the default preset), then the preset of ``env`` with this
    algo (if any), then ``overrides`` on top."""
    algo = overrides.get("algo", Config.algo)
    presets = {
        **PRESETS.get(env, DEFAULT_PRESET),
        **ALGO_PRESETS.get(("*", algo), {}),
        **ALGO_PRESETS.get((env, algo), {}),
    }
    # a copy: a config's lists and dicts must not be the presets' own (an algo preset's too)
    values = {**copy.deepcopy(presets), **overrides, "env": env}
    unknown = set(values) - {f.name for f in dataclasses.fields(Config)}
    if unknown:
        raise ValueError(f"unknown config fields {sorted(unknown)}")
    return Config(**values)


def exploration_steps(config: Config) -> int:
    """The environment steps over which epsilon decays."""
    if config.exploration_steps is not None:
        return config.exploration_steps
    return max(int(config.exploration_fraction * config.total_steps), 1)


def learning_rate_spec(config: Config) -> float | dict[str, Any]:
    """A number, or a linear schedule over the expected number of gradient steps."""
    if config.learning_rate_end is None:
        return config.learning_rate
    iterations = max((config.total_steps - config.learning_starts) // config.n_envs, 1)
    updates = max(iterations // config.train_freq * config.gradient_steps, 1)
    return {
        "name": "linear",
        "start": config.learning_rate,
        "end": config.learning_rate_end,
        "duration": updates,
    }


def make_agent(config: Config, observation_space: Any, action_space: Any) -> DQN:
    """Wire the agent of ``config`` for the given spaces."""
    cls = agent_registry.lookup(config.algo)
    return cls(
        observation_space,
        action_space,
        gamma=config.gamma,
        seed=int(np.random.SeedSequence(config.seed).generate_state(1)[0]),
        net_arch=config.net_arch,
        activation=config.activation,
        layer_norm=config.layer_norm,
        learning_rate=learning_rate_spec(config),
        optimizer=config.optimizer_spec(),
        loss=config.loss,
        max_grad_norm=config.max_grad_norm or None,
        tau=config.tau,
        target_network=config.target_update_interval > 0,
        dueling=config.dueling,
        noisy=config.noisy,
        noisy_sigma0=config.noisy_sigma0,
        distributional=config.distributional,
        n_atoms=config.n_atoms,
        v_min=config.v_min,
        v_max=config.v_max,
    )


def make_buffer(config: Config, obs_space: Any) -> ReplayBuffer:
    """The replay memory of ``config``: prioritized or uniform, with per-transition discounts
    for n-step returns."""
    kwargs: dict[str, Any] = {
        "seed": np.random.SeedSequence([config.seed, 1]),
        "store_discounts": config.n_step > 1,
    }
    if config.prioritized:
        kwargs.update(alpha=config.prioritized_alpha, eps=config.prioritized_eps)
        return PrioritizedReplayBuffer(
            config.buffer_size, obs_space.shape, obs_space.dtype, **kwargs
        )
    return ReplayBuffer(config.buffer_size, obs_space.shape, obs_space.dtype, **kwargs)
