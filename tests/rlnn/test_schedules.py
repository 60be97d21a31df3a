"""Schedules give the right value at given steps."""

import math

import pytest

from rlnn import schedules


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"name": "constant", "value": 0.3}, {0: 0.3, 10: 0.3, 10**6: 0.3}),
        ({"name": "time_based", "initial": 0.1, "decay": 0.5}, {0: 0.1, 2: 0.05, 8: 0.02}),
        (
            {"name": "step", "initial": 1.0, "step_size": 10, "gamma": 0.5},
            {0: 1, 9: 1, 10: 0.5, 25: 0.25},
        ),
        ({"name": "exponential", "initial": 2.0, "gamma": 0.9}, {0: 2.0, 1: 1.8, 3: 2 * 0.9**3}),
        (
            {"name": "cosine", "initial": 1.0, "period": 100, "minimum": 0.0},
            {0: 1.0, 50: 0.5, 100: 0.0, 150: 0.0},
        ),
        (
            {"name": "cosine", "initial": 1.0, "period": 10, "restarts": True, "period_mult": 2},
            {0: 1.0, 5: 0.5, 10: 1.0, 20: 0.5, 30: 1.0},
        ),
        (
            {"name": "linear", "start": 1.0, "end": 0.05, "duration": 100},
            {0: 1.0, 50: 0.525, 100: 0.05, 1000: 0.05},
        ),
        (
            {
                "name": "warmup",
                "after": {"name": "cosine", "initial": 1.0, "period": 10},
                "steps": 4,
            },
            {0: 0.0, 2: 0.5, 4: 1.0, 9: 0.5, 14: 0.0},
        ),
    ],
)
def test_values_at_given_steps(spec, expected):
    schedule = schedules.get(spec)
    for step, value in expected.items():
        assert schedule(step) == pytest.approx(value, abs=1e-12), (spec["name"], step)


def test_cosine_midway_formula():
    s = schedules.get({"name": "cosine", "initial": 0.2, "period": 30, "minimum": 0.02})
    assert s(10) == pytest.approx(0.02 + 0.18 * (1 + math.cos(math.pi / 3)) / 2)


def test_numbers_become_constants_and_configs_rebuild():
    assert schedules.get(0.5)(123) == 0.5
    s = schedules.get(
        {
            "name": "warmup",
            "after": {"name": "linear", "start": 1, "end": 0, "duration": 10},
            "steps": 5,
        }
    )
    rebuilt = schedules.get(s.config())
    assert [rebuilt(t) for t in range(20)] == [s(t) for t in range(20)]


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="Linear: duration must be a positive integer, got 0"):
        schedules.get({"name": "linear", "start": 1, "end": 0, "duration": 0})
    with pytest.raises(ValueError, match=r"unknown schedule 'cosin'; expected one of \["):
        schedules.get("cosin")
