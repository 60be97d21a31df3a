"""n-step returns: windows, termination, truncation and vector-env autoreset."""

import gymnasium as gym
import numpy as np
import pytest

from agents import NStepAccumulator
from envs.vector import real_next_observations

NO = np.array([False])
YES = np.array([True])


def step(acc, t, reward, terminated=NO, truncated=NO):
    """Feed one step of a single env whose observation is the time index t."""
    return acc.push(
        np.array([[float(t)]]),
        np.array([t % 2]),
        np.array([reward]),
        np.array([[float(t + 1)]]),
        terminated,
        truncated,
    )


def test_full_windows_by_hand():
    acc = NStepAccumulator(3, gamma=0.5)
    assert step(acc, 0, 1.0) is None and step(acc, 1, 2.0) is None
    states, actions, returns, next_states, terminated, discounts = step(acc, 2, 3.0)
    # R = 1 + 0.5·2 + 0.25·3 = 2.75, bootstrapped from s_3 with 0.5³
    assert states[:, 0].tolist() == [0.0] and actions.tolist() == [0]
    assert returns.tolist() == [2.75] and next_states[:, 0].tolist() == [3.0]
    assert terminated.tolist() == [False] and discounts.tolist() == [0.125]
    _, _, returns, next_states, _, _ = step(acc, 3, 4.0)
    assert returns.tolist() == [2 + 0.5 * 3 + 0.25 * 4] and next_states[:, 0].tolist() == [4.0]


def test_termination_flushes_without_bootstrap():
    acc = NStepAccumulator(3, gamma=0.5)
    step(acc, 0, 1.0)
    states, _, returns, next_states, terminated, discounts = step(acc, 1, 2.0, terminated=YES)
    assert states[:, 0].tolist() == [0.0, 1.0]
    assert returns.tolist() == [1 + 0.5 * 2, 2.0]
    assert next_states[:, 0].tolist() == [2.0, 2.0]
    assert terminated.tolist() == [True, True]
    assert acc.pending[0] == type(acc.pending[0])()  # nothing carried into the next episode


def test_truncation_bootstraps_with_the_steps_actually_taken():
    acc = NStepAccumulator(3, gamma=0.5)
    step(acc, 0, 1.0)
    step(acc, 1, 2.0)
    out = step(acc, 2, 3.0, truncated=YES)
    states, _, returns, next_states, terminated, discounts = out
    assert states[:, 0].tolist() == [0.0, 1.0, 2.0]
    assert returns.tolist() == [2.75, 2 + 0.5 * 3, 3.0]
    assert next_states[:, 0].tolist() == [3.0, 3.0, 3.0]
    assert terminated.tolist() == [False, False, False]
    assert discounts.tolist() == [0.125, 0.25, 0.5]


def test_n_equal_1_is_one_step_q_learning():
    acc = NStepAccumulator(1, gamma=0.9)
    _, _, returns, _, terminated, discounts = step(acc, 0, 5.0)
    assert returns.tolist() == [5.0] and discounts.tolist() == [pytest.approx(0.9)]


class Counter(gym.Env):
    """Observation = steps taken in the episode (offset by 100·episode); reward = 1 per step;
    terminates after ``length`` steps if ``terminate`` (else a TimeLimit truncates it)."""

    def __init__(self, length, terminate):
        self.length, self.terminate = length, terminate
        self.observation_space = gym.spaces.Box(0, 1e6, (1,), np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.episode = -1

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.episode, self.t = self.episode + 1, 0
        return self._obs(), {}

    def _obs(self):
        return np.array([100 * self.episode + self.t], np.float32)

    def step(self, action):
        self.t += 1
        return self._obs(), 1.0, self.terminate and self.t == self.length, False, {}


def test_vector_env_autoreset_never_crosses_an_episode_boundary():
    gamma, n = 0.9, 3
    vec = gym.vector.SyncVectorEnv(
        [
            lambda: Counter(4, terminate=True),
            lambda: gym.wrappers.TimeLimit(Counter(100, terminate=False), 5),
        ],
        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP,
    )
    acc = NStepAccumulator(n, gamma, n_envs=2)
    obs, _ = vec.reset(seed=0)
    emitted = []
    for _ in range(23):
        next_obs, rewards, terminated, truncated, infos = vec.step(np.zeros(2, np.int64))
        real = real_next_observations(next_obs, terminated | truncated, infos)
        out = acc.push(obs, np.zeros(2), rewards, real, terminated, truncated)
        if out is not None:
            emitted.extend(zip(*out, strict=True))
        obs = next_obs
    assert len(emitted) > 30
    for state, _, ret, next_state, term, discount in emitted:
        k = int(next_state[0] - state[0])
        # Same episode (same hundred), k in 1..n steps later, R = Σ γ^i over those k steps.
        assert next_state[0] // 100 == state[0] // 100 and 1 <= k <= n
        assert ret == pytest.approx(sum(gamma**i for i in range(k)))
        assert discount == pytest.approx(gamma**k)
        episode_end = next_state[0] % 100
        if term:  # only env 0 terminates, at 4 steps
            assert episode_end == 4
        elif k < n:  # short windows only at an episode's end: env 1's truncation at 5
            assert episode_end == 5
    vec.close()
