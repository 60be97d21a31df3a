"""L-BFGS for full-batch training of small models, wrapping SciPy's implementation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rlnn._checks import check_positive_int
from rlnn.optimizers.base import Optimizer, registry


@registry.register("lbfgs")
class LBFGS(Optimizer):
    """Limited-memory BFGS (Liu & Nocedal, 1989), the quasi-Newton method the notes list.

    ``step(closure)`` runs up to ``max_iter`` iterations of SciPy's L-BFGS-B over the
    flattened parameters (in float64); ``closure()`` must compute the loss on the full batch,
    run backward (filling ``.grad``) and return the loss, as in PyTorch's LBFGS. SciPy is
    imported only here, so it is a dependency of this optimizer alone.

    Args:
        params: a model or list of Parameters.
        lr: unused by L-BFGS (its line search picks the step); kept for the common interface.
        max_iter: iterations per ``step``.
        history_size: number of correction pairs kept (SciPy's ``maxcor``).
        tolerance_grad: stop when the projected gradient's largest entry is below this.
    """

    flatten = False  # it flattens into float64 for SciPy itself

    def __init__(
        self,
        params: Any,
        lr: Any = 1.0,
        max_iter: int = 20,
        history_size: int = 10,
        tolerance_grad: float = 1e-7,
    ) -> None:
        super().__init__(params, lr)
        self.max_iter = check_positive_int("LBFGS", "max_iter", max_iter)
        self.history_size = check_positive_int("LBFGS", "history_size", history_size)
        self.tolerance_grad = float(tolerance_grad)
        self.last_result: Any = None

    def _flat(self) -> np.ndarray:
        return np.concatenate([p.value.ravel() for p in self.params]).astype(np.float64)

    def _assign(self, flat: np.ndarray) -> None:
        offset = 0
        for p in self.params:
            p.value[...] = flat[offset : offset + p.size].reshape(p.shape)
            offset += p.size

    def step(self, closure: Callable[[], float] | None = None) -> float:
        """Run L-BFGS iterations; returns the final loss."""
        if closure is None:
            raise ValueError("LBFGS.step needs a closure that computes the loss and gradients")
        try:
            from scipy.optimize import minimize
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError("LBFGS needs SciPy: pip install scipy") from error

        def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
            self._assign(flat)
            loss = float(closure())
            grad = np.concatenate([p.grad.ravel() for p in self.params]).astype(np.float64)
            return loss, grad

        result = minimize(
            objective,
            self._flat(),
            jac=True,
            method="L-BFGS-B",
            options={
                "maxiter": self.max_iter,
                "maxcor": self.history_size,
                "gtol": self.tolerance_grad,
            },
        )
        self._assign(result.x)
        self.step_count += 1
        self.last_result = result
        return float(result.fun)

    def hyperparameters(self):
        return {
            "max_iter": self.max_iter,
            "history_size": self.history_size,
            "tolerance_grad": self.tolerance_grad,
        }
