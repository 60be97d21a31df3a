"""Per-coordinate adaptive methods: AdaGrad, AdaDelta, RMSProp."""

from __future__ import annotations

from typing import Any

import numpy as np

from rlnn._checks import check_number
from rlnn.optimizers.base import Optimizer, registry


@registry.register("adagrad")
class Adagrad(Optimizer):
    """AdaGrad (Duchi et al., 2011), PyTorch's form:
    ``s += g²``, ``θ -= lr_t·g/(sqrt(s) + eps)`` with ``lr_t = lr/(1 + (t - 1)·lr_decay)``.
    (Note 004 writes eps "on the order of 10^8"; it is 1e-10 here, as in PyTorch.)"""

    state_names = ("sum",)

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, lr)
        self.lr_decay = check_number("Adagrad", "lr_decay", lr_decay, low=0)
        self.weight_decay = check_number("Adagrad", "weight_decay", weight_decay, low=0)
        self.initial_accumulator_value = check_number(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, low=0
        )
        self.eps = check_number("Adagrad", "eps", eps, low=0)
        for s in self._slots["sum"]:
            s.fill(self.initial_accumulator_value)

    def update(self, i, param, grad, lr):
        if self.weight_decay:
            grad = grad + self.weight_decay * param.value
        s = self._slots["sum"][i]
        s += grad * grad
        clr = lr / (1 + (self.step_count - 1) * self.lr_decay)
        param.value -= clr * grad / (np.sqrt(s) + self.eps)

    def hyperparameters(self):
        return {
            "lr_decay": self.lr_decay,
            "weight_decay": self.weight_decay,
            "initial_accumulator_value": self.initial_accumulator_value,
            "eps": self.eps,
        }


@registry.register("adadelta")
class Adadelta(Optimizer):
    """AdaDelta (Zeiler, 2012), with PyTorch's lr (default 1, the paper's method):
    ``E[g²] = ρ·E[g²] + (1 - ρ)·g²``, ``Δ = sqrt(E[Δ²] + eps)/sqrt(E[g²] + eps)·g``,
    ``E[Δ²] = ρ·E[Δ²] + (1 - ρ)·Δ²``, ``θ -= lr·Δ``.

    Note 004 divides by sqrt(Δθ_t) + eps directly and never accumulates E[Δ²]; Zeiler's
    update uses the RMS of past updates, as here.
    """

    state_names = ("square_avg", "acc_delta")

    def __init__(
        self,
        params: Any,
        lr: Any = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.rho = check_number("Adadelta", "rho", rho, low=0, high=1)
        self.eps = check_number("Adadelta", "eps", eps, low=0)
        self.weight_decay = check_number("Adadelta", "weight_decay", weight_decay, low=0)

    def update(self, i, param, grad, lr):
        if self.weight_decay:
            grad = grad + self.weight_decay * param.value
        sq, acc = self._slots["square_avg"][i], self._slots["acc_delta"][i]
        sq *= self.rho
        sq += (1 - self.rho) * grad * grad
        delta = np.sqrt(acc + self.eps) / np.sqrt(sq + self.eps) * grad
        acc *= self.rho
        acc += (1 - self.rho) * delta * delta
        param.value -= lr * delta

    def hyperparameters(self):
        return {"rho": self.rho, "eps": self.eps, "weight_decay": self.weight_decay}


@registry.register("rmsprop")
class RMSprop(Optimizer):
    """RMSProp (Hinton, 2012), PyTorch's form: ``v = α·v + (1 - α)·g²``;
    ``θ -= lr·g/(sqrt(v) + eps)``; ``centered`` subtracts the squared mean gradient from v;
    ``momentum`` keeps a buffer ``b = μ·b + g/(sqrt(v) + eps)`` and steps by ``lr·b``."""

    state_names = ("square_avg", "grad_avg", "momentum_buffer")

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = check_number("RMSprop", "alpha", alpha, low=0, high=1)
        self.eps = check_number("RMSprop", "eps", eps, low=0)
        self.weight_decay = check_number("RMSprop", "weight_decay", weight_decay, low=0)
        self.momentum = check_number("RMSprop", "momentum", momentum, low=0)
        self.centered = bool(centered)
        self._scratch = [(np.empty_like(t.value), np.empty_like(t.value)) for t in self._targets]

    def update(self, i, param, grad, lr):
        if self.weight_decay:
            grad = grad + self.weight_decay * param.value
        # In place, in two scratch arrays: the same operations in the same order as
        # ``sq += (1 - α)·g·g``, ``θ -= lr·g/avg``, ... without a temporary per operation
        # (the MinAtar network's 133k parameters made ten 530 KB temporaries per update).
        tmp, out = self._scratch[i]
        np.multiply(grad, 1 - self.alpha, out=out)  # (1 - α)·g, for both averages
        np.multiply(out, grad, out=tmp)
        sq = self._slots["square_avg"][i]
        sq *= self.alpha
        sq += tmp
        if self.centered:
            ga = self._slots["grad_avg"][i]
            ga *= self.alpha
            ga += out
            # Never negative in exact arithmetic (a variance); rounding, or the flush of a
            # near-subnormal square average (Optimizer._flush_subnormal), can make it so.
            np.multiply(ga, ga, out=tmp)
            np.subtract(sq, tmp, out=tmp)
            np.maximum(tmp, 0.0, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(sq, out=tmp)
        tmp += self.eps  # avg
        if self.momentum:
            buf = self._slots["momentum_buffer"][i]
            buf *= self.momentum
            np.divide(grad, tmp, out=out)
            buf += out
            np.multiply(buf, lr, out=out)
        else:
            np.multiply(grad, lr, out=out)
            out /= tmp
        param.value -= out

    def hyperparameters(self):
        return {
            "alpha": self.alpha,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "momentum": self.momentum,
            "centered": self.centered,
        }
