"""Statistics over seeds: IQM and its percentile-bootstrap interval, against known values."""

import numpy as np
import pytest

from agents import stats


def test_iqm_is_the_mean_of_the_middle_half():
    assert stats.iqm(range(1, 9)) == pytest.approx(4.5)  # mean of 3, 4, 5, 6
    assert stats.iqm([1, 2, 3, 100]) == pytest.approx(2.5)  # the outlier is cut
    assert stats.iqm([5.0]) == 5.0
    # 10 values: int(2.5) = 2 cut from each end, the mean of the 6 in the middle
    values = [0, 0, 1, 2, 3, 4, 5, 6, 50, 90]
    assert stats.iqm(values) == pytest.approx(np.mean([1, 2, 3, 4, 5, 6]))


def test_iqm_ci_matches_a_percentile_bootstrap_done_by_hand():
    rng = np.random.default_rng(3)
    x = rng.normal(100.0, 20.0, size=20)
    low, high = stats.iqm_ci(x, n_resamples=20_000)
    resamples = x[rng.integers(0, len(x), size=(40_000, len(x)))]
    by_hand = np.percentile(stats.iqm(resamples, axis=1), [2.5, 97.5])
    assert low == pytest.approx(by_hand[0], abs=0.6)
    assert high == pytest.approx(by_hand[1], abs=0.6)
    assert low < stats.iqm(x) < high


def test_iqm_ci_is_deterministic_and_narrows_with_more_seeds():
    rng = np.random.default_rng(0)
    few, many = rng.normal(size=10), rng.normal(size=400)
    assert stats.iqm_ci(few) == stats.iqm_ci(few)
    width = lambda ci: ci[1] - ci[0]  # noqa: E731
    assert width(stats.iqm_ci(many)) < 0.5 * width(stats.iqm_ci(few))


def test_degenerate_samples_give_a_zero_width_interval():
    assert stats.iqm_ci([500.0] * 20) == (500.0, 500.0)
    assert stats.iqm_ci([7.0]) == (7.0, 7.0)


@pytest.mark.parametrize(
    ("values", "message"),
    [([], "expected at least one number, got none"), ([1.0, np.nan], "expected finite numbers")],
)
def test_iqm_ci_rejects_what_it_cannot_summarize(values, message):
    with pytest.raises(ValueError, match=message):
        stats.iqm_ci(values)


def test_describe_counts_the_solved_fraction_at_the_threshold():
    out = stats.describe([500, 475, 474.9, 100], threshold=475)
    assert out["solved_fraction"] == 0.5
    assert out["median"] == pytest.approx(474.95)
    assert out["mean"] == pytest.approx(387.475)
    assert stats.describe([1.0, 2.0])["solved_fraction"] is None
