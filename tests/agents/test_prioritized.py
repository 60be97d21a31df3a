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
    tree = SumTree(5)  # 8 leaves
    tree.update(np.arange(5), [1.0, 2.0, 3.0, 4.0, 5.0])
    assert tree.root == 15.0
    np.testing.assert_array_equal(tree.nodes[4:8], [3.0, 7.0, 5.0, 0.0])  # pairs of leaves
    np.testing.assert_array_equal(tree.nodes[2:4], [10.0, 5.0])
    tree.update(np.array([1, 4]), [0.5, 1.0])
    assert tree.root == 1 + 0.5 + 3 + 4 + 1
    np.testing.assert_array_equal(tree.leaves, [1.0, 0.5, 3.0, 4.0, 1.0])


def test_incremental_updates_equal_a_rebuild(rng):
    tree = SumTree(100)
    for _ in range(50):
        tree.update(rng.integers(100, size=16), rng.random(16))
    rebuilt = SumTree(100)
    rebuilt.nodes[rebuilt.size :] = tree.nodes[tree.size :]
    rebuilt.rebuild()
    np.testing.assert_array_equal(rebuilt.nodes, tree.nodes)


@pytest.mark.parametrize("capacity", [1, 2, 5, 100, 1000])
def test_single_leaf_updates_equal_a_rebuild_in_both_trees(capacity, rng):
    # one leaf takes the path-accumulate route (a new transition at every env step)
    sums, minima = SumTree(capacity), SegmentTree(capacity, np.minimum, np.inf)
    for _ in range(300):
        i, value = rng.integers(capacity), rng.random() * 10
        for tree in (sums, minima):
            tree.update(np.array([i]), value)
    for tree, op, neutral in ((sums, np.add, 0.0), (minima, np.minimum, np.inf)):
        rebuilt = SegmentTree(capacity, op, neutral)
        rebuilt.nodes[rebuilt.size :] = tree.nodes[tree.size :]
        rebuilt.rebuild()
        np.testing.assert_array_equal(rebuilt.nodes[1:], tree.nodes[1:])
    assert minima.root == minima.leaves.min() and sums.root == pytest.approx(sums.leaves.sum())


def test_min_tree():
    tree = SegmentTree(6, np.minimum, np.inf)
    tree.update(np.arange(6), [5.0, 3.0, 4.0, 9.0, 2.5, 7.0])
    assert tree.root == 2.5
    tree.update(np.array([4]), [8.0])
    assert tree.root == 3.0


def test_prefix_search_by_hand():
    tree = SumTree(4)
    tree.update(np.arange(4), [1.0, 2.0, 3.0, 4.0])
    # cumulative sums 1, 3, 6, 10: u in [0,1) -> 0, [1,3) -> 1, [3,6) -> 2, [6,10) -> 3
    u = np.array([0.0, 0.99, 1.0, 2.99, 3.0, 5.99, 6.0, 9.99])
    np.testing.assert_array_equal(tree.find_prefix(u), [0, 0, 1, 1, 2, 2, 3, 3])


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
    np.testing.assert_array_equal(c.sums.nodes, a.sums.nodes)
    np.testing.assert_array_equal(c.minima.nodes, a.minima.nodes)
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
