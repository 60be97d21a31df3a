"""DQN and Double DQN agents: syncs, caches, updates, acting and persistence."""

import numpy as np
import pytest
from gymnasium import spaces

import rlnn
from agents import DQN, Batch, DoubleDQN

OBS = spaces.Box(-1.0, 1.0, shape=(4,), dtype=np.float32)
ACTIONS = spaces.Discrete(3)


def make_batch(rng, n=16):
    return Batch(
        states=rng.standard_normal((n, 4)).astype(np.float32),
        actions=rng.integers(3, size=n),
        rewards=rng.standard_normal(n).astype(np.float32),
        next_states=rng.standard_normal((n, 4)).astype(np.float32),
        terminated=(rng.random(n) < 0.2).astype(np.float32),
    )


def weights(net):
    return [p.value.copy() for p in net.parameters()]


def test_target_does_not_move_between_syncs_and_equals_online_after_a_hard_sync(rng):
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8])
    before = weights(agent.target)
    for _ in range(5):
        agent.update(make_batch(rng))
    for a, b in zip(before, weights(agent.target), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(weights(agent.online)[0], before[0])
    agent.sync_target()
    for a, b in zip(weights(agent.online), weights(agent.target), strict=True):
        np.testing.assert_array_equal(a, b)
    # A copy, not shared arrays: the next update moves the online net only.
    agent.update(make_batch(rng))
    assert not np.array_equal(weights(agent.online)[0], weights(agent.target)[0])


def test_polyak_sync(rng):
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8], tau=0.1)
    target_before, _ = weights(agent.target), agent.update(make_batch(rng))
    online = weights(agent.online)
    agent.sync_target()
    for t0, o, t1 in zip(target_before, online, weights(agent.target), strict=True):
        np.testing.assert_allclose(t1, 0.9 * t0 + 0.1 * o, rtol=1e-6)


def test_online_cache_is_not_disturbed_by_computing_double_dqn_targets(rng):
    batch = make_batch(rng)
    agent = DoubleDQN(OBS, ACTIONS, seed=0, net_arch=[8])
    reference = DoubleDQN(OBS, ACTIONS, seed=0, net_arch=[8])
    upstream = rng.standard_normal((16, 3)).astype(np.float32)
    agent.online.forward(batch.states)
    agent.bellman_targets(batch)  # evaluates the online net on next_states in between
    agent.online.backward(upstream)
    reference.online.forward(batch.states)
    reference.online.backward(upstream)
    for a, b in zip(agent.online.parameters(), reference.online.parameters(), strict=True):
        np.testing.assert_array_equal(a.grad, b.grad)


def test_update_gradient_flows_only_through_taken_actions(rng):
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[], learning_rate=0.0, loss="mse")
    batch = make_batch(rng)
    agent.update(batch)
    grad_w = agent.online.parameters()[0].grad
    # With a linear Q-net, the weight column of an action never taken gets no gradient.
    untaken = sorted(set(range(3)) - set(batch.actions.tolist()))
    for a in untaken:
        assert np.all(grad_w[:, a] == 0)
    # And the gradient equals the hand-written one for ½·mean((q - y)²)·2 = mean((q - y)²).
    q = batch.states @ agent.online.parameters()[0].value + agent.online.parameters()[1].value
    y = agent.bellman_targets(batch)
    d = np.zeros_like(q)
    rows = np.arange(16)
    d[rows, batch.actions] = 2 * (q[rows, batch.actions] - y) / 16
    np.testing.assert_allclose(grad_w, batch.states.T @ d, rtol=1e-5, atol=1e-6)


def test_update_reduces_the_loss_on_a_fixed_batch(rng):
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[32], learning_rate=1e-2, target_network=False)
    batch = make_batch(rng)
    batch.terminated[:] = 1.0  # fixed targets: the rewards
    first = agent.update(batch)
    for _ in range(200):
        last = agent.update(batch)
    assert last["td_loss"] < 0.05 * first["td_loss"]
    assert set(first) == {"td_loss", "q_values", "grad_norm", "td_errors", "priorities"}


def test_plain_variant_uses_the_online_network_for_targets(rng):
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8], target_network=False)
    assert agent.target is agent.online
    batch = make_batch(rng)
    expected = batch.rewards + 0.99 * (1 - batch.terminated) * agent.online.predict(
        batch.next_states
    ).max(axis=1)
    np.testing.assert_allclose(agent.bellman_targets(batch), expected, rtol=1e-6)
    agent.sync_target()  # a no-op


def test_acting_greedy_and_random(rng):
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8])
    state = rng.standard_normal(4).astype(np.float32)
    assert agent.act(state, 0.0) == int(agent.q_values(state[None]).argmax())
    counts = np.bincount([agent.act(state, 1.0) for _ in range(3000)], minlength=3)
    assert counts.min() > 900
    batch_actions = agent.act_batch(np.stack([state] * 5), 0.0)
    assert batch_actions.tolist() == [agent.act(state, 0.0)] * 5
    # epsilon-greedy over a batch: a fraction epsilon acts uniformly at random
    greedy = agent.act(state, 0.0)
    actions = agent.act_batch(np.stack([state] * 30_000), 0.3)
    counts = np.bincount(actions, minlength=3) / len(actions)
    np.testing.assert_allclose(counts, [0.1] * 3 + np.eye(3)[greedy] * 0.7, atol=0.015)


def test_one_env_epsilon_greedy_draws_what_size_one_draws_would(rng):
    # The one-env path draws scalars; runs must match the array path's numbers exactly
    # (earlier results stay reproducible): one uniform, then one action, every step.
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8])
    reference = np.random.default_rng(0)
    reference.bit_generator.state = agent.rng.bit_generator.state
    state = rng.standard_normal((1, 4)).astype(np.float32)
    greedy = agent.act_batch(state, 0.0)
    for _ in range(500):
        explore = reference.random(1) < 0.3
        expected = np.where(explore, reference.integers(3, size=1), greedy)
        np.testing.assert_array_equal(agent.act_batch(state, 0.3), expected)
    assert agent.rng.bit_generator.state == reference.bit_generator.state


def test_a_step_that_only_explores_does_not_run_the_network(rng, monkeypatch):
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8])
    reference = np.random.default_rng(0)
    reference.bit_generator.state = agent.rng.bit_generator.state
    passes, predict = [], agent.online.predict
    monkeypatch.setattr(agent.online, "predict", lambda x: passes.append(len(x)) or predict(x))
    expected_passes = 0
    for n in (1, 4):
        states = rng.standard_normal((n, 4)).astype(np.float32)
        greedy = predict(states).argmax(axis=1)
        for epsilon in (1.0, 0.5, 0.0):
            for _ in range(50):
                explore = reference.random(n) < epsilon if epsilon > 0 else np.zeros(n, bool)
                random = reference.integers(3, size=n) if epsilon > 0 else greedy
                expected_passes += not explore.all()
                np.testing.assert_array_equal(
                    agent.act_batch(states, epsilon), np.where(explore, random, greedy)
                )
    assert agent.rng.bit_generator.state == reference.bit_generator.state
    assert len(passes) == expected_passes
    assert 100 + 5 < expected_passes < 200 - 5  # some steps at epsilon 0.5 ran it, some not


def test_same_seed_same_agent(rng):
    a, b = DQN(OBS, ACTIONS, seed=3), DQN(OBS, ACTIONS, seed=3)
    for x, y in zip(weights(a.online), weights(b.online), strict=True):
        np.testing.assert_array_equal(x, y)
    batch = make_batch(rng)
    assert a.update(batch)["td_loss"] == b.update(batch)["td_loss"]
    assert [a.act(batch.states[0], 0.5) for _ in range(20)] == [
        b.act(batch.states[0], 0.5) for _ in range(20)
    ]


def test_state_dict_roundtrip_and_save_load(tmp_path, rng):
    a = DoubleDQN(OBS, ACTIONS, seed=0, net_arch=[8])
    a.update(make_batch(rng))
    b = DoubleDQN(OBS, ACTIONS, seed=1, net_arch=[8])
    b.load_state_dict(a.state_dict())
    batch = make_batch(rng)
    assert a.update(batch)["td_loss"] == b.update(batch)["td_loss"]
    a.save(tmp_path / "q.npz")
    loaded = DQN.load(tmp_path / "q.npz", OBS, ACTIONS)
    np.testing.assert_array_equal(loaded.q_values(batch.states), a.q_values(batch.states))


def test_non_finite_values_stop_the_update(rng):
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8])
    batch = make_batch(rng)
    batch.rewards[0] = np.nan
    with pytest.raises(FloatingPointError, match="non-finite Q-values or Bellman targets"):
        agent.update(batch)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gamma": 1.5}, r"DQN: gamma must be in \[0, 1\], got 1.5"),
        ({"tau": 0.0}, r"DQN: tau must be in \(0, 1\], got 0.0"),
        ({"loss": "hubber"}, "unknown loss 'hubber'"),
        ({"optimizer": "adamm"}, "unknown optimizer 'adamm'"),
    ],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DQN(OBS, ACTIONS, **kwargs)


def test_spaces_are_checked():
    with pytest.raises(ValueError, match=r"DQN needs a Discrete action space, got Box"):
        DQN(OBS, spaces.Box(-1, 1, (1,)))


def test_agents_work_with_the_rlnn_registry_of_losses():
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8], loss={"name": "huber", "delta": 2.0})
    assert isinstance(agent.loss, rlnn.losses.HuberLoss) and agent.loss.delta == 2.0


def test_importance_weights_scale_each_sample_of_the_chosen_loss(rng):
    b = make_batch(rng)
    b.weights = rng.uniform(0.1, 1.0, 16).astype(np.float32)
    for loss, per_sample in [
        ("huber", lambda d: np.where(np.abs(d) <= 1, 0.5 * d * d, np.abs(d) - 0.5)),
        ("mse", lambda d: d * d),
    ]:
        agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8], loss=loss)
        targets = agent.bellman_targets(b)
        q = agent.q_values(b.states)[np.arange(16), b.actions]
        expected = np.mean(b.weights * per_sample(q - targets))
        assert agent.update(b)["td_loss"] == pytest.approx(expected, rel=1e-5)


def test_noisy_agents_draw_new_noise_at_each_update_and_action(rng):
    agent = DQN(OBS, ACTIONS, seed=0, net_arch=[8, 8], noisy=True)

    def online_noise():
        return np.concatenate(list(agent.online.buffers().values()))

    def target_noise():
        return np.concatenate(list(agent.target.buffers().values()))

    before_online, before_target = online_noise(), target_noise()
    agent.update(make_batch(rng))
    after_update = online_noise()
    assert not np.array_equal(before_online, after_update)
    assert not np.array_equal(before_target, target_noise())
    assert not np.array_equal(after_update, target_noise())  # independent streams
    agent.act(np.zeros(4, np.float32))
    assert not np.array_equal(after_update, online_noise())


@pytest.mark.parametrize(
    "cls, kwargs",
    [(DQN, {}), (DoubleDQN, {}), (DoubleDQN, {"distributional": True, "dueling": True})],
)
def test_a_learning_phase_equals_its_updates_one_by_one(monkeypatch, cls, kwargs):
    """learn() computes a phase's targets in chunks of one target-network pass each: the same
    updates as computing them minibatch by minibatch."""
    from agents import ReplayBuffer, dqn

    monkeypatch.setattr(dqn, "PHASE_ROWS", 64)  # 4 minibatches of 16 per chunk: 4 + 4 + 2
    rng = np.random.default_rng(0)
    buffers = [ReplayBuffer(200, (4,), seed=1) for _ in range(2)]
    batch = make_batch(rng, 150)
    for buffer in buffers:
        buffer.add_batch(
            batch.states, batch.actions, batch.rewards, batch.next_states, batch.terminated
        )
    phased, stepped = (cls(OBS, ACTIONS, seed=2, net_arch=[16], **kwargs) for _ in range(2))
    passes = []
    target_outputs = phased.target_outputs

    def counted(states):
        passes.append(len(states))
        return target_outputs(states)

    monkeypatch.setattr(phased, "target_outputs", counted)
    metrics = phased.learn(buffers[0], 10, 16)
    assert passes == [64, 64, 32]
    for steps in (4, 4, 2):
        stacked = buffers[1].sample_batches(steps, 16)
        for k in range(steps):
            last = stepped.update(stacked.rows(slice(16 * k, 16 * (k + 1))))
    assert phased.updates == stepped.updates == 10
    np.testing.assert_allclose(metrics["td_errors"], last["td_errors"], rtol=1e-5, atol=1e-6)
    for x, y in zip(weights(phased.online), weights(stepped.online), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    for x, y in zip(weights(phased.target), weights(stepped.target), strict=True):
        np.testing.assert_array_equal(x, y)  # the target network does not move in a phase
