"""C51 (Bellemare et al., 2017): the projection by hand, and the agent's loss and targets."""

import numpy as np
import pytest
from gymnasium import spaces

from agents import DQN, Batch, DoubleDQN, Rainbow, categorical_projection
from rlnn.special import softmax

OBS = spaces.Box(-1.0, 1.0, shape=(4,), dtype=np.float32)
ACTIONS = spaces.Discrete(3)
SUPPORT = np.linspace(0.0, 4.0, 5)  # atoms 0, 1, 2, 3, 4 (Δz = 1)


def test_projection_by_hand():
    probs = np.full((4, 5), 0.2)
    out = categorical_projection(
        rewards=np.array([0.5, 1.0, 10.0, -3.0]),
        terminated=np.array([0.0, 1.0, 0.0, 0.0]),
        next_probs=probs,
        support=SUPPORT,
        gamma=np.array([0.5, 0.5, 0.5, 1.0]),
    )
    # Row 0: Tz = 0.5 + 0.5·z = 0.5, 1, 1.5, 2, 2.5 -> halves split to neighbours:
    #   atom 0: 0.1; atom 1: 0.1 + 0.2 + 0.1; atom 2: 0.1 + 0.2 + 0.1; atom 3: 0.1.
    # Row 1: terminated -> all mass at r = 1.
    # Row 2: Tz = 10 + 0.5 z > v_max = 4 -> clipped, all mass on the last atom.
    # Row 3: Tz = -3 + z = -3, -2, -1, 0, 1 -> four clipped to atom 0, one lands on atom 1.
    expected = [
        [0.1, 0.4, 0.4, 0.1, 0.0],
        [0.0, 1.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
        [0.8, 0.2, 0.0, 0.0, 0.0],
    ]
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_projection_of_an_integer_shift_moves_mass_unchanged(rng):
    probs = softmax(rng.standard_normal((1, 5)))
    out = categorical_projection(np.array([1.0]), np.array([0.0]), probs, SUPPORT, 1.0)
    # Tz = z + 1: atom j's mass moves to atom j + 1, and atoms 3 and 4 both land on 4.
    np.testing.assert_allclose(out[0], [0, *probs[0, :3], probs[0, 3] + probs[0, 4]])


def test_projection_keeps_mass_and_mean_inside_the_support(rng):
    probs = softmax(rng.standard_normal((64, 11)))
    support = np.linspace(-5.0, 5.0, 11)
    rewards, gamma = rng.uniform(-0.4, 0.4, 64), 0.9
    out = categorical_projection(rewards, np.zeros(64), probs, support, gamma)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    # The linear split preserves the mean whenever no atom is clipped (|r + γz| <= 4.9 here).
    np.testing.assert_allclose(out @ support, rewards + gamma * (probs @ support), atol=1e-12)


def batch(rng, n=16):
    return Batch(
        states=rng.standard_normal((n, 4)).astype(np.float32),
        actions=rng.integers(3, size=n),
        rewards=rng.uniform(0, 1, n).astype(np.float32),
        next_states=rng.standard_normal((n, 4)).astype(np.float32),
        terminated=(rng.random(n) < 0.2).astype(np.float32),
        weights=rng.uniform(0.2, 1.0, n).astype(np.float32),
    )


def c51(cls=DQN, **kw):
    settings = {"n_atoms": 11, "v_min": -5.0, "v_max": 5.0, **kw}
    return cls(OBS, ACTIONS, seed=0, net_arch=[16], distributional=True, **settings)


@pytest.mark.parametrize("cls", [DQN, DoubleDQN])
def test_target_distribution_uses_the_selected_actions_distribution(rng, cls):
    agent, b = c51(cls), batch(rng)
    agent.update(b)  # online and target now differ
    logits_t = agent.target.predict(b.next_states).reshape(16, 3, 11)
    probs_t = softmax(logits_t)
    chooser = agent.online if cls is DoubleDQN else agent.target
    best = (softmax(chooser.predict(b.next_states).reshape(16, 3, 11)) @ agent.support).argmax(1)
    expected = categorical_projection(
        b.rewards, b.terminated, probs_t[np.arange(16), best], agent.support, agent.gamma
    )
    np.testing.assert_allclose(agent.bellman_targets(b), expected, rtol=1e-6)


def test_loss_is_the_weighted_cross_entropy_and_priorities_are_per_sample(rng):
    agent, b = c51(), batch(rng)
    target = agent.bellman_targets(b)
    logits = agent.online.predict(b.states).reshape(16, 3, 11)[np.arange(16), b.actions]
    ce = -(target * np.log(softmax(logits))).sum(axis=1)
    metrics = agent.update(b)
    assert metrics["td_loss"] == pytest.approx(float(np.mean(b.weights * ce)), rel=1e-5)
    np.testing.assert_allclose(metrics["priorities"], ce, rtol=1e-5)


def test_gradient_of_the_cross_entropy_matches_finite_differences(rng):
    agent, b = c51(), batch(rng, n=4)
    agent.online.astype(np.float64)
    agent.target.astype(np.float64)
    target = agent.bellman_targets(b)
    rows = np.arange(4)

    def loss():
        logits = agent.online.predict(b.states).reshape(4, 3, 11)[rows, b.actions]
        return float(np.mean(b.weights * -(target * np.log(softmax(logits))).sum(axis=1)))

    agent.optimizer.step = lambda: None  # keep the weights; look at the gradient only
    agent.max_grad_norm = None
    agent.update(b)
    param = agent.online.parameters()[0]
    analytic = param.grad.copy()
    numeric = np.zeros_like(analytic)
    for index in np.ndindex(*param.shape):
        old = param.value[index]
        param.value[index] = old + 1e-6
        up = loss()
        param.value[index] = old - 1e-6
        numeric[index] = (up - loss()) / 2e-6
        param.value[index] = old
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-8)


def test_c51_learns_a_fixed_batch(rng):
    agent, b = c51(), batch(rng)
    first = agent.update(b)["td_loss"]
    for _ in range(300):
        last = agent.update(b)["td_loss"]
    assert last < 0.7 * first


def test_q_values_are_the_distribution_means_and_noise_is_off():
    agent = Rainbow(OBS, ACTIONS, seed=0, net_arch=[16, 16], n_atoms=11, v_min=-5, v_max=5)
    states = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    q = agent.q_values(states)
    assert q.shape == (5, 3) and np.all((q >= -5) & (q <= 5))
    np.testing.assert_array_equal(agent.q_values(states), q)  # deterministic: no noise
    noisy = [agent.act_batch(states) for _ in range(20)]  # noise redrawn per selection
    assert len({a.tobytes() for a in noisy}) > 1


def test_bad_support_is_a_clear_error():
    with pytest.raises(
        ValueError, match="n_atoms >= 2 and v_min < v_max, got n_atoms=11, v_min=5.0, v_max=5.0"
    ):
        c51(v_min=5.0)
