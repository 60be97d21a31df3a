"""envs.make, the chain and gridworld MDPs, value iteration and vector-env final observations."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import envs
from envs import ChainEnv, GridWorldEnv, value_iteration


def test_value_iteration_matches_q_star_worked_out_by_hand_on_a_3_state_chain():
    # States 0, 1, 2 (terminal); from 1, right reaches the goal: Q(1,R) = 1.
    # V(1) = 1, Q(0,R) = γ·V(1) = 0.9, V(0) = 0.9, Q(0,L) = γ·V(0) = 0.81, Q(1,L) = γ·V(0) = 0.81.
    q = ChainEnv(3).optimal_q(0.9)
    np.testing.assert_allclose(q, [[0.81, 0.9], [0.81, 1.0], [0.0, 0.0]], atol=1e-10)


def test_value_iteration_on_a_stochastic_two_state_mdp():
    # One non-terminal state; action 0: reward 1 and stay with prob 0.5, else terminate with 0.
    # Q0 = 0.5·(1 + γQ0) → Q0 = 0.5/(1 - 0.5γ); action 1: reward 0.2, terminate.
    model = [
        [[(0.5, 0, 1.0, False), (0.5, 1, 0.0, True)], [(1.0, 1, 0.2, True)]],
        [[(1.0, 1, 0.0, True)], [(1.0, 1, 0.0, True)]],
    ]
    q = value_iteration(model, gamma=0.8)
    assert q[0, 0] == pytest.approx(0.5 / (1 - 0.4))
    assert q[0, 1] == pytest.approx(0.2)


def test_chain_q_star_closed_form():
    env, gamma = ChainEnv(6), 0.95
    q = env.optimal_q(gamma)
    for s in range(5):
        assert q[s, 1] == pytest.approx(gamma ** (4 - s))
        assert q[s, 0] == pytest.approx(gamma * q[max(s - 1, 0)].max())
    assert list(env.optimal_policy(gamma)[:5]) == [1] * 5


def test_gridworld_optimal_policy_avoids_pits_and_reaches_the_goal():
    env = GridWorldEnv()
    gamma = 0.99
    policy = env.optimal_policy(gamma)
    state, total = env.start_state, 0.0
    for _ in range(50):
        ((_, state, reward, done),) = env.model[state][policy[state]]
        total += reward
        if done:
            break
    assert env.layout[state // env.width][state % env.width] == "G"
    assert total == pytest.approx(1.0 - 0.01 * 8)  # the shortest path has 8 moves


def test_slippery_gridworld_transitions_sum_to_one_and_values_are_lower():
    slippery, plain = GridWorldEnv(slip=0.2), GridWorldEnv()
    for s in range(slippery.n_states):
        for a in range(4):
            assert sum(p for p, *_ in slippery.model[s][a]) == pytest.approx(1.0)
    start = plain.start_state
    assert slippery.optimal_v(0.99)[start] < plain.optimal_v(0.99)[start]


@pytest.mark.parametrize(
    "env",
    [ChainEnv(5), GridWorldEnv(), GridWorldEnv(slip=0.3), GridWorldEnv(observation="coordinates")],
    ids=["chain", "grid", "slippery-grid", "grid-coordinates"],
)
def test_gymnasium_env_checker_passes(env):
    check_env(env, skip_render_check=True)
    assert isinstance(env.render(), str) or env.render_mode is None


@pytest.mark.parametrize("env_id", ["rlnn/Chain-v0", "rlnn/GridWorld-v0", "CartPole-v1"])
def test_seeding_gives_identical_trajectories(env_id):
    def trajectory(seed):
        env = envs.make(env_id, seed=seed, **({"slip": 0.3} if "Grid" in env_id else {}))
        obs, _ = env.reset(seed=seed)
        out = [obs]
        for _ in range(40):
            obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            out.append(np.append(obs, reward))
            if terminated or truncated:
                out.append(env.reset()[0])
        return np.concatenate(out)

    np.testing.assert_array_equal(trajectory(3), trajectory(3))
    assert not np.array_equal(trajectory(3), trajectory(4))


def test_make_records_episode_statistics_and_registers_time_limits():
    env = envs.make("rlnn/Chain-v0", seed=0, n_states=4)
    env.reset(seed=0)
    for _ in range(3):
        _, reward, terminated, truncated, info = env.step(1)
    assert terminated and reward == 1.0
    assert info["episode"]["r"] == 1.0 and info["episode"]["l"] == 3
    assert env.spec.max_episode_steps == 50


def test_unknown_id_names_it_and_suggests_close_ones():
    with pytest.raises(
        ValueError,
        match=r"unknown environment id 'CartPole-v2'; did you mean "
        r"'CartPole-v1'",
    ):
        envs.make("CartPole-v2")


def test_continuous_action_space_names_env_and_spaces():
    with pytest.raises(
        ValueError,
        match=r"Pendulum-v1 has action space Box\(-2.0, 2.0, \(1,\), "
        r"float32\) and observation space Box\(.*the agents "
        r"support a Discrete action space",
    ):
        envs.make("Pendulum-v1")


def test_discrete_observations_are_one_hot_encoded():
    env = envs.make("FrozenLake-v1", seed=0)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.shape == (16,)
    assert obs.dtype == np.float32 and obs.sum() == 1.0 and obs[0] == 1.0


def test_bad_make_arguments():
    with pytest.raises(ValueError, match="make: n_envs must be a positive integer, got 0"):
        envs.make("CartPole-v1", n_envs=0)
    with pytest.raises(ValueError, match="make: vectorization must be 'sync' or 'async'"):
        envs.make("CartPole-v1", n_envs=2, vectorization="threads")
    with pytest.raises(ValueError, match="ChainEnv: n_states must be an integer >= 2, got 1"):
        ChainEnv(1)
    with pytest.raises(ValueError, match="GridWorldEnv: slip must be in"):
        GridWorldEnv(slip=2)


@pytest.mark.parametrize("vectorization", ["sync", "async"])
def test_vector_env_final_observation_is_the_real_last_one(vectorization):
    env = envs.make("CartPole-v1", seed=0, n_envs=2, vectorization=vectorization)
    obs, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    ended = 0
    for _ in range(300):
        obs, _, terminated, truncated, info = env.step(rng.integers(2, size=2))
        for i in np.flatnonzero(terminated):
            final = info["final_obs"][i]
            # A CartPole episode terminates when the pole angle or cart position leaves its
            # bounds: that holds for the final observation, never for a fresh reset one.
            assert abs(final[0]) > 2.4 or abs(final[2]) > 0.2095
            assert np.all(np.abs(obs[i]) <= 0.05)
            ended += 1
    env.close()
    assert ended >= 5


def test_single_env_adapter_follows_the_same_autoreset_rules():
    from envs.vector import SingleEnv

    env = SingleEnv(envs.make("CartPole-v1", seed=0))
    obs, _ = env.reset(seed=0)
    for _ in range(200):
        obs, _, terminated, truncated, info = env.step(np.array([0]))
        if terminated[0]:
            final = info["final_obs"][0]
            assert abs(final[2]) > 0.2095
            assert np.all(np.abs(obs[0]) <= 0.05)
            break
    else:
        pytest.fail("pushing left for 200 steps should end an episode")


def test_render_ansi():
    env = gym.make("rlnn/GridWorld-v0", render_mode="ansi")
    env.reset(seed=0)
    assert env.render().splitlines()[0] == "A...#"
