"""A deterministic chain MDP: walk right to the reward at the far end."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from envs.tabular import TabularEnv

LEFT, RIGHT = 0, 1


class ChainEnv(TabularEnv):
    """N states in a line; actions 0 = left, 1 = right; the episode starts in state 0.

    Moving right from state N-2 into N-1 gives ``reward`` and terminates; every other step
    gives 0 (moving left in state 0 stays there). The time limit comes from the registration
    (``max_episode_steps``). Observations are one-hot vectors of length N.

    With discount γ: Q*(s, right) = reward·γ^(N-2-s), Q*(s, left) = γ·V*(max(s-1, 0)).
    """

    def __init__(self, n_states: int = 5, reward: float = 1.0, render_mode: str | None = None):
        if not isinstance(n_states, int) or n_states < 2:
            raise ValueError(f"ChainEnv: n_states must be an integer >= 2, got {n_states!r}")
        super().__init__(n_states, 2, render_mode)
        self.reward = float(reward)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(n_states,), dtype=np.float32)
        self.start_state = 0
        self.terminal = np.zeros(n_states, dtype=bool)
        self.terminal[-1] = True
        self.model = []
        for s in range(n_states):
            if self.terminal[s]:
                self.model.append([[(1.0, s, 0.0, True)], [(1.0, s, 0.0, True)]])
                continue
            left = max(s - 1, 0)
            right = s + 1
            self.model.append(
                [
                    [(1.0, left, 0.0, False)],
                    [
                        (
                            1.0,
                            right,
                            self.reward if self.terminal[right] else 0.0,
                            bool(self.terminal[right]),
                        )
                    ],
                ]
            )

    def render(self) -> str:
        return "".join(
            "A" if s == self.state else ("G" if self.terminal[s] else ".")
            for s in range(self.n_states)
        )
