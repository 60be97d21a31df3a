"""Q-networks: from observations to one output per action (per atom for C51), with dueling and
noisy heads, and a convolutional torso for image observations.

``net_arch`` lists the layers: convolutions first, written ``c<filters>k<kernel>[s<stride>]
[p<padding>]`` (``c16k3`` is 16 filters 3x3, stride 1, no padding; ``c32k8s4`` the Nature DQN's
first layer), then hidden Dense sizes. ``c16k3,128`` is MinAtar's network: one 3x3
convolution with 16 filters, ReLU, flattened into 128 hidden units. Images are NHWC
(height, width, channels), as MinAtar's observations are.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import numpy as np

import rlnn
from rlnn.layers.sequential import hidden_dense

CONV_SPEC = re.compile(r"c(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?", re.IGNORECASE)
NET_ARCH_HELP = (
    "positive layer sizes, after any convolutions written c<filters>k<kernel>[s<stride>]"
    "[p<padding>] (e.g. c16k3,128)"
)


def split_net_arch(
    net_arch: list[int | str] | tuple[int | str, ...],
) -> tuple[list[dict], list[int]]:
    """(the convolutions as Conv2D keyword arguments, the hidden Dense sizes) of ``net_arch``.

    Raises:
        ValueError: an item that is neither a positive size nor a convolution spec, or a
            convolution after a Dense size.
    """
    convs: list[dict] = []
    hidden: list[int] = []
    for item in net_arch:
        match = CONV_SPEC.fullmatch(item.strip()) if isinstance(item, str) else None
        if match is not None and not hidden:
            filters, kernel, stride, padding = (int(v) if v else None for v in match.groups())
            if filters >= 1 and kernel >= 1 and (stride is None or stride >= 1):
                convs.append(
                    {"out_channels": filters, "kernel_size": kernel, "stride": stride or 1,
                     "padding": padding or 0}
                )  # fmt: skip
                continue
        if isinstance(item, int) and not isinstance(item, bool) and item >= 1:
            hidden.append(item)
            continue
        where = " (convolutions come first)" if match is not None else ""
        raise ValueError(f"net-arch must list {NET_ARCH_HELP}{where}, got {list(net_arch)}")
    return convs, hidden


def conv_torso(
    convs: list[dict],
    obs_shape: tuple[int, ...],
    activation: str,
    rng: np.random.Generator,
    weight_init: Any,
) -> tuple[list[rlnn.Layer], int]:
    """The convolutions of ``convs`` (each followed by ``activation``) and a Flatten, and the
    number of features they give.

    Raises:
        ValueError: the observations are not images, or an image too small for a kernel.
    """
    if len(obs_shape) != 3:
        raise ValueError(
            f"net-arch convolutions need image observations (height, width, channels), got "
            f"observation shape {tuple(obs_shape)}"
        )
    height, width, channels = obs_shape
    layers: list[rlnn.Layer] = []
    for conv in convs:
        layer = rlnn.Conv2D(
            channels, activation=activation, weight_init=weight_init, rng=rng, **conv
        )
        k, st, pad = conv["kernel_size"], conv["stride"], conv["padding"]
        height, width = (height + 2 * pad - k) // st + 1, (width + 2 * pad - k) // st + 1
        if height < 1 or width < 1:
            raise ValueError(
                f"net-arch: the convolution c{conv['out_channels']}k{k}s{st}p{pad} does not fit "
                f"the {obs_shape[0]}x{obs_shape[1]} observations after the layers before it"
            )
        layers.append(layer)
        channels = conv["out_channels"]
    return [*layers, rlnn.Flatten()], math.prod((height, width, channels))


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
    obs_shape: tuple[int, ...] | None = None,
    layer_norm: bool = False,
) -> rlnn.Sequential:
    """An MLP from observations to ``n_actions·atoms`` outputs (PyTorch's default init),
    after a convolutional torso when ``net_arch`` starts with convolutions (``obs_shape``
    then gives the image's (height, width, channels)).

    Plain, it is ``mlp([obs_dim, *net_arch, n_actions·atoms])``. With ``dueling`` or ``noisy``
    the last hidden layer and the output layer form the *head*: two streams (value and
    advantage, aggregated by :class:`rlnn.Dueling`) each with its own last hidden layer, as
    Wang et al.'s fully connected streams; ``noisy`` makes the head's layers
    :class:`rlnn.NoisyDense` (the earlier layers play the part of the paper's convolutional
    torso and stay deterministic). ``layer_norm`` puts a :class:`rlnn.LayerNorm` between every
    hidden Dense layer and its activation (not after convolutions, nor on the output).
    """
    rng = np.random.default_rng(rng)
    convs, hidden = split_net_arch(net_arch)
    if convs:
        torso, features = conv_torso(convs, obs_shape or (obs_dim,), activation, rng, weight_init)
        rest = build_q_network(
            features, n_actions, hidden, activation, rng, weight_init,
            dueling=dueling, noisy=noisy, atoms=atoms, noisy_sigma0=noisy_sigma0,
            layer_norm=layer_norm,
        )  # fmt: skip
        return rlnn.Sequential([*torso, *rest.layers])
    if not (dueling or noisy):
        return rlnn.mlp(
            [obs_dim, *net_arch, n_actions * atoms],
            activation=activation,
            seed=rng,
            weight_init=weight_init,
            bias_init="zeros",
            layer_norm=layer_norm,
        )
    sizes = [obs_dim, *net_arch]
    torso: list[rlnn.Layer] = [
        layer
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1], strict=True)
        for layer in hidden_dense(
            n_in, n_out, activation, layer_norm, weight_init=weight_init, rng=rng
        )
    ]
    head_in, hidden = sizes[-2], sizes[-1]

    def stream(n_out: int) -> rlnn.Sequential:
        if noisy:
            first = hidden_dense(
                head_in, hidden, activation, layer_norm,
                dense=rlnn.NoisyDense, sigma0=noisy_sigma0, rng=rng,
            )  # fmt: skip
            return rlnn.Sequential(
                [*first, rlnn.NoisyDense(hidden, n_out, sigma0=noisy_sigma0, rng=rng)]
            )
        return rlnn.mlp(
            [head_in, hidden, n_out], activation, seed=rng, weight_init=weight_init,
            layer_norm=layer_norm,
        )  # fmt: skip

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
