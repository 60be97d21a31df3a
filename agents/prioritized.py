"""Proportional prioritized experience replay (Schaul et al., 2016) on a sum-tree and a
min-tree, vectorized over the batch: updates and sampling walk the tree one level at a time
for all indices together, a few NumPy calls per level and no Python loop per sample."""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.replay import Batch, ReplayBuffer
from rlnn._checks import check_number, check_positive_int
from rlnn._typing import Array


class SegmentTree:
    """A tree of ``op`` over ``capacity`` leaves with ``fanout`` children per inner node,
    stored level by level: ``levels[0]`` holds the leaves and ``levels[l + 1][i]`` the
    ``op`` of ``levels[l][i·fanout : (i + 1)·fanout]``, up to a top level of at most ``top``
    nodes, whose ``op`` is the root.

    Wide and shallow, so a batch costs few NumPy calls: 100,000 leaves are one level of
    32-wide blocks under a top of 3,125 nodes (a binary tree has 17 levels), and each
    level's siblings lie side by side, so an index gathers one contiguous row per level.
    (Measured: benchmarks/README.md, prioritized replay.)

    Args:
        capacity: number of leaves used.
        op: ``np.add`` (sum-tree) or ``np.minimum`` (min-tree).
        neutral: value of unused leaves (0 for sums, inf for minima).
        fanout: children per inner node (>= 2).
        top: the most nodes the top level may have.
    """

    def __init__(
        self, capacity: int, op: np.ufunc, neutral: float, *, fanout: int = 32, top: int = 4096
    ) -> None:
        self.capacity = check_positive_int("SegmentTree", "capacity", capacity)
        self.fanout = check_positive_int("SegmentTree", "fanout", fanout)
        top = check_positive_int("SegmentTree", "top", top)
        if self.fanout < 2:
            raise ValueError(f"SegmentTree: fanout must be >= 2, got {fanout!r}")
        self.op, self.neutral = op, float(neutral)
        sizes, n = [], self.capacity
        while n > top:
            sizes.append(-(-n // self.fanout) * self.fanout)  # padded to whole blocks
            n = sizes[-1] // self.fanout
        self.levels = [np.full(size, self.neutral) for size in [*sizes, n]]
        # The levels under the top as rows of siblings (views: writes reach the levels).
        self.blocks = [level.reshape(-1, self.fanout) for level in self.levels[:-1]]

    def update(self, indices: Array, values: Array | float) -> None:
        """Set leaves ``indices`` to ``values`` and recompute their ancestors, level by level.

        Parents are recomputed from their children (never updated by deltas), so the tree is
        exactly what a rebuild from the leaves would give. A repeated index keeps one of its
        values (the same transition sampled twice has the same TD error).
        """
        update_together([self], indices, values)

    def rebuild(self) -> None:
        """Recompute every inner node from the leaves."""
        for blocks, parents in zip(self.blocks, self.levels[1:], strict=True):
            self.op.reduce(blocks, axis=1, out=parents[: len(blocks)])

    @property
    def root(self) -> float:
        return float(self.op.reduce(self.levels[-1]))

    @property
    def leaves(self) -> Array:
        return self.levels[0][: self.capacity]


def update_together(trees: list[SegmentTree], indices: Array, values: Array | float) -> None:
    """:meth:`SegmentTree.update` of several same-shaped trees in one walk up (each level's
    parent indices are computed once for all of them)."""
    nodes = np.asarray(indices, dtype=np.int64)
    if len(nodes) == 1:  # one new transition per env step: slices, no fancy indexing
        _update_one_path(trees, int(nodes[0]), float(np.reshape(values, -1)[0]))
        return
    for tree in trees:
        tree.levels[0][nodes] = values
    for depth in range(len(trees[0].blocks)):
        nodes = nodes // trees[0].fanout
        for tree in trees:
            tree.levels[depth + 1][nodes] = tree.op.reduce(tree.blocks[depth][nodes], axis=1)


def _update_one_path(trees: list[SegmentTree], leaf: int, value: float) -> None:
    """One leaf and its ancestors, with basic indexing: one reduce of a row per level."""
    fanout = trees[0].fanout
    for tree in trees:
        tree.levels[0][leaf] = value
        node = leaf
        for blocks, parents in zip(tree.blocks, tree.levels[1:], strict=True):
            node //= fanout
            parents[node] = tree.op.reduce(blocks[node])


class SumTree(SegmentTree):
    """A segment tree of sums with prefix-sum search."""

    def __init__(self, capacity: int, *, fanout: int = 32, top: int = 4096) -> None:
        super().__init__(capacity, np.add, 0.0, fanout=fanout, top=top)

    def find_prefix(self, prefix: Array) -> Array:
        """For each value u in [0, total), the leaf i with ``Σ_{j<i} p_j <= u < Σ_{j<=i} p_j``.

        From the top down: the first child whose running sum (of it and the siblings before
        it) exceeds u, then u less the siblings before it. A parent and the running sum of
        its children add the same numbers in different orders, so they can differ in the
        last bit and u can reach past the last child with mass; u is then held just under
        that running sum, which picks that child and never one of zero mass."""
        u = np.array(prefix, dtype=np.float64)
        running = np.zeros(len(self.levels[-1]) + 1)
        np.cumsum(self.levels[-1], out=running[1:])
        np.minimum(u, np.nextafter(running[-1], -np.inf), out=u)
        nodes = np.searchsorted(running[1:], u, side="right")
        u -= running[nodes]
        rows = np.arange(len(u))
        running = np.zeros((len(u), self.fanout + 1))
        for blocks in reversed(self.blocks):
            np.cumsum(blocks[nodes], axis=1, out=running[:, 1:])
            np.minimum(u, np.nextafter(running[:, -1], -np.inf), out=u)
            children = (running[:, 1:] <= u[:, None]).sum(axis=1)
            u -= running[rows, children]
            nodes = nodes * self.fanout + children
        return nodes


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
        indices = self.sums.find_prefix(prefix)
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
            tree.levels[0][:n] = state["priorities"]
            tree.rebuild()
        self.max_priority = float(state["max_priority"])
