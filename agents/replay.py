"""Experience: the ``Transition`` record and a preallocated ring-buffer replay memory."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from rlnn._typing import Array


class Transition(NamedTuple):
    """One step of experience.

    ``terminated`` means the MDP ended (no bootstrap from ``next_state``); an episode cut by a
    time limit (gymnasium's ``truncated``) is *not* terminated and bootstraps as usual.
    """

    state: Array
    action: int
    reward: float
    next_state: Array
    terminated: bool
    discount: float | None = None
    """The bootstrap discount of an n-step transition (γ^k); None: the agent's gamma."""


@dataclass
class Batch:
    """A sampled minibatch; every field has the batch as its first axis.

    Attributes:
        states, next_states: (batch, *obs_shape), in the buffer's observation dtype.
        actions: (batch,) int64. rewards: (batch,) float32.
        terminated: (batch,) float32, 1.0 where the episode terminated.
        weights: (batch,) importance weights (None: uniform sampling).
        indices: (batch,) buffer slots sampled.
        discounts: (batch,) per-sample bootstrap discounts (None: gamma for every sample).
    """

    states: Array
    actions: Array
    rewards: Array
    next_states: Array
    terminated: Array
    weights: Array | None = None
    indices: Array | None = None
    discounts: Array | None = None

    def __len__(self) -> int:
        return len(self.actions)

    def rows(self, index: slice) -> Batch:
        """The minibatch made of rows ``index`` of every field (views, no copy)."""
        return Batch(
            *(
                None if value is None else value[index]
                for value in (getattr(self, f.name) for f in dataclasses.fields(self))
            )
        )


class ReplayBuffer:
    """A preallocated ring of NumPy arrays, one per field, sampled uniformly.

    ``add`` is O(1); when full, the oldest transition is overwritten. Observations keep their
    dtype (uint8 stays uint8). Memory is exactly the raw bytes of the fields it holds
    (two observations, an int64 action, a float32 reward and a bool flag per transition).

    Args:
        capacity: maximum number of transitions.
        observation_shape: shape of one observation.
        observation_dtype: dtype observations are stored in.
        seed: seed (or generator) of the sampling generator.
        store_discounts: also store a float32 bootstrap discount per transition (n-step
            returns); sampled batches then carry ``discounts``.
    """

    def __init__(
        self,
        capacity: int,
        observation_shape: tuple[int, ...],
        observation_dtype: Any = np.float32,
        seed: int | np.random.Generator | None = None,
        *,
        store_discounts: bool = False,
    ) -> None:
        if not isinstance(capacity, int | np.integer) or capacity < 1:
            raise ValueError(f"ReplayBuffer: capacity must be a positive integer, got {capacity!r}")
        self.capacity = int(capacity)
        self.observation_shape = tuple(observation_shape)
        self.observation_dtype = np.dtype(observation_dtype)
        shape = (self.capacity, *self.observation_shape)
        self.states = np.empty(shape, dtype=self.observation_dtype)
        self.next_states = np.empty(shape, dtype=self.observation_dtype)
        self.actions = np.empty(self.capacity, dtype=np.int64)
        self.rewards = np.empty(self.capacity, dtype=np.float32)
        self.terminated = np.empty(self.capacity, dtype=bool)
        self.discounts = np.empty(self.capacity, dtype=np.float32) if store_discounts else None
        self.rng = np.random.default_rng(seed)
        self.position = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    @property
    def nbytes(self) -> int:
        """Bytes allocated for the stored fields."""
        return sum(a.nbytes for a in self._fields().values())

    def _fields(self) -> dict[str, Array]:
        fields = {
            "states": self.states,
            "actions": self.actions,
            "rewards": self.rewards,
            "next_states": self.next_states,
            "terminated": self.terminated,
        }
        if self.discounts is not None:
            fields["discounts"] = self.discounts
        return fields

    def add(self, transition: Transition) -> int:
        """Store one transition (O(1)); returns the slot it went to."""
        if self.discounts is not None and transition.discount is None:
            raise ValueError("ReplayBuffer.add: this buffer stores discounts; got None")
        return self._add_one(*transition)

    def _add_one(self, state, action, reward, next_state, terminated, discount=None) -> int:
        i = self.position
        self.states[i] = state
        self.actions[i] = action
        self.rewards[i] = reward
        self.next_states[i] = next_state
        self.terminated[i] = terminated
        if self.discounts is not None:
            self.discounts[i] = discount
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)
        return i

    def add_batch(
        self,
        states: Array,
        actions: Array,
        rewards: Array,
        next_states: Array,
        terminated: Array,
        discounts: Array | None = None,
    ) -> Array:
        """Store n transitions at once (one per vector-env copy); returns their slots."""
        n = len(actions)
        if n > self.capacity:
            raise ValueError(
                f"ReplayBuffer.add_batch: {n} transitions exceed capacity {self.capacity}"
            )
        if self.discounts is not None and discounts is None:
            raise ValueError("ReplayBuffer.add_batch: this buffer stores discounts; got None")
        if n == 1:  # one env: basic indexing, a quarter of the fancy-indexed cost
            one = (states[0], actions[0], rewards[0], next_states[0], terminated[0])
            return np.array([self._add_one(*one, None if discounts is None else discounts[0])])
        slots = (self.position + np.arange(n)) % self.capacity
        self.states[slots] = states
        self.actions[slots] = actions
        self.rewards[slots] = rewards
        self.next_states[slots] = next_states
        self.terminated[slots] = terminated
        if self.discounts is not None:
            self.discounts[slots] = discounts
        self.position = int((self.position + n) % self.capacity)
        self.size = min(self.size + n, self.capacity)
        return slots

    def gather(self, indices: Array) -> Batch:
        """The transitions at ``indices`` as a :class:`Batch`."""
        return Batch(
            self.states[indices],
            self.actions[indices],
            self.rewards[indices],
            self.next_states[indices],
            self.terminated[indices].astype(np.float32),
            indices=indices,
            discounts=None if self.discounts is None else self.discounts[indices],
        )

    def sample(self, batch_size: int) -> Batch:
        """Sample ``batch_size`` transitions uniformly (with replacement) with own generator.

        Raises:
            ValueError: the buffer holds fewer than ``batch_size`` transitions.
        """
        return self.sample_batches(1, batch_size)

    def sample_batches(self, n_batches: int, batch_size: int) -> Batch:
        """``n_batches`` minibatches of ``batch_size``, each drawn as :meth:`sample` draws one,
        stacked in one :class:`Batch` (rows ``k·batch_size`` on are minibatch ``k``): one draw
        and one gather for a whole training phase.

        Raises:
            ValueError: the buffer holds fewer than ``batch_size`` transitions.
        """
        self._check_sample(batch_size)
        return self.gather(self.rng.integers(0, self.size, size=n_batches * batch_size))

    def _check_sample(self, batch_size: int) -> None:
        if batch_size > self.size:
            raise ValueError(
                f"{type(self).__name__}.sample: asked for {batch_size} transitions but the "
                f"buffer holds {self.size}"
            )

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: the filled part of each field, the write
        position, the size and the sampling generator's state."""
        n = self.size
        return {
            **{name: array[:n].copy() for name, array in self._fields().items()},
            "position": self.position,
            "size": self.size,
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        n = int(state["size"])
        if n > self.capacity:
            raise ValueError(
                f"ReplayBuffer.load_state_dict: {n} transitions exceed capacity {self.capacity}"
            )
        for name, array in self._fields().items():
            array[:n] = state[name]
        self.position, self.size = int(state["position"]), n
        self.rng.bit_generator.state = state["rng"]

    def __repr__(self) -> str:
        per = self.nbytes / self.capacity
        return (
            f"{type(self).__name__}({self.size}/{self.capacity} transitions, "
            f"obs {self.observation_shape} {self.observation_dtype}, "
            f"{self.size * per / 2**20:.2f} MiB held of {self.nbytes / 2**20:.2f} MiB)"
        )
