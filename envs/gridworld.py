"""A gridworld with walls, a goal, pits and optional slippery moves."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from envs.tabular import TabularEnv

MOVES = [(-1, 0), (0, 1), (1, 0), (0, -1)]  # up, right, down, left as (row, col) deltas
DEFAULT_LAYOUT = (
    "S...#",
    ".#..#",
    ".#.P.",
    "...#.",
    "P...G",
)


class GridWorldEnv(TabularEnv):
    """A grid from a layout of strings: ``S`` start, ``G`` goal (+``goal_reward``, terminal),
    ``P`` pit (``pit_reward``, terminal), ``#`` wall, ``.`` free. Actions: 0 up, 1 right,
    2 down, 3 left; moving into a wall or off the grid stays in place. Each step costs
    ``step_reward``. With ``slip`` > 0 the move goes to one of the two perpendicular directions
    with probability slip/2 each, so transitions are stochastic.

    Observations: ``"onehot"`` (one entry per cell) or ``"coordinates"`` (row and column
    scaled to [0, 1]).
    """

    def __init__(
        self,
        layout: tuple[str, ...] | list[str] = DEFAULT_LAYOUT,
        slip: float = 0.0,
        step_reward: float = -0.01,
        goal_reward: float = 1.0,
        pit_reward: float = -1.0,
        observation: str = "onehot",
        render_mode: str | None = None,
    ) -> None:
        rows = [str(r) for r in layout]
        if not rows or len({len(r) for r in rows}) != 1:
            raise ValueError("GridWorldEnv: layout must be non-empty rows of equal length")
        text = "".join(rows)
        if text.count("S") != 1 or text.count("G") < 1:
            raise ValueError("GridWorldEnv: layout needs exactly one 'S' and at least one 'G'")
        if set(text) - set("SGP#."):
            raise ValueError(
                f"GridWorldEnv: layout may only use 'S', 'G', 'P', '#', '.'; "
                f"got {sorted(set(text) - set('SGP#.'))}"
            )
        if not 0 <= slip <= 1:
            raise ValueError(f"GridWorldEnv: slip must be in [0, 1], got {slip}")
        if observation not in ("onehot", "coordinates"):
            raise ValueError(
                f"GridWorldEnv: observation must be 'onehot' or 'coordinates', got {observation!r}"
            )
        self.layout, self.height, self.width = tuple(rows), len(rows), len(rows[0])
        super().__init__(self.height * self.width, 4, render_mode)
        self.slip, self.step_reward = float(slip), float(step_reward)
        self.goal_reward, self.pit_reward = float(goal_reward), float(pit_reward)
        self.observation_kind = observation
        n = self.n_states
        self.observation_space = spaces.Box(
            0.0, 1.0, shape=(n if observation == "onehot" else 2,), dtype=np.float32
        )
        cell = lambda s: text[s]  # noqa: E731
        self.walls = np.array([cell(s) == "#" for s in range(n)])
        self.terminal = np.array([cell(s) in "GP" for s in range(n)])
        self.start_state = text.index("S")
        self.model = [[self._outcomes(s, a) for a in range(4)] for s in range(n)]

    def _move(self, state: int, action: int) -> int:
        row, col = divmod(state, self.width)
        dr, dc = MOVES[action]
        r, c = row + dr, col + dc
        if not (0 <= r < self.height and 0 <= c < self.width) or self.walls[r * self.width + c]:
            return state
        return r * self.width + c

    def _reward(self, state: int) -> float:
        kind = self.layout[state // self.width][state % self.width]
        return self.step_reward + (
            self.goal_reward if kind == "G" else self.pit_reward if kind == "P" else 0.0
        )

    def _outcomes(self, state: int, action: int):
        if self.terminal[state] or self.walls[state]:
            return [(1.0, state, 0.0, bool(self.terminal[state]))]
        directions = [
            (1 - self.slip, action),
            (self.slip / 2, (action + 1) % 4),
            (self.slip / 2, (action + 3) % 4),
        ]
        merged: dict[int, float] = {}
        for p, direction in directions:
            if p > 0:
                target = self._move(state, direction)
                merged[target] = merged.get(target, 0.0) + p
        return [(p, s2, self._reward(s2), bool(self.terminal[s2])) for s2, p in merged.items()]

    def observe(self, state: int) -> np.ndarray:
        if self.observation_kind == "onehot":
            return super().observe(state)
        row, col = divmod(state, self.width)
        return np.array(
            [row / max(self.height - 1, 1), col / max(self.width - 1, 1)], dtype=np.float32
        )

    def free_states(self) -> list[int]:
        """Non-wall, non-terminal states: where a policy chooses actions."""
        return [s for s in range(self.n_states) if not self.walls[s] and not self.terminal[s]]

    def render(self) -> str:
        rows = []
        for r in range(self.height):
            rows.append(
                "".join(
                    "A" if r * self.width + c == self.state else self.layout[r][c]
                    for c in range(self.width)
                )
            )
        return "\n".join(rows)
