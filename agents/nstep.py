"""n-step returns accumulated per environment, never crossing an episode boundary."""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from rlnn._checks import check_positive_int
from rlnn._typing import Array


class NStepAccumulator:
    """Turns one-step experience from ``n_envs`` environments into n-step transitions
    ``(s_t, a_t, R_t, s_{t+k}, terminated, γ^k)`` with ``R_t = Σ_{i<k} γ^i r_{t+i}``.

    Normally k = n: a transition leaves the window once n steps follow it. When an episode
    ends, every pending transition of that env is emitted at once with the k steps it actually
    has: on termination it does not bootstrap (terminated = True), on truncation it bootstraps
    from the real last observation with γ^k. A window never spans two episodes, so vector envs
    with autoreset are handled by feeding the *real* final observation (gymnasium's
    ``final_obs``) as ``next_obs`` of the step that ended the episode.

    Args:
        n: steps per return (1 passes transitions through, with discount γ).
        gamma: discount.
        n_envs: number of environments fed together.
    """

    def __init__(self, n: int, gamma: float, n_envs: int = 1) -> None:
        self.n = check_positive_int("NStepAccumulator", "n", n)
        self.gamma = float(gamma)
        self.n_envs = check_positive_int("NStepAccumulator", "n_envs", n_envs)
        self.pending: list[deque[tuple[Array, int, float]]] = [deque() for _ in range(n_envs)]
        self.powers = self.gamma ** np.arange(self.n + 1)

    def _emit(self, window: list[tuple[Array, int, float]], next_obs: Array, terminated: bool):
        rewards = np.array([r for _, _, r in window])
        k = len(window)
        ret = float(rewards @ self.powers[:k])
        state, action, _ = window[0]
        return state, action, ret, next_obs, terminated, self.powers[k]

    def push(
        self,
        obs: Array,
        actions: Array,
        rewards: Array,
        next_obs: Array,
        terminated: Array,
        truncated: Array,
    ) -> tuple[Array, ...] | None:
        """Add one step of every env; returns the transitions that are complete, as arrays
        ``(states, actions, returns, next_states, terminated, discounts)``, or None.

        ``next_obs`` must be the real next observation (the final one where an episode ended).
        """
        out: list[tuple[Any, ...]] = []
        for i in range(self.n_envs):
            window = self.pending[i]
            window.append((obs[i].copy(), int(actions[i]), float(rewards[i])))
            if terminated[i] or truncated[i]:
                items = list(window)
                for start in range(len(items)):
                    out.append(self._emit(items[start:], next_obs[i], bool(terminated[i])))
                window.clear()
            elif len(window) == self.n:
                out.append(self._emit(list(window), next_obs[i], False))
                window.popleft()
        if not out:
            return None
        states, acts, rets, nexts, terms, discounts = zip(*out, strict=True)
        return (
            np.stack(states),
            np.array(acts, dtype=np.int64),
            np.array(rets, dtype=np.float32),
            np.stack(nexts),
            np.array(terms, dtype=bool),
            np.array(discounts, dtype=np.float32),
        )

    def state_dict(self) -> dict[str, Any]:
        return {"pending": [list(w) for w in self.pending]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.pending = [deque(w) for w in state["pending"]]
