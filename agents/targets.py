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


def categorical_projection(
    rewards: Array,
    terminated: Array,
    next_probs: Array,
    support: Array,
    gamma: float | Array,
) -> Array:
    """The C51 target (Bellemare et al., 2017, Algorithm 1): the distribution of
    ``r + γ·(1 - terminated)·Z(s', a*)`` projected onto the fixed atoms ``support``.

    Each shifted atom ``Tz_j``, clipped to [v_min, v_max], sits at fractional position
    ``b_j = (Tz_j - v_min)/Δz``; its probability is split between the atoms below and above,
    ``l = ⌊b_j⌋`` gets ``p_j·(l + 1 - b_j)`` and ``l + 1`` gets ``p_j·(b_j - l)`` (all of it
    goes to ``l`` when ``b_j`` is an integer).

    Args:
        rewards, terminated: (batch,).
        next_probs: (batch, atoms) probabilities of the chosen next action under the target
            network.
        support: (atoms,) evenly spaced atoms from v_min to v_max.
        gamma: the discount, or (batch,) per-sample discounts.

    Returns:
        (batch, atoms) target probabilities (each row sums to 1).
    """
    batch, atoms = next_probs.shape
    v_min, v_max = float(support[0]), float(support[-1])
    delta = (v_max - v_min) / (atoms - 1)
    scale = np.broadcast_to(np.asarray(gamma, dtype=np.float64), (batch,)) * (1.0 - terminated)
    shifted = rewards[:, None] + scale[:, None] * support[None, :].astype(np.float64)
    position = np.clip((shifted - v_min) / delta, 0.0, atoms - 1)
    lower = np.floor(position).astype(np.int64)
    upper_share = position - lower
    upper = np.minimum(lower + 1, atoms - 1)
    offset = (np.arange(batch) * atoms)[:, None]
    probs = next_probs.astype(np.float64)
    projected = np.bincount(
        (offset + lower).ravel(), (probs * (1.0 - upper_share)).ravel(), minlength=batch * atoms
    ) + np.bincount(
        (offset + upper).ravel(), (probs * upper_share).ravel(), minlength=batch * atoms
    )
    return projected.reshape(batch, atoms).astype(next_probs.dtype, copy=False)
