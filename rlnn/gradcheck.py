"""Gradient checking: central finite differences in float64 against ``backward``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rlnn._typing import Array
from rlnn.layers.base import Layer


@dataclass
class GradcheckResult:
    """Outcome of :func:`gradcheck`.

    Attributes:
        passed: every entry satisfied ``|analytic - numeric| <= atol + rtol·|numeric|``.
        max_rel_error: the worst ``|a - n| / max(|a|, |n|, atol)`` over all checked entries.
        where: the worst entry, e.g. ``"input[3, 1]"`` or ``"0.weight[2, 5]"``.
        analytic, numeric: the two values at that entry.
    """

    passed: bool
    max_rel_error: float
    where: str
    analytic: float
    numeric: float

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        status = "passed" if self.passed else "FAILED"
        return (
            f"gradcheck {status}: worst relative error {self.max_rel_error:.3g} at "
            f"{self.where} (analytic {self.analytic:.6g}, numeric {self.numeric:.6g})"
        )


def _float64_copy(layer: Layer) -> Layer:
    """A deep copy (same class, weights, mode and generator states) converted to float64."""
    return copy.deepcopy(layer).astype(np.float64)


def gradcheck(
    layer: Layer,
    x: Array,
    *,
    loss: Any = None,
    target: Array | None = None,
    eps: float = 1e-6,
    rtol: float = 1e-4,
    atol: float = 1e-6,
    seed: int = 0,
    check_input: bool = True,
) -> GradcheckResult:
    """Compare ``backward`` with central finite differences for the input and every parameter.

    The check runs on a float64 copy of ``layer`` (same weights, mode and random-generator
    states; every forward starts from the same generator states, so dropout masks and RReLU
    slopes are fixed). The objective is ``loss(layer(x), target)`` if a loss is given, else
    ``Σ layer(x)·G`` with a random upstream gradient G (all-ones would hide transposition
    bugs); the layer's L1/L2 ``penalty()`` is added in both cases.

    Args:
        layer: any layer or model.
        x: input batch, shape (batch, ...).
        loss: optional loss spec; then ``target`` is required.
        eps: finite-difference step.
        rtol, atol: tolerances of the pass criterion.
        seed: seed of the random upstream gradient.
        check_input: also check ``dL/dx``.

    Returns:
        A :class:`GradcheckResult` (truthy when passed).
    """
    from rlnn import losses

    model = _float64_copy(layer)
    x = np.array(x, dtype=np.float64)
    loss_fn = None if loss is None else losses.get(loss)
    states = [g.bit_generator.state for g in model.generators()]
    upstream: Array | None = None

    def restore() -> None:
        for g, state in zip(model.generators(), states, strict=True):
            g.bit_generator.state = state

    def objective(inputs: Array) -> float:
        nonlocal upstream
        restore()
        out = model.forward(inputs)
        if loss_fn is not None:
            value = loss_fn.forward(out, target)
        else:
            if upstream is None:
                upstream = np.random.default_rng(seed).standard_normal(out.shape)
            value = float(np.sum(out * upstream))
        return value + model.penalty()

    objective(x)
    restore()
    out = model.forward(x)
    grad_out = upstream if loss_fn is None else loss_fn.backward(out, target)
    grad_x = model.backward(grad_out)

    checks: list[tuple[str, Array, Array]] = []
    if check_input:
        checks.append(("input", x, grad_x))
    checks += [(name, p.value, p.grad.copy()) for name, p in model.named_parameters().items()]

    return _compare(checks, lambda: objective(x), eps, rtol, atol)


def _compare(
    checks: list[tuple[str, Array, Array]],
    objective: Callable[[], float],
    eps: float,
    rtol: float,
    atol: float,
) -> GradcheckResult:
    """Central differences of ``objective`` at every entry of each (name, array, analytic
    gradient), perturbing the array in place; the worst entry (a failing one first)."""
    worst = GradcheckResult(True, 0.0, "", 0.0, 0.0)
    for name, array, analytic in checks:
        for index in np.ndindex(array.shape):
            original = array[index]
            array[index] = original + eps
            plus = objective()
            array[index] = original - eps
            minus = objective()
            array[index] = original
            numeric = (plus - minus) / (2 * eps)
            a = float(analytic[index])
            diff = abs(a - numeric)
            rel = diff / max(abs(a), abs(numeric), atol)
            ok = diff <= atol + rtol * abs(numeric)
            if rel > worst.max_rel_error or not worst.where or (not ok and worst.passed):
                where = f"{name}[{', '.join(map(str, index))}]"
                worst = GradcheckResult(worst.passed and ok, rel, where, a, numeric)
            elif not ok:
                worst.passed = False
    return worst
