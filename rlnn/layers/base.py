"""The two units everything is made of: ``Parameter`` and ``Layer``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from rlnn._typing import Array


class Parameter:
    """A learnable array and its gradient, the unit optimizers update.

    Args:
        value: the initial value; the parameter keeps its dtype (float32 stays float32).
        name: a short name for messages (``"weight"``).

    Attributes:
        value: the array, updated in place by optimizers.
        grad: same shape and dtype; written by the owning layer's ``backward``.
    """

    __slots__ = ("value", "grad", "name")

    def __init__(self, value: Array, name: str = "") -> None:
        self.value = np.array(value, copy=True)
        if not np.issubdtype(self.value.dtype, np.floating):
            self.value = self.value.astype(np.float32)
        self.grad = np.zeros_like(self.value)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def size(self) -> int:
        return self.value.size

    def zero_grad(self) -> None:
        self.grad.fill(0)

    def __repr__(self) -> str:
        return f"Parameter({self.name or '?'}, shape={self.value.shape}, dtype={self.value.dtype})"


class Layer(ABC):
    """Base class of every layer, activation and model.

    Contract: ``forward(x)`` caches exactly what ``backward`` needs; ``backward(grad_out)``
    writes (overwrites) each parameter's ``.grad`` and returns the input gradient, never
    mutating ``grad_out``; ``predict(x)`` is the inference path: no cache, eval behaviour.
    Arrays are batch-first.
    """

    training: bool = True
    registry_name: str = "layer"

    # forward / backward -------------------------------------------------------------
    @abstractmethod
    def forward(self, x: Array) -> Array:
        """Compute the output and cache what ``backward`` needs."""

    @abstractmethod
    def backward(self, grad_out: Array) -> Array:
        """Vector-Jacobian product: write parameter gradients, return ``dL/dx``."""

    def backward_params(self, grad_out: Array) -> None:
        """:meth:`backward` for the parameters only, when nothing needs ``dL/dx`` (the
        network's input is data): layers whose input gradient costs a product skip it."""
        self.backward(grad_out)

    def predict(self, x: Array) -> Array:
        """Inference: eval behaviour, nothing cached. Layers whose forward caches override."""
        return self.forward(x)

    def __call__(self, x: Array) -> Array:
        return self.forward(x)

    # parameters and state -----------------------------------------------------------
    def named_parameters(self) -> dict[str, Parameter]:
        """Learnable parameters by name (``"weight"``, ``"0.bias"`` in a Sequential)."""
        return dict(getattr(self, "_parameters", {}))

    def parameters(self) -> list[Parameter]:
        """Learnable parameters in a fixed order (the order optimizers keep state in)."""
        return list(self.named_parameters().values())

    def buffers(self) -> dict[str, Array]:
        """State that is saved and copied on target sync but never optimized."""
        return dict(getattr(self, "_buffers", {}))

    def generators(self) -> list[np.random.Generator]:
        """Random generators the layer draws from in ``forward`` (dropout masks, RReLU)."""
        rng = getattr(self, "rng", None)
        return [rng] if isinstance(rng, np.random.Generator) else []

    def penalty(self) -> float:
        """The L1/L2 penalty this layer adds to the loss (0 without regularization)."""
        return 0.0

    def train(self, mode: bool = True) -> Layer:
        """Set training mode (dropout active, batch statistics); returns self."""
        self.training = mode
        return self

    def eval(self) -> Layer:
        """Set evaluation mode; returns self."""
        return self.train(False)

    def state_dict(self) -> dict[str, Array]:
        """Copies of every parameter and buffer, keyed by name."""
        state = {name: p.value.copy() for name, p in self.named_parameters().items()}
        state.update({name: b.copy() for name, b in self.buffers().items()})
        return state

    def load_state_dict(self, state: dict[str, Array]) -> None:
        """Copy values into this layer's arrays in place (they keep their identity and dtype).

        Raises:
            ValueError: a key is missing or unexpected, or a shape differs.
        """
        targets = {name: p.value for name, p in self.named_parameters().items()}
        targets.update(self.buffers())
        missing = sorted(set(targets) - set(state))
        unexpected = sorted(set(state) - set(targets))
        if missing or unexpected:
            raise ValueError(
                f"{self!r}: state_dict mismatch; missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        for name, target in targets.items():
            source = np.asarray(state[name])
            if source.shape != target.shape:
                raise ValueError(
                    f"{self!r}: state_dict[{name!r}] has shape {source.shape}, "
                    f"expected {target.shape}"
                )
            np.copyto(target, source, casting="unsafe")

    def children(self) -> list[Layer]:
        """Sub-layers (a Sequential's layers, a Dense layer's activation)."""
        return []

    def astype(self, dtype: np.dtype | str | type) -> Layer:
        """Convert every parameter and buffer to ``dtype`` in place; returns self."""
        dtype = np.dtype(dtype)
        for p in getattr(self, "_parameters", {}).values():
            p.value = p.value.astype(dtype)
            p.grad = np.zeros_like(p.value)
        buffers = getattr(self, "_buffers", {})
        for name in buffers:
            buffers[name] = buffers[name].astype(dtype)
        if hasattr(self, "dtype"):
            self.dtype = dtype
        for child in self.children():
            child.astype(dtype)
        return self

    def copy_from(self, other: Layer) -> None:
        """Hard copy of another layer's parameters and buffers into this one's arrays."""
        for mine, theirs in zip(self._all_arrays(), other._all_arrays(), strict=True):
            np.copyto(mine, theirs)

    def _all_arrays(self) -> list[Array]:
        return [p.value for p in self.parameters()] + list(self.buffers().values())

    # config -------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """A spec (``{"name": ..., **kwargs}``) that rebuilds this layer (weights aside)."""
        return {"name": self.registry_name}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class Activated:
    """For layers with an optional ``self.activation`` after their own map (Dense, Conv2D):
    its parameters (as ``activation.<name>``), generators and mode follow the layer's."""

    activation: Layer | None
    _parameters: dict[str, Parameter]
    dtype: np.dtype

    def _build(
        self,
        weight_shape: tuple[int, ...],
        matrix_shape: tuple[int, int],
        bias: bool,
        weight_init: Any,
        bias_init: Any,
        activation: Any,
        rng: np.random.Generator | int | None,
    ) -> None:
        """Draw ``weight`` (initialized as a ``matrix_shape`` (fan_in, fan_out) matrix, then
        given ``weight_shape``) and ``bias`` (one per output), and build the activation."""
        from rlnn import activations, initializers

        self.weight_init, self.bias_init = weight_init, bias_init
        rng = np.random.default_rng(rng)
        w = initializers.get(weight_init)(matrix_shape, rng, self.dtype)
        w = w if w.shape == weight_shape else w.reshape(weight_shape)
        self._parameters = {"weight": Parameter(w, "weight")}
        if bias:
            b = initializers.get(bias_init)((matrix_shape[1],), rng, self.dtype)
            self._parameters["bias"] = Parameter(b, "bias")
        self.activation = None if activation is None else activations.get(activation)

    @property
    def weight(self) -> Parameter:
        return self._parameters["weight"]

    @property
    def bias(self) -> Parameter | None:
        return self._parameters.get("bias")

    def named_parameters(self) -> dict[str, Parameter]:
        named = dict(self._parameters)
        if self.activation is not None:
            named.update(
                {f"activation.{k}": v for k, v in self.activation.named_parameters().items()}
            )
        return named

    def children(self) -> list[Layer]:
        return [] if self.activation is None else [self.activation]

    def generators(self) -> list[np.random.Generator]:
        return [] if self.activation is None else self.activation.generators()

    def train(self, mode: bool = True) -> Any:
        self.training = mode
        if self.activation is not None:
            self.activation.train(mode)
        return self
