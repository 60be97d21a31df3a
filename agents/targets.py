"""Bellman targets as pure functions (tested with hand-computed numbers)."""

from __future__ import annotations

import numpy as np

from rlnn._typing import Array


def dqn_target(
    rewards: Array, terminated: Array, next_q_target: Array, gamma: float | Array
) -> Array:
    """``r + γ·(1 - terminated)·max_a' Q_target(s', a')`` (Mnih et al., 2015).

    Args:
        rewards: (batch,). terminated: (batch,) 1.0 where the MDP ended (truncation is not
            termination: a time-limited step still bootstraps).
        next_q_target: (batch, n_actions) target-network values of the next states.
        gamma: the discount, or (batch,) per-sample discounts (n-step returns).

    Returns:
        (batch,) targets in the dtype of ``next_q_target``.
    """
    next_v = next_q_target.max(axis=1)
    return (rewards + gamma * (1.0 - terminated) * next_v).astype(next_q_target.dtype, copy=False)


def double_dqn_target(
    rewards: Array,
    terminated: Array,
    next_q_online: Array,
    next_q_target: Array,
    gamma: float | Array,
) -> Array:
    """``r + γ·(1 - terminated)·Q_target(s', argmax_a' Q_online(s', a'))`` (van Hasselt et al.,
    2016): the online network chooses the action, the target network values it.

    Args as :func:`dqn_target`, plus ``next_q_online`` (batch, n_actions).
    """
    best = next_q_online.argmax(axis=1)
    next_v = np.take_along_axis(next_q_target, best[:, None], axis=1)[:, 0]
    return (rewards + gamma * (1.0 - terminated) * next_v).astype(next_q_target.dtype, copy=False)


def polyak_update(target_arrays: list[Array], online_arrays: list[Array], tau: float) -> None:
    """``θ_target ← (1 - τ)·θ_target + τ·θ_online`` in place; τ = 1 is a hard copy."""
    for t, o in zip(target_arrays, online_arrays, strict=True):
        if tau == 1.0:
            np.copyto(t, o)
        else:
            t *= 1.0 - tau
            t += tau * o
