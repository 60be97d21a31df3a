"""Prioritized replay (Schaul et al., 2016): the trees, sampling proportions and weights."""

import numpy as np
import pytest
from scipy import stats

from agents import PrioritizedReplayBuffer, SegmentTree, SumTree, Transition


def filled(n, capacity=None, alpha=1.0, seed=0):
    buffer = PrioritizedReplayBuffer(capacity or n, (2,), alpha=alpha, eps=1e-9, seed=seed)
    for i in range(n):
        buffer.add(Transition(np.full(2, i, np.float32), i % 2, float(i), np.zeros(2), False))
    return buffer


def test_sum_tree_sums_and_updates():
    tree = SumTree(5, fanout=2, top=1)  # leaves padded to 6, then 4, 2 and the root
    tree.update(np.arange(5), [1.0, 2.0, 3.0, 4.0, 5.0])
    assert tree.root == 15.0
    assert [len(level) for level in tree.levels] == [6, 4, 2, 1]
    np.testing.assert_array_equal(tree.levels[1], [3.0, 7.0, 5.0, 0.0])  # pairs of leaves
    np.testing.assert_array_equal(tree.levels[2], [10.0, 5.0])
    tree.update(np.array([1, 4]), [0.5, 1.0])
    assert tree.root == 1 + 0.5 + 3 + 4 + 1
    np.testing.assert_array_equal(tree.leaves, [1.0, 0.5, 3.0, 4.0, 1.0])


def test_default_shape_is_wide_and_shallow():
    tree = SumTree(100_000)
    assert [len(level) for level in tree.levels] == [100_000, 3_125]
    assert [len(level) for level in SumTree(1_000_000).levels] == [1_000_000, 31_264, 977]
    assert len(SumTree(1000).levels) == 1  # a small buffer is all top: one cumulative sum


SHAPES = [(1, 32, 4096), (5, 2, 1), (100, 4, 4), (1000, 16, 8), (1000, 3, 10), (100_000, 32, 4096)]


def rebuilt_from_leaves(tree):
    copy = SegmentTree(
        tree.capacity, tree.op, tree.neutral, fanout=tree.fanout, top=len(tree.levels[-1])
    )
    copy.levels[0][:] = tree.levels[0]
    copy.rebuild()
    return copy


@pytest.mark.parametrize(("capacity", "fanout", "top"), SHAPES)
def test_batch_updates_equal_a_rebuild(capacity, fanout, top, rng):
    tree = SumTree(capacity, fanout=fanout, top=top)
    for _ in range(50):
        tree.update(rng.integers(capacity, size=16), rng.random(16))
    for got, want in zip(tree.levels, rebuilt_from_leaves(tree).levels, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("capacity", "fanout", "top"), SHAPES)
def test_single_leaf_updates_equal_a_rebuild_in_both_trees(capacity, fanout, top, rng):
    # one leaf takes the slice route (a new transition at every env step)
    shape = {"fanout": fanout, "top": top}
    sums, minima = SumTree(capacity, **shape), SegmentTree(capacity, np.minimum, np.inf, **shape)
    for _ in range(300):
        i, value = rng.integers(capacity), rng.random() * 10
        for tree in (sums, minima):
            tree.update(np.array([i]), value)
    for tree in (sums, minima):
        for got, want in zip(tree.levels, rebuilt_from_leaves(tree).levels, strict=True):
            np.testing.assert_array_equal(got, want)
    assert minima.root == minima.leaves.min() and sums.root == pytest.approx(sums.leaves.sum())


def test_min_tree():
    tree = SegmentTree(6, np.minimum, np.inf, fanout=2, top=1)
    tree.update(np.arange(6), [5.0, 3.0, 4.0, 9.0, 2.5, 7.0])
    assert tree.root == 2.5
    tree.update(np.array([4]), [8.0])
    assert tree.root == 3.0


@pytest.mark.parametrize("top", [1, 4])
def test_prefix_search_by_hand(top):
    tree = SumTree(4, fanout=2, top=top)
    tree.update(np.arange(4), [1.0, 2.0, 3.0, 4.0])
    # cumulative sums 1, 3, 6, 10: u in [0,1) -> 0, [1,3) -> 1, [3,6) -> 2, [6,10) -> 3
    u = np.array([0.0, 0.99, 1.0, 2.99, 3.0, 5.99, 6.0, 9.99])
    np.testing.assert_array_equal(tree.find_prefix(u), [0, 0, 1, 1, 2, 2, 3, 3])


@pytest.mark.parametrize(("capacity", "fanout", "top"), SHAPES[1:])
def test_prefix_search_equals_a_search_of_the_running_sum(capacity, fanout, top, rng):
    tree = SumTree(capacity, fanout=fanout, top=top)
    priorities = rng.random(capacity) * (rng.random(capacity) < 0.7)  # zeros among them
    priorities[rng.integers(capacity)] = 1.0
    tree.update(np.arange(capacity), priorities)
    running = np.cumsum(priorities)
    u = np.sort(rng.random(500)) * running[-1]
    inside = np.abs(u[:, None] - running[None, :]).min(axis=1) > 1e-9 * running[-1]
    want = np.searchsorted(running, u, side="right")
    np.testing.assert_array_equal(tree.find_prefix(u)[inside], want[inside])
    # The very top of the range (where the two orders of summing may disagree) and
    # everything else: never a leaf without mass.
    edge = np.array([0.0, np.nextafter(tree.root, 0), tree.root])
    assert np.all(priorities[tree.find_prefix(np.concatenate([u, edge]))] > 0)


def test_tree_shape_errors():
    with pytest.raises(ValueError, match="fanout must be >= 2, got 1"):
        SumTree(10, fanout=1)
    with pytest.raises(ValueError, match="top must be a positive integer, got 0"):
        SumTree(10, top=0)
    with pytest.raises(ValueError, match="capacity must be a positive integer, got 0"):
        SumTree(0)


def test_sampling_proportions_chi_square():
    buffer = filled(10, alpha=0.7)
    errors = np.arange(1, 11, dtype=float)  # priorities 1..10
    buffer.update_priorities(np.arange(10), errors)
    counts = np.zeros(10)
    for _ in range(2500):
        counts += np.bincount(buffer.sample(8, beta=0.5).indices, minlength=10)
    expected = errors**0.7 / (errors**0.7).sum() * counts.sum()
    assert stats.chisquare(counts, expected).pvalue > 0.01
    # And the test has power: uniform proportions are rejected outright.
    assert stats.chisquare(counts, np.full(10, counts.sum() / 10)).pvalue < 1e-6


def test_importance_weights_are_normalized_by_the_buffer_max():
    buffer = filled(4, alpha=1.0)
    buffer.update_priorities(np.arange(4), [1.0, 2.0, 4.0, 8.0])
    batch = buffer.sample(4, beta=0.5)
    # w_i = (N P(i))^-β / max_k w_k = (p_i / p_min)^-β with p_min = 1 over the whole buffer.
    expected = (np.array([1.0, 2.0, 4.0, 8.0])[batch.indices] / 1.0) ** -0.5
    np.testing.assert_allclose(batch.weights, expected, rtol=1e-5)
    assert batch.weights.dtype == np.float32
    # A batch without the lowest-priority transition still has every weight below 1.
    buffer.update_priorities(np.arange(4), [1e-6, 2.0, 4.0, 8.0])
    batch = buffer.sample(4, beta=1.0)
    assert 0 not in batch.indices and batch.weights.max() < 1e-5


def test_new_transitions_get_the_max_priority_seen():
    buffer = filled(3, capacity=8, alpha=1.0)
    np.testing.assert_array_equal(buffer.sums.leaves[:3], 1.0)  # max priority starts at 1
    buffer.update_priorities(np.array([0, 1]), [5.0, 0.5])
    buffer.add(Transition(np.zeros(2), 0, 0.0, np.zeros(2), False))
    assert buffer.sums.leaves[3] == pytest.approx(5.0)
    assert buffer.max_priority == pytest.approx(5.0)


def test_wrap_around_keeps_the_tree_consistent():
    buffer = filled(7, capacity=4, alpha=1.0)
    assert len(buffer) == 4 and buffer.position == 3
    assert buffer.sums.root == pytest.approx(buffer.sums.leaves.sum())
    assert set(buffer.sample(4).indices) <= {0, 1, 2, 3}


def test_sampling_is_seeded_and_survives_a_state_dict_round_trip():
    a, b = filled(50, seed=3), filled(50, seed=3)
    for buffer in (a, b):
        buffer.update_priorities(np.arange(50), np.linspace(0.1, 5, 50))
    np.testing.assert_array_equal(a.sample(16).indices, b.sample(16).indices)
    c = PrioritizedReplayBuffer(50, (2,), alpha=1.0, eps=1e-9, seed=99)
    c.load_state_dict(a.state_dict())
    pairs = zip(c.sums.levels + c.minima.levels, a.sums.levels + a.minima.levels, strict=True)
    for got, want in pairs:
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(c.sample(16).indices, a.sample(16).indices)


def test_errors():
    buffer = filled(3)
    with pytest.raises(ValueError, match="asked for 4 transitions but the buffer holds 3"):
        buffer.sample(4)
    with pytest.raises(ValueError, match="beta must be <= 1, got 2"):
        buffer.sample(2, beta=2.0)
    with pytest.raises(FloatingPointError, match="non-finite priorities"):
        buffer.update_priorities(np.array([0]), [np.nan])
    with pytest.raises(ValueError, match="alpha must be <= 1, got 1.5"):
        PrioritizedReplayBuffer(4, (2,), alpha=1.5)
    with pytest.raises(TypeError, match="priorities change after every update"):
        buffer.sample_batches(2, 2)
