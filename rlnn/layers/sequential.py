"""A stack of layers applied in order."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from rlnn._typing import Array, DTypeLike
from rlnn.layers.base import Layer, Parameter
from rlnn.layers.dense import Dense
from rlnn.layers.registry import build, registry


@registry.register("sequential")
class Sequential(Layer):
    """Layers applied in order; itself a layer.

    Args:
        layers: layers or layer specs (``"relu"``, ``{"name": "dense", ...}``).
        dtype: if given, every parameter and buffer is converted to it (float64 for checks).

    Parameter names are prefixed with the layer index: ``"0.weight"``, ``"2.bias"``.
    """

    def __init__(
        self, layers: Iterable[Layer | str | dict], dtype: DTypeLike | None = None
    ) -> None:
        self.layers = [build(layer) for layer in layers]
        if not self.layers:
            raise ValueError("Sequential: layers must not be empty")
        if dtype is not None:
            self.astype(dtype)

    def forward(self, x: Array) -> Array:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out: Array) -> Array:
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def backward_params(self, grad_out: Array) -> None:
        """Every parameter's gradient, no input gradient: layers before the first one with
        parameters are skipped, and that one computes only its own gradients."""
        first = next((i for i, layer in enumerate(self.layers) if layer.parameters()), None)
        if first is None:
            return
        for layer in reversed(self.layers[first + 1 :]):
            grad_out = layer.backward(grad_out)
        self.layers[first].backward_params(grad_out)

    def predict(self, x: Array) -> Array:
        """Inference on a batch: eval behaviour, no cache touched."""
        for layer in self.layers:
            x = layer.predict(x)
        return x

    def children(self) -> list[Layer]:
        return list(self.layers)

    def named_parameters(self) -> dict[str, Parameter]:
        return {
            f"{i}.{name}": p
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters().items()
        }

    def buffers(self) -> dict[str, Array]:
        return {
            f"{i}.{name}": b
            for i, layer in enumerate(self.layers)
            for name, b in layer.buffers().items()
        }

    def generators(self) -> list[np.random.Generator]:
        return [g for layer in self.layers for g in layer.generators()]

    def penalty(self) -> float:
        return float(sum(layer.penalty() for layer in self.layers))

    def train(self, mode: bool = True) -> Sequential:
        self.training = mode
        for layer in self.layers:
            layer.train(mode)
        return self

    def astype(self, dtype: DTypeLike) -> Sequential:
        for layer in self.layers:
            layer.astype(dtype)
        return self

    @property
    def dtype(self) -> np.dtype:
        params = self.parameters()
        return params[0].value.dtype if params else np.dtype(np.float32)

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def config(self) -> dict[str, Any]:
        return {"name": "sequential", "layers": [layer.config() for layer in self.layers]}

    def save(self, path: str | os.PathLike) -> None:
        """Save architecture and weights to one file, atomically (see ``rlnn.load``)."""
        from rlnn.io import save

        save(self, path)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


def mlp(
    sizes: list[int],
    activation: Any = "relu",
    output_activation: Any = None,
    *,
    layer_norm: bool = False,
    dtype: DTypeLike = np.float32,
    seed: int | np.random.Generator | None = None,
    **dense_kwargs: Any,
) -> Sequential:
    """A multilayer perceptron: ``mlp([4, 64, 64, 2])`` is Dense(4,64,relu), Dense(64,64,relu),
    Dense(64,2). One generator (from ``seed``) initializes every layer, so a seed fixes all weights.

    ``layer_norm`` puts a :class:`LayerNorm` between each hidden Dense layer and its activation
    (Dense(4,64), LayerNorm(64), ReLU, ...), the place Ba et al. and most RL uses give it.
    """
    if len(sizes) < 2:
        raise ValueError(f"mlp: sizes needs at least an input and an output size, got {sizes}")
    rng = np.random.default_rng(seed)
    layers: list[Layer] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=False)):
        if i == len(sizes) - 2:
            layers.append(
                Dense(n_in, n_out, output_activation, dtype=dtype, rng=rng, **dense_kwargs)
            )
        else:
            layers += hidden_dense(
                n_in, n_out, activation, layer_norm, dtype=dtype, rng=rng, **dense_kwargs
            )
    return Sequential(layers)


def hidden_dense(
    n_in: int,
    n_out: int,
    activation: Any,
    layer_norm: bool = False,
    *,
    dense: type[Layer] = Dense,
    dtype: DTypeLike = np.float32,
    **dense_kwargs: Any,
) -> list[Layer]:
    """One hidden layer: ``[dense(n_in, n_out, activation)]``, or with ``layer_norm``
    ``[dense(n_in, n_out), LayerNorm(n_out), activation]``."""
    if not layer_norm:
        return [dense(n_in, n_out, activation, dtype=dtype, **dense_kwargs)]
    from rlnn import activations
    from rlnn.layers.layernorm import LayerNorm

    after = [] if activation is None else [activations.get(activation)]
    return [
        dense(n_in, n_out, None, dtype=dtype, **dense_kwargs),
        LayerNorm(n_out, dtype=dtype),
        *after,
    ]
