"""Stochastic gradient descent with (Nesterov) momentum."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnn._checks import check_number
from rlnn.optimizers.base import Optimizer, registry


@registry.register("sgd", "gd")
class SGD(Optimizer):
    """Gradient descent; full-batch, mini-batch or stochastic is decided by the data loop.

    PyTorch's formula: ``g = ∇ + weight_decay·θ``; with momentum μ,
    ``b = g`` at the first step, then ``b = μ·b + (1 - dampening)·g``; the step uses
    ``g + μ·b`` (Nesterov) or ``b``; ``θ -= lr·step``.
    ``dampening = momentum`` gives the notes' moving average v = γv + (1 - γ)∇ (after the
    first step, where PyTorch's buffer starts at the gradient itself).

    Args:
        params: a model or list of Parameters.
        lr: learning rate or schedule.
        momentum: μ >= 0.
        dampening: in [0, 1].
        weight_decay: L2 coefficient added to the gradient (coupled, as in PyTorch).
        nesterov: Nesterov momentum (Sutskever et al., 2013); needs momentum > 0, dampening 0.
    """

    state_names = ("momentum_buffer",)

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = check_number("SGD", "momentum", momentum, low=0)
        self.dampening = check_number("SGD", "dampening", dampening, low=0, high=1)
        self.weight_decay = check_number("SGD", "weight_decay", weight_decay, low=0)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "SGD: nesterov needs momentum > 0 and dampening = 0, got "
                f"momentum={momentum}, dampening={dampening}"
            )

    def update(self, i, param, grad, lr):
        if self.weight_decay:
            grad = grad + self.weight_decay * param.value
        if self.momentum:
            buf = self._slots["momentum_buffer"][i]
            if self.step_count == 1:
                np.copyto(buf, grad)
            else:
                buf *= self.momentum
                buf += (1 - self.dampening) * grad
            grad = grad + self.momentum * buf if self.nesterov else buf
        param.value -= lr * grad

    def hyperparameters(self):
        return {
            "momentum": self.momentum,
            "dampening": self.dampening,
            "weight_decay": self.weight_decay,
            "nesterov": self.nesterov,
        }


def _momentum(name: str, momentum: float | None, beta: float | None) -> float:
    """The momentum coefficient given as ``momentum`` (PyTorch's name) or ``beta`` (the
    notes'), 0.9 when neither is given."""
    if momentum is not None and beta is not None and momentum != beta:
        raise ValueError(
            f"{name}: momentum and beta are one coefficient (beta is the notes' name); give "
            f"one, got momentum={momentum}, beta={beta}"
        )
    value = momentum if momentum is not None else beta if beta is not None else 0.9
    return check_number(name, "momentum", value, low=0, high=1, low_open=True, high_open=True)


@registry.register("momentum", "sgd_momentum")
class Momentum(SGD):
    """Gradient descent with heavy-ball momentum (Polyak, 1964): :class:`SGD` with
    ``momentum`` μ in (0, 1), default 0.9, PyTorch's update ``b = μ·b + (1 - dampening)·g``,
    ``θ -= lr·b``. ``beta=`` is accepted for μ (the notes' name); ``dampening = μ`` gives the
    notes' moving average ``v = βv + (1 - β)∇``.
    """

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-3,
        momentum: float | None = None,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        *,
        beta: float | None = None,
    ) -> None:
        mu = _momentum(type(self).__name__, momentum, beta)
        super().__init__(params, lr, mu, dampening, weight_decay, nesterov=False)

    def hyperparameters(self):
        return {k: v for k, v in super().hyperparameters().items() if k != "nesterov"}


@registry.register("nesterov", "nag")
class Nesterov(SGD):
    """Nesterov accelerated gradient in Sutskever et al.'s (2013) form, as PyTorch computes
    it: :class:`SGD` with ``nesterov=True``, ``b = μ·b + g``, ``θ -= lr·(g + μ·b)``; μ in
    (0, 1), default 0.9, given as ``momentum=`` or the notes' ``beta=``.
    """

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-3,
        momentum: float | None = None,
        weight_decay: float = 0.0,
        *,
        beta: float | None = None,
    ) -> None:
        mu = _momentum(type(self).__name__, momentum, beta)
        super().__init__(params, lr, mu, 0.0, weight_decay, nesterov=True)

    def hyperparameters(self):
        return {"momentum": self.momentum, "weight_decay": self.weight_decay}
