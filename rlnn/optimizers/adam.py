"""Adam and its relatives: AdamW (decoupled weight decay), AMSGrad (an Adam option), NAdam."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlnn._checks import check_number
from rlnn.optimizers.base import Optimizer, registry


def _check_adam(
    name: str, betas: tuple[float, float], eps: float, weight_decay: float
) -> tuple[tuple[float, float], float, float]:
    """Validated (betas, eps, weight_decay) shared by the Adam family."""
    checked = tuple(
        check_number(name, f"betas[{i}]", b, low=0, high=1, high_open=True)
        for i, b in enumerate(betas)
    )
    return (
        checked,
        check_number(name, "eps", eps, low=0),
        check_number(name, "weight_decay", weight_decay, low=0),
    )


@registry.register("adam")
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), bias-corrected, PyTorch's form:
    ``m = β1·m + (1 - β1)·g``, ``v = β2·v + (1 - β2)·g²``,
    ``θ -= lr·(m/(1 - β1^t)) / (sqrt(v/(1 - β2^t)) + eps)``.
    ``amsgrad`` keeps ``v_max = max(v_max, v)`` and uses it in place of v (Reddi et al., 2018).

    Note 000 writes m_t = β1·m + (1 + β1)·g and v_t = β2·v + (1 + β2)·g: the signs are wrong
    and the second moment misses the square; this is Kingma & Ba's algorithm.

    Args:
        betas: (β1, β2), each in [0, 1).
        eps: added to the denominator.
        weight_decay: L2 coefficient added to the gradient (coupled; see AdamW for decoupled).
        amsgrad: use the running maximum of v.
    """

    state_names = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        self.betas, self.eps, self.weight_decay = _check_adam(name, betas, eps, weight_decay)
        self.amsgrad = bool(amsgrad)
        if not self.amsgrad:
            self._slots["max_exp_avg_sq"] = self.state["max_exp_avg_sq"] = []
        self._scratch = [np.empty_like(t.value) for t in self._targets]

    def _decay(self, param, grad, lr):
        """Coupled L2: add weight_decay·θ to the gradient (AdamW overrides)."""
        return grad + self.weight_decay * param.value if self.weight_decay else grad

    def step(self) -> None:
        lr = self.current_lr()
        self.step_count += 1
        beta1, beta2 = self.betas
        bias1 = 1 - beta1**self.step_count
        bias2_sqrt = math.sqrt(1 - beta2**self.step_count)
        step_size = lr / bias1
        for i, p in enumerate(self._targets):
            grad = self._decay(p, p.grad, lr)
            m, v = self._slots["exp_avg"][i], self._slots["exp_avg_sq"][i]
            tmp = self._scratch[i]  # in-place arithmetic: no temporaries in the hot path
            m *= beta1
            np.multiply(grad, 1 - beta1, out=tmp)
            m += tmp
            v *= beta2
            np.multiply(grad, grad, out=tmp)
            tmp *= 1 - beta2
            v += tmp
            if self.amsgrad:
                v_max = self._slots["max_exp_avg_sq"][i]
                np.maximum(v_max, v, out=v_max)
                v = v_max
            np.sqrt(v, out=tmp)
            tmp *= 1 / bias2_sqrt
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p.value -= tmp
        self._flush_subnormal()

    def hyperparameters(self):
        return {
            "betas": list(self.betas),
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
        }


@registry.register("adamw")
class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019):
    ``θ ← θ·(1 - lr·weight_decay)`` before the Adam step, instead of adding to the gradient."""

    def __init__(
        self,
        params: Any,
        lr: Any = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)

    def _decay(self, param, grad, lr):
        if self.weight_decay:
            param.value *= 1 - lr * self.weight_decay
        return grad


@registry.register("nadam")
class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2016), PyTorch's form with momentum decay ψ:
    ``μ_t = β1·(1 - 0.5·0.96^{tψ})``, ``m`` and ``v`` as in Adam, and
    ``θ -= lr·(1 - μ_t)/(1 - Π_{i<=t} μ_i)·g/d + lr·μ_{t+1}/(1 - Π_{i<=t+1} μ_i)·m/d``
    with ``d = sqrt(v/(1 - β2^t)) + eps``."""

    state_names = ("exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Any,
        lr: Any = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
    ) -> None:
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = _check_adam("NAdam", betas, eps, weight_decay)
        self.momentum_decay = check_number("NAdam", "momentum_decay", momentum_decay, low=0)
        self.mu_product = 1.0

    def step(self) -> None:
        lr = self.current_lr()
        self.step_count += 1
        t = self.step_count
        beta1, beta2 = self.betas
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * self.momentum_decay))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * self.momentum_decay))
        self.mu_product *= mu
        bias2 = 1 - beta2**t
        for i, p in enumerate(self._targets):
            grad = p.grad + self.weight_decay * p.value if self.weight_decay else p.grad
            m, v = self._slots["exp_avg"][i], self._slots["exp_avg_sq"][i]
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            denom = np.sqrt(v / bias2) + self.eps
            p.value -= lr * (1 - mu) / (1 - self.mu_product) * grad / denom
            p.value -= lr * mu_next / (1 - self.mu_product * mu_next) * m / denom
        self._flush_subnormal()

    def state_dict(self):
        return {**super().state_dict(), "mu_product": self.mu_product}

    def load_state_dict(self, state):
        super().load_state_dict(state)
        self.mu_product = float(state["mu_product"])

    def hyperparameters(self):
        return {
            "betas": list(self.betas),
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "momentum_decay": self.momentum_decay,
        }
