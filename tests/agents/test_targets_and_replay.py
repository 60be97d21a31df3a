"""Bellman targets (hand-computed), Polyak averaging, and the replay buffer."""

import numpy as np
import pytest

from agents import ReplayBuffer, Transition, double_dqn_target, dqn_target, polyak_update

# Two transitions, two actions. Hand-computed with γ = 0.9:
#   sample 0: r = 1, not terminated, max_a' Q_target(s', a') = max(2, 5) = 5 → 1 + 0.9·5 = 5.5
#   sample 1: r = -1, terminated → no bootstrap → -1
REWARDS = np.array([1.0, -1.0], dtype=np.float32)
NEXT_Q_TARGET = np.array([[2.0, 5.0], [10.0, 3.0]], dtype=np.float32)
NEXT_Q_ONLINE = np.array([[4.0, 1.0], [0.0, 9.0]], dtype=np.float32)


def test_dqn_target_hand_computed():
    targets = dqn_target(REWARDS, np.array([0.0, 1.0]), NEXT_Q_TARGET, 0.9)
    np.testing.assert_allclose(targets, [5.5, -1.0])
    assert targets.dtype == np.float32


def test_truncation_is_not_termination_it_bootstraps():
    # The second transition ended by a time limit: terminated = 0, so it bootstraps:
    # -1 + 0.9·max(10, 3) = 8.
    np.testing.assert_allclose(
        dqn_target(REWARDS, np.array([0.0, 0.0]), NEXT_Q_TARGET, 0.9), [5.5, 8.0]
    )


def test_double_dqn_target_differs_from_dqn_when_networks_disagree():
    # The online net picks a' = 0 for sample 0 (4 > 1): target values it at Q_target = 2,
    # so 1 + 0.9·2 = 2.8 (DQN: 5.5). Sample 1 picks a' = 1: -1 + 0.9·3 = 1.7 (DQN: 8).
    targets = double_dqn_target(REWARDS, np.zeros(2), NEXT_Q_ONLINE, NEXT_Q_TARGET, 0.9)
    np.testing.assert_allclose(targets, [2.8, 1.7])
    terminal = double_dqn_target(REWARDS, np.ones(2), NEXT_Q_ONLINE, NEXT_Q_TARGET, 0.9)
    np.testing.assert_allclose(terminal, [1.0, -1.0])


def test_per_sample_discounts():
    targets = dqn_target(REWARDS, np.zeros(2), NEXT_Q_TARGET, np.array([0.5, 0.81]))
    np.testing.assert_allclose(targets, [1 + 2.5, -1 + 8.1])


def test_polyak_formula():
    target, online = [np.array([1.0, 2.0])], [np.array([3.0, -2.0])]
    polyak_update(target, online, 0.25)
    np.testing.assert_allclose(target[0], [0.75 * 1 + 0.25 * 3, 0.75 * 2 + 0.25 * -2])
    polyak_update(target, online, 1.0)
    np.testing.assert_array_equal(target[0], online[0])
    assert target[0] is not online[0]


def make_transition(i, obs_dtype=np.float32):
    state = np.full(3, i, dtype=obs_dtype)
    return Transition(state, i % 2, float(i), state + 1, i % 5 == 4)


def test_buffer_wraps_around_and_overwrites_the_oldest():
    buffer = ReplayBuffer(4, (3,))
    for i in range(6):
        buffer.add(make_transition(i))
    assert len(buffer) == 4
    assert sorted(buffer.rewards.tolist()) == [2.0, 3.0, 4.0, 5.0]
    assert buffer.position == 2
    batch = buffer.gather(np.array([0, 1]))  # slots 0, 1 hold transitions 4 and 5
    np.testing.assert_array_equal(batch.states[:, 0], [4, 5])
    np.testing.assert_array_equal(batch.terminated, [1.0, 0.0])


def test_add_batch_wraps_too():
    buffer = ReplayBuffer(5, (2,))
    for start in (0, 3):
        n = 3
        buffer.add_batch(
            np.arange(start, start + n)[:, None].repeat(2, 1),
            np.zeros(n),
            np.arange(start, start + n),
            np.zeros((n, 2)),
            np.zeros(n, bool),
        )
    assert len(buffer) == 5 and buffer.position == 1
    assert buffer.rewards[0] == 5.0


@pytest.mark.parametrize("discounts", [False, True])
def test_add_batch_of_one_stores_what_a_batch_of_many_stores(discounts, rng):
    # one env takes a basic-indexing path; it must fill the ring exactly as the batch path
    one = ReplayBuffer(5, (2,), store_discounts=discounts)
    many = ReplayBuffer(5, (2,), store_discounts=discounts)
    n = 7  # wraps around
    states, next_states = rng.standard_normal((2, n, 2)).astype(np.float32)
    fields = (states, rng.integers(3, size=n), rng.random(n), next_states, rng.random(n) < 0.5)
    extra = (rng.random(n),) if discounts else ()
    slots = [one.add_batch(*(f[i : i + 1] for f in fields + extra)) for i in range(n)]
    many.add_batch(*(f[:5] for f in fields + extra))
    many.add_batch(*(f[5:] for f in fields + extra))
    assert [s.tolist() for s in slots] == [[i % 5] for i in range(n)]
    for name, array in one._fields().items():
        np.testing.assert_array_equal(array, many._fields()[name], err_msg=name)
    assert (one.position, one.size) == (many.position, many.size) == (2, 5)
    if discounts:
        with pytest.raises(ValueError, match="this buffer stores discounts; got None"):
            one.add_batch(*(f[:1] for f in fields))


def test_dtypes_are_kept_and_memory_is_the_raw_bytes():
    buffer = ReplayBuffer(1000, (84, 84), np.uint8)
    buffer.add(Transition(np.ones((84, 84), np.uint8), 1, 0.5, np.ones((84, 84), np.uint8), False))
    batch = buffer.sample(1)
    assert batch.states.dtype == np.uint8 and batch.actions.dtype == np.int64
    assert batch.rewards.dtype == np.float32 and batch.terminated.dtype == np.float32
    raw = 1000 * (2 * 84 * 84 + 8 + 4 + 1)
    assert raw <= buffer.nbytes <= 1.1 * raw
    assert "1/1000 transitions" in repr(buffer) and "MiB" in repr(buffer)


def test_seeded_sampling_is_reproducible():
    def sample(seed):
        buffer = ReplayBuffer(100, (3,), seed=seed)
        for i in range(50):
            buffer.add(make_transition(i))
        return buffer.sample(16).rewards

    np.testing.assert_array_equal(sample(7), sample(7))
    assert not np.array_equal(sample(7), sample(8))


def test_sampling_more_than_held_is_a_clear_error():
    buffer = ReplayBuffer(100, (3,))
    for i in range(10):
        buffer.add(make_transition(i))
    with pytest.raises(ValueError, match="asked for 32 transitions but the buffer holds 10"):
        buffer.sample(32)


def test_sample_batches_stacks_minibatches_and_needs_only_one_batch_held():
    buffer = ReplayBuffer(100, (3,), seed=5)
    for i in range(10):
        buffer.add(make_transition(i))
    stacked = buffer.sample_batches(8, 4)  # 32 rows drawn from 10 transitions: with replacement
    assert len(stacked) == 32
    indices = np.random.default_rng(5).integers(0, 10, size=32)
    np.testing.assert_array_equal(stacked.indices, indices)
    second = stacked.rows(slice(4, 8))
    np.testing.assert_array_equal(second.rewards, buffer.rewards[indices[4:8]])
    np.testing.assert_array_equal(second.next_states, buffer.next_states[indices[4:8]])
    assert second.weights is None and np.shares_memory(second.states, stacked.states)
    with pytest.raises(ValueError, match="asked for 16 transitions but the buffer holds 10"):
        buffer.sample_batches(2, 16)


def test_state_dict_roundtrip_continues_sampling_identically():
    a = ReplayBuffer(20, (3,), seed=1)
    for i in range(30):
        a.add(make_transition(i))
    a.sample(4)
    b = ReplayBuffer(20, (3,), seed=99)
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a.sample(8).rewards, b.sample(8).rewards)
    b.add(make_transition(100))
    a.add(make_transition(100))
    np.testing.assert_array_equal(a.rewards, b.rewards)


def test_bad_capacity():
    with pytest.raises(
        ValueError, match="ReplayBuffer: capacity must be a positive integer, got 0"
    ):
        ReplayBuffer(0, (3,))
