"""Schedules: callables of the step count, used for learning rates and for epsilon in DQN.

``schedule(t)`` gives the value at step t (t = 0 is the first step). Each is registered by
name: ``rlnn.schedules.get({"name": "cosine", "initial": 0.1, "period": 1000})``.
"""

from __future__ import annotations

import math
from typing import Any

from rlnn._checks import check_number, check_positive_int
from rlnn.registry import Registry

registry: Registry[Schedule] = Registry("schedule")


class Schedule:
    """Base class: ``__call__(step) -> value``; ``config()`` rebuilds it."""

    registry_name = "schedule"

    def __call__(self, step: int) -> float:
        return self.value(max(int(step), 0))

    def value(self, step: int) -> float:
        return 0.0

    def config(self) -> dict[str, Any]:
        params = {k: (v.config() if isinstance(v, Schedule) else v) for k, v in vars(self).items()}
        return {"name": self.registry_name, **params}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


@registry.register("constant")
class Constant(Schedule):
    """The same value at every step."""

    def __init__(self, value: float) -> None:
        self.value_ = check_number("Constant", "value", value)

    def value(self, step):
        return self.value_

    def config(self):
        return {"name": "constant", "value": self.value_}


@registry.register("time_based", "inverse_time")
class TimeBased(Schedule):
    """``initial / (1 + decay·t)``: the notes' learning-rate decay."""

    def __init__(self, initial: float, decay: float) -> None:
        self.initial = check_number("TimeBased", "initial", initial)
        self.decay = check_number("TimeBased", "decay", decay, low=0)

    def value(self, step):
        return self.initial / (1 + self.decay * step)


@registry.register("step", "step_decay")
class StepDecay(Schedule):
    """``initial · gamma^floor(t / step_size)`` (PyTorch's StepLR)."""

    def __init__(self, initial: float, step_size: int, gamma: float = 0.1) -> None:
        self.initial = check_number("StepDecay", "initial", initial)
        self.step_size = check_positive_int("StepDecay", "step_size", step_size)
        self.gamma = check_number("StepDecay", "gamma", gamma, low=0)

    def value(self, step):
        return self.initial * self.gamma ** (step // self.step_size)


@registry.register("exponential")
class ExponentialDecay(Schedule):
    """``initial · gamma^t`` (PyTorch's ExponentialLR)."""

    def __init__(self, initial: float, gamma: float) -> None:
        self.initial = check_number("ExponentialDecay", "initial", initial)
        self.gamma = check_number("ExponentialDecay", "gamma", gamma, low=0)

    def value(self, step):
        return self.initial * self.gamma**step


@registry.register("cosine", "cosine_annealing")
class CosineAnnealing(Schedule):
    """``minimum + (initial - minimum)·(1 + cos(π·t_cur/T))/2`` (Loshchilov & Hutter, 2017).

    Without restarts, t_cur = min(t, period) (then stays at ``minimum``). With ``restarts``,
    SGDR: the cycle restarts at ``initial`` after each period, each period ``period_mult``
    times longer than the last (PyTorch's CosineAnnealingWarmRestarts, T_0 and T_mult).
    """

    def __init__(
        self,
        initial: float,
        period: int,
        minimum: float = 0.0,
        restarts: bool = False,
        period_mult: int = 1,
    ) -> None:
        self.initial = check_number("CosineAnnealing", "initial", initial)
        self.period = check_positive_int("CosineAnnealing", "period", period)
        self.minimum = check_number("CosineAnnealing", "minimum", minimum)
        self.restarts = bool(restarts)
        self.period_mult = check_positive_int("CosineAnnealing", "period_mult", period_mult)

    def value(self, step):
        t, length = step, self.period
        if not self.restarts:
            t = min(t, length)
        else:
            while t >= length:
                t -= length
                length *= self.period_mult
        return (
            self.minimum + (self.initial - self.minimum) * (1 + math.cos(math.pi * t / length)) / 2
        )


@registry.register("linear")
class Linear(Schedule):
    """From ``start`` to ``end`` linearly over ``duration`` steps, then ``end`` (the DQN
    epsilon schedule: 1.0 → 0.05 over a fraction of training)."""

    def __init__(self, start: float, end: float, duration: int) -> None:
        self.start = check_number("Linear", "start", start)
        self.end = check_number("Linear", "end", end)
        self.duration = check_positive_int("Linear", "duration", duration)

    def value(self, step):
        fraction = min(step / self.duration, 1.0)
        return self.start + fraction * (self.end - self.start)


@registry.register("warmup")
class Warmup(Schedule):
    """Linear warm-up composed with another schedule: for t < ``steps`` the value rises from
    ``start_factor·after(0)`` to ``after(0)``; from then on it is ``after(t - steps)``."""

    def __init__(
        self, after: Schedule | dict | float, steps: int, start_factor: float = 0.0
    ) -> None:
        self.after = get(after)
        self.steps = check_positive_int("Warmup", "steps", steps)
        self.start_factor = check_number("Warmup", "start_factor", start_factor, low=0, high=1)

    def value(self, step):
        if step < self.steps:
            return self.after(0) * (self.start_factor + (1 - self.start_factor) * step / self.steps)
        return self.after(step - self.steps)


def get(spec: str | dict | float | Schedule, **params: Any) -> Schedule:
    """Build a schedule; a plain number becomes a :class:`Constant`."""
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return Constant(spec)
    return registry.get(spec, **params)


def names() -> list[str]:
    """Registered schedule names."""
    return registry.names()
