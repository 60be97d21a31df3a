"""Statistics over seeds, as Agarwal et al. (2021, "Deep RL at the Edge of the Statistical
Precipice") recommend reporting them: the interquartile mean (IQM) with a 95% percentile
bootstrap confidence interval. Thin wrappers over SciPy (``scipy.stats.trim_mean``,
``scipy.stats.bootstrap``), so the numbers are SciPy's, not ours.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CONFIDENCE = 0.95
RESAMPLES = 10_000


def iqm(values: Sequence[float] | np.ndarray, axis: int = 0) -> float | np.ndarray:
    """Interquartile mean: the mean of the middle 50% (``trim_mean`` cutting 25% each side).

    With n values, ``int(0.25 * n)`` are cut from each end (SciPy's rule): the IQM of 1..8 is
    the mean of 3, 4, 5, 6.
    """
    from scipy.stats import trim_mean

    return trim_mean(np.asarray(values, dtype=np.float64), 0.25, axis=axis)


def iqm_ci(
    values: Sequence[float] | np.ndarray,
    confidence: float = CONFIDENCE,
    n_resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """The ``confidence`` percentile-bootstrap interval of the IQM, resampling seeds.

    Deterministic for a given ``seed``. One value, or values all equal, give a zero-width
    interval at that value (no resample can differ).

    Raises:
        ValueError: no values, or a value that is not finite.
    """
    from scipy.stats import bootstrap

    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise ValueError("values: expected at least one number, got none")
    if not np.isfinite(x).all():
        raise ValueError(f"values: expected finite numbers, got {x.tolist()}")
    if x.size == 1 or np.all(x == x[0]):
        return float(x[0]), float(x[0])
    result = bootstrap(
        (x,),
        iqm,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def describe(values: Sequence[float], threshold: float | None = None) -> dict[str, object]:
    """The numbers a seed group reports: mean, median, IQM with its 95% interval, and the
    fraction of values at or above ``threshold`` (None without one)."""
    x = np.asarray(values, dtype=np.float64)
    low, high = iqm_ci(x)
    return {
        "mean": float(x.mean()),
        "median": float(np.median(x)),
        "iqm": float(iqm(x)),
        "iqm_ci": [low, high],
        "solved_fraction": None if threshold is None else float(np.mean(x >= threshold)),
    }
