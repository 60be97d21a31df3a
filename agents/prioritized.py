"""Proportional prioritized experience replay (Schaul et al., 2016) on a sum-tree and a
min-tree, vectorized over the batch: updates and sampling walk the tree one level at a time
for all indices together, O(log N) NumPy calls and no Python loop per sample."""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.replay import Batch, ReplayBuffer
from rlnn._checks import check_number
from rlnn._typing import Array


class SegmentTree:
    """A complete binary tree over ``capacity`` leaves in one array (root at 1, leaves at
    ``[size, 2·size)``) whose inner nodes hold ``op`` of their two children.

    Args:
        capacity: number of leaves used.
        op: ``np.add`` (sum-tree) or ``np.minimum`` (min-tree).
        neutral: value of unused leaves (0 for sums, inf for minima).
    """

    def __init__(self, capacity: int, op: np.ufunc, neutral: float) -> None:
        self.capacity = int(capacity)
        self.size = 1 << max(self.capacity - 1, 1).bit_length()
        self.op, self.neutral = op, float(neutral)
        self.nodes = np.full(2 * self.size, self.neutral, dtype=np.float64)
        self.path_shifts = np.arange(self.size.bit_length())  # a leaf to the root: >> 0..depth

    def update(self, indices: Array, values: Array | float) -> None:
        """Set leaves ``indices`` to ``values`` and recompute their ancestors, level by level.

        Parents are recomputed from their children (never updated by deltas), so the tree is
        exactly what a rebuild from the leaves would give. A repeated index keeps one of its
        values (the same transition sampled twice has the same TD error).
        """
        update_together([self], indices, values)

    def rebuild(self) -> None:
        """Recompute every inner node from the leaves."""
        level = self.size
        while level > 1:
            parents = np.arange(level // 2, level)
            self.nodes[parents] = self.op(self.nodes[2 * parents], self.nodes[2 * parents + 1])
            level //= 2

    @property
    def root(self) -> float:
        return float(self.nodes[1])

    @property
    def leaves(self) -> Array:
        return self.nodes[self.size : self.size + self.capacity]


def update_together(trees: list[SegmentTree], indices: Array, values: Array | float) -> None:
    """:meth:`SegmentTree.update` of several same-shaped trees in one walk up (each level's
    node indices are computed once for all of them)."""
    nodes = np.asarray(indices, dtype=np.int64) + trees[0].size
    if len(nodes) == 1:
        _update_one_path(trees, int(nodes[0]), values)
        return
    for tree in trees:
        tree.nodes[nodes] = values
    while nodes[0] > 1:
        nodes = nodes >> 1
        left = nodes << 1
        right = left + 1
        for tree in trees:
            tree.nodes[nodes] = tree.op(tree.nodes[left], tree.nodes[right])


def _update_one_path(trees: list[SegmentTree], node: int, values: Array | float) -> None:
    """One leaf: its ancestors' new values are the running ``op`` of the leaf with the
    siblings along its path (which do not change), one ``accumulate`` per tree instead of a
    NumPy call per level. ``op`` is commutative, so each parent is exactly what recomputing
    it from its two children gives."""
    path = node >> trees[0].path_shifts  # the leaf, its parent, ..., the root
    siblings = path[:-1] ^ 1
    value = np.asarray(values, dtype=np.float64).reshape(-1)[:1]
    for tree in trees:
        tree.nodes[path] = tree.op.accumulate(np.concatenate([value, tree.nodes[siblings]]))


class SumTree(SegmentTree):
    """A segment tree of sums with prefix-sum search."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity, np.add, 0.0)

    def find_prefix(self, prefix: Array) -> Array:
        """For each value u in [0, total), the leaf i with ``Σ_{j<i} p_j <= u < Σ_{j<=i} p_j``."""
        u = np.array(prefix, dtype=np.float64)
        nodes = np.ones(len(u), dtype=np.int64)
        while nodes[0] < self.size:
            nodes <<= 1  # the left children
            left_sum = self.nodes[nodes]
            go_right = u >= left_sum
            np.subtract(u, left_sum, out=u, where=go_right)
            nodes += go_right
        return nodes - self.size


class PrioritizedReplayBuffer(ReplayBuffer):
    """Proportional prioritized replay: transition i is sampled with probability
    ``P(i) = p_i^α / Σ_k p_k^α`` with ``p_i = |δ_i| + ε``, and carries the importance weight
    ``w_i = (N·P(i))^-β / max_k w_k`` (the max over the whole buffer, from the min-tree),
    which the loss multiplies per sample. New transitions get the largest priority seen so
    far, so each is replayed at least once with high probability.

    Sampling is stratified: the total mass is cut into ``batch_size`` equal segments and one
    value drawn uniformly in each (as the paper's rank-free proportional variant does).

    Args:
        capacity, observation_shape, observation_dtype, seed, store_discounts: as
            :class:`ReplayBuffer`.
        alpha: how much prioritization is used (0 = uniform), in [0, 1].
        eps: added to |δ| so no transition gets probability 0 (> 0).
    """

    def __init__(
        self,
        capacity: int,
        observation_shape: tuple[int, ...],
        observation_dtype: Any = np.float32,
        seed: int | np.random.Generator | None = None,
        *,
        alpha: float = 0.6,
        eps: float = 1e-6,
        store_discounts: bool = False,
    ) -> None:
        super().__init__(
            capacity, observation_shape, observation_dtype, seed, store_discounts=store_discounts
        )
        self.alpha = check_number("PrioritizedReplayBuffer", "alpha", alpha, low=0, high=1)
        self.eps = check_number("PrioritizedReplayBuffer", "eps", eps, low=0, low_open=True)
        self.sums = SumTree(self.capacity)
        self.minima = SegmentTree(self.capacity, np.minimum, np.inf)
        self.max_priority = 1.0

    def _store(self, slots: Array) -> None:
        update_together([self.sums, self.minima], slots, self.max_priority**self.alpha)

    def add(self, transition: Any) -> int:
        slot = super().add(transition)
        self._store(np.array([slot]))
        return slot

    def add_batch(self, *args: Any, **kwargs: Any) -> Array:
        slots = super().add_batch(*args, **kwargs)
        self._store(slots)
        return slots

    def sample(self, batch_size: int, beta: float = 0.4) -> Batch:
        """Sample ``batch_size`` transitions in proportion to their priorities.

        Args:
            beta: importance-sampling exponent in [0, 1] (annealed to 1 by the caller).

        Returns:
            A :class:`Batch` with ``weights`` (max-normalized importance weights) and
            ``indices`` (the slots, for :meth:`update_priorities`).
        """
        self._check_sample(batch_size)
        beta = check_number("PrioritizedReplayBuffer.sample", "beta", beta, low=0, high=1)
        total = self.sums.root
        prefix = (np.arange(batch_size) + self.rng.random(batch_size)) * (total / batch_size)
        # Rounding can put a value a hair past the last stored leaf; keep it inside.
        indices = np.minimum(self.sums.find_prefix(prefix), self.size - 1)
        priorities = self.sums.leaves[indices]
        weights = (priorities / self.minima.root) ** -beta
        batch = self.gather(indices)
        batch.weights = weights.astype(np.float32)
        return batch

    def sample_batches(self, n_batches: int, batch_size: int) -> Batch:
        """Not available: priorities change after every update, so each minibatch must be
        drawn after the previous one's priorities are in (:meth:`sample`)."""
        raise TypeError(
            "PrioritizedReplayBuffer.sample_batches: priorities change after every update; "
            "sample one minibatch at a time with sample(batch_size, beta)"
        )

    def update_priorities(self, indices: Array, errors: Array) -> None:
        """Set ``p = |error| + eps`` for the sampled slots (after the update that used them)."""
        priorities = np.abs(np.asarray(errors, dtype=np.float64)) + self.eps
        if not np.all(np.isfinite(priorities)):
            raise FloatingPointError("non-finite priorities (TD errors)")
        self.max_priority = max(self.max_priority, float(priorities.max()))
        update_together([self.sums, self.minima], indices, priorities**self.alpha)

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["priorities"] = self.sums.leaves[: self.size].copy()
        state["max_priority"] = self.max_priority
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        n = self.size
        for tree in (self.sums, self.minima):
            tree.nodes[tree.size : tree.size + n] = state["priorities"]
            tree.rebuild()
        self.max_priority = float(state["max_priority"])
