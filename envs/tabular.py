"""Finite MDPs with an explicit transition model, solved exactly by value iteration."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

Transition = tuple[float, int, float, bool]
"""(probability, next_state, reward, terminated)."""


def value_iteration(
    model: list[list[list[Transition]]],
    gamma: float,
    tol: float = 1e-12,
    max_iterations: int = 100_000,
) -> np.ndarray:
    """Q* of a finite MDP: iterate ``Q(s,a) = Σ p·(r + γ·(1 - terminated)·max_a' Q(s',a'))``.

    Args:
        model: ``model[s][a]`` is a list of (probability, next_state, reward, terminated).
        gamma: discount in [0, 1).
        tol: stop when no entry changes by more than this.

    Returns:
        Q*, shape (n_states, n_actions).
    """
    if not 0 <= gamma < 1:
        raise ValueError(f"value_iteration: gamma must be in [0, 1), got {gamma}")
    n_states, n_actions = len(model), len(model[0])
    q = np.zeros((n_states, n_actions))
    for _ in range(max_iterations):
        v = q.max(axis=1)
        new_q = np.array(
            [
                [
                    sum(
                        p * (r + gamma * (0.0 if done else v[s2])) for p, s2, r, done in model[s][a]
                    )
                    for a in range(n_actions)
                ]
                for s in range(n_states)
            ]
        )
        delta = np.max(np.abs(new_q - q))
        q = new_q
        if delta < tol:
            return q
    raise RuntimeError(f"value_iteration did not converge in {max_iterations} iterations")


class TabularEnv(gym.Env):
    """A gymnasium env over a finite state set with a known model (subclasses fill it in).

    Subclasses set ``self.model`` (see :func:`value_iteration`), ``self.start_state``,
    ``self.terminal`` (a boolean per state) and implement ``observe(state)``.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}
    model: list[list[list[Transition]]]
    start_state: int
    terminal: np.ndarray

    def __init__(self, n_states: int, n_actions: int, render_mode: str | None = None) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"{type(self).__name__}: render_mode must be one of "
                f"{self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.n_states, self.n_actions = n_states, n_actions
        self.action_space = spaces.Discrete(n_actions)
        self.render_mode = render_mode
        self.state = 0

    def observe(self, state: int) -> np.ndarray:
        """The observation of ``state`` (one-hot by default)."""
        obs = np.zeros(self.n_states, dtype=np.float32)
        obs[state] = 1.0
        return obs

    def observations(self) -> np.ndarray:
        """Every state's observation, shape (n_states, obs_dim): the input to compare Q with Q*."""
        return np.stack([self.observe(s) for s in range(self.n_states)])

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.state = self.start_state
        return self.observe(self.state), {"state": self.state}

    def step(self, action: int):
        if not self.action_space.contains(action):
            raise ValueError(
                f"{type(self).__name__}: invalid action {action!r}; expected an "
                f"integer in [0, {self.n_actions - 1}]"
            )
        outcomes = self.model[self.state][int(action)]
        probs = [p for p, *_ in outcomes]
        index = 0 if len(outcomes) == 1 else int(self.np_random.choice(len(outcomes), p=probs))
        _, self.state, reward, terminated = outcomes[index]
        return (
            self.observe(self.state),
            float(reward),
            bool(terminated),
            False,
            {"state": self.state},
        )

    def optimal_q(self, gamma: float) -> np.ndarray:
        """Q*(s, a) by value iteration, shape (n_states, n_actions); 0 in terminal states."""
        return value_iteration(self.model, gamma)

    def optimal_v(self, gamma: float) -> np.ndarray:
        """V*(s) = max_a Q*(s, a)."""
        return self.optimal_q(gamma).max(axis=1)

    def optimal_policy(self, gamma: float) -> np.ndarray:
        """A greedy action of Q* per state (the lowest index among ties)."""
        return self.optimal_q(gamma).argmax(axis=1)

    def optimal_actions(self, gamma: float, tol: float = 1e-9) -> list[set[int]]:
        """Every optimal action per state (ties included)."""
        q = self.optimal_q(gamma)
        return [set(np.flatnonzero(row >= row.max() - tol).tolist()) for row in q]

    def reachable_states(self, policy: np.ndarray | None = None) -> list[int]:
        """States reached with positive probability from the start when following ``policy``
        (or under some sequence of actions, when ``policy`` is None)."""
        seen, frontier = {self.start_state}, [self.start_state]
        while frontier:
            s = frontier.pop()
            if self.terminal[s]:
                continue
            actions = range(self.n_actions) if policy is None else [int(policy[s])]
            for a in actions:
                for p, s2, _, _ in self.model[s][a]:
                    if p > 0 and s2 not in seen:
                        seen.add(s2)
                        frontier.append(s2)
        return sorted(seen)
