"""Q-networks: MLPs from observations to one output per action (per atom for C51), with
dueling and noisy heads."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

import rlnn


def build_q_network(
    obs_dim: int,
    n_actions: int,
    net_arch: list[int] | tuple[int, ...],
    activation: str = "relu",
    rng: np.random.Generator | int | None = None,
    weight_init: Any = "torch_default",
    *,
    dueling: bool = False,
    noisy: bool = False,
    atoms: int = 1,
    noisy_sigma0: float = 0.5,
) -> rlnn.Sequential:
    """An MLP from observations to ``n_actions·atoms`` outputs (PyTorch's default init).

    Plain, it is ``mlp([obs_dim, *net_arch, n_actions·atoms])``. With ``dueling`` or ``noisy``
    the last hidden layer and the output layer form the *head*: two streams (value and
    advantage, aggregated by :class:`rlnn.Dueling`) each with its own last hidden layer, as
    Wang et al.'s fully connected streams; ``noisy`` makes the head's layers
    :class:`rlnn.NoisyDense` (the earlier layers play the part of the paper's convolutional
    torso and stay deterministic).
    """
    rng = np.random.default_rng(rng)
    if not (dueling or noisy):
        return rlnn.mlp(
            [obs_dim, *net_arch, n_actions * atoms],
            activation=activation,
            seed=rng,
            weight_init=weight_init,
            bias_init="zeros",
        )
    sizes = [obs_dim, *net_arch]
    torso: list[rlnn.Layer] = [
        rlnn.Dense(n_in, n_out, activation, weight_init=weight_init, rng=rng)
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1], strict=True)
    ]
    head_in, hidden = sizes[-2], sizes[-1]

    def stream(n_out: int) -> rlnn.Sequential:
        if noisy:
            return rlnn.Sequential(
                [
                    rlnn.NoisyDense(head_in, hidden, activation, sigma0=noisy_sigma0, rng=rng),
                    rlnn.NoisyDense(hidden, n_out, sigma0=noisy_sigma0, rng=rng),
                ]
            )
        return rlnn.mlp([head_in, hidden, n_out], activation, seed=rng, weight_init=weight_init)

    head: rlnn.Layer = (
        rlnn.Dueling(stream(atoms), stream(n_actions * atoms), n_actions, atoms)
        if dueling
        else stream(n_actions * atoms)
    )
    return rlnn.Sequential([*torso, head])


def target_copy(online: rlnn.Layer, noise_seed: np.random.SeedSequence) -> rlnn.Layer:
    """A deep copy of ``online`` whose noise generators get their own seeds (the copy's would
    replay the online ones)."""
    target = copy.deepcopy(online)
    generators = target.generators()
    for g, s in zip(generators, noise_seed.spawn(len(generators)), strict=True):
        g.bit_generator.state = np.random.default_rng(s).bit_generator.state
    return target
